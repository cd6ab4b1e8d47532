#pragma once
// The libcurl transport: the only place in esmend that includes curl.

#include <es_client/auth.hpp>
#include <es_client/transport.hpp>
#include <es_client/url.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace esmend::es_client {

enum class TlsVerify { full, none };
enum class Compression { off, gzip };

struct TlsOptions {
    std::string ca_file;                // PEM bundle trusted in addition to nothing else when set
    std::string client_cert;            // PEM client certificate for mutual TLS
    std::string client_key;             // its PEM private key
    TlsVerify verify = TlsVerify::full; // `none` only when the user asked for --insecure
};

struct TransportOptions {
    std::vector<BaseUrl> hosts; // round-robin, failing over on connection errors
    Credentials credentials;
    TlsOptions tls;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{60'000};
    Compression compress_requests = Compression::off;
    std::string user_agent = "esmend";
};

// Keeps a small pool of curl easy handles, each with its own connection cache, so sequential and
// concurrent requests reuse kept-alive connections. Proxies come from the environment exactly as
// curl takes them (http_proxy, https_proxy, no_proxy).
class CurlTransport final : public Transport {
public:
    [[nodiscard]] static Result<std::unique_ptr<CurlTransport>> create(TransportOptions options);
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    [[nodiscard]] Result<HttpResponse> perform(const HttpRequest& request) override;

private:
    struct Handle;
    explicit CurlTransport(TransportOptions options);
    std::unique_ptr<Handle> acquire();
    void release(std::unique_ptr<Handle> handle);
    // connect_failed tells whether nothing reached the server, so another host may be tried.
    Result<HttpResponse> perform_on(Handle& handle, const BaseUrl& host, const HttpRequest& request,
                                    bool& connect_failed);

    TransportOptions m_options;
    std::string m_authorization;
    std::atomic<std::size_t> m_next_host{0};
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Handle>> m_idle;
};

} // namespace esmend::es_client

#pragma once
// An in-process HTTP or HTTPS server on 127.0.0.1 with an ephemeral port, for transport and CLI
// tests. Handlers are registered on server() before start().

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace esmend::test {

struct TlsFiles {
    std::string cert;
    std::string key;
    std::string client_ca; // when set, clients must present a certificate signed by it
};

class TestServer {
public:
    TestServer();
    explicit TestServer(const TlsFiles& tls);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    httplib::Server& server() { return *m_server; }
    // Binds 127.0.0.1 on a free port and serves on a background thread.
    void start();
    void stop();
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const;

    // Distinct client connections seen so far (by remote port), to prove keep-alive reuse.
    [[nodiscard]] std::size_t connections() const;
    [[nodiscard]] std::size_t requests() const { return m_requests.load(); }

private:
    std::unique_ptr<httplib::Server> m_server;
    bool m_tls = false;
    int m_port = 0;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::set<int> m_remote_ports;
    std::atomic<std::size_t> m_requests{0};
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
int unused_port();

// A handler answering like Elasticsearch's GET / (with the X-elastic-product header).
void serve_es_root(httplib::Server& server, const std::string& version = "8.19.0");

} // namespace esmend::test

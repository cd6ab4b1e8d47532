#include <es_client/curl_transport.hpp>

#include "curl_easy.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <utility>

namespace esmend::es_client {

namespace {

// Idle handles kept for reuse; each holds its own cache of live connections.
constexpr std::size_t k_max_idle_handles = 16;

Result<std::string> gzip(std::string_view data) {
    z_stream stream{};
    // windowBits 15 + 16 selects the gzip wrapper (zlib.h, deflateInit2).
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return std::unexpected(make_error(ErrorKind::transport, "cannot initialise gzip"));
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END)
        return std::unexpected(make_error(ErrorKind::transport, "gzip failed"));
    return out;
}

} // namespace

struct CurlTransport::Handle {
    curl::EasyPtr easy;
};

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(TransportOptions options) {
    if (!curl::global_init()) {
        return std::unexpected(make_error(ErrorKind::config, "libcurl could not be initialised"));
    }
    if (options.hosts.empty()) {
        return std::unexpected(
            make_error(ErrorKind::config, "no Elasticsearch or Kibana host given"));
    }
    if (options.tls.client_cert.empty() != options.tls.client_key.empty()) {
        return std::unexpected(make_error(
            ErrorKind::config, "a client certificate needs its key, and a key its certificate"));
    }
    return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(options)));
}

CurlTransport::CurlTransport(TransportOptions options)
    : m_options(std::move(options)), m_authorization(m_options.credentials.authorization()) {}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlTransport::Handle> CurlTransport::acquire() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            auto handle = std::move(m_idle.back());
            m_idle.pop_back();
            return handle;
        }
    }
    auto handle = std::make_unique<Handle>();
    handle->easy.reset(curl_easy_init());
    if (!handle->easy)
        return nullptr;
    return handle;
}

void CurlTransport::release(std::unique_ptr<Handle> handle) {
    std::lock_guard lock(m_mutex);
    if (m_idle.size() < k_max_idle_handles)
        m_idle.push_back(std::move(handle));
}

Result<HttpResponse> CurlTransport::perform(const HttpRequest& request) {
    auto handle = acquire();
    if (!handle)
        return std::unexpected(make_error(ErrorKind::transport, "curl_easy_init failed"));
    const auto count = m_options.hosts.size();
    const auto first = m_next_host.fetch_add(1, std::memory_order_relaxed) % count;
    Result<HttpResponse> result =
        std::unexpected(make_error(ErrorKind::transport, "no host tried"));
    for (std::size_t i = 0; i < count; ++i) {
        const auto& host = m_options.hosts[(first + i) % count];
        bool connect_failed = false;
        result = perform_on(*handle, host, request, connect_failed);
        if (result || !connect_failed)
            break;
        if (i + 1 < count) {
            spdlog::warn("{}; failing over to {}", result.error().message,
                         m_options.hosts[(first + i + 1) % count].str());
        }
    }
    release(std::move(handle));
    return result;
}

Result<HttpResponse> CurlTransport::perform_on(Handle& handle, const BaseUrl& host,
                                               const HttpRequest& request, bool& connect_failed) {
    CURL* easy = handle.easy.get();
    // curl_easy_reset keeps live connections, so the next request reuses them (curl_easy_reset(3)).
    curl_easy_reset(easy);

    std::string body_storage;
    std::string_view body = request.body;
    const bool compress = m_options.compress_requests == Compression::gzip && !request.body.empty();
    if (compress) {
        auto packed = gzip(request.body);
        if (!packed)
            return std::unexpected(packed.error());
        body_storage = std::move(*packed);
        body = body_storage;
    }

    curl::ListPtr header_list;
    const auto add_header = [&](const std::string& line) {
        // curl_slist_append returns the head, or null leaving the list untouched.
        if (curl_slist* head = curl_slist_append(header_list.get(), line.c_str());
            head != nullptr) {
            (void)header_list.release();
            header_list.reset(head);
        }
    };
    if (!m_authorization.empty())
        add_header("Authorization: " + m_authorization);
    add_header("Accept: application/json");
    if (!request.body.empty() || request.method == Method::post || request.method == Method::put) {
        add_header("Content-Type: " + request.content_type);
    }
    if (compress)
        add_header("Content-Encoding: gzip");
    add_header("Expect:"); // no 100-continue round trip for large bulk bodies
    for (const auto& h : request.headers)
        add_header(h.name + ": " + h.value);

    const std::string url = host.str() + request.path;
    const auto timeout = request.timeout.value_or(m_options.request_timeout);
    HttpResponse response;
    response.host = host.str();
    char error_buffer[CURL_ERROR_SIZE] = {0};

    CURLcode setup = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (setup == CURLE_OK)
            setup = curl_easy_setopt(easy, option, value);
    };
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_ERRORBUFFER, error_buffer);
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_options.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    // What Elasticsearch's HTTP layer compresses with (http.compression: gzip, deflate), as
    // Elastic's own clients ask; not "" (every encoding libcurl knows, br and zstd included),
    // which a server could answer in an encoding ES never sends.
    set(CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
    set(CURLOPT_USERAGENT, m_options.user_agent.c_str());
    set(CURLOPT_HTTPHEADER, header_list.get());
    set(CURLOPT_WRITEFUNCTION, &curl::on_body);
    set(CURLOPT_WRITEDATA, &response.body);
    set(CURLOPT_HEADERFUNCTION, &curl::on_header);
    set(CURLOPT_HEADERDATA, &response.headers);
    if (!m_options.tls.ca_file.empty())
        set(CURLOPT_CAINFO, m_options.tls.ca_file.c_str());
    if (!m_options.tls.client_cert.empty()) {
        set(CURLOPT_SSLCERT, m_options.tls.client_cert.c_str());
        set(CURLOPT_SSLKEY, m_options.tls.client_key.c_str());
    }
    if (m_options.tls.verify == TlsVerify::none) {
        set(CURLOPT_SSL_VERIFYPEER, 0L);
        set(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    switch (request.method) {
    case Method::get:
        set(CURLOPT_HTTPGET, 1L);
        break;
    case Method::head:
        set(CURLOPT_NOBODY, 1L);
        break;
    case Method::post:
        set(CURLOPT_POST, 1L);
        break;
    case Method::put:
        set(CURLOPT_CUSTOMREQUEST, "PUT");
        break;
    case Method::del:
        set(CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    }
    if (request.method == Method::post || request.method == Method::put ||
        (request.method == Method::del && !body.empty())) {
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        set(CURLOPT_POSTFIELDS, body.data());
    }
    if (setup != CURLE_OK) {
        return std::unexpected(
            make_error(ErrorKind::config,
                       std::string("libcurl rejected an option: ") + curl_easy_strerror(setup)));
    }

    if (spdlog::should_log(spdlog::level::trace)) {
        for (const curl_slist* item = header_list.get(); item != nullptr; item = item->next) {
            const std::string_view line = item->data;
            spdlog::trace("> {}",
                          line.starts_with("Authorization:") ? "Authorization: [redacted]" : line);
        }
    }
    const auto started = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(easy);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (rc != CURLE_OK) {
        auto failure = curl::error_from_curl(rc, error_buffer, host, easy);
        connect_failed = failure.connect_failed;
        spdlog::debug("{} {}{} failed after {} ms: {}", to_string(request.method), host.str(),
                      request.path, elapsed.count(), failure.error.message);
        return std::unexpected(std::move(failure.error));
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    spdlog::debug("{} {}{} -> {} ({} ms, {} bytes)", to_string(request.method), host.str(),
                  request.path, response.status, elapsed.count(), response.body.size());
    return response;
}

} // namespace esmend::es_client

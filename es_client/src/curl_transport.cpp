#include <es_client/curl_transport.hpp>

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <utility>

namespace esmend::es_client {

namespace {

struct EasyDeleter {
    void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListDeleter {
    void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

// Idle handles kept for reuse; each holds its own cache of live connections.
constexpr std::size_t k_max_idle_handles = 16;

std::once_flag g_curl_init;
CURLcode g_curl_init_result = CURLE_OK;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* headers = static_cast<std::vector<Header>*>(user);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
        headers->clear(); // a new response (after 100 Continue): keep only the final one's headers
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        headers->push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    return size * count;
}

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

struct CurlFailure {
    Error error;
    bool connect_failed = false; // nothing reached the server: safe to try another host
};

// The one place that maps a CURLcode to an error kind.
CurlFailure error_from_curl(CURLcode code, const char* detail, const BaseUrl& host, CURL* easy) {
    const std::string where = host.str();
    const std::string text =
        (detail != nullptr && *detail != '\0') ? detail : curl_easy_strerror(code);
    CurlFailure f;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        f.error = make_error(ErrorKind::transport, "cannot connect to " + where + ": " + text);
        f.error.retryable = true;
        f.connect_failed = true;
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        f.connect_failed = connect_us == 0;
        f.error = make_error(ErrorKind::timeout,
                             (f.connect_failed ? "connect timeout to " : "request timeout from ") +
                                 where + ": " + text);
        // A request that timed out after connecting may have been processed; resending it is the
        // caller's choice, so only connect timeouts are retryable.
        f.error.retryable = f.connect_failed;
        break;
    }
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        f.error = make_error(ErrorKind::transport, "connection to " + where + " failed: " + text);
        f.error.retryable = true;
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
        f.error = make_error(
            ErrorKind::transport,
            "TLS failure with " + where + ": " + text +
                " (pass the cluster's CA with --ca-cert; --insecure skips verification)");
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        f.error = make_error(ErrorKind::cancelled, "request to " + where + " cancelled");
        break;
    default:
        f.error = make_error(ErrorKind::transport, "request to " + where + " failed: " + text);
        break;
    }
    return f;
}

} // namespace

struct CurlTransport::Handle {
    EasyPtr easy;
};

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(TransportOptions options) {
    std::call_once(g_curl_init, [] { g_curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (g_curl_init_result != CURLE_OK) {
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

    ListPtr header_list;
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
    set(CURLOPT_ACCEPT_ENCODING, ""); // every encoding libcurl can decode
    set(CURLOPT_USERAGENT, m_options.user_agent.c_str());
    set(CURLOPT_HTTPHEADER, header_list.get());
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, &response.body);
    set(CURLOPT_HEADERFUNCTION, &on_header);
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
        auto failure = error_from_curl(rc, error_buffer, host, easy);
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

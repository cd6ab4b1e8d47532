#include "curl_easy.hpp"

#include <mutex>

namespace esmend::es_client::curl {

namespace {
std::once_flag g_init;
CURLcode g_init_result = CURLE_OK;
} // namespace

bool global_init() {
    std::call_once(g_init, [] { g_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    return g_init_result == CURLE_OK;
}

CURLcode apply_tls(CURL* easy, const TlsOptions& tls) {
    CURLcode rc = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(easy, option, value);
    };
    if (!tls.ca_file.empty())
        set(CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.client_cert.empty()) {
        set(CURLOPT_SSLCERT, tls.client_cert.c_str());
        set(CURLOPT_SSLKEY, tls.client_key.c_str());
    }
    if (tls.verify == TlsVerify::none) {
        set(CURLOPT_SSL_VERIFYPEER, 0L);
        set(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return rc;
}

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

Failure error_from_curl(CURLcode code, const char* detail, const BaseUrl& host, CURL* easy) {
    const std::string where = host.str();
    const std::string text =
        (detail != nullptr && *detail != '\0') ? detail : curl_easy_strerror(code);
    Failure f;
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

} // namespace esmend::es_client::curl

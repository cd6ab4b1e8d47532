#pragma once
// Helpers shared by the curl-based transports (private to es_client: only this library includes
// curl).

#include <es_client/curl_transport.hpp>
#include <es_client/error.hpp>
#include <es_client/http.hpp>
#include <es_client/url.hpp>

#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

namespace esmend::es_client::curl {

struct EasyDeleter {
    void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListDeleter {
    void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

// curl_global_init once per process; false if it failed.
bool global_init();

// CURLOPT_WRITEFUNCTION appending to a std::string.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user);
// CURLOPT_HEADERFUNCTION filling a std::vector<Header> with the final response's headers.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user);

struct Failure {
    Error error;
    bool connect_failed = false; // nothing reached the server: safe to try another host
};

// The one place that maps a CURLcode to an error kind.
Failure error_from_curl(CURLcode code, const char* detail, const BaseUrl& host, CURL* easy);

// Sets the TLS options on an easy handle; returns the first failing setopt code.
CURLcode apply_tls(CURL* easy, const TlsOptions& tls);

} // namespace esmend::es_client::curl

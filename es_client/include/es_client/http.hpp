#pragma once
// Value types for one HTTP exchange. The transport fills a response for every HTTP status; only a
// request that did not complete is an Error.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_client {

enum class Method { get, head, post, put, del };

[[nodiscard]] std::string_view to_string(Method method);

struct Header {
    std::string name;
    std::string value;
};

// Whether a failed attempt may be sent again. Requests that start server-side work which must not
// run twice (an async reindex, say) opt out; everything else follows the retry policy.
enum class Retry { yes, no };

struct HttpRequest {
    Method method = Method::get;
    std::string path; // "/_cluster/health?level=indices": the path and query, relative to the host
    std::string body;
    std::string content_type = "application/json";
    std::vector<Header> headers;
    std::optional<std::chrono::milliseconds> timeout; // overrides the transport's request timeout
    Retry retry = Retry::yes;
};

[[nodiscard]] HttpRequest make_request(Method method, std::string path, std::string body = {});

struct HttpResponse {
    int status = 0;
    std::vector<Header> headers;
    std::string body;
    std::string host; // the base URL that answered, without credentials
    int attempts = 1; // how many times the request was sent, retries included

    // Case-insensitive header lookup (the last value when repeated).
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
    [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

} // namespace esmend::es_client

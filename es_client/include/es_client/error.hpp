#pragma once
// The one error type of esmend's libraries. Library code returns Result<T>; exceptions stop at the
// CLI boundary (../shared/STYLE.md, "Errors: values inside, one catch at the edge").

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_client {

struct HttpResponse;

enum class ErrorKind {
    transport, // the request did not complete: connection refused, reset, TLS failure
    timeout,   // connect or request timeout
    http,      // a non-2xx answer whose body is neither an ES nor a Kibana error envelope
    es,        // an Elasticsearch error envelope ({"error": {...}, "status": N})
    kibana,    // a Kibana error envelope ({"statusCode", "error", "message"})
    parse,     // a body that is not the JSON we expected
    config,    // bad options, URLs, Cloud IDs, certificates
    state,     // the cluster is not in a state the operation can work with
    conflict,  // a concurrent change, a held lock, a version conflict
    cancelled, // stopped by the user (Ctrl-C) before completing
};

[[nodiscard]] std::string_view to_string(ErrorKind kind);

// One element of an ES "root_cause" list or "caused_by" chain.
struct ErrorCause {
    std::string type;
    std::string reason;
};

struct Error {
    ErrorKind kind = ErrorKind::state;
    std::string message;
    int http_status = 0;

    // Elasticsearch's error envelope (../shared/reference/es-apis.md §0.1). es_type/es_reason are
    // the top-level error; caused_by is the chain from the outermost cause to the innermost. When
    // ES answers with a plain string error (routing-level errors), es_reason holds it and es_type
    // stays empty.
    std::string es_type;
    std::string es_reason;
    std::vector<ErrorCause> root_cause;
    std::vector<ErrorCause> caused_by;

    // Kibana's envelope: {"statusCode": 400, "error": "Bad Request", "message": "..."}; the message
    // goes to `message`.
    std::string kibana_error;

    bool retryable = false;
    int attempts = 1;

    // A one-line description for humans: message, then the ES type/reason and innermost cause.
    [[nodiscard]] std::string describe() const;

    // True when the ES error type, or any root cause or cause in the chain, has this type.
    [[nodiscard]] bool has_type(std::string_view type) const;
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] Error make_error(ErrorKind kind, std::string message);

// Service whose error envelope a response body should be read as.
enum class Service { elasticsearch, kibana };

// Turns a non-2xx response into an Error, parsing the service's error envelope when the body has
// one and falling back to a plain `http` error otherwise. A 409 becomes kind `conflict`.
[[nodiscard]] Error error_from_response(const HttpResponse& response, Service service);

} // namespace esmend::es_client

#pragma once
// The value types of es-sim's Kibana side: a routed request, a JSON reply and Kibana's error body
// (es-apis.md §2.1: {"statusCode": 400, "error": "Bad Request", "message": "..."}, the hapi/Boom
// shape every Kibana HTTP API uses).

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <string>
#include <utility>

namespace esmend::es_sim::kibana {

struct KibanaError {
    int status = 500;
    std::string message;

    // hapi's HTTP reason phrases, which Boom puts into "error".
    [[nodiscard]] static const char* phrase(int status) {
        switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 415:
            return "Unsupported Media Type";
        case 502:
            return "Bad Gateway";
        default:
            return "Internal Server Error";
        }
    }
    [[nodiscard]] nlohmann::json body() const {
        return nlohmann::json{
            {"statusCode", status}, {"error", phrase(status)}, {"message", message}};
    }
};

struct KibanaRequest {
    std::string method;
    std::string path; // without the /s/{space} prefix
    std::map<std::string, std::string> query;
    std::string body;
};

struct KibanaResponse {
    int status = 200;
    nlohmann::json body;
};

using KibanaReply = std::expected<KibanaResponse, KibanaError>;

inline KibanaReply kibana_ok(nlohmann::json body) {
    return KibanaResponse{200, std::move(body)};
}
inline std::unexpected<KibanaError> kibana_error(int status, std::string message) {
    return std::unexpected(KibanaError{status, std::move(message)});
}

} // namespace esmend::es_sim::kibana

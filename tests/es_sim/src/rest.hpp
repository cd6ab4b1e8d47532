#pragma once
// The value types es-sim's endpoints work on, independent of the HTTP library.

#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace esmend::es_sim {

// Who is calling, once security has authenticated the request.
struct Principal {
    std::string name; // user name or API key id
    std::string role; // "superuser", "viewer" (read_only) or "no_access" as ES names them
    bool api_key = false;
    bool anonymous = true; // security disabled
};

struct RestRequest {
    std::string method;                        // GET, HEAD, POST, PUT, DELETE
    std::string path;                          // decoded path, e.g. "/logs-a/_search"
    std::string uri;                           // path and query as sent, for ES's error texts
    std::map<std::string, std::string> params; // query parameters (last value wins)
    std::map<std::string, std::string> parts;  // path parts from the endpoint pattern
    std::string endpoint;                      // rest-api-spec name, e.g. "indices.create"
    std::string body;
    Principal principal;

    [[nodiscard]] bool has(const std::string& key) const { return params.contains(key); }
    [[nodiscard]] std::string param(const std::string& key, std::string fallback = {}) const {
        const auto it = params.find(key);
        return it == params.end() ? std::move(fallback) : it->second;
    }
    [[nodiscard]] std::string part(const std::string& key) const {
        const auto it = parts.find(key);
        return it == parts.end() ? std::string{} : it->second;
    }
};

struct RestResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    // A JSON body not yet serialised, so that filter_path can be applied uniformly.
    std::optional<nlohmann::json> json;
    bool drop_connection = false; // fault injection: close the connection without a full response
};

using Reply = std::expected<RestResponse, EsError>;

inline RestResponse json_reply(nlohmann::json body, int status = 200) {
    RestResponse r;
    r.status = status;
    r.json = std::move(body);
    return r;
}

inline nlohmann::json acknowledged() {
    return nlohmann::json{{"acknowledged", true}};
}

} // namespace esmend::es_sim

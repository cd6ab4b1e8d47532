#pragma once
// The one error value inside es-sim. Every failure an endpoint reports is an EsError, rendered with
// ES's error envelope (../shared/reference/es-apis.md §0.1):
//   {"error": {"root_cause": [...], "type": ..., "reason": ..., "caused_by": ..., <extra keys>},
//   "status": N}
// Per-item bulk errors and reindex failures use the inner "error" object only (cause_json()).

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>

namespace esmend::es_sim {

struct EsError {
    int status = 500;
    std::string type;
    std::string reason;
    // Exception-specific metadata merged into the error object, e.g. {"index": "x", "index_uuid":
    // "_na_", "resource.type": "index_or_alias", "resource.id": "x"}.
    nlohmann::json extra = nlohmann::json::object();
    // The nested cause, rendered as "caused_by" (ES puts the innermost cause into root_cause).
    std::shared_ptr<EsError> caused_by;

    EsError() = default;
    EsError(int http_status, std::string error_type, std::string error_reason)
        : status(http_status), type(std::move(error_type)), reason(std::move(error_reason)) {}

    EsError& with(const std::string& key, nlohmann::json value) {
        extra[key] = std::move(value);
        return *this;
    }
    EsError& because(EsError cause) {
        caused_by = std::make_shared<EsError>(std::move(cause));
        return *this;
    }

    // The ErrorCause object: {"type", "reason", extra..., "caused_by"?}.
    [[nodiscard]] nlohmann::json cause_json() const {
        nlohmann::json j = nlohmann::json::object();
        j["type"] = type;
        j["reason"] = reason;
        for (const auto& [k, v] : extra.items())
            j[k] = v;
        if (caused_by)
            j["caused_by"] = caused_by->cause_json();
        return j;
    }

    // The full HTTP body. root_cause holds the error itself (ES reports the top-level failure there
    // for the single-cause errors es-sim produces), without caused_by.
    [[nodiscard]] nlohmann::json envelope() const {
        nlohmann::json root = nlohmann::json::object();
        root["type"] = type;
        root["reason"] = reason;
        for (const auto& [k, v] : extra.items())
            root[k] = v;
        nlohmann::json err = cause_json();
        nlohmann::json ordered = nlohmann::json::object();
        ordered["root_cause"] = nlohmann::json::array({root});
        for (const auto& [k, v] : err.items())
            ordered[k] = v;
        return nlohmann::json{{"error", ordered}, {"status", status}};
    }
};

} // namespace esmend::es_sim

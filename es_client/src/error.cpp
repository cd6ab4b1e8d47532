#include <es_client/error.hpp>
#include <es_client/http.hpp>

#include <nlohmann/json.hpp>

#include <utility>

namespace esmend::es_client {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::transport:
        return "transport";
    case ErrorKind::timeout:
        return "timeout";
    case ErrorKind::http:
        return "http";
    case ErrorKind::es:
        return "es";
    case ErrorKind::kibana:
        return "kibana";
    case ErrorKind::parse:
        return "parse";
    case ErrorKind::config:
        return "config";
    case ErrorKind::state:
        return "state";
    case ErrorKind::conflict:
        return "conflict";
    case ErrorKind::cancelled:
        return "cancelled";
    }
    return "unknown";
}

Error make_error(ErrorKind kind, std::string message) {
    Error error;
    error.kind = kind;
    error.message = std::move(message);
    return error;
}

std::string Error::describe() const {
    std::string text = message;
    if (!es_type.empty() && message.find(es_type) == std::string::npos) {
        text += " [" + es_type + "]";
    }
    if (!caused_by.empty()) {
        const auto& innermost = caused_by.back();
        text += "; caused by " + innermost.type + ": " + innermost.reason;
    }
    if (attempts > 1)
        text += " (after " + std::to_string(attempts) + " attempts)";
    return text;
}

bool Error::has_type(std::string_view type) const {
    if (es_type == type)
        return true;
    for (const auto& cause : root_cause)
        if (cause.type == type)
            return true;
    for (const auto& cause : caused_by)
        if (cause.type == type)
            return true;
    return false;
}

namespace {

ErrorCause cause_of(const nlohmann::json& j) {
    ErrorCause cause;
    if (j.is_object()) {
        if (auto t = j.find("type"); t != j.end() && t->is_string())
            cause.type = t->get<std::string>();
        if (auto r = j.find("reason"); r != j.end() && r->is_string())
            cause.reason = r->get<std::string>();
    }
    return cause;
}

// ES: {"error": {"type", "reason", "root_cause": [...], "caused_by": {...}}, "status": N}, or
// {"error": "plain text", "status": N} for routing-level errors (es-apis.md §0.1).
bool parse_es_envelope(const nlohmann::json& body, Error& error) {
    if (!body.is_object())
        return false;
    auto it = body.find("error");
    if (it == body.end())
        return false;
    if (it->is_string()) {
        error.es_reason = it->get<std::string>();
        error.message = error.es_reason;
        return true;
    }
    if (!it->is_object())
        return false;
    const ErrorCause top = cause_of(*it);
    error.es_type = top.type;
    error.es_reason = top.reason;
    if (auto rc = it->find("root_cause"); rc != it->end() && rc->is_array()) {
        for (const auto& c : *rc)
            error.root_cause.push_back(cause_of(c));
    }
    const nlohmann::json* next = it->contains("caused_by") ? &(*it)["caused_by"] : nullptr;
    for (int depth = 0; next != nullptr && next->is_object() && depth < 16; ++depth) {
        error.caused_by.push_back(cause_of(*next));
        auto nested = next->find("caused_by");
        next = nested != next->end() ? &*nested : nullptr;
    }
    error.message = top.type.empty() ? top.reason : top.type + ": " + top.reason;
    return true;
}

// Kibana: {"statusCode": 400, "error": "Bad Request", "message": "..."} (es-apis.md §2.1).
bool parse_kibana_envelope(const nlohmann::json& body, Error& error) {
    if (!body.is_object() || !body.contains("statusCode"))
        return false;
    if (auto e = body.find("error"); e != body.end() && e->is_string())
        error.kibana_error = e->get<std::string>();
    if (auto m = body.find("message"); m != body.end() && m->is_string())
        error.message = m->get<std::string>();
    if (error.message.empty())
        error.message = error.kibana_error;
    return true;
}

} // namespace

Error error_from_response(const HttpResponse& response, Service service) {
    Error error;
    error.http_status = response.status;
    error.attempts = response.attempts;
    error.kind = ErrorKind::http;
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_discarded()) {
        if (service == Service::elasticsearch && parse_es_envelope(body, error)) {
            error.kind = ErrorKind::es;
        } else if (service == Service::kibana && parse_kibana_envelope(body, error)) {
            error.kind = ErrorKind::kibana;
        } else if (parse_es_envelope(body, error)) {
            error.kind = ErrorKind::es;
        }
    }
    if (error.message.empty()) {
        error.message = "HTTP " + std::to_string(response.status);
        if (!response.body.empty() && response.body.size() <= 200)
            error.message += ": " + response.body;
    }
    if (response.status == 409)
        error.kind = ErrorKind::conflict;
    error.message = (service == Service::elasticsearch ? "Elasticsearch" : "Kibana") +
                    std::string(" answered ") + std::to_string(response.status) + ": " +
                    error.message;
    return error;
}

} // namespace esmend::es_client

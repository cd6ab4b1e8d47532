#include <tool/console_format.hpp>

#include <algorithm>
#include <cctype>

namespace esmend::tool {

nlohmann::json redacted(const nlohmann::json& body) {
    if (body.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : body)
            out.push_back(redacted(item));
        return out;
    }
    if (!body.is_object())
        return body;
    nlohmann::json out = nlohmann::json::object();
    // A Fleet package policy var of type password ({"type": "password", "value": ...}).
    const bool password_var = body.value("type", nlohmann::json()) == "password";
    for (const auto& [key, value] : body.items()) {
        std::string lower = key;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const bool secret = lower == "password" || lower == "api_key" || lower == "secret" ||
                            lower == "token" || lower == "authorization";
        if ((password_var && key == "value") || (secret && value.is_string()))
            out[key] = "<redacted>";
        else
            out[key] = redacted(value);
    }
    return out;
}

std::string console_request(const playbooks::Action& action) {
    std::string method(es_client::to_string(action.method));
    std::string path = action.path;
    if (action.service == playbooks::Service::kibana) {
        path = "kbn:" + path;
    } else if (!path.empty() && path.front() == '/') {
        path.erase(0, 1); // the console's own convention: "GET _cat/indices"
    }
    std::string text = method + " " + path;
    if (action.body)
        text += "\n" + redacted(*action.body).dump(2);
    return text;
}

std::string console_block(const playbooks::Action& action) {
    std::string text;
    if (!action.summary.empty())
        text = "# " + action.summary + "\n";
    return text + console_request(action);
}

nlohmann::json action_json(const playbooks::Action& a) {
    nlohmann::json j = {
        {"service", a.service == playbooks::Service::kibana ? "kibana" : "elasticsearch"},
        {"method", es_client::to_string(a.method)},
        {"path", a.path},
        {"summary", a.summary}};
    if (a.body)
        j["body"] = redacted(*a.body);
    return j;
}

} // namespace esmend::tool

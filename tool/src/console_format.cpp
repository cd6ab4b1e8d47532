#include <tool/console_format.hpp>

namespace esmend::tool {

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
        text += "\n" + action.body->dump(2);
    return text;
}

std::string console_block(const playbooks::Action& action) {
    std::string text;
    if (!action.summary.empty())
        text = "# " + action.summary + "\n";
    return text + console_request(action);
}

} // namespace esmend::tool

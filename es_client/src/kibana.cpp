#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>

#include <utility>

namespace esmend::es_client {

Kibana::Kibana(std::shared_ptr<Transport> transport) : m_transport(std::move(transport)) {}

Result<nlohmann::json> Kibana::call(Method method, std::string path, const nlohmann::json* body) {
    HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    if (body != nullptr)
        request.body = body->dump();
    // Kibana refuses every non-GET request without kbn-xsrf (es-apis.md §2.1).
    if (method != Method::get && method != Method::head)
        request.headers.push_back({"kbn-xsrf", "esmend"});
    auto response = m_transport->perform(request);
    if (!response)
        return std::unexpected(response.error());
    if (!response->ok())
        return std::unexpected(error_from_response(*response, Service::kibana));
    if (response->body.empty())
        return nlohmann::json::object();
    return parse_json(response->body, "Kibana's answer to " + request.path);
}

Result<KibanaStatus> Kibana::status() {
    auto body = call(Method::get, "/api/status");
    if (!body)
        return std::unexpected(body.error());
    KibanaStatus status;
    if (!body->is_object())
        return std::unexpected(make_error(ErrorKind::parse, "/api/status is not an object"));
    if (auto n = body->find("name"); n != body->end() && n->is_string())
        status.name = n->get<std::string>();
    if (auto v = body->find("version");
        v != body->end() && v->is_object() && v->contains("number")) {
        status.version = (*v)["number"].get<std::string>();
    }
    // 8.x: status.overall.level; 7.x: status.overall.state.
    const auto overall = body->value("/status/overall"_json_pointer, nlohmann::json::object());
    if (overall.contains("level") && overall["level"].is_string()) {
        status.level = overall["level"].get<std::string>();
    } else if (overall.contains("state") && overall["state"].is_string()) {
        status.level = overall["state"].get<std::string>();
    }
    return status;
}

} // namespace esmend::es_client

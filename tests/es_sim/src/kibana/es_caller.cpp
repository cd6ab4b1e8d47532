#include "kibana/es_caller.hpp"

namespace esmend::es_sim::kibana {

Reply EsCaller::call(const std::string& method, const std::string& path,
                     const std::map<std::string, std::string>& params,
                     const std::string& body) const {
    RestRequest request;
    request.method = method;
    request.path = path;
    request.uri = path;
    request.params = params;
    request.body = body;
    request.principal = Principal{"kibana_system", "superuser", false, false};
    const auto routed = m_table->route(method, path);
    if (!routed.match)
        return std::unexpected(
            EsError(400, "illegal_argument_exception",
                    "no handler found for uri [" + path + "] and method [" + method + "]"));
    request.endpoint = routed.match->endpoint->name;
    request.parts = routed.match->parts;
    std::set<std::string> given;
    for (const auto& [k, v] : params)
        given.insert(k);
    const auto unrecognized =
        unrecognized_params_message(path, given, routed.match->endpoint->params);
    if (!unrecognized.empty())
        return std::unexpected(EsError(400, "illegal_argument_exception", unrecognized));
    return m_engine->handle(request);
}

} // namespace esmend::es_sim::kibana

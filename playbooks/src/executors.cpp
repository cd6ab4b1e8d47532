#include <playbooks/executors.hpp>

namespace esmend::playbooks {

es_client::Result<nlohmann::json> LiveExecutor::execute(const Action& action) {
    const nlohmann::json* body = action.body ? &*action.body : nullptr;
    if (action.service == Service::kibana) {
        if (m_kibana == nullptr) {
            return std::unexpected(es_client::make_error(
                es_client::ErrorKind::config,
                "this step calls Kibana, but no Kibana is configured (--kibana-url or "
                "KIBANA_HOST)"));
        }
        return m_kibana->call(action.method, action.path, body);
    }
    return m_es.call(action.method, action.path, body);
}

es_client::Result<nlohmann::json> PlanExecutor::execute(const Action& action) {
    m_recorded.push_back(action);
    return nlohmann::json::object();
}

} // namespace esmend::playbooks

#pragma once
// es-sim's Fleet: the EPM install of Elastic's golang package (0.4.0 and 1.6.0) into the ES side,
// and golang package policies in Fleet's legacy and simplified formats (es-apis.md §2.2, §2.3).
// Fleet writes into Elasticsearch only through ES API calls (EsCaller), as the real Fleet does.

#include "kibana/es_caller.hpp"
#include "kibana/kibana_http.hpp"
#include "sim_version.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace esmend::es_sim::kibana {

// What the simulated Elastic Agent runs: one enabled stream of an enabled input.
struct AgentStream {
    std::string dataset;     // "golang.heap"
    std::string data_stream; // "logs-golang.heap-default"
    std::string namespace_name;
    std::string service_address; // the input's hostname var
    std::vector<std::string> tags;
};

class Fleet {
public:
    Fleet(EsCaller es, SimVersion version);

    // Routes /api/fleet/... requests (path already stripped of a space prefix). Returns nullopt
    // when the path is not a Fleet route es-sim serves.
    [[nodiscard]] std::optional<KibanaReply> handle(const KibanaRequest& request);

    // POST /api/fleet/epm/packages/{name}/{version} with the given options.
    [[nodiscard]] KibanaReply install(const std::string& name, const std::string& version,
                                      bool force, bool skip_rollover);
    // POST /api/fleet/package_policies with a legacy or simplified body.
    [[nodiscard]] KibanaReply create_policy(const nlohmann::json& body);
    // PUT /api/fleet/package_policies/{id}.
    [[nodiscard]] KibanaReply update_policy(const std::string& id, const nlohmann::json& body);

    // The streams the agent should collect now: every golang package policy's enabled streams of
    // enabled inputs.
    [[nodiscard]] std::vector<AgentStream> agent_streams() const;

private:
    [[nodiscard]] KibanaReply get_package(const std::string& name) const;
    [[nodiscard]] KibanaReply list_policies(const KibanaRequest& request) const;
    [[nodiscard]] KibanaReply get_policy(const std::string& id, const KibanaRequest& request) const;
    [[nodiscard]] KibanaReply install_locked(const std::string& version, bool force,
                                             bool skip_rollover);
    [[nodiscard]] std::expected<void, KibanaError>
    update_write_indices(const std::string& data_stream_prefix, const std::string& template_name,
                         const std::string& pipeline, bool skip_rollover);
    [[nodiscard]] nlohmann::json default_policy(const nlohmann::json& package) const;
    [[nodiscard]] std::expected<nlohmann::json, KibanaError>
    from_simplified(const nlohmann::json& body, const nlohmann::json& package);
    [[nodiscard]] nlohmann::json to_simplified(const nlohmann::json& policy) const;
    [[nodiscard]] std::string iso_now() const;
    [[nodiscard]] std::string uuid();

    EsCaller m_es;
    SimVersion m_version;
    mutable std::mutex m_mutex;
    std::mt19937_64 m_random;
    std::optional<std::string> m_installed_version;
    nlohmann::json m_installed_assets = nlohmann::json::array();
    std::vector<nlohmann::json> m_policies; // legacy form, as Fleet stores them
    std::string m_agent_policy_id;
};

// Elastic's golang package as es-sim's registry knows it: the parsed asset JSON for a version, or
// null when the registry has no such version.
[[nodiscard]] const nlohmann::json* golang_package(const std::string& version);

} // namespace esmend::es_sim::kibana

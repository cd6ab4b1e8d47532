#pragma once
// es-sim's Kibana: a second HTTP server (its own port) serving the Kibana APIs esmend uses —
// /api/status, Fleet EPM and package policies, data views — over the same in-memory cluster.
// Common rules (es-apis.md §2.1): the ES side's users and API keys authenticate here too,
// non-GET requests need a kbn-xsrf header, errors use Kibana's {statusCode, error, message}.

#include "kibana/agent.hpp"
#include "kibana/es_caller.hpp"
#include "kibana/fleet.hpp"
#include "kibana/kibana_http.hpp"
#include "security.hpp"

#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace esmend::es_sim::kibana {

struct KibanaOptions {
    SimVersion version;
    std::string name = "es-sim-kibana";
    std::chrono::milliseconds agent_period{1000};
};

class Kibana {
public:
    Kibana(KibanaOptions options, Engine& engine, const EndpointTable& table,
           const Security& security);
    ~Kibana();
    Kibana(const Kibana&) = delete;
    Kibana& operator=(const Kibana&) = delete;

    // Loads a named scenario (see scenario.hpp) into the cluster.
    [[nodiscard]] std::expected<void, std::string> load_scenario(const std::string& name,
                                                                 std::int64_t docs);
    // Binds 127.0.0.1:port (0 = a free port) and serves. Returns the bound port.
    [[nodiscard]] std::expected<int, std::string> start_http(int port);
    void start_agent();
    // Stops the agent and the HTTP server; safe to call twice.
    void stop();
    [[nodiscard]] std::string url() const;

    // Serves one request: authentication, xsrf, routing.
    [[nodiscard]] KibanaReply handle(const KibanaRequest& request, const std::string& authorization,
                                     bool has_xsrf_header);

private:
    [[nodiscard]] KibanaReply status() const;
    [[nodiscard]] KibanaReply find_index_patterns(const KibanaRequest& request) const;
    [[nodiscard]] KibanaReply data_views(const KibanaRequest& request) const;

    KibanaOptions m_options;
    EsCaller m_es;
    const Security* m_security;
    Fleet m_fleet;
    Agent m_agent;
    std::string m_uuid;
    std::unique_ptr<httplib::Server> m_http;
    std::thread m_thread;
    int m_port = 0;
};

} // namespace esmend::es_sim::kibana

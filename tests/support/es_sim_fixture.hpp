#pragma once
// es-sim in-process on an ephemeral 127.0.0.1 port, with helpers esmend's integration tests share.

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <es_sim/server.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace esmend::test {

class EsSim {
public:
    explicit EsSim(es_sim::Options options = {});
    ~EsSim();
    [[nodiscard]] const std::string& url() const { return m_url; }
    // Kibana's URL when started with a Kibana port (es_sim::Options::kibana_port), else empty.
    [[nodiscard]] std::string kibana_url() const { return m_server->kibana_url(); }
    [[nodiscard]] es_client::Elasticsearch& es() { return *m_es; }
    // A client of its own, for a test thread that calls es-sim while another call runs.
    [[nodiscard]] std::unique_ptr<es_client::Elasticsearch> new_client() const;

    // A JSON request that must succeed (the test fails otherwise); returns the body.
    nlohmann::json call(es_client::Method method, const std::string& path,
                        const nlohmann::json* body = nullptr);
    // A Kibana request that must succeed (es-sim started with a Kibana port); returns the body.
    nlohmann::json kibana_call(es_client::Method method, const std::string& path,
                               const nlohmann::json* body = nullptr);
    // PUTs esmend's compiled-in Golang assets, as `esmend install` will.
    void install_golang_assets();
    // Refreshes `target` and counts its documents.
    std::int64_t count(const std::string& target);
    // Every _id in `target` (refreshed first); for test-sized data (< 10,000 documents).
    std::vector<std::string> ids(const std::string& target);

private:
    std::unique_ptr<es_sim::Server> m_server;
    std::string m_url;
    std::unique_ptr<es_client::Elasticsearch> m_es;
};

} // namespace esmend::test

#pragma once
// Kibana's view of Elasticsearch inside es-sim: requests go through the same endpoint table and
// Engine handlers as HTTP clients' requests do (same validation, same errors), as Kibana's
// internal user with full privileges.

#include "endpoint_table.hpp"
#include "engine.hpp"

#include <map>
#include <string>

namespace esmend::es_sim::kibana {

class EsCaller {
public:
    EsCaller(Engine& engine, const EndpointTable& table) : m_engine(&engine), m_table(&table) {}

    // `path` is decoded and without a query string; `params` are the query parameters.
    [[nodiscard]] Reply call(const std::string& method, const std::string& path,
                             const std::map<std::string, std::string>& params = {},
                             const std::string& body = {}) const;
    [[nodiscard]] Reply call_json(const std::string& method, const std::string& path,
                                  const nlohmann::json& body,
                                  const std::map<std::string, std::string>& params = {}) const {
        return call(method, path, params, body.dump());
    }

    [[nodiscard]] Engine& engine() const { return *m_engine; }

private:
    Engine* m_engine;
    const EndpointTable* m_table;
};

} // namespace esmend::es_sim::kibana

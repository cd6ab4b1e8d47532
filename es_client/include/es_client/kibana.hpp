#pragma once
// The typed Kibana API esmend uses. Every non-GET request carries kbn-xsrf (es-apis.md §2.1).

#include <es_client/transport.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace esmend::es_client {

struct KibanaStatus {
    std::string name;
    std::string version;
    std::string
        level; // 8.x status.overall.level ("available", "degraded", ...) or 7.x overall.state
};

class Kibana {
public:
    explicit Kibana(std::shared_ptr<Transport> transport);

    [[nodiscard]] Result<KibanaStatus> status();
    [[nodiscard]] Result<nlohmann::json> call(Method method, std::string path,
                                              const nlohmann::json* body = nullptr);

private:
    std::shared_ptr<Transport> m_transport;
};

} // namespace esmend::es_client

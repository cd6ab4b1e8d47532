#pragma once
// Turns global options into transports for Elasticsearch and, when configured, Kibana.

#include <es_client/clock.hpp>
#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <tool/options.hpp>

#include <memory>
#include <optional>
#include <string>

namespace esmend::tool {

struct Connection {
    std::unique_ptr<es_client::Elasticsearch> es;
    std::unique_ptr<es_client::Kibana> kibana; // null when no Kibana URL is configured
    std::string es_hosts;                      // for display: base URLs without credentials
    std::string kibana_url;                    // likewise
};

// Read-only connections refuse every write before it is sent (es_client::ReadOnlyTransport).
enum class Access { read_write, read_only };

[[nodiscard]] es_client::Result<Connection> connect(const GlobalOptions& options,
                                                    es_client::Clock& clock,
                                                    const es_client::Cancellation* cancel,
                                                    Access access = Access::read_write);

} // namespace esmend::tool

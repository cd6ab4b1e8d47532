#pragma once
// The typed Elasticsearch API esmend uses. Non-2xx answers become Errors here, never in the
// transport.

#include <es_client/transport.hpp>
#include <es_client/version.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace esmend::es_client {

struct ClusterInfo {
    std::string node_name;
    std::string cluster_name;
    std::string cluster_uuid;
    Version version;
    std::string build_flavor;
    std::string tagline;
};

struct ClusterHealth {
    std::string status; // green, yellow, red
    std::int64_t number_of_nodes = 0;
    std::int64_t number_of_data_nodes = 0;
    std::int64_t active_primary_shards = 0;
    std::int64_t active_shards = 0;
    std::int64_t unassigned_shards = 0;
    double active_shards_percent = 0;
    bool timed_out = false;
};

class Elasticsearch {
public:
    explicit Elasticsearch(std::shared_ptr<Transport> transport);

    // GET /, refusing a server that does not say it is Elasticsearch (X-elastic-product header,
    // sent by ES since 7.14; esmend supports 7.17 and 8.x).
    [[nodiscard]] Result<ClusterInfo> info();
    [[nodiscard]] Result<ClusterHealth> health();

    // A JSON request; a non-2xx answer is an Error carrying ES's error envelope.
    [[nodiscard]] Result<nlohmann::json> call(Method method, std::string path,
                                              const nlohmann::json* body = nullptr);
    // GET for "does it exist?": a 404 is nullopt rather than an Error.
    [[nodiscard]] Result<std::optional<nlohmann::json>> find(std::string path);
    // The raw exchange, for callers that handle statuses themselves (HEAD exists, 404 as a value).
    [[nodiscard]] Result<HttpResponse> send(HttpRequest request);
    // The transport underneath, for helpers that speak raw requests (the bulk indexer).
    [[nodiscard]] Transport& transport() { return *m_transport; }

private:
    std::shared_ptr<Transport> m_transport;
};

// Parses a JSON body, turning malformed JSON into a `parse` Error that names what was expected.
[[nodiscard]] Result<nlohmann::json> parse_json(std::string_view body, std::string_view what);

} // namespace esmend::es_client

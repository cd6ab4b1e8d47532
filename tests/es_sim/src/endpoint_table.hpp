#pragma once
// Elasticsearch's REST routing, driven by the rest-api-spec endpoint definitions (embedded at build
// time from tests/es_sim/spec/endpoints-*.json). It decides, as ES's RestController does, whether a
// request names a known endpoint, which one, and which query parameters that endpoint accepts.

#include "sim_version.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim {

struct EndpointPath {
    std::string pattern;               // "/{index}/_doc/{id}"
    std::vector<std::string> segments; // {"{index}", "_doc", "{id}"}
    std::set<std::string> methods;
};

struct Endpoint {
    std::string name; // "indices.create"
    std::vector<EndpointPath> paths;
    std::set<std::string> params; // the endpoint's own query parameters
};

struct RouteMatch {
    const Endpoint* endpoint = nullptr;
    std::map<std::string, std::string> parts; // path parts, e.g. {"index": "logs-a"}
};

// The outcome of routing: a match, a known path with other methods (405), or nothing (400).
struct RouteResult {
    std::optional<RouteMatch> match;
    std::set<std::string> allowed_methods; // filled when match is empty but the path is known
};

class EndpointTable {
public:
    // Parses the compact table written by spec/gen_endpoints.py.
    static std::expected<EndpointTable, std::string> parse(std::string_view compact_json);
    // Builds the same table from a rest-api-spec directory (one JSON file per endpoint); used by
    // the drift test only.
    static std::expected<EndpointTable, std::string> from_rest_api_spec_dir(const std::string& dir);
    // The embedded table for the emulated version, with es-sim's few additions (see .cpp).
    static const EndpointTable& for_version(const SimVersion& version);

    // Routes as ES's PathTrie does: among the patterns matching the path, literal segments win over
    // {parts}; the first candidate that has a handler for the method wins.
    [[nodiscard]] RouteResult route(std::string_view method, std::string_view path) const;

    [[nodiscard]] const std::map<std::string, Endpoint>& endpoints() const { return m_endpoints; }
    void add(Endpoint endpoint);

private:
    std::map<std::string, Endpoint> m_endpoints;
};

// The query parameters every endpoint accepts (rest-api-spec README: pretty, human, error_trace,
// filter_path, source; source_content_type goes with source).
[[nodiscard]] bool is_global_param(std::string_view name);

// ES's BaseRestHandler.unrecognized(): "request [<path>] contains unrecognized parameter: [x] ->
// did you mean [y]?" (plural form for several, candidates ranked by Lucene's LevenshteinDistance >
// 0.5). Returns an empty string when every parameter is known.
[[nodiscard]] std::string unrecognized_params_message(std::string_view path,
                                                      const std::set<std::string>& given,
                                                      const std::set<std::string>& supported);

} // namespace esmend::es_sim

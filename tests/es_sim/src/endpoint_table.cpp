#include "endpoint_table.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace esmend::es_sim {

extern const std::string_view k_endpoints_8_19;
extern const std::string_view k_endpoints_7_17;

namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const auto next = path.find('/', i);
        const auto end = next == std::string_view::npos ? path.size() : next;
        out.emplace_back(path.substr(i, end - i));
        i = end;
    }
    return out;
}

bool is_part(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::expected<Endpoint, std::string> endpoint_from_compact(const std::string& name,
                                                           const nlohmann::json& body) {
    Endpoint e;
    e.name = name;
    if (!body.is_object() || !body.contains("paths") || !body["paths"].is_array())
        return std::unexpected("endpoint " + name + " has no paths");
    for (const auto& p : body["paths"]) {
        EndpointPath ep;
        ep.pattern = p.value("path", "");
        ep.segments = split_path(ep.pattern);
        for (const auto& m : p.value("methods", nlohmann::json::array()))
            ep.methods.insert(m.get<std::string>());
        e.paths.push_back(std::move(ep));
    }
    for (const auto& param : body.value("params", nlohmann::json::array()))
        e.params.insert(param.get<std::string>());
    return e;
}

// Lucene's LevenshteinDistance.getDistance: 1 - editDistance / max(length).
float lucene_similarity(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    if (n == 0 || m == 0)
        return n == m ? 1.0F : 0.0F;
    std::vector<std::size_t> prev(m + 1);
    std::vector<std::size_t> cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
        }
        std::swap(prev, cur);
    }
    return 1.0F - static_cast<float>(prev[m]) / static_cast<float>(std::max(n, m));
}

EndpointTable build_embedded(std::string_view data) {
    auto table = EndpointTable::parse(data);
    if (!table)
        return EndpointTable{};
    // ES's ping API (HEAD /, rest-api-spec ping.json) and cluster.exists_component_template
    // (HEAD /_component_template/{name}) are real endpoints the shared spec subset does not list;
    // clients use both.
    table->add(Endpoint{"ping", {EndpointPath{"/", {}, {"HEAD"}}}, {}});
    table->add(Endpoint{
        "cluster.exists_component_template",
        {EndpointPath{"/_component_template/{name}", {"_component_template", "{name}"}, {"HEAD"}}},
        {"local", "master_timeout"}});
    // es-sim's own control API lives under /_sim/ only.
    table->add(
        Endpoint{"sim.reset", {EndpointPath{"/_sim/reset", {"_sim", "reset"}, {"POST"}}}, {}});
    table->add(
        Endpoint{"sim.state", {EndpointPath{"/_sim/state", {"_sim", "state"}, {"GET"}}}, {}});
    table->add(Endpoint{
        "sim.restart", {EndpointPath{"/_sim/restart", {"_sim", "restart"}, {"POST"}}}, {}});
    table->add(
        Endpoint{"sim.faults",
                 {EndpointPath{"/_sim/faults", {"_sim", "faults"}, {"POST", "DELETE", "GET"}}},
                 {}});
    return std::move(*table);
}

} // namespace

std::expected<EndpointTable, std::string> EndpointTable::parse(std::string_view compact_json) {
    const auto doc = nlohmann::json::parse(compact_json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return std::unexpected("endpoint table is not a JSON object");
    EndpointTable table;
    for (const auto& [name, body] : doc.items()) {
        auto e = endpoint_from_compact(name, body);
        if (!e)
            return std::unexpected(e.error());
        table.add(std::move(*e));
    }
    return table;
}

std::expected<EndpointTable, std::string>
EndpointTable::from_rest_api_spec_dir(const std::string& dir) {
    EndpointTable table;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto file = entry.path().filename().string();
        if (entry.path().extension() != ".json" || file.starts_with("_"))
            continue;
        std::ifstream in(entry.path());
        std::stringstream ss;
        ss << in.rdbuf();
        const auto doc = nlohmann::json::parse(ss.str(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object())
            return std::unexpected("cannot parse " + file);
        for (const auto& [name, body] : doc.items()) {
            nlohmann::json compact = nlohmann::json::object();
            compact["paths"] = nlohmann::json::array();
            for (const auto& p : body["url"]["paths"])
                compact["paths"].push_back({{"path", p["path"]}, {"methods", p["methods"]}});
            compact["params"] = nlohmann::json::array();
            if (body.contains("params"))
                for (const auto& [param, def] : body["params"].items())
                    compact["params"].push_back(param);
            auto e = endpoint_from_compact(name, compact);
            if (!e)
                return std::unexpected(e.error());
            table.add(std::move(*e));
        }
    }
    if (ec)
        return std::unexpected("cannot read " + dir + ": " + ec.message());
    return table;
}

const EndpointTable& EndpointTable::for_version(const SimVersion& version) {
    static const EndpointTable k_table_8 = build_embedded(k_endpoints_8_19);
    static const EndpointTable k_table_7 = build_embedded(k_endpoints_7_17);
    // 7.x before 7.16 has no _data_stream/_modify (SPEC IndicesModifyDataStreamRequest.ts
    // @availability stack since=7.16.0; es-apis.md §6): POST /_data_stream/_modify then routes to
    // _data_stream/{name}, which has no POST (405).
    static const EndpointTable k_table_7_before_16 = [] {
        EndpointTable t = build_embedded(k_endpoints_7_17);
        t.m_endpoints.erase("indices.modify_data_stream");
        return t;
    }();
    if (version.major >= 8)
        return k_table_8;
    return version.at_least(7, 16) ? k_table_7 : k_table_7_before_16;
}

void EndpointTable::add(Endpoint endpoint) {
    auto name = endpoint.name;
    m_endpoints.insert_or_assign(std::move(name), std::move(endpoint));
}

RouteResult EndpointTable::route(std::string_view method, std::string_view path) const {
    const auto segments = split_path(path);
    struct Candidate {
        std::vector<int> rank; // per segment: 0 literal, 1 part (lower is more specific)
        const Endpoint* endpoint;
        const EndpointPath* path;
    };
    std::vector<Candidate> candidates;
    for (const auto& [name, endpoint] : m_endpoints) {
        for (const auto& p : endpoint.paths) {
            if (p.segments.size() != segments.size())
                continue;
            Candidate c{{}, &endpoint, &p};
            bool ok = true;
            for (std::size_t i = 0; i < segments.size() && ok; ++i) {
                if (is_part(p.segments[i]))
                    c.rank.push_back(1);
                else if (p.segments[i] == segments[i])
                    c.rank.push_back(0);
                else
                    ok = false;
            }
            if (ok)
                candidates.push_back(std::move(c));
        }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.rank < b.rank; });
    RouteResult result;
    for (const auto& c : candidates) {
        if (!c.path->methods.contains(std::string(method)))
            continue;
        RouteMatch m;
        m.endpoint = c.endpoint;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const auto& s = c.path->segments[i];
            if (is_part(s))
                m.parts[s.substr(1, s.size() - 2)] = segments[i];
        }
        result.match = std::move(m);
        return result;
    }
    for (const auto& c : candidates)
        result.allowed_methods.insert(c.path->methods.begin(), c.path->methods.end());
    return result;
}

bool is_global_param(std::string_view name) {
    return name == "pretty" || name == "human" || name == "error_trace" || name == "filter_path" ||
           name == "source" || name == "source_content_type";
}

std::string unrecognized_params_message(std::string_view path, const std::set<std::string>& given,
                                        const std::set<std::string>& supported) {
    std::vector<std::string> invalid;
    for (const auto& g : given)
        if (!supported.contains(g) && !is_global_param(g))
            invalid.push_back(g);
    if (invalid.empty())
        return {};
    std::string msg = "request [" + std::string(path) + "] contains unrecognized parameter";
    if (invalid.size() > 1)
        msg += "s";
    msg += ": ";
    std::set<std::string> candidates = supported;
    for (const char* g : {"pretty", "human", "error_trace", "filter_path"})
        candidates.insert(g);
    for (std::size_t i = 0; i < invalid.size(); ++i) {
        std::vector<std::pair<float, std::string>> ranked;
        for (const auto& c : candidates) {
            const float d = lucene_similarity(invalid[i], c);
            if (d > 0.5F)
                ranked.emplace_back(d, c);
        }
        std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        msg += "[" + invalid[i] + "]";
        if (!ranked.empty()) {
            msg += " -> did you mean ";
            if (ranked.size() > 1)
                msg += "any of ";
            msg += "[";
            for (std::size_t k = 0; k < ranked.size(); ++k)
                msg += (k ? ", " : "") + ranked[k].second;
            msg += "]?";
        }
        if (i + 1 < invalid.size())
            msg += ", ";
    }
    return msg;
}

} // namespace esmend::es_sim

#include "kibana/scenario.hpp"

#include "kibana/agent.hpp"

#include <chrono>
#include <cstdio>
#include <vector>

namespace esmend::es_sim::kibana {

using nlohmann::json;

namespace {

constexpr std::int64_t k_day_ms = 24LL * 3600 * 1000;

std::string describe(const EsError& e) {
    return e.type + ": " + e.reason;
}

std::string describe(const KibanaError& e) {
    return std::to_string(e.status) + " " + e.message;
}

// Appends same-shaped copies of an already indexed document to `index`, bypassing the write path
// (no pipeline, no mapping parse). This is safe only because the first document of the same shape
// went through Engine::write, so the index's mapping already covers every field, and only
// @timestamp differs: each copy is `prefix + <ISO timestamp> + suffix`. It is the one place that
// touches IndexData's storage directly (keep it in step with DocRecord/IndexData).
void append_same_shaped(Engine& engine, const std::string& index, const std::string& prefix,
                        const std::string& suffix, const std::vector<std::int64_t>& timestamps,
                        const std::string& id_prefix) {
    std::lock_guard lock(engine.m_mutex);
    IndexData& ix = engine.m_indices.at(index);
    ix.records.reserve(ix.records.size() + timestamps.size());
    ix.live.reserve(ix.live.size() + timestamps.size());
    std::size_t n = 0;
    char id[32];
    for (const auto ts : timestamps) {
        // 20 characters, like ES's auto-generated ids.
        std::snprintf(id, sizeof id, "%s%012zu", id_prefix.c_str(), n++);
        std::string source;
        source.reserve(prefix.size() + 24 + suffix.size());
        source.append(prefix).append(iso_millis(ts)).append(suffix);
        const auto seq = ix.next_seq++;
        ix.store_bytes += static_cast<std::int64_t>(source.size());
        ix.live.emplace(id, ix.records.size());
        ix.records.push_back(DocRecord{id, std::move(source), 1, seq, k_live, ts});
    }
}

// Indexes one event through the write path, then `more` copies of its stored shape with the given
// timestamps. Returns the backing index written.
std::expected<std::string, std::string> load_stream(EsCaller& es, const AgentStream& stream,
                                                    std::int64_t first_ts,
                                                    const std::vector<std::int64_t>& more,
                                                    std::uint64_t tick,
                                                    const std::string& id_prefix) {
    auto first = es.call("POST", "/" + stream.data_stream + "/_doc", {{"op_type", "create"}},
                         Agent::event(stream, first_ts, tick));
    if (!first)
        return std::unexpected("indexing into " + stream.data_stream + ": " +
                               describe(first.error()));
    const std::string index = first->json->value("_index", "");
    const std::string id = first->json->value("_id", "");
    if (more.empty())
        return index;
    std::string stored;
    {
        Engine& engine = es.engine();
        std::lock_guard lock(engine.m_mutex);
        const IndexData& ix = engine.m_indices.at(index);
        stored = ix.records.at(ix.live.at(id)).source;
    }
    const std::string key = "\"@timestamp\":\"";
    const auto at = stored.find(key);
    if (at == std::string::npos)
        return std::unexpected("no @timestamp in the stored event of " + stream.data_stream);
    const auto value_start = at + key.size();
    const auto value_end = stored.find('"', value_start);
    append_same_shaped(es.engine(), index, stored.substr(0, value_start), stored.substr(value_end),
                       more, id_prefix);
    return index;
}

std::vector<std::int64_t> spread(std::int64_t from, std::int64_t to, std::int64_t count) {
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, count)));
    const std::int64_t span = std::max<std::int64_t>(1, to - from);
    for (std::int64_t i = 0; i < count; ++i)
        out.push_back(from + (count > 1 ? span * i / (count - 1) : 0));
    return out;
}

std::expected<void, std::string> nginx_access(std::int64_t now, EsCaller es);

// upgrade: go on to golang 1.6.0 and generation 2 (host-ip-conflict), or stop with 0.4.0
// collecting (host-ip-not-upgraded).
std::expected<void, std::string> host_ip_conflict(std::int64_t docs, EsCaller es, Fleet& fleet,
                                                  bool upgrade) {
    if (docs < 1)
        return std::unexpected("--docs must be at least 1");
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    // 1. golang 0.4.0 through Fleet, and its package policy (which the agent runs).
    if (auto r = fleet.install("golang", "0.4.0", false, false); !r)
        return std::unexpected("installing golang 0.4.0: " + describe(r.error()));
    auto policy = fleet.create_policy(
        json{{"name", "golang-1"},
             {"namespace", "default"},
             {"package", {{"name", "golang"}, {"title", "Golang"}, {"version", "0.4.0"}}}});
    if (!policy)
        return std::unexpected("creating the golang policy: " + describe(policy.error()));
    const std::string policy_id = policy->body["item"].value("id", "");

    // 2. Generation 1: `docs` events per stream over the last six days up to one day ago.
    const auto streams = fleet.agent_streams();
    const std::vector<std::int64_t> gen1 = spread(now - 6 * k_day_ms, now - k_day_ms, docs);
    std::uint64_t tick = 0;
    int stream_no = 0;
    for (const auto& s : streams) {
        const std::string prefix = "g1s" + std::to_string(stream_no++ % 10) + "AAAA";
        const std::vector<std::int64_t> rest(gen1.begin() + 1, gen1.end());
        if (auto ok = load_stream(es, s, gen1.front(), rest, tick++, prefix); !ok)
            return std::unexpected(ok.error());
    }

    // 3. The upgrade: Fleet reinstalls 1.6.0 with force, fails to put host.ip: ip on the
    //    keyword write index and rolls each data stream over; the policy follows the package.
    if (!upgrade)
        return nginx_access(now, es);
    if (auto r = fleet.install("golang", "1.6.0", true, false); !r)
        return std::unexpected("installing golang 1.6.0: " + describe(r.error()));
    if (auto r = fleet.update_policy(
            policy_id,
            json{{"package", {{"name", "golang"}, {"title", "Golang"}, {"version", "1.6.0"}}}});
        !r)
        return std::unexpected("upgrading the golang policy: " + describe(r.error()));

    // 4. Generation 2: a few newer events in the last hour.
    const std::vector<std::int64_t> gen2 =
        spread(now - 3600 * 1000, now - 60 * 1000, k_generation2_docs);
    stream_no = 0;
    for (const auto& s : streams) {
        const std::string prefix = "g2s" + std::to_string(stream_no++ % 10) + "AAAA";
        const std::vector<std::int64_t> rest(gen2.begin() + 1, gen2.end());
        if (auto ok = load_stream(es, s, gen2.front(), rest, tick++, prefix); !ok)
            return std::unexpected(ok.error());
    }

    return nginx_access(now, es);
}

std::expected<void, std::string> nginx_access(std::int64_t now, EsCaller es) {
    // 5. An unrelated integration whose template maps host.ip as ip (as ECS does). Only the
    //    fields this scenario needs are declared; unsourced: a reduced stand-in for the nginx
    //    package's template.
    json nginx_template = {
        {"index_patterns", json::array({"logs-nginx.access-*"})},
        {"priority", 200},
        {"data_stream", json::object()},
        {"template",
         {{"mappings",
           {{"properties",
             {{"@timestamp", {{"type", "date"}}},
              {"host",
               {{"properties", {{"ip", {{"type", "ip"}}}, {"name", {{"type", "keyword"}}}}}}},
              {"message", {{"type", "match_only_text"}}}}}}}}},
        {"_meta", {{"package", {{"name", "nginx"}}}, {"managed_by", "fleet"}, {"managed", true}}}};
    if (auto r = es.call_json("PUT", "/_index_template/logs-nginx.access", nginx_template); !r)
        return std::unexpected("nginx template: " + describe(r.error()));
    std::string bulk;
    for (std::int64_t i = 0; i < k_nginx_docs; ++i) {
        bulk += R"({"create":{"_index":"logs-nginx.access-default"}})"
                "\n";
        bulk += json{{"@timestamp", iso_millis(now - (i + 1) * 600 * 1000)},
                     {"host", {{"name", "web-01"}, {"ip", json::array({"10.0.3.7", "fe80::1"})}}},
                     {"message", "10.0.3.1 - - \"GET / HTTP/1.1\" 200 612"},
                     {"data_stream",
                      {{"type", "logs"}, {"dataset", "nginx.access"}, {"namespace", "default"}}}}
                    .dump() +
                "\n";
    }
    auto nginx = es.call("POST", "/_bulk", {}, bulk);
    if (!nginx)
        return std::unexpected("nginx documents: " + describe(nginx.error()));
    if (nginx->json && nginx->json->value("errors", false))
        return std::unexpected("nginx documents: " + nginx->json->dump());
    if (auto r = es.call("POST", "/logs-*/_refresh"); !r)
        return std::unexpected("refresh: " + describe(r.error()));
    return {};
}

} // namespace

const std::vector<std::string>& scenario_names() {
    static const std::vector<std::string> k_names = {"host-ip-conflict", "host-ip-not-upgraded"};
    return k_names;
}

std::string known_scenarios() {
    std::string out;
    for (const auto& n : scenario_names())
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::expected<void, std::string> load_scenario(const std::string& name, std::int64_t docs,
                                               EsCaller es, Fleet& fleet) {
    if (name == scenario_names()[0])
        return host_ip_conflict(docs, es, fleet, true);
    if (name == scenario_names()[1])
        return host_ip_conflict(docs, es, fleet, false);
    return std::unexpected("unknown scenario [" + name + "] (known: " + known_scenarios() + ")");
}

} // namespace esmend::es_sim::kibana

// Root, cluster health, _cat, node stats and the security introspection endpoints.
#include "engine.hpp"
#include "security.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

// ES ByteSizeValue.toString(): the largest unit the value reaches, then Strings.format1Decimals,
// which keeps the first decimal digit (truncated, not rounded) and drops it when it is 0.
std::string human_bytes(std::int64_t bytes) {
    static constexpr const char* k_units[] = {"b", "kb", "mb", "gb", "tb", "pb"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(k_units)) {
        value /= 1024.0;
        ++unit;
    }
    const auto whole = static_cast<long long>(value);
    const auto tenth = static_cast<long long>((value - static_cast<double>(whole)) * 10.0);
    char buf[64];
    if (unit == 0 || tenth == 0)
        std::snprintf(buf, sizeof buf, "%lld%s", whole, k_units[unit]);
    else
        std::snprintf(buf, sizeof buf, "%lld.%lld%s", whole, tenth, k_units[unit]);
    return buf;
}

std::string bytes_cell(std::int64_t bytes, const std::string& unit) {
    if (unit.empty())
        return human_bytes(bytes);
    std::int64_t div = 1;
    if (unit == "kb" || unit == "k")
        div = 1024;
    else if (unit == "mb" || unit == "m")
        div = 1024LL * 1024;
    else if (unit == "gb" || unit == "g")
        div = 1024LL * 1024 * 1024;
    else if (unit == "tb" || unit == "t")
        div = 1024LL * 1024 * 1024 * 1024;
    return std::to_string(bytes / div);
}

struct CatTable {
    std::vector<std::string> columns; // every column, default ones first
    std::set<std::string> defaults;
    std::vector<std::map<std::string, std::string>> rows;
};

// Renders a _cat table as ES's RestTable: h= picks columns (wildcards allowed), s= sorts
// (col[:desc]), format=json gives an array of objects with string values, otherwise aligned text
// (v= adds headers).
Reply render_cat(const RestRequest& request, const CatTable& table) {
    std::vector<std::string> columns;
    if (request.has("h")) {
        const auto h = request.param("h");
        std::size_t start = 0;
        while (start <= h.size()) {
            auto comma = h.find(',', start);
            if (comma == std::string::npos)
                comma = h.size();
            const auto want = h.substr(start, comma - start);
            start = comma + 1;
            for (const auto& c : table.columns)
                if (simple_match(want, c) &&
                    std::find(columns.begin(), columns.end(), c) == columns.end())
                    columns.push_back(c);
        }
    } else {
        for (const auto& c : table.columns)
            if (table.defaults.contains(c))
                columns.push_back(c);
    }
    auto rows = table.rows;
    if (request.has("s")) {
        std::vector<std::pair<std::string, bool>> keys;
        const auto s = request.param("s");
        std::size_t start = 0;
        while (start <= s.size()) {
            auto comma = s.find(',', start);
            if (comma == std::string::npos)
                comma = s.size();
            auto key = s.substr(start, comma - start);
            start = comma + 1;
            bool desc = false;
            if (const auto colon = key.find(':'); colon != std::string::npos) {
                desc = key.substr(colon + 1) == "desc";
                key = key.substr(0, colon);
            }
            if (std::find(table.columns.begin(), table.columns.end(), key) == table.columns.end()) {
                return std::unexpected(EsError(400, "unsupported_operation_exception",
                                               "Unable to sort by unknown sort key `" + key + "`"));
            }
            keys.emplace_back(key, desc);
        }
        std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
            for (const auto& [key, desc] : keys) {
                const auto& x = a.at(key);
                const auto& y = b.at(key);
                if (x == y)
                    continue;
                // Numeric cells compare as numbers, like ES's typed cells.
                char* ex = nullptr;
                char* ey = nullptr;
                const double dx = std::strtod(x.c_str(), &ex);
                const double dy = std::strtod(y.c_str(), &ey);
                const bool numeric = !x.empty() && !y.empty() && *ex == '\0' && *ey == '\0';
                const bool less = numeric ? dx < dy : x < y;
                return desc ? !less : less;
            }
            return false;
        });
    }
    if (request.param("format") == "json") {
        json out = json::array();
        for (const auto& row : rows) {
            json obj = json::object();
            for (const auto& c : columns)
                obj[c] = row.at(c);
            out.push_back(obj);
        }
        return json_reply(out);
    }
    std::vector<std::size_t> width(columns.size(), 0);
    const bool headers = request.has("v") && request.param("v") != "false";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (headers)
            width[i] = columns[i].size();
        for (const auto& row : rows)
            width[i] = std::max(width[i], row.at(columns[i]).size());
    }
    std::string text;
    auto line = [&](auto cell) {
        std::string l;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            std::string v = cell(i);
            if (i + 1 < columns.size())
                v.resize(width[i], ' ');
            l += v + (i + 1 < columns.size() ? " " : "");
        }
        text += l + "\n";
    };
    if (headers)
        line([&](std::size_t i) { return columns[i]; });
    for (const auto& row : rows)
        line([&](std::size_t i) { return row.at(columns[i]); });
    RestResponse r;
    r.body = text;
    r.content_type = "text/plain; charset=UTF-8";
    return r;
}

std::int64_t shard_setting(const IndexData& index, const char* key, std::int64_t fallback) {
    const auto v = index.setting(key);
    if (v.empty())
        return fallback;
    try {
        return std::stoll(v);
    } catch (const std::exception&) {
        return fallback;
    }
}

} // namespace

Reply Engine::info(const RestRequest&) {
    const auto& v = m_options.version;
    json version = {
        {"number", v.number()},
        {"build_flavor", "default"},
        {"build_type", "tar"},
        {"build_hash", "0000000000000000000000000000000000000000"},
        {"build_date", "2025-07-01T00:00:00.000000000Z"},
        {"build_snapshot", false},
        {"lucene_version", v.major >= 8 ? "9.12.2" : "8.11.3"},
        {"minimum_wire_compatibility_version", v.major >= 8 ? "7.17.0" : "6.8.0"},
        {"minimum_index_compatibility_version", v.major >= 8 ? "7.0.0" : "6.0.0-beta1"}};
    // Shape: es-spec RootNodeInfoResponseExample1 (es-apis.md §1.1).
    return json_reply({{"name", m_options.node_name},
                       {"cluster_name", m_options.cluster_name},
                       {"cluster_uuid", m_cluster_uuid},
                       {"version", version},
                       {"tagline", "You Know, for Search"}});
}

Reply Engine::ping(const RestRequest&) {
    RestResponse r;
    r.status = 200;
    return r;
}

Reply Engine::cluster_health(const RestRequest& request) {
    std::vector<std::string> targets;
    bool missing = false;
    if (!request.part("index").empty()) {
        auto resolved =
            resolve(request.part("index"), IndicesOptions{true, true, true, false, true});
        if (!resolved)
            missing = true;
        else
            targets = *resolved;
    } else {
        for (const auto& [name, index] : m_indices)
            targets.push_back(name);
    }
    std::int64_t primaries = 0;
    std::int64_t unassigned = 0;
    for (const auto& name : targets) {
        const auto& index = m_indices.at(name);
        const auto shards = shard_setting(index, "index.number_of_shards", 1);
        primaries += shards;
        // A single node can never host replicas: every replica stays unassigned (es-apis.md §1.2).
        unassigned += shards * shard_setting(index, "index.number_of_replicas", 1);
    }
    std::string status = unassigned > 0 ? "yellow" : "green";
    if (missing)
        status = "red";
    const double total = static_cast<double>(primaries + unassigned);
    json body = {{"cluster_name", m_options.cluster_name},
                 {"status", status},
                 {"timed_out", false},
                 {"number_of_nodes", 1},
                 {"number_of_data_nodes", 1},
                 {"active_primary_shards", primaries},
                 {"active_shards", primaries},
                 {"relocating_shards", 0},
                 {"initializing_shards", 0},
                 {"unassigned_shards", unassigned},
                 {"delayed_unassigned_shards", 0},
                 {"number_of_pending_tasks", 0},
                 {"number_of_in_flight_fetch", 0},
                 {"task_max_waiting_in_queue_millis", 0},
                 {"active_shards_percent_as_number",
                  total == 0 ? 100.0 : 100.0 * static_cast<double>(primaries) / total}};
    const auto rank = [](const std::string& s) { return s == "green" ? 0 : s == "yellow" ? 1 : 2; };
    const auto wanted = request.param("wait_for_status");
    if (!wanted.empty() && wanted != "green" && wanted != "yellow" && wanted != "red")
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "unknown cluster health status [" + wanted + "]"));
    // ES waits up to ?timeout (30s) for the wanted status (or for a missing index to appear) and
    // then answers 408 with timed_out: true. Engine::handle re-runs this while waiting; the flag
    // below tells it whether the condition holds.
    const bool satisfied = !missing && (wanted.empty() || rank(status) <= rank(wanted));
    if (!satisfied) {
        body["timed_out"] = true;
        return json_reply(body, 408);
    }
    return json_reply(body);
}

Reply Engine::cat_indices(const RestRequest& request) {
    auto options = indices_options(request, IndicesOptions{true, true, false, false, true});
    auto names = resolve(request.part("index").empty() ? "*" : request.part("index"), options);
    if (!names)
        return std::unexpected(names.error());
    const std::string unit = request.param("bytes");
    CatTable table;
    table.columns = {"health", "status",     "index",        "uuid",       "pri",
                     "rep",    "docs.count", "docs.deleted", "store.size", "pri.store.size"};
    if (m_options.version.major >= 8)
        table.columns.push_back("dataset.size");
    table.columns.insert(table.columns.end(), {"creation.date", "creation.date.string"});
    table.defaults = {"health",      "status",     "index",        "uuid",       "pri",
                      "rep",         "docs.count", "docs.deleted", "store.size", "pri.store.size",
                      "dataset.size"};
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        maybe_scheduled_refresh(index);
        const auto replicas = shard_setting(index, "index.number_of_replicas", 1);
        std::map<std::string, std::string> row;
        row["health"] = replicas > 0 ? "yellow" : "green";
        row["status"] = "open";
        row["index"] = name;
        row["uuid"] = index.uuid;
        row["pri"] = std::to_string(shard_setting(index, "index.number_of_shards", 1));
        row["rep"] = std::to_string(replicas);
        row["docs.count"] = std::to_string(index.count_at(index.refreshed_seq));
        row["docs.deleted"] = "0";
        row["store.size"] = bytes_cell(index.store_bytes, unit);
        row["pri.store.size"] = bytes_cell(index.store_bytes, unit);
        row["dataset.size"] = bytes_cell(index.store_bytes, unit);
        row["creation.date"] = std::to_string(index.creation_date);
        row["creation.date.string"] = std::to_string(index.creation_date);
        table.rows.push_back(std::move(row));
    }
    return render_cat(request, table);
}

Reply Engine::cat_allocation(const RestRequest& request) {
    const std::string unit = request.param("bytes");
    const std::int64_t used = total_store_bytes();
    const std::int64_t total = m_options.disk_total_bytes;
    std::int64_t shards = 0;
    for (const auto& [name, index] : m_indices)
        shards += shard_setting(index, "index.number_of_shards", 1);
    CatTable table;
    // Columns: es-spec CatAllocationResponseExample1 (8.x); 7.17 has neither the forecasts nor
    // node.role.
    if (m_options.version.major >= 8)
        table.columns = {"shards",
                         "shards.undesired",
                         "write_load.forecast",
                         "disk.indices.forecast",
                         "disk.indices",
                         "disk.used",
                         "disk.avail",
                         "disk.total",
                         "disk.percent",
                         "host",
                         "ip",
                         "node",
                         "node.role"};
    else
        table.columns = {"shards",       "disk.indices", "disk.used", "disk.avail", "disk.total",
                         "disk.percent", "host",         "ip",        "node"};
    table.defaults = {table.columns.begin(), table.columns.end()};
    std::map<std::string, std::string> row;
    row["shards"] = std::to_string(shards);
    row["shards.undesired"] = "0";
    row["write_load.forecast"] = "0.0";
    row["disk.indices.forecast"] = bytes_cell(used, unit);
    row["disk.indices"] = bytes_cell(used, unit);
    row["disk.used"] = bytes_cell(used, unit);
    row["disk.avail"] = bytes_cell(std::max<std::int64_t>(0, total - used), unit);
    row["disk.total"] = bytes_cell(total, unit);
    row["disk.percent"] = std::to_string(total > 0 ? (used * 100) / total : 0);
    row["host"] = "127.0.0.1";
    row["ip"] = "127.0.0.1";
    row["node"] = m_options.node_name;
    row["node.role"] = "cdfhilmrstw";
    table.rows.push_back(row);
    return render_cat(request, table);
}

Reply Engine::nodes_stats(const RestRequest&) {
    const std::int64_t used = total_store_bytes();
    const std::int64_t total = m_options.disk_total_bytes;
    const std::int64_t free = std::max<std::int64_t>(0, total - used);
    // NodesStatsResponse: nodes.<id>.fs.total.{total_in_bytes, free_in_bytes, available_in_bytes}.
    json fs = {{"timestamp", now_ms()},
               {"total",
                {{"total_in_bytes", total}, {"free_in_bytes", free}, {"available_in_bytes", free}}},
               {"data", json::array({{{"path", "/var/lib/elasticsearch"},
                                      {"mount", "/"},
                                      {"type", "ext4"},
                                      {"total_in_bytes", total},
                                      {"free_in_bytes", free},
                                      {"available_in_bytes", free}}})}};
    json node = {{"timestamp", now_ms()},
                 {"name", m_options.node_name},
                 {"transport_address", "127.0.0.1:9300"},
                 {"host", "127.0.0.1"},
                 {"ip", "127.0.0.1:9300"},
                 {"roles", json::array({"data", "ingest", "master"})},
                 {"fs", fs}};
    return json_reply({{"_nodes", {{"total", 1}, {"successful", 1}, {"failed", 0}}},
                       {"cluster_name", m_options.cluster_name},
                       {"nodes", {{m_node_id, node}}}});
}

namespace {
EsError security_disabled() {
    // ES with xpack.security.enabled=false on a basic license (LicenseUtils / SecurityFeatureSet
    // message).
    return EsError(
        500, "exception",
        "Security must be explicitly enabled when using a [basic] license. Enable security by "
        "setting "
        "[xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.");
}
} // namespace

Reply Engine::security_authenticate(const RestRequest& request) {
    if (!m_options.security_enabled)
        return std::unexpected(security_disabled());
    const auto& p = request.principal;
    json realm = p.api_key ? json{{"name", "_es_api_key"}, {"type", "_es_api_key"}}
                           : json{{"name", "default_file"}, {"type", "file"}};
    json body = {{"username", p.name},
                 {"roles", p.role == "no_access" ? json::array() : json::array({p.role})},
                 {"full_name", nullptr},
                 {"email", nullptr},
                 {"metadata", json::object()},
                 {"enabled", true},
                 {"authentication_realm", realm},
                 {"lookup_realm", realm},
                 {"authentication_type", p.api_key ? "api_key" : "realm"}};
    if (p.api_key)
        body["api_key"] = {{"id", p.name}, {"name", p.name}};
    return json_reply(body);
}

Reply Engine::security_has_privileges(const RestRequest& request) {
    if (!m_options.security_enabled)
        return std::unexpected(security_disabled());
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    // ES RBACEngine.checkPrivileges resolves every named privilege first: an unknown one is a
    // 400, not a "false".
    for (const auto& c : body->value("cluster", json::array()))
        if (auto known = Security::check_cluster_privilege(c.get<std::string>()); !known)
            return std::unexpected(known.error());
    for (const auto& entry : body->value("index", json::array()))
        for (const auto& priv : entry.value("privileges", json::array()))
            if (auto known = Security::check_index_privilege(priv.get<std::string>()); !known)
                return std::unexpected(known.error());
    const auto& role = request.principal.role;
    bool all = true;
    json cluster = json::object();
    for (const auto& c : body->value("cluster", json::array())) {
        const bool ok = Security::has_cluster_privilege(role, c.get<std::string>());
        cluster[c.get<std::string>()] = ok;
        all = all && ok;
    }
    json index = json::object();
    for (const auto& entry : body->value("index", json::array())) {
        for (const auto& name : entry.value("names", json::array())) {
            json& privileges = index[name.get<std::string>()];
            if (!privileges.is_object())
                privileges = json::object();
            for (const auto& priv : entry.value("privileges", json::array())) {
                const bool ok = Security::has_index_privilege(role, priv.get<std::string>());
                privileges[priv.get<std::string>()] = ok;
                all = all && ok;
            }
        }
    }
    json application = json::object();
    for (const auto& entry : body->value("application", json::array())) {
        json& app = application[entry.value("application", "")];
        if (!app.is_object())
            app = json::object();
        for (const auto& resource : entry.value("resources", json::array())) {
            json& res = app[resource.get<std::string>()];
            if (!res.is_object())
                res = json::object();
            for (const auto& priv : entry.value("privileges", json::array())) {
                const bool ok = role == "superuser";
                res[priv.get<std::string>()] = ok;
                all = all && ok;
            }
        }
    }
    // Shape: es-spec SecurityHasPrivilegesResponseExample1.
    return json_reply({{"username", request.principal.name},
                       {"has_all_requested", all},
                       {"cluster", cluster},
                       {"index", index},
                       {"application", application}});
}

void Engine::apply_disk_watermarks() {
    // ES DiskThresholdMonitor (es-apis.md §1.13, ES PR#25541, ES#77906): when a node's free disk
    // falls below the flood-stage watermark (95 % used by default), every index with a shard on it
    // gets index.blocks.read_only_allow_delete, so writes fail with 429 cluster_block_exception;
    // since 7.4 (ES#42559) the block is released automatically once usage is back below the high
    // watermark (90 %). From 8.5 the free space a percentage watermark asks for is capped by its
    // max_headroom (100gb flood stage, 150gb high; DiskThresholdSettings).
    //
    // ES's monitor runs on each cluster-info refresh (30 s); es-sim evaluates it at every write,
    // with the store size as used disk. ES also releases blocks set by hand on that cycle; es-sim
    // releases only the blocks its monitor set, so a manual block keeps behaving as it would until
    // ES's next cycle (unsourced simplification).
    const std::int64_t total = m_options.disk_total_bytes;
    if (total <= 0)
        return;
    const std::int64_t free = total - total_store_bytes();
    auto threshold = [&](double free_fraction, std::int64_t headroom) {
        auto t = static_cast<std::int64_t>(static_cast<double>(total) * free_fraction);
        if (m_options.version.at_least(8, 5))
            t = std::min(t, headroom);
        return t;
    };
    constexpr std::int64_t k_gb = 1024LL * 1024 * 1024;
    if (free < threshold(0.05, 100 * k_gb)) {
        for (auto& [name, index] : m_indices) {
            if (index.setting("index.blocks.read_only_allow_delete") == "true")
                continue;
            index.settings["index.blocks.read_only_allow_delete"] = "true";
            m_disk_blocked.insert(name);
        }
    } else if (free >= threshold(0.10, 150 * k_gb) && !m_disk_blocked.empty()) {
        for (const auto& name : m_disk_blocked)
            if (const auto it = m_indices.find(name); it != m_indices.end())
                it->second.settings.erase("index.blocks.read_only_allow_delete");
        m_disk_blocked.clear();
    }
}

} // namespace esmend::es_sim

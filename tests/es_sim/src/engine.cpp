#include "engine.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

namespace esmend::es_sim {

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        if (comma == std::string::npos)
            comma = s.size();
        if (comma > start)
            out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

using nlohmann::json;

bool IndexData::hidden() const {
    return setting("index.hidden", "false") == "true";
}

std::string IndexData::setting(const std::string& key, const std::string& fallback) const {
    const auto it = settings.find(key);
    if (it == settings.end() || !it->is_string())
        return fallback;
    return it->get<std::string>();
}

std::int64_t IndexData::count_at(std::int64_t seq) const {
    std::int64_t n = 0;
    for (const auto& r : records)
        if (visible_at(r, seq))
            ++n;
    return n;
}

Engine::Engine(EngineOptions options)
    : m_options(std::move(options)), m_random(std::random_device{}()) {
    m_cluster_uuid = new_uuid();
    m_node_id = new_uuid();
    m_tasks.set_node_id(m_node_id);
}

Engine::~Engine() {
    // Background tasks (reindex workers) take the lock between batches: stop them first.
    std::vector<std::shared_ptr<Task>> workers;
    {
        std::lock_guard lock(m_mutex);
        workers = m_tasks.forget_all();
    }
    TaskRegistry::join(workers);
}

const std::map<std::string, Engine::Handler>& Engine::handlers() {
    static const std::map<std::string, Handler> k_handlers = {
        {"info", &Engine::info},
        {"ping", &Engine::ping},
        {"cluster.health", &Engine::cluster_health},
        {"cat.indices", &Engine::cat_indices},
        {"cat.allocation", &Engine::cat_allocation},
        {"nodes.stats", &Engine::nodes_stats},
        {"security.authenticate", &Engine::security_authenticate},
        {"security.has_privileges", &Engine::security_has_privileges},
        {"sim.reset", &Engine::sim_reset},
        {"sim.state", &Engine::sim_state},
        {"sim.restart", &Engine::sim_restart},
        {"reindex", &Engine::reindex},
        {"reindex_rethrottle", &Engine::reindex_rethrottle},
        {"tasks.get", &Engine::tasks_get},
        {"tasks.list", &Engine::tasks_list},
        {"tasks.cancel", &Engine::tasks_cancel},
        {"indices.create", &Engine::indices_create},
        {"indices.get", &Engine::indices_get},
        {"indices.exists", &Engine::indices_exists},
        {"indices.delete", &Engine::indices_delete},
        {"indices.get_mapping", &Engine::indices_get_mapping},
        {"indices.put_mapping", &Engine::indices_put_mapping},
        {"indices.get_settings", &Engine::indices_get_settings},
        {"indices.put_settings", &Engine::indices_put_settings},
        {"indices.add_block", &Engine::indices_add_block},
        {"indices.refresh", &Engine::indices_refresh},
        {"indices.stats", &Engine::indices_stats},
        {"indices.get_alias", &Engine::indices_get_alias},
        {"indices.exists_alias", &Engine::indices_exists_alias},
        {"indices.update_aliases", &Engine::indices_update_aliases},
        {"cluster.put_component_template", &Engine::put_component_template},
        {"cluster.get_component_template", &Engine::get_component_template},
        {"cluster.delete_component_template", &Engine::delete_component_template},
        {"cluster.exists_component_template", &Engine::exists_component_template},
        {"indices.put_index_template", &Engine::put_index_template},
        {"indices.get_index_template", &Engine::get_index_template},
        {"indices.delete_index_template", &Engine::delete_index_template},
        {"indices.exists_index_template", &Engine::exists_index_template},
        {"indices.simulate_index_template", &Engine::simulate_index_template},
        {"indices.simulate_template", &Engine::simulate_template},
        {"indices.create_data_stream", &Engine::create_data_stream},
        {"indices.get_data_stream", &Engine::get_data_stream},
        {"indices.delete_data_stream", &Engine::delete_data_stream},
        {"indices.data_streams_stats", &Engine::data_streams_stats},
        {"indices.rollover", &Engine::rollover},
        {"indices.modify_data_stream", &Engine::modify_data_stream},
        {"bulk", &Engine::bulk},
        {"index", &Engine::index_doc},
        {"create", &Engine::create_doc},
        {"get", &Engine::get_doc},
        {"delete", &Engine::delete_doc},
        {"update", &Engine::update_doc},
        {"mget", &Engine::mget},
        {"search", &Engine::search},
        {"count", &Engine::count},
        {"open_point_in_time", &Engine::open_pit},
        {"close_point_in_time", &Engine::close_pit},
        {"field_caps", &Engine::field_caps},
        {"ingest.put_pipeline", &Engine::put_pipeline},
        {"ingest.get_pipeline", &Engine::get_pipeline},
        {"ingest.delete_pipeline", &Engine::delete_pipeline},
        {"ingest.simulate", &Engine::simulate_pipeline},
        {"snapshot.create_repository", &Engine::snapshot_create_repository},
        {"snapshot.get_repository", &Engine::snapshot_get_repository},
        {"snapshot.delete_repository", &Engine::snapshot_delete_repository},
        {"snapshot.create", &Engine::snapshot_create},
        {"snapshot.get", &Engine::snapshot_get},
        {"snapshot.delete", &Engine::snapshot_delete},
        {"snapshot.restore", &Engine::snapshot_restore},
    };
    return k_handlers;
}

Reply Engine::handle(const RestRequest& request) {
    const auto& table = handlers();
    const auto it = table.find(request.endpoint);
    if (it == table.end()) {
        // A documented endpoint es-sim does not emulate (yet): say so plainly rather than pretend.
        return std::unexpected(EsError(501, "es_sim_unsupported_exception",
                                       "es-sim does not implement [" + request.endpoint + "]"));
    }
    if (request.endpoint == "cluster.health") {
        // ES waits up to ?timeout (30s default) for wait_for_status or a missing index, then
        // answers 408 with timed_out: true. Poll without holding the lock so other requests can
        // change the outcome.
        auto timeout = parse_time_value(request.param("timeout", "30s"), "timeout");
        if (!timeout)
            return std::unexpected(timeout.error());
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(std::max<std::int64_t>(0, *timeout));
        while (true) {
            Reply reply;
            {
                std::lock_guard lock(m_mutex);
                reply = cluster_health(request);
            }
            if (!reply || reply->status != 408 || std::chrono::steady_clock::now() >= deadline)
                return reply;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    // These lock per step themselves (engine_reindex.cpp).
    if (request.endpoint == "reindex" || request.endpoint == "tasks.get" ||
        request.endpoint == "tasks.cancel" || request.endpoint == "sim.restart")
        return (this->*(it->second))(request);
    std::lock_guard lock(m_mutex);
    return (this->*(it->second))(request);
}

std::int64_t Engine::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ES UUIDs render as 22 URL-safe base64 characters (UUIDs.randomBase64UUID).
std::string Engine::new_uuid() {
    static constexpr std::string_view k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve(22);
    for (int i = 0; i < 22; ++i)
        out.push_back(k_alphabet[static_cast<std::size_t>(m_random() % 64U)]);
    return out;
}

EsError Engine::index_not_found(const std::string& name) {
    EsError e(404, "index_not_found_exception", "no such index [" + name + "]");
    e.with("resource.type", "index_or_alias")
        .with("resource.id", name)
        .with("index_uuid", "_na_")
        .with("index", name);
    return e;
}

bool simple_match(std::string_view pattern, std::string_view value) {
    // Iterative glob with '*' only (ES Regex.simpleMatch).
    std::size_t p = 0;
    std::size_t v = 0;
    std::size_t star = std::string_view::npos;
    std::size_t mark = 0;
    while (v < value.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = v;
        } else if (p < pattern.size() && pattern[p] == value[v]) {
            ++p;
            ++v;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            v = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

std::expected<bool, EsError> parse_bool_param(const RestRequest& request, const std::string& key,
                                              bool fallback) {
    const auto it = request.params.find(key);
    if (it == request.params.end())
        return fallback;
    if (it->second.empty() || it->second == "true")
        return true;
    if (it->second == "false")
        return false;
    // ES Booleans.parseBoolean.
    return std::unexpected(EsError(400, "illegal_argument_exception",
                                   "Failed to parse value [" + it->second +
                                       "] as only [true] or [false] are allowed."));
}

std::expected<std::int64_t, EsError> parse_time_value(const std::string& value,
                                                      const std::string& setting_name) {
    // ES TimeValue.parseTimeValue.
    if (value == "-1")
        return -1;
    if (value == "0")
        return 0;
    for (const auto& [unit, factor] : std::vector<std::pair<std::string, double>>{{"nanos", 1e-6},
                                                                                  {"micros", 1e-3},
                                                                                  {"ms", 1},
                                                                                  {"d", 86400000},
                                                                                  {"h", 3600000},
                                                                                  {"m", 60000},
                                                                                  {"s", 1000}}) {
        if (value.size() > unit.size() && value.ends_with(unit)) {
            const auto number = value.substr(0, value.size() - unit.size());
            std::int64_t n = 0;
            const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
            if (ec == std::errc{} && ptr == number.data() + number.size() && n >= 0)
                return static_cast<std::int64_t>(std::floor(static_cast<double>(n) * factor));
            break;
        }
    }
    return std::unexpected(EsError(400, "illegal_argument_exception",
                                   "failed to parse setting [" + setting_name + "] with value [" +
                                       value +
                                       "] as a time value: unit is missing or unrecognized"));
}

std::string key_location(const std::string& raw, const std::string& key, int want_depth) {
    int depth = 0;
    int line = 1;
    int col = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        ++col;
        if (c == '\n') {
            ++line;
            col = 0;
            continue;
        }
        if (in_string) {
            if (c == '\\') {
                ++i;
                ++col;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']')
            --depth;
        else if (c == '"') {
            if (depth == want_depth && raw.compare(i + 1, key.size() + 1, key + "\"") == 0)
                return "[" + std::to_string(line) + ":" + std::to_string(col) + "]";
            in_string = true;
        }
    }
    return "[1:1]";
}

std::expected<json, EsError> parse_body(const RestRequest& request, bool required) {
    if (request.body.empty() || request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        if (required)
            return std::unexpected(EsError(400, "parse_exception", "request body is required"));
        return json::object();
    }
    auto doc = json::parse(request.body, nullptr, false);
    if (doc.is_discarded())
        return std::unexpected(EsError(400, "parse_exception", "Failed to parse content to map"));
    if (!doc.is_object())
        return std::unexpected(EsError(400, "parse_exception", "Failed to parse content to map"));
    return doc;
}

namespace {
void flatten_into(const json& node, const std::string& prefix, json& out) {
    for (const auto& [key, value] : node.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object()) {
            flatten_into(value, name, out);
        } else if (value.is_array()) {
            json arr = json::array();
            for (const auto& v : value)
                arr.push_back(v.is_string() ? v.get<std::string>() : v.dump());
            out[name] = arr;
        } else if (value.is_null()) {
            out[name] = nullptr;
        } else if (value.is_string()) {
            out[name] = value.get<std::string>();
        } else {
            out[name] = value.dump();
        }
    }
}
} // namespace

json flatten_settings(const json& settings) {
    json flat = json::object();
    if (!settings.is_object())
        return flat;
    json raw = json::object();
    flatten_into(settings, "", raw);
    // ES normalises settings without a prefix to "index." (Settings.normalizePrefix).
    for (const auto& [key, value] : raw.items()) {
        const std::string name = key.starts_with("index.") ? key : "index." + key;
        flat[name] = value;
    }
    return flat;
}

json nest_settings(const json& flat) {
    json out = json::object();
    for (const auto& [key, value] : flat.items()) {
        json* node = &out;
        std::size_t start = 0;
        while (true) {
            const auto dot = key.find('.', start);
            if (dot == std::string::npos) {
                (*node)[key.substr(start)] = value;
                break;
            }
            json& child = (*node)[key.substr(start, dot - start)];
            if (!child.is_object())
                child = json::object();
            node = &child;
            start = dot + 1;
        }
    }
    return out;
}

IndicesOptions Engine::indices_options(const RestRequest& request, IndicesOptions defaults) const {
    IndicesOptions o = defaults;
    if (request.has("expand_wildcards")) {
        o.open = o.closed = o.hidden = false;
        const auto value = request.param("expand_wildcards");
        std::size_t start = 0;
        while (start <= value.size()) {
            auto comma = value.find(',', start);
            if (comma == std::string::npos)
                comma = value.size();
            const auto w = value.substr(start, comma - start);
            if (w == "open")
                o.open = true;
            else if (w == "closed")
                o.closed = true;
            else if (w == "hidden")
                o.hidden = true;
            else if (w == "all")
                o.open = o.closed = o.hidden = true;
            start = comma + 1;
        }
    }
    if (auto v = parse_bool_param(request, "ignore_unavailable", o.ignore_unavailable))
        o.ignore_unavailable = *v;
    if (auto v = parse_bool_param(request, "allow_no_indices", o.allow_no_indices))
        o.allow_no_indices = *v;
    return o;
}

// ES IndexNameExpressionResolver, reduced to what a single-node cluster without closed indices
// needs: comma lists, '*' wildcards, '-' exclusions after a wildcard, _all, aliases and data
// streams (which resolve to their backing indices). Wildcards reach hidden indices only with
// expand_wildcards=hidden or when the pattern itself starts with '.' (ES 7.7+ hidden-index rule).
std::expected<std::vector<std::string>, EsError> Engine::resolve(const std::string& expression,
                                                                 const IndicesOptions& options,
                                                                 bool include_data_streams) const {
    std::vector<std::string> parts;
    {
        std::size_t start = 0;
        while (start <= expression.size()) {
            auto comma = expression.find(',', start);
            if (comma == std::string::npos)
                comma = expression.size();
            if (comma > start)
                parts.push_back(expression.substr(start, comma - start));
            start = comma + 1;
        }
    }
    if (parts.empty() || (parts.size() == 1 && (parts[0] == "_all" || parts[0] == "*")))
        parts = {"*"};
    std::vector<std::string> out;
    std::set<std::string> seen;
    bool saw_wildcard = false;
    auto add = [&](const std::string& name) {
        if (seen.insert(name).second)
            out.push_back(name);
    };
    auto add_data_stream = [&](const DataStream& ds) {
        for (const auto& idx : ds.indices)
            add(idx);
    };
    for (const auto& raw : parts) {
        if (raw.starts_with("-") && saw_wildcard) {
            const auto pattern = raw.substr(1);
            std::vector<std::string> kept;
            for (const auto& name : out) {
                bool excluded = simple_match(pattern, name);
                const auto it = m_indices.find(name);
                if (!excluded && it != m_indices.end() && !it->second.data_stream.empty())
                    excluded = simple_match(pattern, it->second.data_stream);
                if (!excluded)
                    kept.push_back(name);
                else
                    seen.erase(name);
            }
            out = std::move(kept);
            continue;
        }
        if (raw.find('*') != std::string::npos) {
            saw_wildcard = true;
            if (!options.open)
                continue;
            for (const auto& [name, index] : m_indices) {
                if (!simple_match(raw, name))
                    continue;
                if (index.hidden() && !options.hidden &&
                    !(raw.starts_with(".") && name.starts_with(".")))
                    continue;
                add(name);
            }
            if (include_data_streams) {
                for (const auto& [name, ds] : m_data_streams)
                    if (simple_match(raw, name) && (!ds.hidden || options.hidden))
                        add_data_stream(ds);
            }
            for (const auto& [name, index] : m_indices)
                for (const auto& [alias, def] : index.aliases.items())
                    if (simple_match(raw, alias) && (!index.hidden() || options.hidden))
                        add(name);
            continue;
        }
        if (m_indices.contains(raw)) {
            add(raw);
            continue;
        }
        if (include_data_streams) {
            if (const auto it = m_data_streams.find(raw); it != m_data_streams.end()) {
                add_data_stream(it->second);
                continue;
            }
        }
        bool alias_found = false;
        for (const auto& [name, index] : m_indices)
            if (index.aliases.contains(raw)) {
                add(name);
                alias_found = true;
            }
        if (alias_found)
            continue;
        if (!options.ignore_unavailable)
            return std::unexpected(index_not_found(raw));
    }
    if (out.empty() && !options.allow_no_indices)
        return std::unexpected(index_not_found(expression));
    return out;
}

std::int64_t Engine::total_store_bytes() const {
    std::int64_t total = 0;
    for (const auto& [name, index] : m_indices)
        total += index.store_bytes;
    return total;
}

std::int64_t Engine::min_pit_seq(const std::string& index) const {
    std::int64_t min = k_live;
    for (const auto& [id, pit] : m_pits)
        for (const auto& [name, seq] : pit.indices)
            if (name == index)
                min = std::min(min, seq);
    return min;
}

void Engine::refresh_index(IndexData& index) {
    index.refreshed_seq = index.next_seq - 1;
    index.last_refresh_ms = now_ms();
    if (index.dead_records > 1024 &&
        index.dead_records * 4 > static_cast<std::int64_t>(index.records.size()))
        compact(index);
}

void Engine::maybe_scheduled_refresh(IndexData& index) {
    // ES refreshes every index.refresh_interval (1s default; -1 disables). es-sim evaluates the
    // schedule lazily when the searchable view is read, which is indistinguishable from a timer for
    // a client.
    if (index.refreshed_seq == index.next_seq - 1)
        return;
    const auto interval =
        parse_time_value(index.setting("index.refresh_interval", "1s"), "index.refresh_interval");
    if (!interval || *interval < 0)
        return;
    if (now_ms() - index.last_refresh_ms >= *interval)
        refresh_index(index);
}

void Engine::compact(IndexData& index) {
    // Drops record versions no reader can see any more: superseded before the searchable point and
    // before every open point in time on this index.
    const std::int64_t horizon = std::min(index.refreshed_seq, min_pit_seq(index.name));
    std::vector<DocRecord> kept;
    kept.reserve(index.records.size());
    for (auto& r : index.records)
        if (r.end_seq == k_live || r.end_seq > horizon)
            kept.push_back(std::move(r));
    index.records = std::move(kept);
    index.live.clear();
    index.dead_records = 0;
    for (std::size_t i = 0; i < index.records.size(); ++i) {
        if (index.records[i].end_seq == k_live)
            index.live[index.records[i].id] = i;
        else
            ++index.dead_records;
    }
}

void Engine::remove_index(const std::string& name) {
    for (auto it = m_pits.begin(); it != m_pits.end(); ++it) {
        auto& v = it->second.indices;
        std::erase_if(v, [&](const auto& p) { return p.first == name; });
    }
    m_indices.erase(name);
}

std::string Engine::backing_index_name(const std::string& data_stream,
                                       std::int64_t generation) const {
    // ES DataStream.getDefaultBackingIndexName: .ds-<data-stream>-<yyyy.MM.dd>-<generation, 6
    // digits>.
    const auto t = std::chrono::system_clock::now();
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d.%02u.%02u-%06lld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long long>(generation));
    return ".ds-" + data_stream + "-" + buf;
}

const json* Engine::pipeline(std::string_view id) const {
    const auto it = m_pipelines.find(std::string(id));
    return it == m_pipelines.end() ? nullptr : &it->second;
}

Reply Engine::sim_reset(const RestRequest&) {
    m_indices.clear();
    m_component_templates.clear();
    m_index_templates.clear();
    m_data_streams.clear();
    m_pipelines.clear();
    m_pits.clear();
    m_snapshots.reset();
    return json_reply(acknowledged());
}

Reply Engine::sim_state(const RestRequest&) {
    json state = json::object();
    json indices = json::object();
    for (auto& [name, index] : m_indices) {
        indices[name] = {
            {"docs", static_cast<std::int64_t>(index.live.size())},
            {"searchable_docs", index.count_at(index.refreshed_seq)},
            {"store_bytes", index.store_bytes},
            {"hidden", index.hidden()},
            {"data_stream", index.data_stream.empty() ? json(nullptr) : json(index.data_stream)}};
    }
    state["indices"] = indices;
    json streams = json::object();
    for (const auto& [name, ds] : m_data_streams)
        streams[name] = {
            {"indices", ds.indices}, {"generation", ds.generation}, {"template", ds.template_name}};
    state["data_streams"] = streams;
    json templates = json::array();
    for (const auto& [name, t] : m_index_templates)
        templates.push_back(name);
    state["index_templates"] = templates;
    json components = json::array();
    for (const auto& [name, t] : m_component_templates)
        components.push_back(name);
    state["component_templates"] = components;
    json pipelines = json::array();
    for (const auto& [name, p] : m_pipelines)
        pipelines.push_back(name);
    state["pipelines"] = pipelines;
    state["points_in_time"] = m_pits.size();
    state["points_in_time_opened"] = m_pits_opened;
    return json_reply(state);
}

} // namespace esmend::es_sim

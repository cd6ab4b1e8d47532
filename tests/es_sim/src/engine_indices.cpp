// Index lifecycle and metadata endpoints: create, get, exists, delete, _mapping, _settings, _block,
// _refresh, _stats and aliases.
#include "engine.hpp"

#include <algorithm>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

// Index settings es-sim knows (ES IndexScopedSettings, the subset esmend and Fleet templates use).
// Dynamic ones may change on an open index; the others only at creation.
const std::set<std::string>& dynamic_settings() {
    static const std::set<std::string> k = {
        "index.number_of_replicas",
        "index.refresh_interval",
        "index.hidden",
        "index.blocks.write",
        "index.blocks.read",
        "index.blocks.read_only",
        "index.blocks.read_only_allow_delete",
        "index.blocks.metadata",
        "index.lifecycle.name",
        "index.lifecycle.rollover_alias",
        "index.lifecycle.origination_date",
        "index.lifecycle.parse_origination_date",
        "index.lifecycle.indexing_complete",
        "index.lifecycle.step.wait_time_threshold",
        "index.default_pipeline",
        "index.final_pipeline",
        "index.max_result_window",
        "index.max_inner_result_window",
        "index.mapping.total_fields.limit",
        "index.mapping.depth.limit",
        "index.mapping.nested_fields.limit",
        "index.mapping.field_name_length.limit",
        "index.auto_expand_replicas",
        "index.priority",
        "index.query.default_field",
        "index.translog.durability",
        "index.write.wait_for_active_shards",
        "index.routing.allocation.total_shards_per_node",
        "index.mapping.total_fields.ignore_dynamic_beyond_limit",
        "index.max_docvalue_fields_search",
        "index.search.slowlog.threshold.query.warn",
        "index.indexing.slowlog.threshold.index.warn",
        "index.routing.rebalance.enable",
        "index.routing.allocation.enable",
        "index.translog.sync_interval"};
    return k;
}
const std::set<std::string>& static_settings() {
    static const std::set<std::string> k = {"index.number_of_shards",
                                            "index.codec",
                                            "index.mode",
                                            "index.mapping.ignore_malformed",
                                            "index.mapping.coerce",
                                            "index.number_of_routing_shards",
                                            "index.routing_path",
                                            "index.store.type",
                                            "index.creation_date",
                                            "index.sort.field",
                                            "index.sort.order",
                                            "index.sort.mode",
                                            "index.sort.missing",
                                            "index.shard.check_on_startup",
                                            "index.load_fixed_bitset_filters_eagerly",
                                            "index.hidden_placeholder"};
    return k;
}
// Settings ES computes itself (IndexMetadata private settings).
const std::set<std::string>& private_settings() {
    static const std::set<std::string> k = {"index.uuid", "index.version.created",
                                            "index.provided_name", "index.resize.source.uuid",
                                            "index.resize.source.name"};
    return k;
}
bool is_prefix_setting(const std::string& key) {
    return key.starts_with("index.analysis.") ||
           key.starts_with("index.routing.allocation.include.") ||
           key.starts_with("index.routing.allocation.exclude.") ||
           key.starts_with("index.routing.allocation.require.") ||
           key.starts_with("index.similarity.") || key.starts_with("index.time_series.") ||
           key.starts_with("index.sort.") || key.starts_with("index.merge.") ||
           key.starts_with("index.search.") || key.starts_with("index.indexing.") ||
           key.starts_with("index.translog.");
}
bool is_dynamic(const std::string& key) {
    return dynamic_settings().contains(key) || key.starts_with("index.routing.allocation.") ||
           key.starts_with("index.search.") || key.starts_with("index.indexing.") ||
           key.starts_with("index.merge.") || key.starts_with("index.translog.");
}

EsError unknown_setting(const std::string& key) {
    // ES AbstractScopedSettings.validate.
    return EsError(
        400, "illegal_argument_exception",
        "unknown setting [" + key +
            "] please check that any required plugins are installed, or check the breaking changes "
            "documentation for removed settings");
}

// Validates setting names and the values es-sim interprets.
std::expected<void, EsError> validate_settings(const json& flat) {
    for (const auto& [key, value] : flat.items()) {
        if (private_settings().contains(key))
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "private index setting [" + key + "] can not be set explicitly"));
        if (!dynamic_settings().contains(key) && !static_settings().contains(key) &&
            !is_prefix_setting(key))
            return std::unexpected(unknown_setting(key));
        if (value.is_null() || !value.is_string())
            continue;
        const auto v = value.get<std::string>();
        if (key == "index.hidden" || key.starts_with("index.blocks.") ||
            key == "index.lifecycle.indexing_complete" ||
            key == "index.lifecycle.parse_origination_date") {
            if (v != "true" && v != "false")
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "Failed to parse value [" + v +
                                                   "] as only [true] or [false] are allowed."));
        } else if (key == "index.number_of_replicas" || key == "index.number_of_shards" ||
                   key == "index.max_result_window") {
            const std::int64_t minimum = key == "index.number_of_shards" ? 1 : 0;
            std::int64_t n = 0;
            try {
                std::size_t used = 0;
                n = std::stoll(v, &used);
                if (used != v.size())
                    throw std::invalid_argument(v);
            } catch (const std::exception&) {
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "Failed to parse value [" + v + "] for setting [" + key + "]"));
            }
            if (n < minimum)
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "Failed to parse value [" + v + "] for setting [" +
                                                   key +
                                                   "] must be >= " + std::to_string(minimum)));
        } else if (key == "index.refresh_interval") {
            auto t = parse_time_value(v, key);
            if (!t)
                return std::unexpected(t.error());
        }
    }
    return {};
}

// ES MetadataCreateIndexService.validateIndexOrAliasName and validateIndexName.
std::expected<void, EsError> validate_index_name(const std::string& name) {
    auto invalid = [&](const std::string& why) {
        EsError e(400, "invalid_index_name_exception", "Invalid index name [" + name + "], " + why);
        e.with("index_uuid", "_na_").with("index", name);
        return std::unexpected(e);
    };
    if (name.find_first_of("\\/*?\"<>| ,") != std::string::npos)
        return invalid(
            "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]");
    if (name.empty())
        return invalid("must not be empty");
    if (name.find('#') != std::string::npos)
        return invalid("must not contain '#'");
    if (name.find(':') != std::string::npos)
        return invalid("must not contain ':'");
    if (name[0] == '_' || name[0] == '-' || name[0] == '+')
        return invalid("must not start with '_', '-', or '+'");
    if (name.size() > 255)
        return invalid("index name is too long, (" + std::to_string(name.size()) + " > 255)");
    if (name == "." || name == "..")
        return invalid("must not be '.' or '..'");
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != name)
        return invalid("must be lowercase");
    return {};
}

bool has_wildcard(const std::string& expression) {
    return expression.find('*') != std::string::npos || expression == "_all";
}

json shards_header(std::int64_t total, std::int64_t successful) {
    return {{"total", total}, {"successful", successful}, {"failed", 0}};
}

std::int64_t int_setting(const IndexData& index, const char* key, std::int64_t fallback) {
    try {
        const auto v = index.setting(key);
        return v.empty() ? fallback : std::stoll(v);
    } catch (const std::exception&) {
        return fallback;
    }
}

} // namespace

// Creates an index. Templates are looked up by `template_source` (the index name for plain indices,
// the data stream name for backing indices; empty for none).
std::expected<std::string, EsError> Engine::create_index(const std::string& name, const json& body,
                                                         const std::string& template_source,
                                                         const std::string& data_stream) {
    if (auto ok = validate_index_name(name); !ok)
        return std::unexpected(ok.error());
    if (const auto it = m_indices.find(name); it != m_indices.end()) {
        EsError e(400, "resource_already_exists_exception",
                  "index [" + name + "/" + it->second.uuid + "] already exists");
        e.with("index_uuid", it->second.uuid).with("index", name);
        return std::unexpected(e);
    }
    for (const auto& [other, index] : m_indices) {
        if (index.aliases.contains(name)) {
            EsError e(400, "invalid_index_name_exception",
                      "Invalid index name [" + name + "], already exists as alias");
            e.with("index_uuid", "_na_").with("index", name);
            return std::unexpected(e);
        }
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "settings" && key != "mappings" && key != "aliases")
            return std::unexpected(
                EsError(400, "parse_exception", "unknown key [" + key + "] for create index"));
    }
    json settings = json::object();
    json mapping_layers = json::array();
    json aliases = json::object();
    if (!data_stream.empty()) {
        // Data streams need @timestamp as a date; ES composes this default first
        // (DataStreamTimestampFieldMapper).
        mapping_layers.push_back({{"properties", {{"@timestamp", {{"type", "date"}}}}}});
    }
    if (!template_source.empty()) {
        std::string template_name;
        if (const json* t = find_index_template(template_source, &template_name)) {
            if (data_stream.empty() && t->contains("data_stream")) {
                return std::unexpected(EsError(
                    400, "illegal_argument_exception",
                    "cannot create index with name [" + name +
                        "], because it matches with template [" + template_name +
                        "] that creates data streams only, use create data stream api instead"));
            }
            auto resolved = resolve_template(template_name, *t);
            if (!resolved)
                return std::unexpected(resolved.error());
            settings = flatten_settings(resolved->value("settings", json::object()));
            for (const auto& layer : resolved->value("mapping_layers", json::array()))
                mapping_layers.push_back(layer);
            if (data_stream.empty())
                aliases = resolved->value("aliases", json::object());
        }
    }
    const json request_settings = flatten_settings(body.value("settings", json::object()));
    for (const auto& [k, v] : request_settings.items())
        settings[k] = v;
    if (auto ok = validate_settings(settings); !ok)
        return std::unexpected(ok.error());
    if (body.contains("mappings"))
        mapping_layers.push_back(body["mappings"]);
    if (body.contains("aliases") && body["aliases"].is_object())
        for (const auto& [k, v] : body["aliases"].items())
            aliases[k] = v;

    auto mapping = Mapping::parse(mapping_layers.empty() ? json::object() : mapping_layers[0],
                                  m_options.version);
    if (!mapping)
        return std::unexpected(mapping.error());
    for (std::size_t i = 1; i < mapping_layers.size(); ++i) {
        auto merged = mapping->merge(mapping_layers[i], MergeReason::index_template);
        if (!merged)
            return std::unexpected(merged.error());
    }
    // A null setting means "use the default": drop it (collect first, erasing invalidates
    // iteration).
    std::vector<std::string> nulls;
    for (const auto& [key, value] : settings.items())
        if (value.is_null())
            nulls.push_back(key);
    for (const auto& key : nulls)
        settings.erase(key);

    IndexData index;
    index.name = name;
    index.uuid = new_uuid();
    index.creation_date = now_ms();
    index.last_refresh_ms = index.creation_date;
    index.data_stream = data_stream;
    index.mapping = std::move(*mapping);
    index.aliases = aliases;
    json defaults = {{"index.number_of_shards", "1"},
                     {"index.number_of_replicas", "1"},
                     {"index.routing.allocation.include._tier_preference",
                      data_stream.empty() ? "data_content" : "data_hot"}};
    for (const auto& [k, v] : defaults.items())
        if (!settings.contains(k))
            settings[k] = v;
    if (!data_stream.empty())
        settings["index.hidden"] = "true";
    settings["index.uuid"] = index.uuid;
    settings["index.creation_date"] = std::to_string(index.creation_date);
    settings["index.provided_name"] = name;
    index.settings = settings;
    m_indices.emplace(name, std::move(index));
    return name;
}

Reply Engine::indices_create(const RestRequest& request) {
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    auto created = create_index(request.part("index"), *body, request.part("index"), "");
    if (!created)
        return std::unexpected(created.error());
    return json_reply({{"acknowledged", true}, {"shards_acknowledged", true}, {"index", *created}});
}

Reply Engine::indices_get(const RestRequest& request) {
    auto names = resolve(request.part("index"),
                         indices_options(request, IndicesOptions{true, true, false, false, false}));
    if (!names)
        return std::unexpected(names.error());
    json out = json::object();
    for (const auto& name : *names) {
        const auto& index = m_indices.at(name);
        json entry = {{"aliases", index.aliases},
                      {"mappings", index.mapping->to_json()},
                      {"settings", nest_settings(index.settings)}};
        if (!index.data_stream.empty())
            entry["data_stream"] = index.data_stream;
        out[name] = entry;
    }
    return json_reply(out);
}

Reply Engine::indices_exists(const RestRequest& request) {
    auto names = resolve(request.part("index"),
                         indices_options(request, IndicesOptions{true, true, false, false, false}));
    RestResponse r;
    r.status = names && !names->empty() ? 200 : 404;
    return r;
}

Reply Engine::indices_delete(const RestRequest& request) {
    const auto expression = request.part("index");
    // ES DestructiveOperations: action.destructive_requires_name defaults to true from 8.0.
    if (m_options.version.major >= 8) {
        std::size_t start = 0;
        while (start <= expression.size()) {
            auto comma = expression.find(',', start);
            if (comma == std::string::npos)
                comma = expression.size();
            const auto item = expression.substr(start, comma - start);
            start = comma + 1;
            if (has_wildcard(item) && !item.starts_with("-"))
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "Wildcard expressions or all indices are not allowed"));
        }
    }
    // Concrete names that are data streams or aliases are refused (IndexNameExpressionResolver,
    // with data streams excluded for this action).
    std::size_t start = 0;
    while (start <= expression.size()) {
        auto comma = expression.find(',', start);
        if (comma == std::string::npos)
            comma = expression.size();
        const auto item = expression.substr(start, comma - start);
        start = comma + 1;
        if (m_data_streams.contains(item))
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "The provided expression [" + item +
                                               "] matches a data stream, specify the corresponding "
                                               "concrete indices instead."));
        if (!m_indices.contains(item)) {
            for (const auto& [name, index] : m_indices)
                if (index.aliases.contains(item))
                    return std::unexpected(EsError(400, "illegal_argument_exception",
                                                   "The provided expression [" + item +
                                                       "] matches an alias, specify the "
                                                       "corresponding concrete indices instead."));
        }
    }
    auto names =
        resolve(expression,
                indices_options(request, IndicesOptions{true, true, false, false, true}), false);
    if (!names)
        return std::unexpected(names.error());
    for (const auto& name : *names) {
        const auto& index = m_indices.at(name);
        if (!index.data_stream.empty()) {
            const auto& ds = m_data_streams.at(index.data_stream);
            if (ds.indices.back() == name)
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "index [" + name +
                                                   "] is the write index for data stream [" +
                                                   ds.name + "] and cannot be deleted"));
        }
    }
    for (const auto& name : *names) {
        const auto ds_name = m_indices.at(name).data_stream;
        if (!ds_name.empty())
            std::erase(m_data_streams.at(ds_name).indices, name);
        remove_index(name);
    }
    return json_reply(acknowledged());
}

Reply Engine::indices_get_mapping(const RestRequest& request) {
    const auto target = request.part("index").empty() ? "*" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    json out = json::object();
    for (const auto& name : *names)
        out[name] = {{"mappings", m_indices.at(name).mapping->to_json()}};
    return json_reply(out);
}

Reply Engine::indices_put_mapping(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    auto names = resolve(request.part("index"),
                         indices_options(request, IndicesOptions{true, true, false, false, false}));
    if (!names)
        return std::unexpected(names.error());
    auto write_only = parse_bool_param(request, "write_index_only", false);
    if (!write_only)
        return std::unexpected(write_only.error());
    std::vector<std::string> targets;
    for (const auto& name : *names) {
        const auto& index = m_indices.at(name);
        if (*write_only && !index.data_stream.empty() &&
            m_data_streams.at(index.data_stream).indices.back() != name)
            continue;
        targets.push_back(name);
    }
    // All or nothing, as one cluster-state update: merge into copies first.
    std::vector<Mapping> merged;
    for (const auto& name : targets) {
        Mapping copy = *m_indices.at(name).mapping;
        auto ok = copy.merge(*body, MergeReason::mapping_update);
        if (!ok)
            return std::unexpected(ok.error());
        merged.push_back(std::move(copy));
    }
    for (std::size_t i = 0; i < targets.size(); ++i)
        m_indices.at(targets[i]).mapping = std::move(merged[i]);
    return json_reply(acknowledged());
}

Reply Engine::indices_get_settings(const RestRequest& request) {
    const auto target = request.part("index").empty() ? "*" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    auto flat_param = parse_bool_param(request, "flat_settings", false);
    if (!flat_param)
        return std::unexpected(flat_param.error());
    const auto filter = request.part("name");
    json out = json::object();
    for (const auto& name : *names) {
        json flat = json::object();
        for (const auto& [k, v] : m_indices.at(name).settings.items()) {
            if (!filter.empty()) {
                bool match = false;
                std::size_t start = 0;
                while (start <= filter.size()) {
                    auto comma = filter.find(',', start);
                    if (comma == std::string::npos)
                        comma = filter.size();
                    match = match || simple_match(filter.substr(start, comma - start), k);
                    start = comma + 1;
                }
                if (!match)
                    continue;
            }
            flat[k] = v;
        }
        if (!filter.empty() && flat.empty())
            continue;
        out[name] = {{"settings", *flat_param ? flat : nest_settings(flat)}};
    }
    return json_reply(out);
}

Reply Engine::indices_put_settings(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    json raw =
        body->contains("settings") && (*body)["settings"].is_object() ? (*body)["settings"] : *body;
    const json flat = flatten_settings(raw);
    if (flat.empty())
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no settings to update;"));
    if (auto ok = validate_settings(flat); !ok)
        return std::unexpected(ok.error());
    const auto target = request.part("index").empty() ? "_all" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, false}));
    if (!names)
        return std::unexpected(names.error());
    auto preserve = parse_bool_param(request, "preserve_existing", false);
    if (!preserve)
        return std::unexpected(preserve.error());
    std::vector<std::string> non_dynamic;
    for (const auto& [key, value] : flat.items()) {
        if (key == "index.number_of_shards")
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "final index setting [index.number_of_shards], not updateable"));
        if (!is_dynamic(key))
            non_dynamic.push_back(key);
    }
    if (!non_dynamic.empty()) {
        // MetadataUpdateSettingsService: settings that are not dynamic can only change on closed
        // indices.
        std::string keys;
        for (const auto& k : non_dynamic)
            keys += (keys.empty() ? "" : ", ") + k;
        std::string indices;
        for (const auto& n : *names)
            indices += (indices.empty() ? "" : ", ") + ("[" + n + "/" + m_indices.at(n).uuid + "]");
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "Can't update non dynamic settings [[" + keys +
                                           "]] for open indices [" + indices + "]"));
    }
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        for (const auto& [key, value] : flat.items()) {
            if (*preserve && index.settings.contains(key))
                continue;
            if (value.is_null())
                index.settings.erase(key);
            else
                index.settings[key] = value;
        }
    }
    return json_reply(acknowledged());
}

Reply Engine::indices_add_block(const RestRequest& request) {
    const auto block = request.part("block");
    if (block != "write" && block != "read" && block != "read_only" && block != "metadata")
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "No block found with name [" + block + "]"));
    if (m_options.version.major >= 8 && has_wildcard(request.part("index")))
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "Wildcard expressions or all indices are not allowed"));
    auto names = resolve(request.part("index"),
                         indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    json indices = json::array();
    for (const auto& name : *names) {
        m_indices.at(name).settings["index.blocks." + block] = "true";
        indices.push_back({{"name", name}, {"blocked", true}});
    }
    return json_reply(
        {{"acknowledged", true}, {"shards_acknowledged", true}, {"indices", indices}});
}

Reply Engine::indices_refresh(const RestRequest& request) {
    const auto target = request.part("index").empty() ? "_all" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    std::int64_t total = 0;
    std::int64_t ok = 0;
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        refresh_index(index);
        const auto shards = int_setting(index, "index.number_of_shards", 1);
        ok += shards;
        total += shards * (1 + int_setting(index, "index.number_of_replicas", 1));
    }
    return json_reply({{"_shards", shards_header(total, ok)}});
}

Reply Engine::indices_stats(const RestRequest& request) {
    const auto target = request.part("index").empty() ? "_all" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    auto section = [](std::int64_t docs, std::int64_t bytes) {
        return json{{"docs", {{"count", docs}, {"deleted", 0}}},
                    {"store",
                     {{"size_in_bytes", bytes},
                      {"total_data_set_size_in_bytes", bytes},
                      {"reserved_in_bytes", 0}}}};
    };
    json indices = json::object();
    std::int64_t all_docs = 0;
    std::int64_t all_bytes = 0;
    std::int64_t total = 0;
    std::int64_t ok = 0;
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        maybe_scheduled_refresh(index);
        const auto docs = index.count_at(index.refreshed_seq);
        all_docs += docs;
        all_bytes += index.store_bytes;
        const auto shards = int_setting(index, "index.number_of_shards", 1);
        const auto replicas = int_setting(index, "index.number_of_replicas", 1);
        ok += shards;
        total += shards * (1 + replicas);
        indices[name] = {{"uuid", index.uuid},
                         {"health", replicas > 0 ? "yellow" : "green"},
                         {"status", "open"},
                         {"primaries", section(docs, index.store_bytes)},
                         {"total", section(docs, index.store_bytes)}};
    }
    return json_reply(
        {{"_shards", shards_header(total, ok)},
         {"_all",
          {{"primaries", section(all_docs, all_bytes)}, {"total", section(all_docs, all_bytes)}}},
         {"indices", indices}});
}

Reply Engine::indices_get_alias(const RestRequest& request) {
    const auto target = request.part("index").empty() ? "*" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, true, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    const auto wanted = request.part("name");
    json out = json::object();
    std::set<std::string> found;
    for (const auto& name : *names) {
        json aliases = json::object();
        for (const auto& [alias, def] : m_indices.at(name).aliases.items()) {
            bool match = wanted.empty();
            std::size_t start = 0;
            while (!match && start <= wanted.size()) {
                auto comma = wanted.find(',', start);
                if (comma == std::string::npos)
                    comma = wanted.size();
                match = simple_match(wanted.substr(start, comma - start), alias);
                start = comma + 1;
            }
            if (match) {
                aliases[alias] = def;
                found.insert(alias);
            }
        }
        if (wanted.empty() || !aliases.empty())
            out[name] = {{"aliases", aliases}};
    }
    if (!wanted.empty() && found.empty() && !has_wildcard(wanted)) {
        // RestGetAliasesAction: a missing named alias is a 404 whose "error" is a plain string.
        return json_reply({{"error", "alias [" + wanted + "] missing"}, {"status", 404}}, 404);
    }
    return json_reply(out);
}

Reply Engine::indices_exists_alias(const RestRequest& request) {
    auto reply = indices_get_alias(request);
    RestResponse r;
    r.status = reply && reply->status == 200 && reply->json && !reply->json->empty() ? 200 : 404;
    return r;
}

Reply Engine::indices_update_aliases(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (!body->contains("actions") || !(*body)["actions"].is_array())
        return std::unexpected(
            EsError(400, "action_request_validation_exception",
                    "Validation Failed: 1: Must specify at least one alias action;"));
    // Validate everything first: the update is atomic.
    struct Action {
        std::string kind;
        std::vector<std::string> indices;
        std::string alias;
        json def;
    };
    std::vector<Action> actions;
    for (const auto& a : (*body)["actions"]) {
        if (!a.is_object() || a.size() != 1)
            return std::unexpected(
                EsError(400, "parse_exception", "[aliases] failed to parse field [actions]"));
        const std::string kind = a.begin().key();
        const auto& spec = a.begin().value();
        Action action{kind, {}, spec.value("alias", ""), json::object()};
        std::string expression = spec.value("index", "");
        if (spec.contains("indices") && spec["indices"].is_array())
            for (const auto& i : spec["indices"])
                expression += (expression.empty() ? "" : ",") + i.get<std::string>();
        auto names = resolve(expression, IndicesOptions{true, true, true, false, false},
                             kind != "remove_index");
        if (!names)
            return std::unexpected(names.error());
        action.indices = *names;
        for (const auto& key : {"is_write_index", "is_hidden", "routing", "filter", "index_routing",
                                "search_routing"})
            if (spec.contains(key))
                action.def[key] = spec[key];
        if (kind == "remove" && !action.alias.empty() &&
            action.alias.find('*') == std::string::npos) {
            for (const auto& n : action.indices)
                if (!m_indices.at(n).aliases.contains(action.alias)) {
                    EsError e(404, "aliases_not_found_exception",
                              "aliases [" + action.alias + "] missing");
                    e.with("resource.type", "aliases").with("resource.id", action.alias);
                    return std::unexpected(e);
                }
        }
        if (kind != "add" && kind != "remove" && kind != "remove_index")
            return std::unexpected(EsError(400, "x_content_parse_exception",
                                           "[1:13] [alias_action] unknown field [" + kind + "]"));
        actions.push_back(std::move(action));
    }
    for (const auto& action : actions) {
        for (const auto& n : action.indices) {
            if (action.kind == "add")
                m_indices.at(n).aliases[action.alias] = action.def;
            else if (action.kind == "remove") {
                auto& aliases = m_indices.at(n).aliases;
                std::vector<std::string> drop;
                for (const auto& [name, def] : aliases.items())
                    if (simple_match(action.alias, name))
                        drop.push_back(name);
                for (const auto& d : drop)
                    aliases.erase(d);
            } else if (m_indices.contains(n)) {
                remove_index(n);
            }
        }
    }
    json out = acknowledged();
    if (m_options.version.at_least(8, 14))
        out["errors"] = false;
    return json_reply(out);
}

} // namespace esmend::es_sim

// Data streams: create, get, delete, stats, rollover and _modify (es-apis.md §1.5).
#include "engine.hpp"

#include <algorithm>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

std::string java_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + items[i];
    return out + "]";
}

// MetadataCreateDataStreamService.validateDataStreamName.
std::expected<void, EsError> validate_data_stream_name(const std::string& name) {
    auto bad = [&](const std::string& why) {
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "data_stream [" + name + "] " + why));
    };
    if (name.find('#') != std::string::npos)
        return bad("must not contain '#'");
    if (name.find(':') != std::string::npos)
        return bad("must not contain ':'");
    if (name.starts_with("_"))
        return bad("must not start with '_'");
    if (name.starts_with(".ds-"))
        return bad("must not start with '.ds-'");
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != name)
        return bad("must be lowercase");
    if (name.find_first_of("\\/*?\"<>| ,") != std::string::npos)
        return bad("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]");
    return {};
}

} // namespace

std::expected<DataStream*, EsError> Engine::create_data_stream_named(const std::string& name) {
    if (auto ok = validate_data_stream_name(name); !ok)
        return std::unexpected(ok.error());
    if (m_data_streams.contains(name))
        return std::unexpected(EsError(400, "resource_already_exists_exception",
                                       "data_stream [" + name + "] already exists"));
    std::string template_name;
    const json* t = find_index_template(name, &template_name);
    if (t == nullptr || !t->contains("data_stream"))
        return std::unexpected(
            EsError(400, "illegal_argument_exception",
                    "no matching index template found for data stream [" + name + "]"));
    if (m_indices.contains(name)) {
        EsError e(400, "resource_already_exists_exception",
                  "index [" + name + "/" + m_indices.at(name).uuid + "] already exists");
        e.with("index_uuid", m_indices.at(name).uuid).with("index", name);
        return std::unexpected(e);
    }
    const auto backing = backing_index_name(name, 1);
    auto created = create_index(backing, json::object(), name, name);
    if (!created)
        return std::unexpected(created.error());
    DataStream ds;
    ds.name = name;
    ds.indices = {backing};
    ds.generation = 1;
    ds.template_name = template_name;
    ds.meta = t->contains("_meta") ? (*t)["_meta"] : json(nullptr);
    ds.hidden = (*t)["data_stream"].is_object() && (*t)["data_stream"].value("hidden", false);
    auto [it, inserted] = m_data_streams.emplace(name, std::move(ds));
    return &it->second;
}

Reply Engine::create_data_stream(const RestRequest& request) {
    auto ds = create_data_stream_named(request.part("name"));
    if (!ds)
        return std::unexpected(ds.error());
    return json_reply(acknowledged());
}

Reply Engine::get_data_stream(const RestRequest& request) {
    const auto expr = request.part("name").empty() ? "*" : request.part("name");
    const auto options = indices_options(request, IndicesOptions{true, true, false, false, true});
    json list = json::array();
    std::set<std::string> added;
    for (const auto& item : split_commas(expr)) {
        const bool wildcard = item.find('*') != std::string::npos || item == "_all";
        bool found = false;
        for (const auto& [name, ds] : m_data_streams) {
            if (!(wildcard ? simple_match(item == "_all" ? "*" : item, name) : name == item))
                continue;
            if (wildcard && ds.hidden && !options.hidden)
                continue;
            found = true;
            if (!added.insert(name).second)
                continue;
            const auto& write = m_indices.at(ds.indices.back());
            const auto ilm_policy = write.setting("index.lifecycle.name");
            const bool dsl = m_options.version.at_least(8, 11);
            json indices = json::array();
            bool yellow = false;
            for (const auto& idx : ds.indices) {
                const auto& index = m_indices.at(idx);
                json entry = {{"index_name", idx}, {"index_uuid", index.uuid}};
                const auto policy = index.setting("index.lifecycle.name");
                if (dsl) {
                    entry["prefer_ilm"] = true;
                    if (!policy.empty())
                        entry["ilm_policy"] = policy;
                    entry["managed_by"] =
                        policy.empty() ? "Unmanaged" : "Index Lifecycle Management";
                }
                yellow = yellow || index.setting("index.number_of_replicas", "1") != "0";
                indices.push_back(entry);
            }
            // Shape: es-spec indicesGetDataStreamResponseExample1; the last index is the write
            // index.
            json out = {{"name", name},
                        {"timestamp_field", {{"name", "@timestamp"}}},
                        {"indices", indices},
                        {"generation", ds.generation},
                        {"status", yellow ? "YELLOW" : "GREEN"},
                        {"template", ds.template_name},
                        {"hidden", ds.hidden},
                        {"system", false},
                        {"allow_custom_routing", false},
                        {"replicated", false}};
            if (!ds.meta.is_null())
                out["_meta"] = ds.meta;
            if (!ilm_policy.empty())
                out["ilm_policy"] = ilm_policy;
            if (dsl) {
                out["prefer_ilm"] = true;
                out["next_generation_managed_by"] =
                    ilm_policy.empty() ? "Unmanaged" : "Index Lifecycle Management";
            }
            if (m_options.version.at_least(8, 13))
                out["rollover_on_write"] = false;
            list.push_back(out);
        }
        if (!found && !wildcard)
            return std::unexpected(index_not_found(item));
    }
    return json_reply({{"data_streams", list}});
}

Reply Engine::delete_data_stream(const RestRequest& request) {
    const auto options = indices_options(request, IndicesOptions{true, true, false, false, true});
    std::vector<std::string> names;
    for (const auto& item : split_commas(request.part("name"))) {
        const bool wildcard = item.find('*') != std::string::npos;
        bool found = false;
        for (const auto& [name, ds] : m_data_streams) {
            if (wildcard ? (simple_match(item, name) && (!ds.hidden || options.hidden))
                         : name == item) {
                names.push_back(name);
                found = true;
            }
        }
        if (!found && !wildcard)
            return std::unexpected(index_not_found(item));
    }
    // Deleting a data stream deletes all its backing indices (es-apis.md §1.5).
    for (const auto& name : names) {
        if (!m_data_streams.contains(name))
            continue;
        for (const auto& idx : m_data_streams.at(name).indices)
            remove_index(idx);
        m_data_streams.erase(name);
    }
    return json_reply(acknowledged());
}

Reply Engine::data_streams_stats(const RestRequest& request) {
    const auto expr = request.part("name").empty() ? "*" : request.part("name");
    const auto options = indices_options(request, IndicesOptions{true, true, false, false, true});
    auto human = parse_bool_param(request, "human", false);
    if (!human)
        return std::unexpected(human.error());
    json list = json::array();
    std::int64_t backing = 0;
    std::int64_t total_bytes = 0;
    std::int64_t shards_total = 0;
    std::int64_t shards_ok = 0;
    std::set<std::string> done;
    for (const auto& item : split_commas(expr)) {
        const bool wildcard = item.find('*') != std::string::npos || item == "_all";
        bool found = false;
        for (const auto& [name, ds] : m_data_streams) {
            if (!(wildcard ? simple_match(item == "_all" ? "*" : item, name) : name == item))
                continue;
            if (wildcard && ds.hidden && !options.hidden)
                continue;
            found = true;
            if (!done.insert(name).second)
                continue;
            std::int64_t bytes = 0;
            std::int64_t max_ts = 0;
            for (const auto& idx : ds.indices) {
                auto& index = m_indices.at(idx);
                maybe_scheduled_refresh(index);
                bytes += index.store_bytes;
                for (const auto& r : index.records)
                    if (index.visible_at(r, index.refreshed_seq) && r.timestamp_millis)
                        max_ts = std::max(max_ts, *r.timestamp_millis);
                const auto replicas = index.setting("index.number_of_replicas", "1") == "0" ? 0 : 1;
                shards_ok += 1;
                shards_total += 1 + replicas;
            }
            backing += static_cast<std::int64_t>(ds.indices.size());
            total_bytes += bytes;
            json entry = {{"data_stream", name},
                          {"backing_indices", ds.indices.size()},
                          {"store_size_bytes", bytes},
                          {"maximum_timestamp", max_ts}};
            if (*human)
                entry["store_size"] = std::to_string(bytes) + "b";
            list.push_back(entry);
        }
        if (!found && !wildcard)
            return std::unexpected(index_not_found(item));
    }
    // Shape: es-spec indicesDataStreamStatsResponseExample1.
    json out = {{"_shards", {{"total", shards_total}, {"successful", shards_ok}, {"failed", 0}}},
                {"data_stream_count", list.size()},
                {"backing_indices", backing},
                {"total_store_size_bytes", total_bytes},
                {"data_streams", list}};
    if (*human)
        out["total_store_size"] = std::to_string(total_bytes) + "b";
    return json_reply(out);
}

Reply Engine::rollover(const RestRequest& request) {
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    auto dry_run = parse_bool_param(request, "dry_run", false);
    if (!dry_run)
        return std::unexpected(dry_run.error());
    const auto target = request.part("alias");
    const auto it = m_data_streams.find(target);
    std::string old_index;
    std::string new_index;
    if (it != m_data_streams.end()) {
        old_index = it->second.indices.back();
        new_index = backing_index_name(target, it->second.generation + 1);
    } else {
        // An alias with a write index: the new index name increments the trailing number.
        std::vector<std::string> members;
        for (const auto& [name, index] : m_indices)
            if (index.aliases.contains(target)) {
                members.push_back(name);
                if (index.aliases[target].value("is_write_index", false))
                    old_index = name;
            }
        if (members.empty())
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "rollover target [" + target + "] does not exist"));
        if (old_index.empty()) {
            if (members.size() > 1)
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "rollover target [" + target + "] does not point to a write index"));
            old_index = members[0];
        }
        if (!request.part("new_index").empty()) {
            new_index = request.part("new_index");
        } else {
            const auto dash = old_index.rfind('-');
            const auto digits =
                dash == std::string::npos ? std::string{} : old_index.substr(dash + 1);
            if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "index name [" + old_index + "] does not match pattern '^.*-\\d+$'"));
            char buf[32];
            std::snprintf(buf, sizeof buf, "%06lld", std::stoll(digits) + 1);
            new_index = old_index.substr(0, dash + 1) + buf;
        }
    }
    // Conditions (MaxDocs, MaxAge, MaxSize...) are evaluated against the current write index.
    auto& write = m_indices.at(old_index);
    maybe_scheduled_refresh(write);
    json conditions = json::object();
    bool any_met = false;
    const json cond = body->value("conditions", json::object());
    for (const auto& [key, value] : cond.items()) {
        bool met = false;
        const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
        if (key == "max_docs" || key == "max_primary_shard_docs") {
            const auto limit = value.is_string() ? std::stoll(value.get<std::string>())
                                                 : value.get<std::int64_t>();
            met = write.count_at(write.refreshed_seq) >= limit;
        } else if (key == "max_age") {
            auto age = parse_time_value(shown, "max_age");
            if (!age)
                return std::unexpected(age.error());
            met = now_ms() - write.creation_date >= *age;
        } else if (key == "max_size" || key == "max_primary_shard_size") {
            met = false;
        } else if (!key.starts_with("min_")) {
            return std::unexpected(EsError(400, "x_content_parse_exception",
                                           "[conditions] unknown field [" + key + "]"));
        }
        conditions["[" + key + ": " + shown + "]"] = met;
        any_met = any_met || met;
    }
    const bool roll = cond.empty() || any_met;
    json out = {{"acknowledged", false},   {"shards_acknowledged", false}, {"old_index", old_index},
                {"new_index", new_index},  {"rolled_over", false},         {"dry_run", *dry_run},
                {"conditions", conditions}};
    if (m_options.version.at_least(8, 13))
        out["lazy"] = false;
    if (!roll || *dry_run)
        return json_reply(out);
    if (it != m_data_streams.end()) {
        // The new backing index takes the data stream's CURRENT template (es-apis.md §2.3).
        std::string template_name;
        const json* t = find_index_template(target, &template_name);
        if (t == nullptr || !t->contains("data_stream"))
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "no matching index template found for data stream [" + target + "]"));
        auto created = create_index(new_index, json::object(), target, target);
        if (!created)
            return std::unexpected(created.error());
        it->second.indices.push_back(new_index);
        it->second.generation += 1;
        it->second.template_name = template_name;
    } else {
        json aliases = {{target, {{"is_write_index", true}}}};
        auto created = create_index(new_index, json{{"aliases", aliases}}, new_index, "");
        if (!created)
            return std::unexpected(created.error());
        auto& old_aliases = m_indices.at(old_index).aliases;
        if (old_aliases[target].value("is_write_index", false))
            old_aliases[target]["is_write_index"] = false;
        else
            old_aliases.erase(target);
    }
    out["acknowledged"] = true;
    out["shards_acknowledged"] = true;
    out["rolled_over"] = true;
    return json_reply(out);
}

Reply Engine::modify_data_stream(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (!body->contains("actions") || !(*body)["actions"].is_array())
        return std::unexpected(EsError(400, "illegal_argument_exception", "Required [actions]"));
    // MetadataDataStreamsService.modifyDataStream: all actions in one cluster-state update.
    auto streams = m_data_streams;
    std::map<std::string, std::string>
        owner; // index -> data stream, as it will be after the update
    for (const auto& [name, ds] : streams)
        for (const auto& idx : ds.indices)
            owner[idx] = name;
    std::vector<std::pair<std::string, bool>> hidden_changes;
    for (const auto& action : (*body)["actions"]) {
        if (!action.is_object() || action.size() != 1)
            return std::unexpected(
                EsError(400, "x_content_parse_exception", "[data_stream_action] failed to parse"));
        const std::string kind = action.begin().key();
        const auto& spec = action.begin().value();
        if (kind != "add_backing_index" && kind != "remove_backing_index")
            return std::unexpected(EsError(400, "x_content_parse_exception",
                                           "[data_stream_action] unknown field [" + kind + "]"));
        const auto ds_name = spec.value("data_stream", "");
        const auto index = spec.value("index", "");
        auto ds_it = streams.find(ds_name);
        if (ds_it == streams.end())
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "data stream [" + ds_name + "] not found"));
        if (!m_indices.contains(index))
            return std::unexpected(
                EsError(400, "illegal_argument_exception", "index [" + index + "] not found"));
        auto& ds = ds_it->second;
        if (kind == "add_backing_index") {
            const auto& idx = m_indices.at(index);
            if (const auto o = owner.find(index); o != owner.end() && o->second != ds_name)
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "cannot add index [" + index + "] to data stream [" + ds_name +
                                "] because it is already a backing index on data stream [" +
                                o->second + "]"));
            if (std::find(ds.indices.begin(), ds.indices.end(), index) != ds.indices.end())
                continue;
            if (!idx.aliases.empty()) {
                std::vector<std::string> names;
                for (const auto& [a, def] : idx.aliases.items())
                    names.push_back(a);
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "cannot add index [" + index + "] to data stream [" +
                                                   ds_name + "] until its alias(es) " +
                                                   java_list(names) + " are removed"));
            }
            const auto type = idx.mapping->field_type("@timestamp");
            if (!type || (*type != "date" && *type != "date_nanos"))
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "backing index [" + index +
                                                   "] must have mappings for a timestamp field"));
            // The added index becomes the oldest generation (7.16 YAML 170_modify_data_stream.yml).
            ds.indices.insert(ds.indices.begin(), index);
            ds.generation += 1;
            owner[index] = ds_name;
            hidden_changes.emplace_back(index, true);
        } else {
            const auto pos = std::find(ds.indices.begin(), ds.indices.end(), index);
            if (pos == ds.indices.end())
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "index [" + index + "] not found in data stream [" + ds_name + "]"));
            if (index == ds.indices.back())
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "cannot remove backing index [" + index +
                                                   "] of data stream [" + ds_name +
                                                   "] because it is the write index"));
            ds.indices.erase(pos);
            ds.generation += 1;
            owner.erase(index);
            hidden_changes.emplace_back(index, false);
        }
    }
    m_data_streams = std::move(streams);
    for (const auto& [index, hidden] : hidden_changes) {
        auto& idx = m_indices.at(index);
        idx.settings["index.hidden"] = hidden ? "true" : "false";
    }
    for (auto& [name, idx] : m_indices) {
        const auto o = owner.find(name);
        idx.data_stream = o == owner.end() ? std::string{} : o->second;
    }
    return json_reply(acknowledged());
}

} // namespace esmend::es_sim

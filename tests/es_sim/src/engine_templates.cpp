// Component and composable index templates: CRUD, composition and simulation
// (MetadataIndexTemplateService; es-apis.md §1.3).
#include "engine.hpp"

#include <algorithm>
#include <functional>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

// Whether two '*' globs can match a common name (ES compares the patterns' automatons).
bool globs_intersect(std::string_view p, std::string_view q) {
    std::vector<std::vector<int>> memo(p.size() + 1, std::vector<int>(q.size() + 1, -1));
    std::function<bool(std::size_t, std::size_t)> go = [&](std::size_t i, std::size_t j) -> bool {
        if (memo[i][j] >= 0)
            return memo[i][j] == 1;
        bool r = false;
        if (i == p.size() && j == q.size())
            r = true;
        else if (i < p.size() && p[i] == '*')
            r = go(i + 1, j) || (j < q.size() && go(i, j + 1));
        else if (j < q.size() && q[j] == '*')
            r = go(i, j + 1) || (i < p.size() && go(i + 1, j));
        else if (i < p.size() && j < q.size() && p[i] == q[j])
            r = go(i + 1, j + 1);
        memo[i][j] = r ? 1 : 0;
        return r;
    };
    return go(0, 0);
}

std::string java_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + items[i];
    return out + "]";
}

std::vector<std::string> string_list(const json& value) {
    std::vector<std::string> out;
    if (value.is_string())
        out.push_back(value.get<std::string>());
    else if (value.is_array())
        for (const auto& v : value)
            if (v.is_string())
                out.push_back(v.get<std::string>());
    return out;
}

std::expected<void, EsError> check_fields(const RestRequest& request, const json& body,
                                          const std::string& object,
                                          const std::set<std::string>& allowed) {
    for (const auto& [key, value] : body.items())
        if (!allowed.contains(key))
            return std::unexpected(EsError(400, "x_content_parse_exception",
                                           key_location(request.body, key, 1) + " [" + object +
                                               "] unknown field [" + key + "]"));
    return {};
}

// The "template" section shared by both template kinds: settings, mappings, aliases, lifecycle.
std::expected<void, EsError> check_template_section(const json& section) {
    if (!section.is_object())
        return std::unexpected(
            EsError(400, "x_content_parse_exception", "[template] failed to parse"));
    for (const auto& [key, value] : section.items())
        if (key != "settings" && key != "mappings" && key != "aliases" && key != "lifecycle" &&
            key != "data_stream_options")
            return std::unexpected(EsError(400, "x_content_parse_exception",
                                           "[template] unknown field [" + key + "]"));
    return {};
}

} // namespace

const json* Engine::find_index_template(const std::string& index_name,
                                        std::string* name_out) const {
    const json* best = nullptr;
    std::int64_t best_priority = -1;
    for (const auto& [name, t] : m_index_templates) {
        bool match = false;
        for (const auto& p : string_list(t.value("index_patterns", json::array())))
            match = match || simple_match(p, index_name);
        if (!match)
            continue;
        const auto priority = t.value("priority", std::int64_t{0});
        if (best == nullptr || priority > best_priority) {
            best = &t;
            best_priority = priority;
            if (name_out)
                *name_out = name;
        }
    }
    return best;
}

// Composes an index template with its component templates, in composed_of order then the template's
// own section (later wins): {"settings": nested, "mapping_layers": [...], "aliases": {...}}.
std::expected<json, EsError> Engine::resolve_template(const std::string& template_name,
                                                      const json& t) const {
    json settings = json::object();
    json layers = json::array();
    json aliases = json::object();
    auto apply = [&](const json& section) {
        if (!section.is_object())
            return;
        const json section_settings = flatten_settings(section.value("settings", json::object()));
        for (const auto& [k, v] : section_settings.items())
            settings[k] = v;
        if (section.contains("mappings") && section["mappings"].is_object())
            layers.push_back(section["mappings"]);
        if (section.contains("aliases") && section["aliases"].is_object())
            for (const auto& [k, v] : section["aliases"].items())
                aliases[k] = v;
    };
    const auto ignore_missing =
        string_list(t.value("ignore_missing_component_templates", json::array()));
    for (const auto& c : string_list(t.value("composed_of", json::array()))) {
        const auto it = m_component_templates.find(c);
        if (it == m_component_templates.end()) {
            if (std::find(ignore_missing.begin(), ignore_missing.end(), c) != ignore_missing.end())
                continue;
            return std::unexpected(EsError(400, "invalid_index_template_exception",
                                           "index_template [" + template_name +
                                               "] invalid, cause [index template [" +
                                               template_name + "] specifies component templates " +
                                               java_list({c}) + " that do not exist]"));
        }
        apply(it->second.value("template", json::object()));
    }
    apply(t.value("template", json::object()));
    return json{
        {"settings", nest_settings(settings)}, {"mapping_layers", layers}, {"aliases", aliases}};
}

Reply Engine::put_component_template(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (auto ok = check_fields(request, *body, "component_template",
                               {"template", "version", "_meta", "deprecated"});
        !ok)
        return std::unexpected(ok.error());
    if (!body->contains("template"))
        return std::unexpected(EsError(400, "illegal_argument_exception", "Required [template]"));
    if (auto ok = check_template_section((*body)["template"]); !ok)
        return std::unexpected(ok.error());
    const auto name = request.part("name");
    auto create = parse_bool_param(request, "create", false);
    if (!create)
        return std::unexpected(create.error());
    if (*create && m_component_templates.contains(name))
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "component template [" + name + "] already exists"));
    // The mappings must be valid on their own (ES validates the component against an empty index).
    const auto& section = (*body)["template"];
    if (section.contains("mappings")) {
        auto mapping = Mapping::parse(section["mappings"], m_options.version);
        if (!mapping)
            return std::unexpected(mapping.error());
    }
    // ES keeps template settings as normalised Settings: nested under "index", values as strings.
    if ((*body)["template"].contains("settings"))
        (*body)["template"]["settings"] =
            nest_settings(flatten_settings((*body)["template"]["settings"]));
    m_component_templates[name] = *body;
    return json_reply(acknowledged());
}

Reply Engine::get_component_template(const RestRequest& request) {
    const auto name = request.part("name");
    json list = json::array();
    for (const auto& [n, t] : m_component_templates)
        if (name.empty() || simple_match(name, n))
            list.push_back({{"name", n}, {"component_template", t}});
    if (!name.empty() && name.find('*') == std::string::npos && list.empty())
        return std::unexpected(EsError(404, "resource_not_found_exception",
                                       "component template matching [" + name + "] not found"));
    return json_reply({{"component_templates", list}});
}

Reply Engine::exists_component_template(const RestRequest& request) {
    RestResponse r;
    r.status = m_component_templates.contains(request.part("name")) ? 200 : 404;
    return r;
}

Reply Engine::delete_component_template(const RestRequest& request) {
    const auto names_expr = request.part("name");
    std::vector<std::string> names;
    for (const auto& pattern : string_list(json(names_expr))) {
        std::size_t start = 0;
        while (start <= pattern.size()) {
            auto comma = pattern.find(',', start);
            if (comma == std::string::npos)
                comma = pattern.size();
            const auto item = pattern.substr(start, comma - start);
            start = comma + 1;
            bool found = false;
            for (const auto& [n, t] : m_component_templates)
                if (simple_match(item, n)) {
                    names.push_back(n);
                    found = true;
                }
            if (!found && item.find('*') == std::string::npos)
                return std::unexpected(EsError(404, "resource_not_found_exception", item));
        }
    }
    std::vector<std::string> users;
    for (const auto& [tn, t] : m_index_templates)
        for (const auto& c : string_list(t.value("composed_of", json::array())))
            if (std::find(names.begin(), names.end(), c) != names.end()) {
                users.push_back(tn);
                break;
            }
    if (!users.empty()) {
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ",") + n;
        std::string used;
        for (const auto& u : users)
            used += (used.empty() ? "" : ",") + u;
        return std::unexpected(EsError(
            400, "illegal_argument_exception",
            "component templates [" + list +
                "] cannot be removed as they are still in use by index templates [" + used + "]"));
    }
    for (const auto& n : names)
        m_component_templates.erase(n);
    return json_reply(acknowledged());
}

Reply Engine::put_index_template(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (auto ok = check_fields(request, *body, "index_template",
                               {"index_patterns", "composed_of", "template", "priority", "version",
                                "_meta", "data_stream", "allow_auto_create",
                                "ignore_missing_component_templates", "deprecated"});
        !ok)
        return std::unexpected(ok.error());
    if (!body->contains("index_patterns"))
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "Required [index_patterns]"));
    // index_patterns may be given as a single string; ES stores a list.
    if ((*body)["index_patterns"].is_string())
        (*body)["index_patterns"] = json::array({(*body)["index_patterns"]});
    if (body->contains("template"))
        if (auto ok = check_template_section((*body)["template"]); !ok)
            return std::unexpected(ok.error());
    if (body->contains("priority")) {
        auto& p = (*body)["priority"];
        if (p.is_string()) {
            try {
                p = std::stoll(p.get<std::string>());
            } catch (const std::exception&) {
                return std::unexpected(
                    EsError(400, "x_content_parse_exception",
                            "[index_template] failed to parse field [priority]"));
            }
        }
        if (!p.is_number_integer() || p.get<std::int64_t>() < 0)
            return std::unexpected(
                EsError(400, "action_request_validation_exception",
                        "Validation Failed: 1: index template priority must be >= 0;"));
    }
    const auto name = request.part("name");
    auto create = parse_bool_param(request, "create", false);
    if (!create)
        return std::unexpected(create.error());
    if (*create && m_index_templates.contains(name))
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "index template [" + name + "] already exists"));
    const auto patterns = string_list((*body)["index_patterns"]);
    const auto priority = body->value("priority", std::int64_t{0});
    // Same priority and overlapping patterns: refused (ES#62090, es-apis.md §0.2).
    std::vector<std::string> overlapping;
    std::vector<std::string> parts;
    for (const auto& [other, t] : m_index_templates) {
        if (other == name || t.value("priority", std::int64_t{0}) != priority)
            continue;
        const auto theirs = string_list(t.value("index_patterns", json::array()));
        bool hit = false;
        for (const auto& a : patterns)
            for (const auto& b : theirs)
                hit = hit || globs_intersect(a, b);
        if (hit) {
            overlapping.push_back(other);
            parts.push_back(other + " => " + java_list(theirs));
        }
    }
    if (!overlapping.empty()) {
        std::string names;
        std::string with;
        for (std::size_t i = 0; i < overlapping.size(); ++i) {
            names += (i ? "," : "") + overlapping[i];
            with += (i ? "," : "") + parts[i];
        }
        return std::unexpected(EsError(
            400, "illegal_argument_exception",
            "index template [" + name + "] has index patterns " + java_list(patterns) +
                " matching patterns from existing templates [" + names + "] with patterns (" +
                with + ") that have the same priority [" + std::to_string(priority) +
                "], multiple index templates may not match during index creation, please use a "
                "different priority"));
    }
    // Composition must resolve and the composed mappings must merge cleanly.
    auto resolved = resolve_template(name, *body);
    if (!resolved)
        return std::unexpected(resolved.error());
    json layers = resolved->value("mapping_layers", json::array());
    if (body->contains("data_stream"))
        layers.insert(layers.begin(), json{{"properties", {{"@timestamp", {{"type", "date"}}}}}});
    if (!layers.empty()) {
        auto mapping = Mapping::parse(layers[0], m_options.version);
        if (!mapping)
            return std::unexpected(mapping.error());
        for (std::size_t i = 1; i < layers.size(); ++i)
            if (auto ok = mapping->merge(layers[i], MergeReason::index_template); !ok)
                return std::unexpected(ok.error());
    }
    if (body->contains("template") && (*body)["template"].contains("settings"))
        (*body)["template"]["settings"] =
            nest_settings(flatten_settings((*body)["template"]["settings"]));
    m_index_templates[name] = *body;
    return json_reply(acknowledged());
}

Reply Engine::get_index_template(const RestRequest& request) {
    const auto name = request.part("name");
    json list = json::array();
    for (const auto& [n, t] : m_index_templates) {
        bool match = name.empty();
        std::size_t start = 0;
        while (!match && start <= name.size()) {
            auto comma = name.find(',', start);
            if (comma == std::string::npos)
                comma = name.size();
            match = simple_match(name.substr(start, comma - start), n);
            start = comma + 1;
        }
        if (match)
            list.push_back({{"name", n}, {"index_template", t}});
    }
    if (!name.empty() && name.find('*') == std::string::npos && list.empty())
        return std::unexpected(EsError(404, "resource_not_found_exception",
                                       "index template matching [" + name + "] not found"));
    return json_reply({{"index_templates", list}});
}

Reply Engine::exists_index_template(const RestRequest& request) {
    RestResponse r;
    r.status = m_index_templates.contains(request.part("name")) ? 200 : 404;
    return r;
}

Reply Engine::delete_index_template(const RestRequest& request) {
    const auto expr = request.part("name");
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= expr.size()) {
        auto comma = expr.find(',', start);
        if (comma == std::string::npos)
            comma = expr.size();
        const auto item = expr.substr(start, comma - start);
        start = comma + 1;
        bool found = false;
        for (const auto& [n, t] : m_index_templates)
            if (simple_match(item, n)) {
                names.push_back(n);
                found = true;
            }
        if (!found && item.find('*') == std::string::npos) {
            EsError e(404, "index_template_missing_exception",
                      "index_template [" + item + "] missing");
            return std::unexpected(e);
        }
    }
    std::vector<std::string> streams;
    for (const auto& [ds_name, ds] : m_data_streams)
        if (std::find(names.begin(), names.end(), ds.template_name) != names.end())
            streams.push_back(ds_name);
    // Deleting a template a data stream still uses is refused (es-apis.md §0.2).
    if (!streams.empty()) {
        std::string ts;
        for (const auto& n : names)
            ts += (ts.empty() ? "" : ", ") + n;
        std::string ds;
        for (const auto& s : streams)
            ds += (ds.empty() ? "" : ", ") + s;
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "unable to remove composable templates [" + ts +
                                           "] as they are in use by a data streams [" + ds + "]"));
    }
    for (const auto& n : names)
        m_index_templates.erase(n);
    return json_reply(acknowledged());
}

namespace {
json simulated_settings(const json& nested, bool data_stream) {
    json flat = flatten_settings(nested);
    if (!flat.contains("index.routing.allocation.include._tier_preference"))
        flat["index.routing.allocation.include._tier_preference"] =
            data_stream ? "data_hot" : "data_content";
    if (data_stream)
        flat["index.hidden"] = "true";
    return nest_settings(flat);
}
} // namespace

Reply Engine::simulate_index_template(const RestRequest& request) {
    const auto name = request.part("name");
    std::string template_name;
    const json* t = find_index_template(name, &template_name);
    if (t == nullptr) {
        // TransportSimulateIndexTemplateAction: no matching template gives an empty 200 body.
        return json_reply(json::object());
    }
    auto resolved = resolve_template(template_name, *t);
    if (!resolved)
        return std::unexpected(resolved.error());
    const bool ds = t->contains("data_stream");
    json layers = resolved->value("mapping_layers", json::array());
    if (ds)
        layers.insert(layers.begin(), json{{"properties", {{"@timestamp", {{"type", "date"}}}}}});
    auto mapping = Mapping::parse(layers.empty() ? json::object() : layers[0], m_options.version);
    if (!mapping)
        return std::unexpected(mapping.error());
    for (std::size_t i = 1; i < layers.size(); ++i)
        if (auto ok = mapping->merge(layers[i], MergeReason::index_template); !ok)
            return std::unexpected(ok.error());
    // Other templates whose patterns also match the name, which lost on priority.
    json overlapping = json::array();
    for (const auto& [other, ot] : m_index_templates) {
        if (other == template_name)
            continue;
        bool match = false;
        for (const auto& p : string_list(ot.value("index_patterns", json::array())))
            match = match || simple_match(p, name);
        if (match)
            overlapping.push_back({{"name", other}, {"index_patterns", ot["index_patterns"]}});
    }
    // Shape: es-spec indicesSimulateIndexTemplateResponseExample1.
    return json_reply(
        {{"template",
          {{"settings", simulated_settings(resolved->value("settings", json::object()), ds)},
           {"mappings", mapping->to_json()},
           {"aliases", ds ? json::object() : resolved->value("aliases", json::object())}}},
         {"overlapping", overlapping}});
}

Reply Engine::simulate_template(const RestRequest& request) {
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    const auto name = request.part("name");
    json t;
    std::string template_name = name;
    if (!name.empty()) {
        const auto it = m_index_templates.find(name);
        if (it == m_index_templates.end())
            return std::unexpected(
                EsError(404, "resource_not_found_exception",
                        "unable to simulate template [" + name + "] that does not exist"));
        t = it->second;
    } else {
        if (!body->contains("index_patterns"))
            return std::unexpected(
                EsError(400, "illegal_argument_exception", "Required [index_patterns]"));
        t = *body;
        template_name = "simulate_template";
    }
    auto resolved = resolve_template(template_name, t);
    if (!resolved)
        return std::unexpected(resolved.error());
    const bool ds = t.contains("data_stream");
    json layers = resolved->value("mapping_layers", json::array());
    if (ds)
        layers.insert(layers.begin(), json{{"properties", {{"@timestamp", {{"type", "date"}}}}}});
    auto mapping = Mapping::parse(layers.empty() ? json::object() : layers[0], m_options.version);
    if (!mapping)
        return std::unexpected(mapping.error());
    for (std::size_t i = 1; i < layers.size(); ++i)
        if (auto ok = mapping->merge(layers[i], MergeReason::index_template); !ok)
            return std::unexpected(ok.error());
    json overlapping = json::array();
    const auto patterns = string_list(t.value("index_patterns", json::array()));
    for (const auto& [other, ot] : m_index_templates) {
        if (other == name)
            continue;
        bool hit = false;
        for (const auto& a : patterns)
            for (const auto& b : string_list(ot.value("index_patterns", json::array())))
                hit = hit || globs_intersect(a, b);
        if (hit)
            overlapping.push_back({{"name", other}, {"index_patterns", ot["index_patterns"]}});
    }
    return json_reply(
        {{"template",
          {{"settings", simulated_settings(resolved->value("settings", json::object()), ds)},
           {"mappings", mapping->to_json()},
           {"aliases", ds ? json::object() : resolved->value("aliases", json::object())}}},
         {"overlapping", overlapping}});
}

} // namespace esmend::es_sim

#include <assets/assets.hpp>
#include <es_client/url.hpp>
#include <es_client/version.hpp>
#include <playbooks/audit.hpp>
#include <playbooks/install.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::Method;
using es_client::Result;
using nlohmann::json;

const std::vector<std::string>& golang_datasets() {
    static const std::vector<std::string> k_datasets{"heap", "expvar"};
    return k_datasets;
}

std::string golang_data_stream(const std::string& dataset, const std::string& ns) {
    return "logs-golang." + dataset + "-" + ns;
}

std::string namespace_problem(const std::string& ns) {
    // Kibana Fleet's isValidNamespace (fleet/common/services/is_valid_namespace.ts): not blank,
    // lower case, none of \ / * ? " < > | whitespace , # :, at most 100 bytes; ECS
    // data_stream.namespace: "Cannot contain -", since '-' separates the naming scheme's parts.
    if (ns.empty())
        return "a namespace cannot be empty";
    if (ns.size() > 100)
        return "a namespace is at most 100 bytes";
    for (const char c : ns) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isupper(u) != 0)
            return "a namespace must be lower case";
        if (std::isspace(u) != 0 ||
            std::string_view{"\\/*?\"<>|,#:-"}.find(c) != std::string_view::npos)
            return std::string{"a namespace cannot contain '"} + c + "'";
    }
    return {};
}

namespace {

std::string path_of(const assets::Asset& asset) {
    return std::string(assets::api_prefix(asset.kind)) + std::string(asset.name);
}

bool is_custom(const assets::Asset& asset) {
    return asset.name.ends_with("@custom");
}

std::string kind_label(assets::Kind kind) {
    switch (kind) {
    case assets::Kind::component_template:
        return "component template";
    case assets::Kind::ingest_pipeline:
        return "ingest pipeline";
    case assets::Kind::index_template:
        return "index template";
    }
    return "asset";
}

// The definition inside a GET answer: GET _component_template/x gives
// {"component_templates":[{"name", "component_template"}]}, GET _index_template/x
// {"index_templates":[{"name", "index_template"}]} and GET _ingest/pipeline/x {"x": {...}}
// (es-apis.md §1.3, §1.4).
json definition_in(const assets::Asset& asset, const json& answer) {
    const std::string name(asset.name);
    auto from_list = [&](const char* list, const char* key) -> json {
        for (const auto& item : answer.value(list, json::array())) {
            if (item.value("name", "") == name && item.contains(key))
                return item[key];
        }
        return nullptr;
    };
    switch (asset.kind) {
    case assets::Kind::component_template:
        return from_list("component_templates", "component_template");
    case assets::Kind::index_template:
        return from_list("index_templates", "index_template");
    case assets::Kind::ingest_pipeline:
        return answer.contains(name) ? answer[name] : json(nullptr);
    }
    return nullptr;
}

std::optional<std::int64_t> version_of(const json& definition) {
    const auto it = definition.find("version");
    if (it == definition.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<std::int64_t>();
}

std::string managed_by(const json& definition) {
    const auto meta = definition.find("_meta");
    if (meta == definition.end() || !meta->is_object())
        return {};
    return meta->value("managed_by", "");
}

std::string version_text(const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : std::string("none");
}

// The component template whose mappings a dataset's data streams get from esmend.
json package_mappings(const std::string& dataset) {
    const auto* asset = assets::find("logs-golang." + dataset + "@package");
    if (asset == nullptr)
        return json::object();
    const auto body = json::parse(asset->json, nullptr, false);
    if (body.is_discarded())
        return json::object();
    return body["template"].value("mappings", json::object());
}

void flatten_into(const json& properties, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>& out) {
    if (!properties.is_object())
        return;
    for (const auto& [name, field] : properties.items()) {
        if (!field.is_object())
            continue;
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const auto children = field.find("properties");
        out.emplace_back(path, field.value("type", children != field.end() ? "object" : ""));
        if (children != field.end())
            flatten_into(*children, path, out);
    }
}

Result<json> observe_data_streams(es_client::Elasticsearch& es, const InstallOptions& options) {
    json observation = json::object();
    for (const auto& ns : options.namespaces) {
        for (const auto& dataset : golang_datasets()) {
            const std::string name = golang_data_stream(dataset, ns);
            auto answer = es.find("/_data_stream/" + es_client::url_encode(name));
            if (!answer)
                return std::unexpected(answer.error());
            json streams =
                *answer ? (**answer).value("data_streams", json::array()) : json::array();
            if (streams.empty()) {
                observation[name] = nullptr;
                continue;
            }
            json indices = json::array();
            for (const auto& index : streams[0].value("indices", json::array()))
                indices.push_back(index.value("index_name", ""));
            // The last backing index is the write index (es-apis.md §1.5).
            const std::string write_index =
                indices.empty() ? "" : indices.back().get<std::string>();
            json mappings = json::object();
            if (!write_index.empty()) {
                auto mapping =
                    es.call(Method::get, "/" + es_client::url_encode(write_index) + "/_mapping");
                if (!mapping)
                    return std::unexpected(mapping.error());
                if (mapping->contains(write_index))
                    mappings = (*mapping)[write_index].value("mappings", json::object());
            }
            observation[name] = {{"dataset", dataset},
                                 {"write_index", write_index},
                                 {"indices", indices},
                                 {"template", streams[0].value("template", "")},
                                 {"mappings", mappings}};
        }
    }
    return observation;
}

} // namespace

Result<json> observe_assets(es_client::Elasticsearch& es) {
    json observation = json::object();
    for (const auto& asset : assets::all()) {
        auto answer = es.find(path_of(asset));
        if (!answer)
            return std::unexpected(answer.error());
        observation[std::string(asset.name)] =
            *answer ? definition_in(asset, **answer) : json(nullptr);
    }
    return observation;
}

std::vector<std::pair<std::string, std::string>> flatten_mapping_types(const json& mappings) {
    std::vector<std::pair<std::string, std::string>> out;
    if (mappings.is_object() && mappings.contains("properties"))
        flatten_into(mappings["properties"], "", out);
    return out;
}

Decision decide_assets(const json& observation, const InstallOptions& options) {
    const bool force = options.force == Force::yes;
    std::vector<Action> actions;
    json outcomes = json::array();
    std::vector<std::string> refusals;
    for (const auto& asset : assets::all()) {
        const std::string name(asset.name);
        const json ours = json::parse(asset.json, nullptr, false);
        const json installed = observation.contains(name) ? observation[name] : json(nullptr);
        const auto our_version = version_of(ours);
        json outcome = {{"name", name},
                        {"kind", assets::to_string(asset.kind)},
                        {"version", our_version ? json(*our_version) : json(nullptr)}};
        std::string result;
        std::string reason;
        if (installed.is_null()) {
            result = "create";
        } else {
            const auto installed_version = version_of(installed);
            const std::string owner = managed_by(installed);
            outcome["installed_version"] =
                installed_version ? json(*installed_version) : json(nullptr);
            outcome["managed_by"] = owner.empty() ? json(nullptr) : json(owner);
            if (is_custom(asset)) {
                result = "kept"; // the operator's own settings: never overwritten
            } else if (owner == "fleet" && !force) {
                result = "refused";
                reason = "managed by Fleet";
            } else if (owner != "esmend" && owner != "fleet" && !force) {
                result = "refused";
                reason = owner.empty() ? "not managed by esmend" : "managed by " + owner;
            } else if (installed_version && our_version && *installed_version > *our_version &&
                       !force) {
                result = "refused";
                reason = "version " + std::to_string(*installed_version) +
                         " is newer than esmend's " + std::to_string(*our_version) +
                         " (no downgrade without --force)";
            } else if (owner == "esmend" && installed_version == our_version) {
                result = "unchanged";
            } else {
                result = "upgrade";
                if (owner != "esmend")
                    reason =
                        "taken over from " + (owner.empty() ? std::string("its owner") : owner);
            }
        }
        outcome["result"] = result;
        if (!reason.empty())
            outcome["reason"] = reason;
        if (result == "refused")
            refusals.push_back(kind_label(asset.kind) + " " + name + ": " + reason);
        if (result == "create" || result == "upgrade") {
            std::string summary =
                (result == "create" ? "create " : "upgrade ") + kind_label(asset.kind) + " " + name;
            if (result == "upgrade")
                summary += " (version " + version_text(version_of(installed)) + " -> " +
                           version_text(our_version) + ")";
            actions.push_back(
                Action{Service::elasticsearch, Method::put, path_of(asset), ours, summary, {}});
        }
        outcomes.push_back(std::move(outcome));
    }
    if (!refusals.empty()) {
        std::string message = "nothing was changed; esmend will not overwrite:";
        for (const auto& r : refusals)
            message += "\n  " + r;
        message +=
            "\nFleet-managed assets belong to the Golang integration: upgrade them in Kibana "
            "(Integrations > Golang > Settings > Reinstall) or with `esmend install "
            "--via-fleet`. `--force` takes them over; Fleet rewrites them at its next "
            "package upgrade.";
        return Decision::fail(es_client::make_error(ErrorKind::conflict, message), outcomes);
    }
    if (actions.empty())
        return Decision::done("all assets are up to date", outcomes);
    std::string message = std::to_string(actions.size()) + " asset(s) to create or upgrade";
    return Decision::act(std::move(actions), std::move(message), outcomes);
}

Decision decide_data_streams(const json& observation) {
    std::vector<Action> actions;
    json outcomes = json::array();
    for (const auto& [name, stream] : observation.items()) {
        json outcome = {{"name", name}};
        if (stream.is_null()) {
            outcome["result"] = "create";
            actions.push_back(Action{Service::elasticsearch,
                                     Method::put,
                                     "/_data_stream/" + es_client::url_encode(name),
                                     std::nullopt,
                                     "create data stream " + name,
                                     {}});
            outcomes.push_back(std::move(outcome));
            continue;
        }
        const json wanted = package_mappings(stream.value("dataset", ""));
        std::map<std::string, std::string> have;
        for (auto& [path, type] : flatten_mapping_types(stream.value("mappings", json::object())))
            have[path] = type;
        json changed = json::array();
        bool missing = false;
        for (const auto& [path, type] : flatten_mapping_types(wanted)) {
            const auto it = have.find(path);
            if (it == have.end()) {
                missing = true;
            } else if (it->second != type) {
                changed.push_back({{"field", path}, {"from", it->second}, {"to", type}});
            }
        }
        const std::string path = "/" + es_client::url_encode(name);
        if (!changed.empty()) {
            // A mapping type cannot change in place: only a new backing index gets the new type,
            // and every existing one keeps the old (es-apis.md §2.3, §5.7).
            std::string fields;
            for (const auto& c : changed) {
                fields += (fields.empty() ? "" : ", ") + c["field"].get<std::string>() + " " +
                          c["from"].get<std::string>() + " -> " + c["to"].get<std::string>();
            }
            outcome["result"] = "rollover";
            outcome["changed_fields"] = changed;
            outcome["old_backing_indices"] = stream.value("indices", json::array());
            outcome["advice"] = "the old backing indices keep the old types: run `esmend audit` "
                                "and `esmend repair` to rewrite them";
            actions.push_back(Action{Service::elasticsearch,
                                     Method::post,
                                     path + "/_rollover",
                                     std::nullopt,
                                     "roll over " + name + ": " + fields,
                                     {}});
        } else if (missing) {
            // New fields only: put them on the write index, as Fleet does
            // (PUT <ds>/_mapping?write_index_only=true, es-apis.md §2.3).
            outcome["result"] = "update_mapping";
            actions.push_back(Action{Service::elasticsearch,
                                     Method::put,
                                     path + "/_mapping?write_index_only=true",
                                     wanted,
                                     "add the new fields to the write index of " + name,
                                     {}});
        } else {
            outcome["result"] = "unchanged";
        }
        outcome["write_index"] = stream.value("write_index", "");
        outcomes.push_back(std::move(outcome));
    }
    if (actions.empty())
        return Decision::done("the data streams are up to date", outcomes);
    return Decision::act(std::move(actions), "data streams to create or update", outcomes);
}

std::vector<Step> install_steps(es_client::Elasticsearch& es, const InstallOptions& options) {
    std::vector<Step> steps;
    steps.push_back(Step{"assets", [&es](const json&) { return observe_assets(es); },
                         [options](const json&, const json& observation) {
                             return decide_assets(observation, options);
                         }});
    if (!options.namespaces.empty()) {
        steps.push_back(Step{
            "data streams",
            [&es, options](const json&) { return observe_data_streams(es, options); },
            [](const json&, const json& observation) { return decide_data_streams(observation); }});
    }
    return steps;
}

std::optional<BundledField> bundled_field_type(const std::string& index_template,
                                               const std::string& field) {
    const auto* asset = assets::find(index_template);
    if (asset == nullptr || asset->kind != assets::Kind::index_template)
        return std::nullopt;
    const json body = json::parse(asset->json, nullptr, false);
    if (body.is_discarded())
        return std::nullopt;
    // The composed templates in order, then the index template's own (es-apis.md §1.3: the
    // later wins).
    std::vector<json> parts;
    for (const auto& name : body.value("composed_of", json::array())) {
        const auto* component = assets::find(name.get<std::string>());
        if (component == nullptr)
            continue;
        const json ct = json::parse(component->json, nullptr, false);
        if (!ct.is_discarded())
            parts.push_back(ct.value("template", json::object()));
    }
    parts.push_back(body.value("template", json::object()));
    std::optional<std::string> type;
    for (const auto& part : parts)
        if (auto t = mapping_type(part.value("mappings", json::object()), field))
            type = std::move(t);
    if (!type)
        return std::nullopt;
    const std::string version =
        body.value("_meta", json::object()).value("package", json::object()).value("version", "");
    return BundledField{*type, version};
}

namespace {

// Package versions are semantic versions ("0.4.0" < "1.6.0"); an unreadable one is not older.
bool package_older(const std::string& installed, const std::string& bundled) {
    const auto a = es_client::Version::parse(installed);
    const auto b = es_client::Version::parse(bundled);
    return a && b && *a < *b;
}

} // namespace

std::optional<TemplateFix> template_fix(const std::string& index_template,
                                        const json& template_meta,
                                        const std::optional<std::string>& current,
                                        const std::string& field) {
    if (!template_meta.is_object())
        return std::nullopt;
    const std::string owner = template_meta.value("managed_by", "");
    const json package = template_meta.value("package", json(nullptr));
    const bool golang =
        owner == "fleet" && package.is_object() && package.value("name", "") == "golang";
    if (owner != "esmend" && !golang)
        return std::nullopt;
    auto bundled = bundled_field_type(index_template, field);
    if (!bundled || (current && kibana_type(*current) == kibana_type(bundled->type)))
        return std::nullopt;
    TemplateFix fix{
        std::move(bundled->type), std::move(bundled->package_version), golang, {}, false};
    if (golang) {
        fix.installed = package.value("version", "");
        fix.upgrade = package_older(fix.installed, fix.package_version);
    }
    return fix;
}

Decision decide_fleet_reinstall(const json& state, const json& observation) {
    // GET /api/fleet/epm/packages/golang: {"item": {...}} in 8.x, {"response": {...}} in 7.x
    // (es-apis.md §2.3).
    const json item = observation.contains("item") ? observation["item"]
                                                   : observation.value("response", json::object());
    const std::string status = item.value("status", "");
    const json info = item.value("installationInfo", json::object());
    const std::string version = info.value("version", item.value("version", ""));
    json facts = {{"package", "golang"}, {"status", status}, {"version", version}};
    if (state.contains("fleet_install"))
        return Decision::done("Fleet reinstalled golang " + version, facts);
    if (status != "installed" || version.empty()) {
        return Decision::fail(
            es_client::make_error(ErrorKind::state,
                                  "the golang package is not installed through Fleet (status: " +
                                      (status.empty() ? std::string("unknown") : status) +
                                      "); add the Golang integration in Kibana, or run `esmend "
                                      "install` without --via-fleet"),
            facts);
    }
    // Always the explicit installed version: a reinstall without one can delete the current
    // ingest pipeline (es-apis.md §2.3, KB#250600).
    return Decision::act(
        {Action{Service::kibana, Method::post,
                "/api/fleet/epm/packages/golang/" + es_client::url_encode(version),
                json{{"force", true}}, "reinstall golang " + version + " through Fleet",
                "fleet_install"}},
        "reinstall through Fleet", facts);
}

std::vector<Step> fleet_reinstall_steps(es_client::Kibana& kibana) {
    std::vector<Step> steps;
    steps.push_back(Step{"fleet reinstall",
                         [&kibana](const json&) {
                             return kibana.call(Method::get, "/api/fleet/epm/packages/golang");
                         },
                         decide_fleet_reinstall});
    return steps;
}

} // namespace esmend::playbooks

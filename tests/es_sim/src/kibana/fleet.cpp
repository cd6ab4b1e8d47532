#include "kibana/fleet.hpp"

#include "security.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

namespace esmend::es_sim::kibana {

extern const std::string_view k_golang_0_4_0;
extern const std::string_view k_golang_1_6_0;

namespace {

using nlohmann::json;

// The package versions es-sim's "registry" serves.
const std::map<std::string, json>& registry() {
    static const std::map<std::string, json> k_registry = [] {
        std::map<std::string, json> m;
        m["0.4.0"] = json::parse(k_golang_0_4_0);
        m["1.6.0"] = json::parse(k_golang_1_6_0);
        return m;
    }();
    return k_registry;
}

// Var types from the package manifests (shared/fixtures/golang-integration manifest.yml and
// data_stream/*/manifest.yml); Fleet stores each var as {"type", "value"}.
const std::map<std::string, std::string>& var_types() {
    static const std::map<std::string, std::string> k_types = {
        {"hostname", "text"},   {"path", "text"},
        {"username", "text"},   {"password", "password"},
        {"ssl", "yaml"},        {"enable_request_tracer", "bool"},
        {"period", "text"},     {"tags", "text"},
        {"processors", "yaml"}, {"preserve_original_event", "bool"},
    };
    return k_types;
}

std::vector<int> semver(const std::string& v) {
    std::vector<int> parts;
    std::stringstream in(v);
    std::string p;
    while (std::getline(in, p, '.'))
        parts.push_back(std::atoi(p.c_str()));
    return parts;
}

// Fleet's ESAssetMetadata (KB epm/elasticsearch/meta.ts): managed by fleet, with the package.
json asset_meta(const std::string& version) {
    return json{{"package", {{"name", "golang"}, {"version", version}}},
                {"managed_by", "fleet"},
                {"managed", true}};
}

// KB fleet_es_assets.ts FLEET_GLOBALS_COMPONENT_TEMPLATE_CONTENT.
json fleet_globals(const std::string& version) {
    json meta = {{"managed_by", "fleet"}, {"managed", true}};
    (void)version;
    return json{{"_meta", meta},
                {"template",
                 {{"settings", json::object()},
                  {"mappings",
                   {{"_meta", meta},
                    {"dynamic_templates",
                     json::array({{{"strings_as_keyword",
                                    {{"mapping", {{"ignore_above", 1024}, {"type", "keyword"}}},
                                     {"match_mapping_type", "string"}}}}})},
                    {"date_detection", false}}}}}};
}

KibanaError es_failure(const EsError& e) {
    // Fleet surfaces an ES failure during install as a 500 carrying the ES error message
    // (KB handlers.ts: PackageESError -> 500).
    return KibanaError{500, e.type + ": " + e.reason};
}

std::string missing_key(const std::string& where, const std::string& key) {
    // @kbn/config-schema's message for a key an object schema does not declare.
    return "[" + where + "." + key + "]: definition for this key is missing";
}

std::expected<void, KibanaError> check_query(const KibanaRequest& request,
                                             const std::set<std::string>& allowed) {
    for (const auto& [k, v] : request.query)
        if (!allowed.contains(k))
            return std::unexpected(KibanaError{400, missing_key("request query", k)});
    return {};
}

std::expected<bool, KibanaError> simplified_format(const KibanaRequest& request) {
    const auto it = request.query.find("format");
    if (it == request.query.end() || it->second == "legacy")
        return false;
    if (it->second == "simplified")
        return true;
    // config-schema oneOf([literal('simplified'), literal('legacy')]).
    return std::unexpected(KibanaError{
        400, "[request query.format]: types that failed validation:\n- [request query.format.0]: "
             "expected value to equal [simplified]\n- [request query.format.1]: expected value "
             "to equal [legacy]"});
}

std::string input_id(const json& input) {
    // KB simplified_package_policy_helper.ts generateInputId.
    const std::string tpl = input.value("policy_template", "");
    return (tpl.empty() ? "" : tpl + "-") + input.value("type", "");
}

json vars_to_simplified(const json& vars) {
    json out = json::object();
    for (const auto& [k, v] : vars.items())
        if (v.contains("value") && !v["value"].is_null())
            out[k] = v["value"];
    return out;
}

std::expected<void, KibanaError> assign_vars(json& vars, const json& given,
                                             const std::string& context) {
    // KB simplified_package_policy_helper.ts assignVariables.
    if (!given.is_object())
        return {};
    for (const auto& [k, v] : given.items()) {
        if (!vars.contains(k))
            return std::unexpected(
                KibanaError{400, "Variable " + context + ":" + k + " not found"});
        vars[k]["value"] = v;
    }
    return {};
}

} // namespace

const json* golang_package(const std::string& version) {
    const auto& r = registry();
    const auto it = r.find(version);
    return it == r.end() ? nullptr : &it->second;
}

Fleet::Fleet(EsCaller es, SimVersion version)
    : m_es(es), m_version(version), m_random(std::random_device{}()) {
    m_agent_policy_id = uuid();
}

std::string Fleet::uuid() {
    std::uniform_int_distribution<int> hex(0, 15);
    std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char& c : s) {
        if (c == 'x' || c == 'y') {
            int v = hex(m_random);
            if (c == 'y')
                v = 8 + (v & 3);
            c = "0123456789abcdef"[v];
        }
    }
    return s;
}

std::string Fleet::iso_now() const {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::milliseconds>(now - days)};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(ms.count() % 1000));
    return buf;
}

std::optional<KibanaReply> Fleet::handle(const KibanaRequest& request) {
    std::vector<std::string> seg;
    {
        std::stringstream in(request.path);
        std::string s;
        while (std::getline(in, s, '/'))
            if (!s.empty())
                seg.push_back(s);
    }
    // seg[0] == "api", seg[1] == "fleet"
    if (seg.size() < 3 || seg[0] != "api" || seg[1] != "fleet")
        return std::nullopt;
    const auto body = [&]() -> std::expected<json, KibanaError> {
        if (request.body.empty())
            return json::object();
        auto j = json::parse(request.body, nullptr, false);
        if (j.is_discarded())
            return std::unexpected(KibanaError{400, "Invalid request payload JSON format"});
        if (!j.is_object())
            return std::unexpected(
                KibanaError{400, "[request body]: expected a plain object value, but found [" +
                                     std::string(j.type_name()) + "] instead."});
        return j;
    };
    if (seg[2] == "epm" && seg.size() >= 4 && seg[3] == "packages") {
        if (seg.size() == 5 && request.method == "GET") {
            if (auto ok = check_query(request,
                                      {"ignoreUnverified", "prerelease", "full", "withMetadata"});
                !ok)
                return std::unexpected(ok.error());
            return get_package(seg[4]);
        }
        if (seg.size() == 6 && request.method == "POST") {
            if (auto ok = check_query(
                    request, {"prerelease", "ignoreMappingUpdateErrors", "skipDataStreamRollover"});
                !ok)
                return std::unexpected(ok.error());
            auto b = body();
            if (!b)
                return std::unexpected(b.error());
            bool force = false;
            for (const auto& [k, v] : b->items()) {
                if (k != "force" && k != "ignore_constraints")
                    return std::unexpected(KibanaError{400, missing_key("request body", k)});
                if (!v.is_boolean())
                    return std::unexpected(
                        KibanaError{400, "[request body." + k +
                                             "]: expected value of type [boolean] but got [" +
                                             std::string(v.type_name()) + "]"});
            }
            force = b->value("force", false);
            const bool skip = request.query.contains("skipDataStreamRollover") &&
                              request.query.at("skipDataStreamRollover") != "false";
            return install(seg[4], seg[5], force, skip);
        }
        return std::nullopt;
    }
    if (seg[2] == "package_policies") {
        if (seg.size() == 3 && request.method == "GET")
            return list_policies(request);
        if (seg.size() == 3 && request.method == "POST") {
            if (auto ok = check_query(request, {"format"}); !ok)
                return std::unexpected(ok.error());
            auto b = body();
            if (!b)
                return std::unexpected(b.error());
            return create_policy(*b);
        }
        if (seg.size() == 4 && request.method == "GET")
            return get_policy(seg[3], request);
        if (seg.size() == 4 && request.method == "PUT") {
            if (auto ok = check_query(request, {"format"}); !ok)
                return std::unexpected(ok.error());
            auto b = body();
            if (!b)
                return std::unexpected(b.error());
            auto reply = update_policy(seg[3], *b);
            if (!reply)
                return reply;
            auto fmt = simplified_format(request);
            if (!fmt)
                return std::unexpected(fmt.error());
            if (*fmt)
                reply->body["item"] = to_simplified(reply->body["item"]);
            return reply;
        }
    }
    return std::nullopt;
}

KibanaReply Fleet::get_package(const std::string& name) const {
    if (name != "golang")
        // KB registry fetchFindLatestPackageOrThrow: PackageNotFoundError -> 404.
        return kibana_error(404, "[" + name + "] package not found in registry");
    std::lock_guard lock(m_mutex);
    const std::string latest = registry().rbegin()->first;
    const std::string shown = m_installed_version.value_or(latest);
    const json& pkg = *golang_package(shown);
    json item = {
        {"name", "golang"},      {"title", pkg.value("title", "Golang")},
        {"version", shown},      {"latestVersion", latest},
        {"type", "integration"}, {"status", m_installed_version ? "installed" : "not_installed"}};
    if (m_installed_version) {
        item["installationInfo"] = {{"name", "golang"},
                                    {"version", *m_installed_version},
                                    {"install_status", "installed"},
                                    {"install_source", "registry"},
                                    {"installed_es", m_installed_assets},
                                    {"installed_kibana", json::array()},
                                    {"verification_status", "unknown"}};
    }
    return kibana_ok(json{{"item", item}});
}

KibanaReply Fleet::install(const std::string& name, const std::string& version, bool force,
                           bool skip_rollover) {
    if (name != "golang" || golang_package(version) == nullptr)
        // KB epm/registry fetchInfo: a registry 404 becomes PackageNotFoundError, which Fleet's
        // error handler (handlers.ts getHTTPResponseCode) answers with 404.
        return kibana_error(404, name + "@" + version + " not found");
    std::lock_guard lock(m_mutex);
    return install_locked(version, force, skip_rollover);
}

KibanaReply Fleet::install_locked(const std::string& version, bool force, bool skip_rollover) {
    const json& pkg = *golang_package(version);
    if (m_installed_version && !force) {
        if (*m_installed_version == version)
            // KB installPackageFromRegistry: the same version without force is a no-op that
            // returns the installed assets.
            return kibana_ok(
                json{{"items", m_installed_assets}, {"_meta", {{"install_source", "registry"}}}});
        if (semver(version) < semver(*m_installed_version))
            // KB PackageOutdatedError (a FleetError, so 400).
            return kibana_error(400, "golang-" + version +
                                         " is out-of-date and cannot be installed or updated");
    }
    const std::optional<std::string> previous = m_installed_version;
    json assets = json::array();
    const json meta = asset_meta(version);

    // Fleet's own component template every package template uses (KB fleet_es_assets.ts).
    if (auto r =
            m_es.call_json("PUT", "/_component_template/.fleet_globals-1", fleet_globals(version));
        !r)
        return std::unexpected(es_failure(r.error()));

    for (const auto& [ds, stream] : pkg["data_streams"].items()) {
        const std::string base = "logs-" + stream["dataset"].get<std::string>();
        const std::string pipeline = base + "-" + version;
        // KB epm/elasticsearch/ingest_pipeline/install.ts: {type}-{dataset}-{version}.
        json pipe = stream["pipeline"];
        pipe["_meta"] = {
            {"managed_by", "fleet"}, {"managed", true}, {"package", {{"name", "golang"}}}};
        if (auto r = m_es.call_json("PUT", "/_ingest/pipeline/" + pipeline, pipe); !r)
            return std::unexpected(es_failure(r.error()));
        assets.push_back({{"id", pipeline}, {"type", "ingest_pipeline"}});

        // KB template.ts: the @package component template holds the package's mappings and
        // settings (ILM policy "logs", best_compression codec, default_pipeline).
        json package_ct = {{"template",
                            {{"settings",
                              {{"index",
                                {{"lifecycle", {{"name", "logs"}}},
                                 {"codec", "best_compression"},
                                 {"default_pipeline", pipeline},
                                 {"mapping", {{"total_fields", {{"limit", "10000"}}}}}}}}},
                             {"mappings", stream["mappings"]}}},
                           {"_meta", meta}};
        package_ct["template"]["mappings"]["_meta"] = meta;
        if (auto r = m_es.call_json("PUT", "/_component_template/" + base + "@package", package_ct);
            !r)
            return std::unexpected(es_failure(r.error()));
        assets.push_back({{"id", base + "@package"}, {"type", "component_template"}});
        // The @custom template is the user's: Fleet creates it empty once and never overwrites
        // it.
        if (auto exists = m_es.call("GET", "/_component_template/" + base + "@custom"); !exists) {
            json custom = {{"template", {{"settings", json::object()}}}, {"_meta", meta}};
            if (auto r = m_es.call_json("PUT", "/_component_template/" + base + "@custom", custom);
                !r)
                return std::unexpected(es_failure(r.error()));
        }
        assets.push_back({{"id", base + "@custom"}, {"type", "component_template"}});

        // KB template.ts getTemplate. unsourced choice: es-sim models the composed_of of Fleet
        // before 8.12 (<ds>@package, <ds>@custom, .fleet_globals-1): es-sim has none of ES's
        // built-in logs@mappings, logs@settings and ecs@mappings templates that newer Fleet adds,
        // and runs with xpack.fleet.agentIdVerificationEnabled: false (a documented Kibana
        // setting), so .fleet_agent_id_verification-1 and its Painless final pipeline are not
        // composed in.
        json index_template = {
            {"index_patterns", json::array({base + "-*"})},
            {"priority", 200},
            {"composed_of", json::array({base + "@package", base + "@custom", ".fleet_globals-1"})},
            {"data_stream", {{"hidden", false}}},
            {"_meta", meta}};
        if (auto r = m_es.call_json("PUT", "/_index_template/" + base, index_template); !r)
            return std::unexpected(es_failure(r.error()));
        assets.push_back({{"id", base}, {"type", "index_template"}});

        if (auto ok = update_write_indices(base + "-*", base, pipeline, skip_rollover); !ok)
            return std::unexpected(ok.error());
    }
    if (previous && *previous != version) {
        // KB install.ts deletePreviousPipelines: an upgrade removes the old version's pipelines.
        for (const auto& [ds, stream] : golang_package(*previous)->at("data_streams").items()) {
            const std::string old =
                "logs-" + stream["dataset"].get<std::string>() + "-" + *previous;
            (void)m_es.call("DELETE", "/_ingest/pipeline/" + old);
        }
    }
    m_installed_version = version;
    m_installed_assets = assets;
    return kibana_ok(json{{"items", assets}, {"_meta", {{"install_source", "registry"}}}});
}

std::expected<void, KibanaError> Fleet::update_write_indices(const std::string& pattern,
                                                             const std::string& template_name,
                                                             const std::string& pipeline,
                                                             bool skip_rollover) {
    // KB epm/elasticsearch/template/template.ts updateCurrentWriteIndices /
    // updateExistingDataStream (es-apis.md §2.3): put the template's mappings on each data
    // stream's write index; when ES refuses (e.g. keyword -> ip) roll the data stream over so the
    // new write index gets the new template. Then point the data stream at the new pipeline.
    auto streams = m_es.call("GET", "/_data_stream/" + pattern);
    if (!streams)
        return std::unexpected(es_failure(streams.error()));
    const json listed = streams->json.value_or(json::object());
    for (const auto& ds : listed.value("data_streams", json::array())) {
        const std::string name = ds.value("name", "");
        auto simulated = m_es.call("POST", "/_index_template/_simulate/" + template_name);
        if (!simulated)
            return std::unexpected(es_failure(simulated.error()));
        json mappings =
            simulated->json.value_or(json::object())["template"].value("mappings", json::object());
        auto put = m_es.call_json("PUT", "/" + name + "/_mapping", mappings,
                                  {{"write_index_only", "true"}});
        if (!put) {
            if (skip_rollover)
                return std::unexpected(KibanaError{400, "Mappings update for " + name +
                                                            " failed due to " + put.error().type +
                                                            ": " + put.error().reason});
            auto rolled = m_es.call("POST", "/" + name + "/_rollover");
            if (!rolled)
                return std::unexpected(es_failure(rolled.error()));
            continue;
        }
        auto settings = m_es.call_json("PUT", "/" + name + "/_settings",
                                       json{{"index", {{"default_pipeline", pipeline}}}});
        if (!settings)
            return std::unexpected(es_failure(settings.error()));
    }
    return {};
}

json Fleet::default_policy(const json& package) const {
    // The legacy package policy Fleet builds from the package defaults (KB
    // packageToPackagePolicy): every input and stream enabled, default var values.
    json input_vars = json::object();
    for (const auto& [k, v] : package["input"]["vars"].items()) {
        json var = {{"type", var_types().at(k)}};
        if (!v.is_null())
            var["value"] = v;
        input_vars[k] = var;
    }
    json streams = json::array();
    for (const auto& [ds, stream] : package["data_streams"].items()) {
        json vars = json::object();
        for (const auto& [k, v] : stream["vars"].items())
            vars[k] = {{"type", var_types().at(k)}, {"value", v}};
        vars["processors"] = {{"type", "yaml"}};
        streams.push_back({{"enabled", true},
                           {"data_stream", {{"type", "logs"}, {"dataset", stream["dataset"]}}},
                           {"vars", vars}});
    }
    return json{
        {"name", "golang-1"},
        {"description", ""},
        {"namespace", "default"},
        {"enabled", true},
        {"package",
         {{"name", "golang"}, {"title", package["title"]}, {"version", package["version"]}}},
        {"inputs", json::array({{{"type", package["input"]["type"]},
                                 {"policy_template", package["policy_template"]},
                                 {"enabled", true},
                                 {"vars", input_vars},
                                 {"streams", streams}}})}};
}

std::expected<json, KibanaError> Fleet::from_simplified(const json& body, const json& package) {
    // KB simplified_package_policy_helper.ts simplifiedPackagePolicytoNewPackagePolicy: start
    // from the package defaults, then apply what the body gives. An omitted input or stream keeps
    // its default (enabled), one given without "enabled": false becomes enabled, and omitted vars
    // revert to their defaults (es-apis.md §2.2, KB PR#139420).
    json policy = default_policy(package);
    for (const char* key :
         {"name", "description", "namespace", "policy_id", "policy_ids", "output_id"})
        if (body.contains(key))
            policy[key] = body[key];
    if (body.contains("inputs")) {
        for (const auto& [id, given] : body["inputs"].items()) {
            auto it = std::find_if(policy["inputs"].begin(), policy["inputs"].end(),
                                   [&](const json& i) { return input_id(i) == id; });
            if (it == policy["inputs"].end())
                return std::unexpected(KibanaError{400, "Input not found: " + id});
            (*it)["enabled"] = given.value("enabled", true) != false;
            if (auto ok = assign_vars((*it)["vars"], given.value("vars", json::object()), id); !ok)
                return std::unexpected(ok.error());
            // Bound to a local: iterating items() of a temporary would dangle.
            const json given_streams = given.value("streams", json::object());
            for (const auto& [sid, sgiven] : given_streams.items()) {
                auto st = std::find_if(
                    (*it)["streams"].begin(), (*it)["streams"].end(),
                    [&](const json& s) { return s["data_stream"].value("dataset", "") == sid; });
                if (st == (*it)["streams"].end())
                    return std::unexpected(KibanaError{400, "Stream not found " + id + ": " + sid});
                (*st)["enabled"] = sgiven.value("enabled", true) != false;
                if (auto ok = assign_vars((*st)["vars"], sgiven.value("vars", json::object()),
                                          id + ":" + sid);
                    !ok)
                    return std::unexpected(ok.error());
            }
        }
    }
    return policy;
}

json Fleet::to_simplified(const json& policy) const {
    // KB packagePolicyToSimplifiedPackagePolicy: inputs keyed by <policy_template>-<type>,
    // streams by dataset, vars as plain values; every other key as stored.
    json out = policy;
    json inputs = json::object();
    for (const auto& input : policy["inputs"]) {
        json streams = json::object();
        for (const auto& s : input["streams"])
            streams[s["data_stream"].value("dataset", "")] = {
                {"enabled", s.value("enabled", true)},
                {"vars", vars_to_simplified(s.value("vars", json::object()))}};
        inputs[input_id(input)] = {
            {"enabled", input.value("enabled", true)},
            {"vars", vars_to_simplified(input.value("vars", json::object()))},
            {"streams", streams}};
    }
    out["inputs"] = inputs;
    if (out.contains("vars"))
        out["vars"] = vars_to_simplified(out["vars"]);
    return out;
}

KibanaReply Fleet::create_policy(const json& body) {
    const bool simplified = body.contains("inputs") && body["inputs"].is_object();
    const json pkg_ref = body.value("package", json::object());
    const std::string name = pkg_ref.value("name", "");
    const std::string version = pkg_ref.value("version", "");
    if (name != "golang" || golang_package(version) == nullptr)
        return kibana_error(404, name + "@" + version + " not found");
    std::lock_guard lock(m_mutex);
    if (!m_installed_version) {
        // KB createPackagePolicyHandler ensures the package is installed first.
        if (auto installed = install_locked(version, false, false); !installed)
            return std::unexpected(installed.error());
    }
    const json& package = *golang_package(version);
    json policy;
    if (simplified) {
        auto converted = from_simplified(body, package);
        if (!converted)
            return std::unexpected(converted.error());
        policy = *converted;
    } else {
        policy = default_policy(package);
        for (const auto& [k, v] : body.items())
            policy[k] = v;
    }
    policy["id"] = uuid();
    if (!policy.contains("policy_id"))
        policy["policy_id"] = m_agent_policy_id;
    policy["policy_ids"] = json::array({policy["policy_id"]});
    for (auto& input : policy["inputs"])
        for (auto& s : input["streams"])
            s["id"] = input.value("type", "") + "-" + s["data_stream"].value("dataset", "") + "-" +
                      policy["id"].get<std::string>();
    policy["revision"] = 1;
    policy["version"] = base64_encode("[1,1]");
    policy["created_at"] = policy["updated_at"] = iso_now();
    policy["created_by"] = policy["updated_by"] = "elastic";
    m_policies.push_back(policy);
    return kibana_ok(json{{"item", policy}});
}

KibanaReply Fleet::update_policy(const std::string& id, const json& body) {
    std::lock_guard lock(m_mutex);
    auto it = std::find_if(m_policies.begin(), m_policies.end(),
                           [&](const json& p) { return p.value("id", "") == id; });
    if (it == m_policies.end())
        return kibana_error(404, "Package policy " + id + " not found");
    const bool simplified = body.contains("inputs") && body["inputs"].is_object();
    json updated;
    if (simplified) {
        // unsourced: es-apis.md §2.2 recommends GET ?format=simplified, edit, PUT the whole body
        // back, so the stored keys that GET returns (id, revision, ...) are accepted here and
        // ignored.
        const json pkg_ref = body.value("package", (*it)["package"]);
        const json* package = golang_package(pkg_ref.value("version", ""));
        if (package == nullptr)
            return kibana_error(400,
                                "Package golang-" + pkg_ref.value("version", "") + " not found");
        auto converted = from_simplified(body, *package);
        if (!converted)
            return std::unexpected(converted.error());
        updated = *converted;
    } else {
        // Legacy format: the body schema declares only the writable keys; read-only keys a GET
        // returns are refused (KB#112995, es-apis.md §2.2 / §5.12).
        static const std::set<std::string> k_writable = {
            "name",    "description", "namespace", "policy_id", "policy_ids", "enabled",
            "package", "inputs",      "vars",      "output_id", "force"};
        for (const auto& [k, v] : body.items())
            if (!k_writable.contains(k))
                return kibana_error(400, missing_key("request body", k));
        updated = *it;
        for (const auto& [k, v] : body.items())
            updated[k] = v;
        if (body.contains("package") &&
            golang_package(body["package"].value("version", "")) == nullptr)
            return kibana_error(400, "Package golang-" + body["package"].value("version", "") +
                                         " not found");
    }
    for (const char* keep : {"id", "created_at", "created_by"})
        updated[keep] = (*it)[keep];
    if (!updated.contains("policy_id"))
        updated["policy_id"] = (*it)["policy_id"];
    updated["policy_ids"] = json::array({updated["policy_id"]});
    for (auto& input : updated["inputs"])
        for (auto& s : input["streams"])
            s["id"] =
                input.value("type", "") + "-" + s["data_stream"].value("dataset", "") + "-" + id;
    const std::int64_t revision = (*it).value("revision", std::int64_t{1}) + 1;
    updated["revision"] = revision;
    updated["version"] = base64_encode("[" + std::to_string(revision) + ",1]");
    updated["updated_at"] = iso_now();
    updated["updated_by"] = "elastic";
    *it = updated;
    return kibana_ok(json{{"item", updated}});
}

KibanaReply Fleet::list_policies(const KibanaRequest& request) const {
    if (auto ok =
            check_query(request, {"page", "perPage", "kuery", "format", "withAgentCount",
                                  "sortField", "sortOrder", "showUpgradeable", "noAgentCount"});
        !ok)
        return std::unexpected(ok.error());
    auto simplified = simplified_format(request);
    if (!simplified)
        return std::unexpected(simplified.error());
    std::optional<std::string> package_filter;
    if (const auto k = request.query.find("kuery");
        k != request.query.end() && !k->second.empty()) {
        // es-sim understands the one KQL form esmend needs: <so type>.package.name:<name>. Fleet
        // rewrites the old ingest-package-policies prefix for space-aware installs (KB
        // PR#189387), so both saved-object type names work.
        std::string q = k->second;
        std::erase(q, ' ');
        for (const std::string prefix :
             {"ingest-package-policies.package.name:", "fleet-package-policies.package.name:"}) {
            if (q.starts_with(prefix)) {
                std::string value = q.substr(prefix.size());
                if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                    value = value.substr(1, value.size() - 2);
                package_filter = value;
            }
        }
        if (!package_filter)
            // unsourced: es-sim does not parse general KQL; say so rather than guess.
            return kibana_error(400, "es-sim supports only kuery=ingest-package-policies."
                                     "package.name:<name>, got [" +
                                         k->second + "]");
    }
    const int page = std::max(
        1, std::atoi(request.query.count("page") ? request.query.at("page").c_str() : "1"));
    const int per_page = std::max(
        1, std::atoi(request.query.count("perPage") ? request.query.at("perPage").c_str() : "20"));
    std::lock_guard lock(m_mutex);
    json items = json::array();
    int total = 0;
    for (const auto& p : m_policies) {
        if (package_filter && p["package"].value("name", "") != *package_filter)
            continue;
        ++total;
        if (total > (page - 1) * per_page && total <= page * per_page)
            items.push_back(*simplified ? to_simplified(p) : p);
    }
    return kibana_ok(
        json{{"items", items}, {"total", total}, {"page", page}, {"perPage", per_page}});
}

KibanaReply Fleet::get_policy(const std::string& id, const KibanaRequest& request) const {
    if (auto ok = check_query(request, {"format"}); !ok)
        return std::unexpected(ok.error());
    auto simplified = simplified_format(request);
    if (!simplified)
        return std::unexpected(simplified.error());
    std::lock_guard lock(m_mutex);
    for (const auto& p : m_policies)
        if (p.value("id", "") == id)
            return kibana_ok(json{{"item", *simplified ? to_simplified(p) : p}});
    // KB getOnePackagePolicyHandler notFoundResponse.
    return kibana_error(404, "Package policy " + id + " not found");
}

std::vector<AgentStream> Fleet::agent_streams() const {
    std::lock_guard lock(m_mutex);
    std::vector<AgentStream> out;
    for (const auto& p : m_policies) {
        if (p["package"].value("name", "") != "golang")
            continue;
        for (const auto& input : p["inputs"]) {
            if (!input.value("enabled", false))
                continue;
            std::string address = "http://localhost:6060";
            if (input.contains("vars") && input["vars"].contains("hostname") &&
                input["vars"]["hostname"].contains("value"))
                address = input["vars"]["hostname"]["value"].get<std::string>();
            for (const auto& s : input["streams"]) {
                if (!s.value("enabled", false))
                    continue;
                AgentStream a;
                a.dataset = s["data_stream"].value("dataset", "");
                a.namespace_name = p.value("namespace", "default");
                a.data_stream = "logs-" + a.dataset + "-" + a.namespace_name;
                a.service_address = address;
                if (s.contains("vars") && s["vars"].contains("tags") &&
                    s["vars"]["tags"].contains("value") && s["vars"]["tags"]["value"].is_array())
                    for (const auto& t : s["vars"]["tags"]["value"])
                        if (t.is_string())
                            a.tags.push_back(t.get<std::string>());
                out.push_back(std::move(a));
            }
        }
    }
    return out;
}

} // namespace esmend::es_sim::kibana

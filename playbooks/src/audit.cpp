#include <es_client/url.hpp>
#include <playbooks/audit.hpp>
#include <playbooks/install.hpp>
#include <playbooks/strategy.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <set>

namespace esmend::playbooks {

using nlohmann::json;

std::string kibana_type(std::string_view es_type) {
    // KB packages/kbn-field-types/src/kbn_field_types_factory.ts (es-apis.md §1.9).
    static constexpr std::array<std::string_view, 6> k_string{
        "text", "match_only_text", "keyword", "version", "_id", "_type"};
    static constexpr std::array<std::string_view, 11> k_number{
        "float",   "half_float",  "scaled_float",           "double",
        "integer", "long",        "unsigned_long",          "short",
        "byte",    "token_count", "aggregate_metric_double"};
    if (std::find(k_string.begin(), k_string.end(), es_type) != k_string.end())
        return "string";
    if (std::find(k_number.begin(), k_number.end(), es_type) != k_number.end())
        return "number";
    if (es_type == "date" || es_type == "date_nanos")
        return "date";
    return std::string(es_type);
}

std::optional<std::string> mapping_type(const json& mappings, std::string_view dotted_field) {
    const json* node = &mappings;
    std::string_view rest = dotted_field;
    while (true) {
        const auto properties = node->find("properties");
        if (properties == node->end() || !properties->is_object())
            return std::nullopt;
        // Mappings may hold a dotted name literally ("host.ip") or nest it; try the longest
        // literal prefix first, as ES resolves object paths.
        bool found = false;
        for (std::size_t end = rest.size(); end != std::string_view::npos && end > 0;) {
            const auto head = rest.substr(0, end);
            if (const auto child = properties->find(std::string(head));
                child != properties->end()) {
                node = &*child;
                rest = end == rest.size() ? std::string_view{} : rest.substr(end + 1);
                found = true;
                break;
            }
            end = head.rfind('.');
        }
        if (!found)
            return std::nullopt;
        if (rest.empty()) {
            if (const auto type = node->find("type"); type != node->end() && type->is_string())
                return type->get<std::string>();
            return node->contains("properties") ? std::optional<std::string>("object")
                                                : std::nullopt;
        }
    }
}

std::map<std::string, std::string, std::less<>>
index_owners(const std::map<std::string, StreamInfo>& streams) {
    std::map<std::string, std::string, std::less<>> owners;
    for (const auto& [name, info] : streams) {
        for (const auto& index : info.indices)
            owners[index] = name;
    }
    return owners;
}

std::vector<StreamFinding> attribute_conflict(const FieldConflict& conflict,
                                              const std::map<std::string, StreamInfo>& streams) {
    const auto owners = index_owners(streams);
    std::map<std::string, StreamFinding> by_stream;
    for (const auto& type : conflict.types) {
        for (const auto& index : type.indices) {
            const auto owner = owners.find(index);
            if (owner == owners.end())
                continue;
            auto& finding = by_stream[owner->second];
            finding.types[std::string(index)] = type.es_type;
        }
    }
    std::vector<StreamFinding> findings;
    for (auto& [name, finding] : by_stream) {
        const auto& info = streams.at(name);
        finding.data_stream = name;
        finding.field = conflict.field;
        finding.template_name = info.template_name;
        finding.template_type = mapping_type(info.template_mappings, conflict.field).value_or("");
        finding.package = info.meta.is_object() && info.meta.contains("package")
                              ? info.meta["package"]
                              : json(nullptr);
        // Compare as field_caps reports types: families (keyword covers constant_keyword and
        // wildcard). A template that does not declare the field leaves it to dynamic mapping;
        // the newest backing index then says what the stream maps it to today.
        std::string expected = finding.template_type;
        if (expected == "constant_keyword" || expected == "wildcard")
            expected = "keyword";
        // The same decision as the repair's preflight: the bundled Golang package says what the
        // field should be when the template is esmend's or the golang package's.
        const auto current = finding.template_type.empty()
                                 ? std::nullopt
                                 : std::optional<std::string>(finding.template_type);
        if (const auto fix = template_fix(info.template_name, info.meta, current, conflict.field)) {
            // A Fleet reinstall of the installed version puts an edited template back, which the
            // offline repair's reinstall step does too.
            finding.template_fix = {{"type", fix->type},
                                    {"package_version", fix->package_version},
                                    {"reinstall", fix->fleet && !fix->upgrade}};
            expected = fix->type;
        }
        if (expected.empty()) {
            for (auto it = info.indices.rbegin(); it != info.indices.rend(); ++it) {
                if (const auto t = finding.types.find(*it); t != finding.types.end()) {
                    expected = t->second;
                    break;
                }
            }
        }
        for (const auto& [index, type] : finding.types) {
            if (type != expected)
                finding.disagreeing.push_back(index);
        }
        if (info.time_series && !finding.disagreeing.empty())
            finding.verdict = StreamFinding::Verdict::tsds;
        else if (!finding.disagreeing.empty())
            finding.verdict = StreamFinding::Verdict::repairable;
        else
            finding.verdict = StreamFinding::Verdict::by_design;
        findings.push_back(std::move(finding));
    }
    return findings;
}

std::string_view to_string(StreamFinding::Verdict verdict) {
    switch (verdict) {
    case StreamFinding::Verdict::repairable:
        return "repairable";
    case StreamFinding::Verdict::tsds:
        return "tsds";
    case StreamFinding::Verdict::by_design:
        return "by_design";
    }
    return "unknown";
}

} // namespace esmend::playbooks

// ---- observing the cluster (reads only) ----

namespace esmend::playbooks {

namespace {

using es_client::Method;
using es_client::Result;

// Every data stream, hidden ones too, with its backing indices.
Result<std::map<std::string, StreamInfo>> observe_streams(es_client::Elasticsearch& es) {
    std::map<std::string, StreamInfo> streams;
    auto answer = es.find("/_data_stream?expand_wildcards=all");
    if (!answer)
        return std::unexpected(answer.error());
    if (!*answer)
        return streams;
    for (const auto& ds : (**answer).value("data_streams", json::array())) {
        StreamInfo info;
        for (const auto& index : ds.value("indices", json::array()))
            info.indices.push_back(index.value("index_name", ""));
        info.template_name = ds.value("template", "");
        info.meta = ds.value("_meta", json(nullptr));
        streams[ds.value("name", "")] = std::move(info);
    }
    return streams;
}

// What governs a stream now: the simulated template for its name (es-apis.md §1.3), and the
// template's _meta (the data stream's own _meta copy is newer than 7.x).
Result<void> observe_template(es_client::Elasticsearch& es, const std::string& name,
                              StreamInfo& info) {
    auto simulated =
        es.call(Method::post, "/_index_template/_simulate_index/" + es_client::url_encode(name));
    if (!simulated)
        return std::unexpected(simulated.error());
    const json tmpl = simulated->value("template", json::object());
    info.template_mappings = tmpl.value("mappings", json::object());
    const json settings = tmpl.value("settings", json::object());
    const auto mode = settings.contains("index") && settings["index"].is_object()
                          ? settings["index"].value("mode", "")
                          : settings.value("index.mode", "");
    info.time_series = mode == "time_series";
    if (!info.template_name.empty()) {
        auto t = es.find("/_index_template/" + es_client::url_encode(info.template_name));
        if (!t)
            return std::unexpected(t.error());
        if (*t) {
            for (const auto& item : (**t).value("index_templates", json::array())) {
                if (item.value("name", "") == info.template_name)
                    info.meta = item["index_template"].value("_meta", json(nullptr));
            }
        }
    }
    return {};
}

json repair_plan(es_client::Elasticsearch& es, const std::string& data_stream,
                 const std::vector<std::string>& fields, const json& disk,
                 const es_client::Version& version, const AuditOptions& options, bool template_fix,
                 Result<void>& status) {
    json plan = {{"data_stream", data_stream}, {"fields", fields}};
    auto stats =
        es.call(Method::get, "/" + es_client::url_encode(data_stream) + "/_stats/docs,store");
    if (!stats) {
        status = std::unexpected(stats.error());
        return plan;
    }
    const auto docs = json_int(*stats, json::json_pointer("/_all/primaries/docs/count"));
    const auto bytes = json_int(*stats, json::json_pointer("/_all/primaries/store/size_in_bytes"));
    plan["docs"] = docs;
    plan["store_bytes"] = bytes;
    // The offline playbook holds the original and its copy at once (es-apis.md §5.5, §5.11).
    const auto available = disk.value("available_bytes", std::int64_t{0});
    const auto total = disk.value("total_bytes", std::int64_t{0});
    // Stay under the flood-stage watermark (95 %) with the copy in place (es-apis.md §1.13).
    const bool enough = copy_fits(total, available, bytes);
    plan["disk"] = {{"needed_bytes", bytes},
                    {"available_bytes", available},
                    {"total_bytes", total},
                    {"enough", enough}};
    plan["estimate"] = {
        {"seconds", static_cast<double>(2 * docs) / options.docs_per_second},
        {"docs_per_second", options.docs_per_second},
        {"basis", "assumed rate (the copy goes out and back: twice the documents)"}};
    json strategies = json::array();
    for (const auto& s : repair_strategies(version))
        strategies.push_back({{"name", s.name},
                              {"available", s.available},
                              {"summary", s.summary},
                              {"requirement", s.requirement}});
    plan["strategies"] = strategies;
    // What `esmend repair --strategy auto` will pick: online where the cluster can swap backing
    // indices, so collection need not stop.
    const bool online = es_client::Features::of(version).modify_data_stream;
    plan["recommended_strategy"] = online ? "online" : "offline";
    plan["command"] = repair_command(data_stream, fields);
    // Only the online playbook installs a template that maps the field otherwise; the offline
    // one reinstalls what is there, so the operator upgrades first.
    plan["template_fix"] = template_fix;
    if (template_fix && !online)
        plan["first"] = "upgrade the package (or run `esmend install`): the offline repair "
                        "reinstalls the template as it is";
    return plan;
}

} // namespace

std::int64_t json_int(const json& j, const json::json_pointer& p) {
    if (!j.contains(p))
        return 0;
    const auto& v = j.at(p);
    if (v.is_number())
        return v.get<std::int64_t>();
    if (v.is_string())
        return std::strtoll(v.get<std::string>().c_str(), nullptr, 10);
    return 0;
}

Result<json> observe_disk(es_client::Elasticsearch& es) {
    auto fs = es.call(Method::get, "/_nodes/stats/fs");
    if (!fs)
        return std::unexpected(fs.error());
    std::int64_t available = 0;
    std::int64_t total = 0;
    // Named, not a temporary: items() only refers to the json it iterates.
    const json nodes = fs->value("nodes", json::object());
    for (const auto& [id, node] : nodes.items()) {
        available += json_int(node, json::json_pointer("/fs/total/available_in_bytes"));
        total += json_int(node, json::json_pointer("/fs/total/total_in_bytes"));
    }
    return json{{"available_bytes", available}, {"total_bytes", total}};
}

bool copy_fits(std::int64_t total, std::int64_t available, std::int64_t bytes) {
    return total > 0 &&
           static_cast<double>(total - available + bytes) <= 0.95 * static_cast<double>(total);
}

std::string repair_command(const std::string& data_stream, const std::vector<std::string>& fields) {
    std::string command = "esmend repair --data-stream " + data_stream;
    for (const auto& f : fields)
        command += " --field " + f;
    return command;
}

Result<std::vector<AuditTarget>> data_view_targets(es_client::Kibana& kibana,
                                                   const std::vector<std::string>& wanted) {
    std::vector<AuditTarget> all;
    auto views = kibana.call(Method::get, "/api/data_views");
    if (views) {
        for (const auto& v : views->value("data_view", json::array())) {
            all.push_back(
                {v.value("title", ""),
                 {{"id", v.value("id", "")}, {"name", v.value("name", v.value("title", ""))}}});
        }
    } else if (views.error().http_status == 404) {
        // Kibana 7.x: index patterns are saved objects (es-apis.md §2.4).
        auto found = kibana.call(
            Method::get, "/api/saved_objects/_find?type=index-pattern&fields=title&per_page=1000");
        if (!found)
            return std::unexpected(found.error());
        for (const auto& so : found->value("saved_objects", json::array())) {
            const std::string title = so.value("attributes", json::object()).value("title", "");
            all.push_back({title, {{"id", so.value("id", "")}, {"name", title}}});
        }
    } else {
        return std::unexpected(views.error());
    }
    if (wanted.empty())
        return all;
    std::vector<AuditTarget> chosen;
    for (const auto& w : wanted) {
        bool matched = false;
        for (const auto& t : all) {
            if (t.data_view["id"] == w || t.data_view["name"] == w || t.title == w) {
                chosen.push_back(t);
                matched = true;
                break;
            }
        }
        if (!matched) {
            std::string known;
            for (const auto& t : all)
                known += (known.empty() ? "" : ", ") + t.title;
            return std::unexpected(es_client::make_error(
                es_client::ErrorKind::config,
                "no data view named or with id '" + w +
                    "'; Kibana has: " + (known.empty() ? std::string("none") : known)));
        }
    }
    return chosen;
}

Result<json> audit(es_client::Elasticsearch& es, const std::vector<AuditTarget>& targets,
                   const AuditOptions& options) {
    auto info = es.info();
    if (!info)
        return std::unexpected(info.error());
    auto streams = observe_streams(es);
    if (!streams)
        return std::unexpected(streams.error());
    const auto owners = index_owners(*streams);
    std::set<std::string> observed_templates;
    std::map<std::string, std::set<std::string>> repairable; // data stream -> fields
    std::set<std::string> template_fixes; // streams whose template must be installed first
    json report_targets = json::array();
    std::size_t conflicting_fields = 0;
    for (const auto& target : targets) {
        // Read as bytes, not as a document: a big data view's answer is megabytes of index names
        // of which only the conflicting fields' are needed (scan_field_caps).
        auto answer = es.send(es_client::make_request(
            Method::post, "/" + es_client::url_encode(target.title) +
                              "/_field_caps?fields=*&include_unmapped=true"));
        if (!answer)
            return std::unexpected(answer.error());
        if (!answer->ok())
            return std::unexpected(
                es_client::error_from_response(*answer, es_client::Service::elasticsearch));
        auto caps = scan_field_caps(std::move(answer->body));
        if (!caps)
            return std::unexpected(caps.error());
        // A data view may match nothing yet (Fleet creates metrics-* with allowNoIndex), but a
        // pattern typed on the command line that matches nothing is a typo, not a clean bill.
        if (target.data_view.is_null() && caps->indices == 0) {
            return std::unexpected(es_client::make_error(
                es_client::ErrorKind::config,
                "pattern '" + target.title + "' matches no indices or data streams"));
        }
        json conflicts_json = json::array();
        for (const auto& conflict : caps->conflicts) {
            // Observe the templates of the streams involved, once each.
            for (const auto& type : conflict.types) {
                for (const auto& index : type.indices) {
                    const auto owner = owners.find(index);
                    if (owner == owners.end() || observed_templates.contains(owner->second))
                        continue;
                    if (auto r = observe_template(es, owner->second, streams->at(owner->second));
                        !r) {
                        return std::unexpected(r.error());
                    }
                    observed_templates.insert(owner->second);
                }
            }
            json types = json::array();
            for (const auto& type : conflict.types) {
                std::set<std::string> in_streams;
                json plain = json::array();
                for (const auto& index : type.indices) {
                    const auto owner = owners.find(index);
                    if (owner == owners.end())
                        plain.push_back(index);
                    else
                        in_streams.insert(owner->second);
                }
                types.push_back({{"type", type.es_type},
                                 {"kibana_type", type.kibana_type},
                                 {"indices", type.indices},
                                 {"data_streams", in_streams},
                                 {"plain_indices", plain}});
            }
            json findings = json::array();
            for (const auto& f : attribute_conflict(conflict, *streams)) {
                json finding = {{"data_stream", f.data_stream},
                                {"verdict", to_string(f.verdict)},
                                {"template", f.template_name},
                                {"template_type", f.template_type},
                                {"package", f.package},
                                {"index_types", f.types},
                                {"disagreeing_indices", f.disagreeing}};
                switch (f.verdict) {
                case StreamFinding::Verdict::repairable:
                    if (f.template_fix.is_object()) {
                        finding["template_fix"] = f.template_fix;
                        finding["why"] =
                            "template " + f.template_name + " maps " + f.field + " as " +
                            (f.template_type.empty() ? std::string("(dynamic)") : f.template_type) +
                            ", but golang " + f.template_fix.value("package_version", "") +
                            " maps it as " + f.template_fix.value("type", "") +
                            ": the online repair installs that template first, then rewrites "
                            "the backing indices";
                        if (!f.template_fix.value("reinstall", false))
                            template_fixes.insert(f.data_stream);
                    } else {
                        finding["why"] =
                            "template " + f.template_name + " now maps " + f.field + " as " +
                            (f.template_type.empty() ? std::string("(dynamic)") : f.template_type) +
                            ", but older backing indices keep the type they were created with; "
                            "a rollover alone only fixes indices created after it";
                    }
                    repairable[f.data_stream].insert(f.field);
                    break;
                case StreamFinding::Verdict::tsds:
                    finding["why"] = "a time series data stream (index.mode: time_series): use "
                                     "Elastic's TSDS reindex procedure, not esmend's playbook";
                    break;
                case StreamFinding::Verdict::by_design:
                    finding["why"] = "every backing index follows the stream's template; other "
                                     "datasets map the field differently (cross-dataset, not "
                                     "repairable here)";
                    break;
                }
                findings.push_back(std::move(finding));
            }
            conflicts_json.push_back({{"field", conflict.field},
                                      {"types", types},
                                      {"unmapped_indices", conflict.unmapped_indices},
                                      {"data_streams", findings}});
        }
        conflicting_fields += conflicts_json.size();
        report_targets.push_back({{"title", target.title},
                                  {"data_view", target.data_view},
                                  {"indices", caps->indices},
                                  {"conflicts", conflicts_json}});
    }
    json repairs = json::array();
    if (!repairable.empty()) {
        auto disk = observe_disk(es);
        if (!disk)
            return std::unexpected(disk.error());
        for (const auto& [ds, fields] : repairable) {
            Result<void> status;
            auto plan = repair_plan(es, ds, {fields.begin(), fields.end()}, *disk, info->version,
                                    options, template_fixes.contains(ds), status);
            if (!status)
                return std::unexpected(status.error());
            repairs.push_back(std::move(plan));
        }
    }
    return json{{"cluster",
                 {{"name", info->cluster_name},
                  {"uuid", info->cluster_uuid},
                  {"version", info->version.str()}}},
                {"targets", report_targets},
                {"repairs", repairs},
                {"summary",
                 {{"conflicting_fields", conflicting_fields},
                  {"repairable_data_streams", repairable.size()}}}};
}

} // namespace esmend::playbooks

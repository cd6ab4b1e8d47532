// The online repair strategy (issue #8): each backing index whose mapping disagrees with the
// template is rewritten into a new index with the template's mappings and swapped in with one
// _data_stream/_modify call, the way Elasticsearch's own data-stream reindex swaps backing
// indices (es-apis.md §3.3, §3.4), while collection goes on writing to the (correct) write index.
#include <es_client/url.hpp>
#include <playbooks/audit.hpp>
#include <playbooks/install.hpp>
#include <playbooks/repair.hpp>

#include "repair_internal.hpp"

#include <algorithm>
#include <cstdlib>

namespace esmend::playbooks {

using detail::backing_indices;
using detail::completed;
using detail::count;
using detail::dry_run;
using detail::facts_of;
using detail::state_error;
using es_client::ErrorKind;
using es_client::Method;
using es_client::Result;
using es_client::url_encode;
using nlohmann::json;

namespace {

constexpr const char* k_unit_steps[] = {"block", "create", "copy", "settings", "verify", "swap"};

std::string unit_step(const char* kind, std::size_t k) {
    return std::string(kind) + "_" + std::to_string(k);
}

std::string copy_capture(std::size_t k) {
    return "copy_task_" + std::to_string(k);
}

// Unit k's {index, new_index} from the preflight's facts.
json unit(const json& state, std::size_t k) {
    const json& pre = facts_of(state, "preflight");
    const auto rewrite = pre.find("rewrite");
    if (rewrite == pre.end() || !rewrite->is_array() || k < 1 || k > rewrite->size())
        return json::object();
    return (*rewrite)[k - 1];
}

// A setting of GET _settings?flat_settings=true, as text ("" when unset).
std::string setting(const json& settings, const std::string& key) {
    const auto it = settings.find(key);
    if (it == settings.end() || it->is_null())
        return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// The flat settings of `index` (null when it does not exist).
Result<json> flat_settings(es_client::Elasticsearch& es, const std::string& index) {
    auto found = es.find("/" + url_encode(index) + "/_settings?flat_settings=true");
    if (!found)
        return std::unexpected(found.error());
    if (!found->has_value())
        return json(nullptr);
    return (**found).value(index, json::object()).value("settings", json::object());
}

bool contains(const json& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

Action es_action(Method method, std::string path, std::optional<json> body, std::string summary) {
    return Action{Service::elasticsearch, method, std::move(path), std::move(body),
                  std::move(summary),     {}};
}

} // namespace

std::string rewritten_index_name(const RepairParams& params, const std::string& index) {
    // A plain name (no leading dot: those are reserved for system indices) under esmend-*, which
    // the preflight's privilege check covers, and which matches no data stream template.
    return "esmend-" + params.run_id + "-" + (index.starts_with('.') ? index.substr(1) : index);
}

std::vector<std::string> online_step_names(std::size_t indices) {
    std::vector<std::string> names = {"preflight", "snapshot", "template", "rollover"};
    for (std::size_t k = 1; k <= indices; ++k)
        for (const char* kind : k_unit_steps)
            names.push_back(unit_step(kind, k));
    names.insert(names.end(), {"verify", "delete_old", "cleanup"});
    return names;
}

json online_rewrite_list(const json& state) {
    return facts_of(state, "preflight").value("rewrite", json::array());
}

std::size_t online_rewrites(const json& state) {
    const json& pre = facts_of(state, "preflight");
    const auto rewrite = pre.find("rewrite");
    return rewrite != pre.end() && rewrite->is_array() ? rewrite->size() : 0;
}

Decision decide_online_preflight(const RepairParams& params, const json& state,
                                 const json& observation) {
    const json version = observation.value("version", json::object());
    if (!version.value("modify_data_stream", false)) {
        return Decision::fail(es_client::make_error(
            ErrorKind::config,
            "the online strategy swaps backing indices with _data_stream/_modify, which "
            "Elasticsearch has since 7.16.0; this cluster is " +
                version.value("number", std::string("older")) +
                ". Use --strategy offline (pause collection, copy out, reinstall, copy back)"));
    }
    (void)state;
    auto checked = detail::check_stream(params, observation);
    if (!checked)
        return checked.error();
    json& facts = *checked;
    facts.erase("temp_index");
    const json& fix = facts["template_fix"];
    if (fix.is_object() && fix.value("via", "") == "fleet" && !observation.value("kibana", false)) {
        return Decision::fail(
            es_client::make_error(ErrorKind::config,
                                  "the template " + facts.value("template", "") + " maps " +
                                      params.field + " otherwise than golang " +
                                      fix.value("version", "") +
                                      " does, and Fleet manages it: the repair installs that "
                                      "version through Kibana first; set --kibana-url or "
                                      "KIBANA_HOST"),
            facts);
    }
    const json disagreeing = facts["disagreeing"];
    // Oldest first, in the stream's own order.
    const json backing = observation["data_stream"].value("indices", json::array());
    json rewrite = json::array();
    std::int64_t largest = 0;
    const json stats = observation.value("index_stats", json::object());
    for (const auto& b : backing) {
        const std::string index = b.value("index_name", "");
        const bool bad = std::any_of(disagreeing.begin(), disagreeing.end(),
                                     [&](const json& d) { return d.value("index", "") == index; });
        if (!bad)
            continue;
        rewrite.push_back({{"index", index}, {"new_index", rewritten_index_name(params, index)}});
        largest = std::max(largest, json_int(stats, json::json_pointer("/" + index + "/bytes")));
    }
    facts["rewrite"] = rewrite;
    facts["write_index"] =
        backing.empty() ? json(nullptr) : json(backing.back().value("index_name", ""));
    const json& disk = facts["disk"];
    // One index is copied at a time: the largest copy must fit under the flood stage.
    if (!copy_fits(disk.value("total_bytes", std::int64_t{0}),
                   disk.value("available_bytes", std::int64_t{0}), largest)) {
        return Decision::fail(state_error("not enough disk for a copy of the largest index to "
                                          "rewrite (" +
                                          std::to_string(largest) +
                                          " bytes) below the flood-stage watermark; free disk "
                                          "first"),
                              facts);
    }
    std::vector<std::string> names;
    for (const auto& r : rewrite)
        names.push_back(r.value("index", ""));
    return Decision::done(
        params.data_stream + ": " + std::to_string(facts.value("docs", std::int64_t{0})) +
            " documents; rewrite " + std::to_string(rewrite.size()) + " of " +
            std::to_string(backing.size()) + " backing indices (" + joined(names) + ") to " +
            facts.value("target_type", "") + ", one at a time, while collection goes on",
        facts);
}

Decision decide_swap(const RepairParams& params, std::size_t k, const json& state,
                     const json& observation) {
    const json u = unit(state, k);
    const std::string old_index = u.value("index", "");
    const std::string new_index = u.value("new_index", "");
    const json indices = observation.value("indices", json::array());
    const bool old_in = contains(indices, old_index);
    const bool new_in = contains(indices, new_index);
    const json original = facts_of(state, unit_step("block", k)).value("original", json::object());
    const std::string policy = original.value("lifecycle_name", "");
    const auto lifecycle = [&] {
        return es_action(Method::put, "/" + url_encode(new_index) + "/_settings",
                         json{{"index.lifecycle.name", policy}},
                         "give " + new_index + " the lifecycle policy " + policy + " of " +
                             old_index);
    };
    if (old_in && !new_in) {
        if (!dry_run(state) && !completed(state, unit_step("verify", k)))
            return Decision::fail(
                state_error("refusing to swap " + new_index + " in: it is not verified"));
        std::vector<Action> actions = {es_action(
            Method::post, "/_data_stream/_modify",
            json{{"actions",
                  {{{"remove_backing_index",
                     {{"data_stream", params.data_stream}, {"index", old_index}}}},
                   {{"add_backing_index",
                     {{"data_stream", params.data_stream}, {"index", new_index}}}}}}},
            "swap " + new_index + " in for " + old_index + " (one atomic _data_stream/_modify)")};
        if (!policy.empty())
            actions.push_back(lifecycle());
        return Decision::act(std::move(actions));
    }
    if (new_in && !old_in) {
        if (!policy.empty() && observation.value("lifecycle_name", "") != policy)
            return Decision::act({lifecycle()});
        return Decision::done(new_index + " replaces " + old_index + " in " + params.data_stream);
    }
    return Decision::fail(state_error(
        std::string("expected exactly one of ") + old_index + " and " + new_index + " in " +
        params.data_stream + ", found " + (old_in ? "both" : "neither") + ": " + indices.dump()));
}

Decision decide_template(const RepairParams& params, const json& state, const json& observation) {
    const json& pre = facts_of(state, "preflight");
    const std::string tname = pre.value("template", "");
    const std::string target = pre.value("target_type", "");
    const json type = observation.value("type", json(nullptr));
    const std::string now = type.is_string() ? type.get<std::string>() : "nothing";
    if (type.is_string() && kibana_type(now) == kibana_type(target))
        return Decision::done(tname + " maps " + params.field + " as " + now);
    const json fix = pre.value("template_fix", json(nullptr));
    const std::string stake = ": nothing else was changed, and no data was touched";
    if (!fix.is_object()) {
        return Decision::fail(state_error("the template " + tname + " now maps " + params.field +
                                          " as " + now + ", not " + target +
                                          " as at the preflight: someone changed it" + stake));
    }
    // Installed once already (the response is captured) and still wrong: something the
    // reinstall does not own overrides it, such as a @custom component template.
    if (state.contains("template_fix")) {
        return Decision::fail(state_error(
            "after installing the template, " + tname + " still maps " + params.field + " as " +
            now + ", not " + target +
            ": a component template the package does not own (its @custom) or a template of "
            "higher priority overrides it; fix that and resume" +
            stake));
    }
    if (fix.value("via", "") == "fleet") {
        const std::string version = fix.value("version", "");
        const std::string from = fix.value("from_version", "");
        const std::string verb = from == version ? "reinstall golang " + version
                                                 : "upgrade golang " + from + " to " + version;
        // The explicit version, always (es-apis.md §2.3: a reinstall without one can delete the
        // current ingest pipeline, KB#250600). Fleet rolls the data stream over itself when the
        // write index cannot take the new mapping.
        return Decision::act({Action{
            Service::kibana, Method::post, "/api/fleet/epm/packages/golang/" + url_encode(version),
            json{{"force", true}},
            verb + " through Fleet, so that " + tname + " maps " + params.field + " as " + target,
            "template_fix"}});
    }
    Decision assets = decide_assets(observation.value("assets", json::object()), {});
    if (assets.kind == Decision::Kind::fail)
        return assets;
    if (assets.kind != Decision::Kind::act || assets.actions.empty()) {
        return Decision::fail(state_error(
            "esmend's assets are installed and up to date, yet " + tname + " maps " + params.field +
            " as " + now + ", not " + target +
            ": a @custom component template or a template of higher priority overrides it" +
            stake));
    }
    assets.actions.back().capture = "template_fix";
    return Decision::act(std::move(assets.actions), "install esmend's assets, so that " + tname +
                                                        " maps " + params.field + " as " + target);
}

std::vector<Step> online_repair_steps(es_client::Elasticsearch& es, es_client::Kibana* kibana,
                                      const RepairParams& params,
                                      const es_client::Cancellation* cancel, const json& state,
                                      const ProgressHook& progress) {
    const std::string ds = params.data_stream;
    std::vector<Step> steps;

    steps.push_back(Step{
        "preflight",
        [&es, ds, have_kibana = kibana != nullptr](const json&) -> Result<json> {
            auto info = es.info();
            if (!info)
                return std::unexpected(info.error());
            auto obs = detail::observe_preflight(es, have_kibana, ds);
            if (!obs)
                return obs;
            const auto features = es_client::Features::of(info->version);
            (*obs)["version"] = {{"number", info->version.str()},
                                 {"modify_data_stream", features.modify_data_stream}};
            if (!features.modify_data_stream || obs->value("data_stream", json(nullptr)).is_null())
                return obs;
            // Each backing index's size, for the disk check (index stats, level indices).
            auto stats = es.call(Method::get, "/" + url_encode(ds) + "/_stats/store");
            if (!stats)
                return std::unexpected(stats.error());
            json sizes = json::object();
            // Named: items() of a temporary would dangle.
            const json indices = stats->value("indices", json::object());
            for (const auto& [index, s] : indices.items())
                sizes[index] = {{"bytes", json_int(s, json::json_pointer("/primaries/store/"
                                                                         "size_in_bytes"))}};
            (*obs)["index_stats"] = sizes;
            return obs;
        },
        [params](const json& st, const json& obs) {
            return decide_online_preflight(params, st, obs);
        }});

    steps.push_back(detail::snapshot_step(es, params, "snapshot"));

    // The template first (issue #8: "make sure the current template maps the field correctly,
    // reinstall or upgrade if needed"): when the preflight found it mapping the field otherwise
    // than the package esmend bundles, install esmend's assets or the bundled package version
    // through Fleet, and read the simulated mapping back.
    steps.push_back(Step{
        "template",
        [&es, ds](const json& st) -> Result<json> {
            auto simulated =
                es.call(Method::post, "/_index_template/_simulate_index/" + url_encode(ds));
            if (!simulated)
                return std::unexpected(simulated.error());
            const json mappings =
                simulated->value("template", json::object()).value("mappings", json::object());
            const auto type = mapping_type(mappings, facts_of(st, "preflight").value("field", ""));
            json obs = {{"type", type ? json(*type) : json(nullptr)}};
            const json fix = facts_of(st, "preflight").value("template_fix", json(nullptr));
            if (fix.is_object() && fix.value("via", "") == "esmend") {
                auto assets = observe_assets(es);
                if (!assets)
                    return std::unexpected(assets.error());
                obs["assets"] = *assets;
            }
            return obs;
        },
        [params](const json& st, const json& obs) { return decide_template(params, st, obs); }});

    // The write side first: a write index that disagrees is rolled over, so that new documents
    // land in an index with the template's mapping (es-apis.md §3.4 step 1).
    steps.push_back(Step{
        "rollover",
        [&es, ds, field = params.field](const json&) -> Result<json> {
            auto indices = backing_indices(es, ds);
            if (!indices)
                return std::unexpected(indices.error());
            if (indices->empty())
                return json{{"write_index", nullptr}};
            const std::string write = indices->back().get<std::string>();
            auto mapping = es.call(Method::get, "/" + url_encode(write) + "/_mapping");
            if (!mapping)
                return std::unexpected(mapping.error());
            const auto type = mapping_type(
                mapping->value(write, json::object()).value("mappings", json::object()), field);
            return json{{"write_index", write}, {"type", type ? json(*type) : json(nullptr)}};
        },
        [ds, params](const json& st, const json& obs) {
            const std::string target = facts_of(st, "preflight").value("target_type", "");
            const std::string write = obs.value("write_index", "");
            if (write.empty())
                return Decision::fail(state_error("data stream " + ds + " is gone"));
            const json type = obs["type"];
            if (type.is_null() || kibana_type(type.get<std::string>()) == kibana_type(target))
                return Decision::done("the write index " + write + " maps " + params.field +
                                      (type.is_null() ? std::string(" not yet (the template will)")
                                                      : " as " + type.get<std::string>()));
            // Rolled over once already (a new write index) and still wrong: the template is.
            const std::string first = facts_of(st, "rollover").value("write_index", write);
            if (first != write && !dry_run(st))
                return Decision::fail(state_error("the new write index " + write + " maps " +
                                                  params.field + " as " + type.get<std::string>() +
                                                  ", not " + target + ": fix the template"));
            Decision d = Decision::act(
                {es_action(Method::post, "/" + url_encode(ds) + "/_rollover", std::nullopt,
                           "roll " + ds + " over: its write index " + write + " maps " +
                               params.field + " as " + type.get<std::string>())});
            d.facts = {{"write_index", write}};
            return d;
        }});

    for (std::size_t k = 1; k <= online_rewrites(state); ++k) {
        const json u = unit(state, k);
        const std::string old_index = u.value("index", "");
        const std::string new_index = u.value("new_index", "");

        // block_k: remember what the index was (for the copy's settings and for the undo), then
        // write-block it so that the copy is of everything it will ever hold.
        steps.push_back(Step{
            unit_step("block", k),
            [&es, ds, old_index, new_index](const json&) -> Result<json> {
                auto settings = flat_settings(es, old_index);
                if (!settings)
                    return std::unexpected(settings.error());
                auto indices = backing_indices(es, ds);
                if (!indices)
                    return std::unexpected(indices.error());
                return json{{"settings", *settings},
                            {"in_stream", contains(*indices, old_index)},
                            {"new_in_stream", contains(*indices, new_index)}};
            },
            [ds, old_index, new_index](const json&, const json& obs) {
                const json settings = obs["settings"];
                if (obs.value("new_in_stream", false))
                    return Decision::done(new_index + " is already swapped in");
                if (settings.is_null())
                    return Decision::fail(state_error(old_index + " no longer exists"));
                if (!obs.value("in_stream", false))
                    return Decision::fail(
                        state_error(old_index + " is no longer a backing index of " + ds));
                const json facts = {
                    {"original",
                     {{"write_blocked", setting(settings, "index.blocks.write") == "true"},
                      {"shards", setting(settings, "index.number_of_shards")},
                      {"replicas", setting(settings, "index.number_of_replicas")},
                      {"refresh_interval", setting(settings, "index.refresh_interval")},
                      {"lifecycle_name", setting(settings, "index.lifecycle.name")},
                      {"origination_date", setting(settings, "index.lifecycle.origination_date")},
                      {"creation_date", setting(settings, "index.creation_date")}}}};
                if (setting(settings, "index.blocks.write") == "true")
                    return Decision::done(old_index + " is write-blocked", facts);
                return Decision::act(
                    {es_action(Method::put, "/" + url_encode(old_index) + "/_block/write",
                               std::nullopt, "write-block " + old_index + " for its copy")},
                    {}, facts);
            }});

        // create_k: the new index with the template's mappings (the simulated index of the
        // stream, es-apis.md §3.4 b), hidden, no aliases, no replicas and no refresh during the
        // copy, and the old index's ILM origination date so retention does not restart.
        steps.push_back(Step{
            unit_step("create", k),
            [&es, ds, new_index](const json& st) -> Result<json> {
                auto found = es.find("/" + url_encode(new_index));
                if (!found)
                    return std::unexpected(found.error());
                json obs = {{"exists", found->has_value()}};
                if (!found->has_value() || dry_run(st)) {
                    auto simulated =
                        es.call(Method::post, "/_index_template/_simulate_index/" + url_encode(ds));
                    if (!simulated)
                        return std::unexpected(simulated.error());
                    obs["mappings"] = simulated->value("template", json::object())
                                          .value("mappings", json::object());
                }
                return obs;
            },
            [k, old_index, new_index](const json& st, const json& obs) {
                if (obs.value("exists", false) && !dry_run(st))
                    return Decision::done(new_index + " exists");
                const json original =
                    facts_of(st, unit_step("block", k)).value("original", json::object());
                json mappings = obs.value("mappings", json::object());
                // _modify's add_backing_index merges the data stream timestamp mapper in itself.
                mappings.erase("_data_stream_timestamp");
                json settings = {{"index.hidden", true},
                                 {"index.number_of_replicas", 0},
                                 {"index.refresh_interval", "-1"}};
                if (const std::string shards = original.value("shards", ""); !shards.empty())
                    settings["index.number_of_shards"] = std::strtoll(shards.c_str(), nullptr, 10);
                // ILM ages an index from index.lifecycle.origination_date, else its creation
                // date (es-apis.md §5.9): the copy keeps the original's.
                std::string origin = original.value("origination_date", "");
                if (origin.empty())
                    origin = original.value("creation_date", "");
                if (!origin.empty())
                    settings["index.lifecycle.origination_date"] =
                        std::strtoll(origin.c_str(), nullptr, 10);
                // A plan cannot read the template the template step will install: say that its
                // mappings, not these, are the ones the run uses.
                const bool changes =
                    dry_run(st) &&
                    facts_of(st, "preflight").value("template_fix", json(nullptr)).is_object();
                return Decision::act({es_action(
                    Method::put, "/" + url_encode(new_index),
                    json{{"settings", settings}, {"mappings", mappings}},
                    "create " + new_index + " with the template's mappings, for " + old_index +
                        (changes ? " (shown: today's template; the run reads the one the "
                                   "template step installs)"
                                 : ""))});
            }});

        // copy_k: an async reindex; op_type create with conflicts proceed makes a restarted copy
        // skip what is already there (the new index is a plain index: _id is unique in it).
        const json request = {{"conflicts", "proceed"},
                              {"source", {{"index", old_index}, {"size", 1000}}},
                              {"dest", {{"index", new_index}, {"op_type", "create"}}}};
        // Every (re)start refreshes the source first: the reindex reads it by search, which sees
        // only refreshed documents, and the last ones written before the block may not be yet
        // (ES's own data-stream reindex, ReindexDataStreamIndexTransportAction: write block, then
        // refresh, then reindex). The offline copies need no such step: their sources were just
        // refreshed by the counts of wait_quiet and verify_copy, and nothing writes to them since.
        Step copy = detail::reindex_task_step(
            es, params, unit_step("copy", k),
            detail::reindex_action(params, request, copy_capture(k),
                                   "reindex " + old_index + " into " + new_index));
        copy.decide = [decide = copy.decide, old_index](const json& st, const json& obs) {
            Decision d = decide(st, obs);
            if (d.kind == Decision::Kind::act)
                d.actions.insert(d.actions.begin(),
                                 es_action(Method::post, "/" + url_encode(old_index) + "/_refresh",
                                           std::nullopt,
                                           "refresh " + old_index + " so the copy sees all of it"));
            return d;
        };
        steps.push_back(std::move(copy));

        // settings_k: the original's replicas and refresh interval back (Upgrade Assistant's
        // indexSettingsRestored, es-apis.md §3.1).
        steps.push_back(Step{
            unit_step("settings", k),
            [&es, new_index](const json& st) -> Result<json> {
                if (dry_run(st))
                    return json{{"settings", json::object()}};
                auto settings = flat_settings(es, new_index);
                if (!settings)
                    return std::unexpected(settings.error());
                return json{{"settings", *settings}};
            },
            [k, new_index](const json& st, const json& obs) {
                const json original =
                    facts_of(st, unit_step("block", k)).value("original", json::object());
                const json settings = obs["settings"];
                if (settings.is_null())
                    return Decision::fail(state_error(new_index + " is gone"));
                const std::string replicas = original.value("replicas", "");
                const std::string refresh = original.value("refresh_interval", "");
                const bool replicas_ok =
                    replicas.empty() || setting(settings, "index.number_of_replicas") == replicas;
                const bool refresh_ok = setting(settings, "index.refresh_interval") == refresh;
                if (replicas_ok && refresh_ok && !dry_run(st))
                    return Decision::done(new_index + " has its original's replicas and refresh");
                json body = {
                    {"index.refresh_interval", refresh.empty() ? json(nullptr) : json(refresh)}};
                if (!replicas.empty())
                    body["index.number_of_replicas"] = std::strtoll(replicas.c_str(), nullptr, 10);
                return Decision::act(
                    {es_action(Method::put, "/" + url_encode(new_index) + "/_settings", body,
                               "restore the replicas and refresh interval of " + new_index)});
            }});

        // verify_k: the same count (and checksum when asked) on both sides; the original is
        // write-blocked, so neither side moves.
        steps.push_back(detail::verify_copy_step(es, params, unit_step("verify", k), old_index,
                                                 new_index, cancel, "nothing was swapped",
                                                 progress));

        steps.push_back(Step{unit_step("swap", k),
                             [&es, ds, new_index](const json&) -> Result<json> {
                                 auto indices = backing_indices(es, ds);
                                 if (!indices)
                                     return std::unexpected(indices.error());
                                 auto settings = flat_settings(es, new_index);
                                 if (!settings)
                                     return std::unexpected(settings.error());
                                 return json{{"indices", *indices},
                                             {"lifecycle_name",
                                              settings->is_null()
                                                  ? std::string()
                                                  : setting(*settings, "index.lifecycle.name")}};
                             },
                             [params, k](const json& st, const json& obs) {
                                 return decide_swap(params, k, st, obs);
                             }});
    }

    // verify: field_caps on the stream shows the field with the template's type only, nothing
    // was lost, and every new index carries its original's ILM policy and origination date.
    steps.push_back(Step{
        "verify",
        [&es, ds, params](const json& st) -> Result<json> {
            if (dry_run(st))
                return json{{"planned", true}};
            auto docs = count(es, ds);
            if (!docs)
                return std::unexpected(docs.error());
            auto types = detail::field_types(es, ds, params.field);
            if (!types)
                return std::unexpected(types.error());
            json lifecycle = json::array();
            for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                const std::string index = unit(st, k).value("new_index", "");
                auto settings = flat_settings(es, index);
                if (!settings)
                    return std::unexpected(settings.error());
                lifecycle.push_back(
                    {{"index", index},
                     {"name", setting(*settings, "index.lifecycle.name")},
                     {"origination_date", setting(*settings, "index.lifecycle.origination_date")}});
            }
            return json{{"docs", *docs}, {"types", *types}, {"lifecycle", lifecycle}};
        },
        [ds, params](const json& st, const json& obs) {
            if (obs.value("planned", false))
                return Decision::done("would check " + params.field +
                                      " in field_caps, the count and each index's ILM settings");
            const json& pre = facts_of(st, "preflight");
            const std::string target = pre.value("target_type", "");
            if (obs["types"] != json::array({target}))
                return Decision::fail(state_error(params.field + " in " + ds + " is " +
                                                  obs["types"].dump() + ", not only " + target));
            const auto before = pre.value("docs", std::int64_t{0});
            const auto now = obs.value("docs", std::int64_t{0});
            if (now < before)
                return Decision::fail(state_error(ds + " holds " + std::to_string(now) +
                                                  " documents, fewer than the " +
                                                  std::to_string(before) + " it had before"));
            for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                const json original =
                    facts_of(st, unit_step("block", k)).value("original", json::object());
                const json& seen = obs["lifecycle"][k - 1];
                std::string origin = original.value("origination_date", "");
                if (origin.empty())
                    origin = original.value("creation_date", "");
                if (seen.value("name", "") != original.value("lifecycle_name", "") ||
                    seen.value("origination_date", "") != origin)
                    return Decision::fail(state_error(
                        seen.value("index", "") + " does not carry the lifecycle of " +
                        unit(st, k).value("index", "") + " (policy " + seen.value("name", "") +
                        ", origination " + seen.value("origination_date", "") + ")"));
            }
            return Decision::done("verified: " + params.field + " is " + target + " only in " + ds +
                                  ", " + std::to_string(now) + " documents (" +
                                  std::to_string(before) + " before), ILM settings kept");
        }});

    // delete_old: the swapped-out originals, each verified and out of the stream; kept with
    // --keep-old.
    steps.push_back(
        Step{"delete_old",
             [&es](const json& st) -> Result<json> {
                 json exists = json::array();
                 for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                     auto found = es.find("/" + url_encode(unit(st, k).value("index", "")));
                     if (!found)
                         return std::unexpected(found.error());
                     exists.push_back(found->has_value());
                 }
                 return json{{"exists", exists}};
             },
             [params](const json& st, const json& obs) {
                 std::vector<std::string> kept;
                 std::vector<Action> actions;
                 for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                     const std::string index = unit(st, k).value("index", "");
                     if (!obs["exists"][k - 1].get<bool>())
                         continue;
                     kept.push_back(index);
                     if (params.keep_old)
                         continue;
                     if (!dry_run(st) && !completed(st, unit_step("swap", k)))
                         return Decision::fail(state_error("refusing to delete " + index +
                                                           ": it was not swapped out"));
                     actions.push_back(
                         es_action(Method::del, "/" + url_encode(index), std::nullopt,
                                   "delete " + index + " (swapped out; its copy is verified)"));
                 }
                 if (params.keep_old)
                     return Decision::done(kept.empty() ? "no old index left"
                                                        : "kept (--keep-old): " + joined(kept));
                 if (actions.empty())
                     return Decision::done("the old indices are deleted");
                 return Decision::act(std::move(actions));
             }});

    steps.push_back(
        Step{"cleanup",
             [&es, params](const json& st) -> Result<json> {
                 const json snap = facts_of(st, "preflight").value("snapshot", json(nullptr));
                 if (!params.delete_snapshot || !snap.is_object() || dry_run(st))
                     return json{{"snapshot_exists", params.delete_snapshot && dry_run(st)}};
                 auto taken = es.find("/_snapshot/" + url_encode(snap.value("repository", "")) +
                                      "/" + url_encode(snap.value("name", "")));
                 if (!taken)
                     return std::unexpected(taken.error());
                 return json{{"snapshot_exists", taken->has_value()}};
             },
             [](const json& st, const json& obs) {
                 const json snap = facts_of(st, "preflight").value("snapshot", json(nullptr));
                 if (!obs.value("snapshot_exists", false) || !snap.is_object())
                     return Decision::done("nothing to clean up");
                 return Decision::act({detail::delete_snapshot_action(snap)});
             }});
    return steps;
}

Step online_undo_step(es_client::Elasticsearch& es, const RepairParams& params) {
    const std::string ds = params.data_stream;
    return Step{
        "undo",
        [&es, ds](const json& st) -> Result<json> {
            auto indices = backing_indices(es, ds);
            if (!indices)
                return std::unexpected(indices.error());
            json units = json::array();
            for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                const json u = unit(st, k);
                auto settings = flat_settings(es, u.value("index", ""));
                if (!settings)
                    return std::unexpected(settings.error());
                auto copy = es.find("/" + url_encode(u.value("new_index", "")));
                if (!copy)
                    return std::unexpected(copy.error());
                json task = nullptr;
                const json started = st.value(copy_capture(k), json::object());
                if (started.contains("task")) {
                    auto found = es.find("/_tasks/" + url_encode(started.value("task", "")));
                    if (!found)
                        return std::unexpected(found.error());
                    task = found->value_or(json(nullptr));
                }
                units.push_back(
                    {{"old_in_stream", contains(*indices, u.value("index", ""))},
                     {"new_in_stream", contains(*indices, u.value("new_index", ""))},
                     {"old_blocked",
                      !settings->is_null() && setting(*settings, "index.blocks.write") == "true"},
                     {"new_exists", copy->has_value()},
                     {"task", task}});
            }
            return json{{"units", units}};
        },
        [](const json& st, const json& obs) {
            std::vector<Action> actions;
            bool waiting = false;
            for (std::size_t k = 1; k <= online_rewrites(st); ++k) {
                const json& o = obs["units"][k - 1];
                if (o.value("new_in_stream", false))
                    continue; // swapped in: done, nothing to undo
                const json u = unit(st, k);
                const std::string new_index = u.value("new_index", "");
                const json task = o["task"];
                if (task.is_object() && !task.value("completed", false)) {
                    // A copy still running would recreate the index it writes to.
                    const std::string id = st[copy_capture(k)].value("task", "");
                    if (!task.value("cancel_requested", false))
                        actions.push_back(es_action(Method::post,
                                                    "/_tasks/" + url_encode(id) + "/_cancel",
                                                    std::nullopt, "cancel the copy task " + id));
                    waiting = true;
                    continue;
                }
                if (o.value("new_exists", false))
                    actions.push_back(es_action(Method::del, "/" + url_encode(new_index),
                                                std::nullopt,
                                                "delete the unfinished copy " + new_index));
                const json original =
                    facts_of(st, unit_step("block", k)).value("original", json::object());
                if (o.value("old_in_stream", false) && o.value("old_blocked", false) &&
                    original.is_object() && original.contains("write_blocked") &&
                    !original.value("write_blocked", false))
                    actions.push_back(es_action(
                        Method::put, "/" + url_encode(u.value("index", "")) + "/_settings",
                        json{{"index.blocks.write", nullptr}},
                        "lift the write block esmend put on " + u.value("index", "")));
            }
            if (!actions.empty())
                return Decision::act(std::move(actions));
            if (waiting)
                return Decision::wait(std::chrono::milliseconds(500),
                                      "waiting for the cancelled copy to stop");
            return Decision::done("undone: every index that was not swapped in is as it was");
        },
        20};
}

json forget_unswapped(json state) {
    const std::size_t n = online_rewrites(state);
    for (std::size_t k = 1; k <= n; ++k) {
        if (completed(state, unit_step("swap", k)))
            continue;
        for (const char* kind : k_unit_steps) {
            const std::string name = unit_step(kind, k);
            if (state.contains("completed")) {
                auto& c = state["completed"];
                c.erase(std::remove(c.begin(), c.end(), json(name)), c.end());
            }
            if (state.contains("facts"))
                state["facts"].erase(name);
        }
        state.erase(copy_capture(k));
    }
    return state;
}

} // namespace esmend::playbooks

#include <es_client/url.hpp>
#include <playbooks/audit.hpp>
#include <playbooks/checksum.hpp>
#include <playbooks/control_index.hpp>
#include <playbooks/install.hpp>
#include <playbooks/journal.hpp>
#include <playbooks/repair.hpp>

#include "repair_internal.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::Method;
using es_client::Result;
using es_client::url_encode;
using nlohmann::json;

namespace detail {

const json& facts_of(const json& state, const std::string& step) {
    static const json k_none = json::object();
    const auto f = state.find("facts");
    if (f == state.end() || !f->is_object() || !f->contains(step))
        return k_none;
    return (*f)[step];
}

bool dry_run(const json& state) {
    return state.value("dry_run", false);
}

bool completed(const json& state, const std::string& step) {
    const auto c = state.find("completed");
    return c != state.end() && c->is_array() && std::find(c->begin(), c->end(), step) != c->end();
}

Result<std::int64_t> count(es_client::Elasticsearch& es, const std::string& target) {
    auto refreshed = es.call(Method::post, "/" + url_encode(target) + "/_refresh");
    if (!refreshed)
        return std::unexpected(refreshed.error());
    auto counted = es.call(Method::get, "/" + url_encode(target) + "/_count");
    if (!counted)
        return std::unexpected(counted.error());
    return counted->value("count", std::int64_t{0});
}

es_client::Error state_error(std::string message) {
    return es_client::make_error(ErrorKind::state, std::move(message));
}

Action reindex_action(const RepairParams& params, const json& body, const std::string& capture,
                      const std::string& summary) {
    std::ostringstream path;
    path << "/_reindex?wait_for_completion=false&slices=" << params.slices;
    if (params.requests_per_second > 0)
        path << "&requests_per_second=" << params.requests_per_second;
    return Action{Service::elasticsearch, Method::post, path.str(), body, summary, capture};
}

Result<json> backing_indices(es_client::Elasticsearch& es, const std::string& ds) {
    auto found = es.find("/_data_stream/" + url_encode(ds));
    if (!found)
        return std::unexpected(found.error());
    json out = json::array();
    if (found->has_value())
        for (const auto& d : (**found).value("data_streams", json::array()))
            if (d.value("name", "") == ds)
                for (const auto& i : d.value("indices", json::array()))
                    out.push_back(i.value("index_name", ""));
    return out;
}

Step reindex_task_step(es_client::Elasticsearch& es, const RepairParams& params,
                       const std::string& name, const Action& start) {
    return Step{name,
                [&es, capture = start.capture](const json& state) -> Result<json> {
                    const json started = state.value(capture, json(nullptr));
                    if (dry_run(state) || !started.is_object() || !started.contains("task"))
                        return json::object();
                    auto task = es.find("/_tasks/" + url_encode(started.value("task", "")));
                    if (!task)
                        return std::unexpected(task.error());
                    return json{{"task", task->value_or(json(nullptr))}};
                },
                [start, poll = params.poll_interval](const json& state, const json& obs) {
                    return decide_reindex(start, poll, state, obs);
                }};
}

} // namespace detail

using detail::count;
using detail::dry_run;
using detail::facts_of;
using detail::reindex_action;
using detail::state_error;

namespace {

// The Golang package's input that the Fleet UI shows as "Collect Golang metrics" (es-apis.md §2.2:
// policy template Golang, input type httpjson; its streams are golang.heap and golang.expvar).
bool is_golang_input(const json& input) {
    return input.value("type", "") == "httpjson" && input.value("policy_template", "") == "Golang";
}

// The body a legacy-format package policy update accepts: only the writable keys (es-apis.md §2.2,
// KB#112995: read-only keys such as id and revision are refused).
json writable_policy(const json& policy) {
    json body = json::object();
    for (const char* key : {"name", "description", "namespace", "policy_id", "enabled", "package",
                            "inputs", "vars"}) {
        if (policy.contains(key))
            body[key] = policy[key];
    }
    return body;
}

// {"input": bool, "streams": {dataset: bool}} of a policy's golang input, null if it has none.
json collection_state(const json& policy) {
    for (const auto& input : policy.value("inputs", json::array())) {
        if (!is_golang_input(input))
            continue;
        json streams = json::object();
        for (const auto& s : input.value("streams", json::array()))
            streams[s["data_stream"].value("dataset", "")] = s.value("enabled", false);
        return {{"input", input.value("enabled", false)}, {"streams", streams}};
    }
    return nullptr;
}

// "id: type reason" of a reindex's first three failures, for the operator.
std::string describe_failures(const json& failures) {
    std::string out;
    for (std::size_t i = 0; i < failures.size() && i < 3; ++i) {
        const auto& f = failures[i];
        const json cause = f.value("cause", json::object());
        out += (i == 0 ? "" : "; ") + f.value("id", std::string("?")) + ": " +
               cause.value("type", "") + " " + cause.value("reason", "");
    }
    return out;
}

// The ids in the dead-letter index (none when it does not exist), and whether it exists.
Result<std::pair<json, bool>> dead_letter_ids(es_client::Elasticsearch& es,
                                              const std::string& index) {
    auto letters =
        es.find("/" + url_encode(index) + "/_search?size=" + std::to_string(k_max_dead_letters) +
                "&_source=false");
    if (!letters)
        return std::unexpected(letters.error());
    json ids = json::array();
    if (letters->has_value())
        for (const auto& hit : (**letters)["hits"].value("hits", json::array()))
            ids.push_back(hit.value("_id", ""));
    return std::pair{ids, letters->has_value()};
}

json excluding(const json& ids) {
    return {{"bool", {{"must_not", json::array({{{"ids", {{"values", ids}}}}})}}}};
}

// Documents the copy back created twice: a copy restarted after the data stream rolled over
// (ILM, or an operator) creates again, in the new write index, what the older generations
// already hold, because op_type create only sees the write index. Scans every backing index
// but the oldest with a point in time and looks each page's ids up in the older ones; a hit
// with the same _source is a duplicate.
//
// One pass over the data in all: each round returns the duplicates of the next pages (whole
// pages, until at least `limit`), the step deletes them, and the next round goes on where this
// one stopped. The scan is kept in memory only: a new copy task (`key`), an error or a new process
// starts it again from the first generation, which is always correct, only slower.
class RolloverDedupe {
public:
    Result<json> next(es_client::Elasticsearch& es, const std::string& ds, const std::string& key,
                      const es_client::Cancellation* cancel, std::size_t limit) {
        if (key != m_key || !m_started) {
            reset();
            auto listed = detail::backing_indices(es, ds);
            if (!listed)
                return std::unexpected(listed.error());
            m_generations = listed->get<std::vector<std::string>>();
            m_key = key;
            m_started = true;
        }
        json duplicates = json::array();
        while (duplicates.size() < limit) {
            if (!m_scan || m_scan->done()) {
                m_scan.reset();
                if (m_next + 1 >= m_generations.size())
                    return duplicates; // every generation is scanned
                ++m_next;
                m_older.clear();
                for (std::size_t g = 0; g < m_next; ++g)
                    m_older += (m_older.empty() ? "" : ",") + m_generations[g];
                auto scan = DocumentScan::open(es, m_generations[m_next], nullptr);
                if (!scan)
                    return failed(scan.error());
                m_scan.emplace(std::move(*scan));
            }
            auto hits = m_scan->next(cancel);
            if (!hits)
                return failed(hits.error());
            if (hits->empty())
                continue;
            json ids = json::array();
            std::map<std::string, json> sources;
            for (const auto& hit : *hits) {
                ids.push_back(hit["_id"]);
                sources[hit["_id"].get<std::string>()] = hit.value("_source", json(nullptr));
            }
            const json lookup = {{"size", hits->size()}, {"query", {{"ids", {{"values", ids}}}}}};
            auto found = es.call(Method::post, "/" + url_encode(m_older) + "/_search", &lookup);
            if (!found)
                return failed(found.error());
            for (const auto& hit : (*found)["hits"].value("hits", json::array())) {
                const std::string id = hit.value("_id", "");
                if (sources[id] == hit.value("_source", json(nullptr)))
                    duplicates.push_back({{"index", m_generations[m_next]}, {"id", id}});
            }
        }
        return duplicates;
    }

private:
    Result<json> failed(es_client::Error error) {
        reset();
        return std::unexpected(std::move(error));
    }
    void reset() {
        m_scan.reset();
        m_generations.clear();
        m_next = 0;
        m_older.clear();
        m_started = false;
    }

    std::string m_key;
    bool m_started = false;
    std::vector<std::string> m_generations;
    std::size_t m_next = 0; // the generation being scanned (0: none yet; the oldest is never)
    std::string m_older;    // the generations before it, comma-separated
    std::optional<DocumentScan> m_scan;
};

std::string percent(std::int64_t done, std::int64_t total) {
    if (total <= 0)
        return "0%";
    return std::to_string(done * 100 / total) + "%";
}

} // namespace

const std::vector<std::string>& repair_step_names() {
    static const std::vector<std::string> k_names = {
        "preflight",         "pause_collection", "wait_quiet",  "snapshot",
        "create_temp_index", "copy_out",         "verify_copy", "delete_data_stream",
        "delete_template",   "reinstall",        "copy_back",   "verify_back",
        "resume_collection", "cleanup"};
    return k_names;
}

std::string temp_index_name(const RepairParams& params) {
    return "esmend-tmp-" + params.data_stream + "-" + params.run_id;
}

std::string dead_letter_index_name(const RepairParams& params) {
    return "esmend-dead-letter-" + params.data_stream + "-" + params.run_id;
}

std::string snapshot_name(const RepairParams& params) {
    return "esmend-" + params.data_stream + "-" + params.run_id;
}

namespace detail {

// Which repository the pre-repair snapshot goes to: --snapshot-repo, else the only one
// registered; several without a choice, or an unknown one, is the operator's to settle.
Result<json> choose_snapshot(const RepairParams& params, const json& repositories) {
    if (params.no_snapshot)
        return json(nullptr);
    std::string known;
    for (const auto& r : repositories)
        known += (known.empty() ? "" : ", ") + r.get<std::string>();
    const json wanted = params.snapshot_repo.empty() ? json(nullptr) : json(params.snapshot_repo);
    if (!wanted.is_null() &&
        std::find(repositories.begin(), repositories.end(), wanted) == repositories.end()) {
        return std::unexpected(es_client::make_error(
            ErrorKind::config, "snapshot repository " + params.snapshot_repo +
                                   " is not registered (" +
                                   (known.empty() ? "none is" : "registered: " + known) + ")"));
    }
    if (wanted.is_null() && repositories.size() > 1) {
        return std::unexpected(es_client::make_error(
            ErrorKind::config, "several snapshot repositories are registered (" + known +
                                   "): choose one with --snapshot-repo, or skip the snapshot "
                                   "with --no-snapshot"));
    }
    if (wanted.is_null() && repositories.empty())
        return json(nullptr);
    return json{{"repository", wanted.is_null() ? repositories[0] : wanted},
                {"name", snapshot_name(params)}};
}


std::expected<json, Decision> check_stream(const RepairParams& params, const json& observation) {
    const std::string& ds = params.data_stream;
    if (observation.value("health", "") == "red") {
        return std::unexpected(
            Decision::fail(state_error("the cluster is red: repair it before moving data")));
    }
    const json privileges = observation.value("privileges", json(nullptr));
    if (privileges.is_object() && !privileges.value("has_all_requested", true)) {
        std::string missing;
        // Named copies: iterating items() of a temporary from value() would dangle.
        const json cluster = privileges.value("cluster", json::object());
        const json indices = privileges.value("index", json::object());
        for (const auto& [name, ok] : cluster.items())
            if (!ok.get<bool>())
                missing += (missing.empty() ? "" : ", ") + std::string("cluster:") + name;
        for (const auto& [index, privs] : indices.items())
            for (const auto& [name, ok] : privs.items())
                if (!ok.get<bool>())
                    missing += (missing.empty() ? "" : ", ") + index + ":" + name;
        return std::unexpected(Decision::fail(es_client::make_error(
            ErrorKind::config, privileges.value("username", std::string("the user")) +
                                   " lacks privileges the repair needs (" + missing +
                                   "): nothing was changed")));
    }
    const json& stream = observation["data_stream"];
    if (stream.is_null())
        return std::unexpected(
            Decision::fail(state_error("data stream " + ds + " does not exist")));
    const json& simulated = observation["simulated"];
    const json settings = simulated.value("settings", json::object());
    const bool tsds = (settings.contains("index") && settings["index"].is_object() &&
                       settings["index"].value("mode", "") == "time_series") ||
                      settings.value("index.mode", "") == "time_series";
    if (tsds) {
        return std::unexpected(Decision::fail(state_error(
            ds + " is a time series data stream (TSDS): its backing indices own fixed time "
                 "ranges, so esmend cannot rewrite them; use Elastic's TSDS reindex procedure")));
    }
    const std::string template_name = stream.value("template", "");
    const json meta = observation.value("template_meta", json(nullptr));
    const bool fleet = meta.is_object() && meta.value("managed_by", "") == "fleet";
    const json package = meta.is_object() ? meta.value("package", json(nullptr)) : json(nullptr);
    const auto current = mapping_type(simulated.value("mappings", json::object()), params.field);
    auto target = current;
    // A Golang template that maps the field otherwise than the package esmend bundles: installing
    // esmend's assets, or the bundled package version through Fleet (the installed one,
    // reinstalled, when it is not older), puts it right; the online strategy's "template" step does
    // so.
    json template_fix = nullptr;
    if (const auto fix = playbooks::template_fix(template_name, meta, current, params.field)) {
        target = fix->type;
        template_fix = {{"via", fix->fleet ? "fleet" : "esmend"},
                        {"type", current ? json(*current) : json(nullptr)}};
        if (fix->fleet) {
            template_fix["from_version"] = fix->installed;
            template_fix["version"] = fix->upgrade ? fix->package_version : fix->installed;
        }
    }
    if (!target) {
        return std::unexpected(Decision::fail(
            state_error("the template " + template_name + " does not map " + params.field +
                        ", so a reinstall would not fix the conflict: upgrade the package first")));
    }
    // Lists of {index, type}, not objects keyed by index: the facts are journaled, and the
    // journal refuses keys that look like credentials (an index named logs-auth.token-x would).
    json disagreeing = json::array();
    json types = json::array();
    for (const auto& [index, mapping] : observation["mappings"].items()) {
        const auto type = mapping_type(mapping.value("mappings", json::object()), params.field);
        if (!type)
            continue;
        types.push_back({{"index", index}, {"type", *type}});
        if (kibana_type(*type) != kibana_type(*target))
            disagreeing.push_back({{"index", index}, {"type", *type}});
    }
    const auto docs = observation.value("docs", std::int64_t{0});
    const auto store = observation.value("store_bytes", std::int64_t{0});
    const json& disk = observation["disk"];
    json facts = {{"data_stream", ds},
                  {"field", params.field},
                  {"template", template_name},
                  // As text: the run state is journaled, and the journal refuses keys that look
                  // like credentials, which a mapping's field names (say, auth.token) may be.
                  {"template_definition", observation["template_definition"].dump()},
                  {"fleet", fleet},
                  {"package", package},
                  {"target_type", *target},
                  {"template_fix", template_fix},
                  {"index_types", types},
                  {"disagreeing", disagreeing},
                  {"docs", docs},
                  {"store_bytes", store},
                  {"disk", disk},
                  {"temp_index", temp_index_name(params)}};
    if (disagreeing.empty()) {
        return std::unexpected(Decision::finish("every backing index of " + ds + " maps " +
                                                    params.field + " as the template does (" +
                                                    *target + "): nothing to repair",
                                                facts));
    }
    auto snapshot = choose_snapshot(params, observation.value("repositories", json::array()));
    if (!snapshot)
        return std::unexpected(Decision::fail(snapshot.error(), facts));
    facts["snapshot"] = *snapshot;
    const json can = observation.value("snapshot_privileges", json(nullptr));
    if (snapshot->is_object() && can.is_object() && !can.value("has_all_requested", true)) {
        return std::unexpected(Decision::fail(
            es_client::make_error(
                ErrorKind::config,
                can.value("username", std::string("the user")) +
                    " lacks cluster:create_snapshot, which the snapshot into " +
                    (*snapshot).value("repository", "") +
                    " taken before the repair needs: nothing was changed; use a user that has "
                    "it, or --no-snapshot"),
            facts));
    }
    return facts;
}

} // namespace detail

Decision decide_preflight(const RepairParams& params, const json& /*state*/,
                          const json& observation) {
    auto checked = detail::check_stream(params, observation);
    if (!checked)
        return checked.error();
    json& facts = *checked;
    const std::string& ds = params.data_stream;
    const std::string template_name = facts.value("template", "");
    const bool fleet = facts.value("fleet", false);
    const json package = facts["package"];
    const json disk = facts["disk"];
    const auto store = facts.value("store_bytes", std::int64_t{0});
    // Fleet's reinstall of the installed version (the reinstall step) puts an edited template
    // back; an older package, or esmend's own assets, need an install this playbook does not do.
    if (const json& fix = facts["template_fix"];
        fix.is_object() && !(fleet && fix.value("version", "") == fix.value("from_version", ""))) {
        const json was = fix["type"];
        const std::string upgrade = fleet ? "upgrade golang " + fix.value("from_version", "") +
                                                " to " + fix.value("version", "") +
                                                " in Kibana (Integrations > Golang > Settings)"
                                          : "run `esmend install`";
        return Decision::fail(
            state_error(
                "the template " + template_name + " maps " + params.field +
                (was.is_null() ? std::string(" not at all") : " as " + was.get<std::string>()) +
                ", not " + facts.value("target_type", "") +
                ", and the offline repair reinstalls it as it is: " + upgrade +
                " first, or use --strategy online, which puts the template right before "
                "it rewrites the old indices"),
            facts);
    }
    if (fleet && !package.is_object()) {
        return Decision::fail(state_error("the template " + template_name +
                                          " is Fleet's but names no package to reinstall"),
                              facts);
    }
    if (fleet && !observation.value("kibana", false)) {
        return Decision::fail(
            es_client::make_error(ErrorKind::config,
                                  "the template " + template_name +
                                      " is managed by Fleet: the repair reinstalls the package "
                                      "and pauses its policies through Kibana; set --kibana-url "
                                      "or KIBANA_HOST"),
            facts);
    }
    if (!copy_fits(disk.value("total_bytes", std::int64_t{0}),
                   disk.value("available_bytes", std::int64_t{0}), store)) {
        return Decision::fail(
            state_error("not enough disk for a copy of " + ds + " (" + std::to_string(store) +
                        " bytes) below the flood-stage watermark; free disk first"),
            facts);
    }
    return Decision::done(ds + ": " + std::to_string(facts.value("docs", std::int64_t{0})) +
                              " documents; " + std::to_string(facts["disagreeing"].size()) +
                              " of " + std::to_string(facts["index_types"].size()) +
                              " backing indices disagree with " + template_name + " (" +
                              facts.value("target_type", "") + ")",
                          facts);
}

Decision decide_snapshot(const RepairParams& params, const json& state, const json& observation) {
    const json snap = facts_of(state, "preflight").value("snapshot", json(nullptr));
    if (!snap.is_object()) {
        return Decision::done(params.no_snapshot
                                  ? "no snapshot (--no-snapshot)"
                                  : "no snapshot: no snapshot repository is registered");
    }
    const std::string where = snap.value("repository", "") + ":" + snap.value("name", "");
    const json taken = observation.value("snapshot", json(nullptr));
    if (!taken.is_object()) {
        return Decision::act(
            {Action{Service::elasticsearch,
                    Method::put,
                    "/_snapshot/" + url_encode(snap.value("repository", "")) + "/" +
                        url_encode(snap.value("name", "")) + "?wait_for_completion=false",
                    json{{"indices", params.data_stream},
                         {"ignore_unavailable", true},
                         {"include_global_state", false},
                         {"metadata", {{"taken_by", "esmend repair"}, {"run_id", params.run_id}}}},
                    "snapshot " + params.data_stream + " into " + where,
                    {}}});
    }
    const std::string st = taken.value("state", "");
    if (st == "SUCCESS") {
        return Decision::done("snapshot " + where + " taken (" +
                              std::to_string(taken.value("indices", json::array()).size()) +
                              " indices)");
    }
    if (st == "IN_PROGRESS" || st == "STARTED")
        return Decision::wait(params.poll_interval, "snapshot " + where + " in progress");
    return Decision::fail(state_error("snapshot " + where + " ended " + st +
                                      ": nothing was changed; delete it and resume, or resume "
                                      "the run after `esmend repair abort` with --no-snapshot"));
}

Decision decide_collection(const json& policies, bool enable, const json& remembered) {
    std::vector<Action> actions;
    for (const auto& policy : policies) {
        const json current = collection_state(policy);
        if (current.is_null())
            continue;
        const std::string id = policy.value("id", "");
        json want = {{"input", false}, {"streams", json::object()}};
        if (enable) {
            const auto it = std::find_if(remembered.begin(), remembered.end(),
                                         [&](const json& r) { return r.value("id", "") == id; });
            if (it == remembered.end())
                continue; // not seen before the repair: not ours to turn on
            want = {{"input", (*it)["input"]}, {"streams", (*it)["streams"]}};
        } else {
            for (const auto& [dataset, on] : current["streams"].items())
                want["streams"][dataset] = false;
        }
        if (current == want)
            continue;
        json body = writable_policy(policy);
        for (auto& input : body["inputs"]) {
            if (!is_golang_input(input))
                continue;
            input["enabled"] = want["input"];
            for (auto& s : input["streams"]) {
                const std::string dataset = s["data_stream"].value("dataset", "");
                s["enabled"] = want["streams"].value(dataset, s.value("enabled", false));
            }
        }
        actions.push_back(Action{Service::kibana,
                                 Method::put,
                                 "/api/fleet/package_policies/" + url_encode(id),
                                 body,
                                 std::string(enable ? "restore" : "pause") +
                                     " \"Collect Golang metrics\" in package policy " +
                                     policy.value("name", id),
                                 {}});
    }
    if (actions.empty())
        return Decision::done(enable ? "collection restored" : "collection paused");
    return Decision::act(std::move(actions));
}

Decision decide_reindex(const Action& start, std::chrono::milliseconds poll_interval,
                        const json& state, const json& observation) {
    const json started = state.value(start.capture, json(nullptr));
    if (dry_run(state) && started.is_object())
        return Decision::done("planned");
    const json& request = *start.body;
    const std::string from = request["source"].value("index", "");
    const std::string to = request["dest"].value("index", "");
    if (!started.is_object() || !started.contains("task"))
        return Decision::act({start});
    const json task = observation.value("task", json(nullptr));
    if (task.is_null()) {
        // A task vanishes with a node restart and leaves no result (es-apis.md §1.8). The copy
        // runs with op_type create and conflicts proceed, so starting it again skips what is
        // already there.
        Action again = start;
        again.summary += " again (task " + started.value("task", "") + " is gone: node restart?)";
        return Decision::act({again});
    }
    const json status = task["task"].value("status", json::object());
    if (!task.value("completed", false)) {
        const auto total = status.value("total", std::int64_t{0});
        const auto done = status.value("created", std::int64_t{0}) +
                          status.value("updated", std::int64_t{0}) +
                          status.value("version_conflicts", std::int64_t{0});
        return Decision::wait(poll_interval,
                              "reindex " + from + " -> " + to + ": " + std::to_string(done) + "/" +
                                  std::to_string(total) + " (" + percent(done, total) + ")",
                              Progress{done, total});
    }
    if (task.contains("error")) {
        return Decision::fail(state_error("reindex " + from + " -> " + to +
                                          " failed: " + task["error"].value("type", "") + ": " +
                                          task["error"].value("reason", "")));
    }
    const json response = task.value("response", json::object());
    if (status.contains("canceled") || response.contains("canceled")) {
        return Decision::fail(es_client::make_error(
            ErrorKind::cancelled, "reindex " + from + " -> " + to + " was cancelled (" +
                                      status.value("canceled", response.value("canceled", "")) +
                                      "); resume to start it again"));
    }
    const json failures = response.value("failures", json::array());
    if (!failures.empty()) {
        const std::string first = describe_failures(failures);
        return Decision::fail(state_error("reindex " + from + " -> " + to + " stopped on " +
                                          std::to_string(failures.size()) +
                                          " failed document(s): " + first));
    }
    return Decision::done(
        "reindexed " + from + " -> " + to + ": " +
        std::to_string(response.value("created", std::int64_t{0})) + " created, " +
        std::to_string(response.value("version_conflicts", std::int64_t{0})) + " already there");
}

Decision decide_copy_back(const Action& start, const RepairParams& params, const json& state,
                          const json& observation) {
    const std::string dead_letter = dead_letter_index_name(params);
    const json excluded = observation.value("dead_letters", json::array());
    // Every (re)start leaves the dead-lettered documents out; op_type create + conflicts proceed
    // skip the ones already copied back.
    Action copy = start;
    if (!excluded.empty()) {
        (*copy.body)["source"]["query"] = excluding(excluded);
    }
    const json task = observation.value("task", json(nullptr));
    const json failures =
        task.is_object() && task.value("completed", false)
            ? task.value("response", json::object()).value("failures", json::array())
            : json::array();
    if (failures.empty()) {
        Decision d = decide_reindex(copy, params.poll_interval, state, observation);
        const json duplicates = observation.value("duplicates", json::array());
        if (d.kind == Decision::Kind::done && !duplicates.empty()) {
            // Only the newer copy goes, and only when the older generation holds the same
            // _id and _source; the deletes go to the backing index (a data stream takes none).
            std::vector<Action> actions;
            for (const auto& dup : duplicates) {
                const std::string index = dup.value("index", "");
                const std::string id = dup.value("id", "");
                actions.push_back(
                    Action{Service::elasticsearch,
                           Method::del,
                           "/" + url_encode(index) + "/_doc/" + url_encode(id),
                           std::nullopt,
                           "delete " + id + " from " + index + ": created twice across a rollover",
                           {}});
            }
            actions.push_back(Action{Service::elasticsearch,
                                     Method::post,
                                     "/" + url_encode(params.data_stream) + "/_refresh",
                                     std::nullopt,
                                     "refresh " + params.data_stream,
                                     {}});
            return Decision::act(std::move(actions),
                                 std::to_string(duplicates.size()) +
                                     " document(s) were created twice across a rollover");
        }
        if (d.kind == Decision::Kind::done && !excluded.empty())
            d.message += "; " + std::to_string(excluded.size()) + " rejected document(s) kept in " +
                         dead_letter;
        return d;
    }
    const std::string listed = describe_failures(failures);
    if (params.on_bad_doc != "dead-letter") {
        return Decision::fail(state_error(
            "the new mapping rejects " + std::to_string(failures.size()) + " document(s) (" +
            listed + "). They are safe in " + temp_index_name(params) +
            ". Resume with --on-bad-doc dead-letter to keep them in " + dead_letter +
            " and copy the rest"));
    }
    const json rejected = observation.value("rejected", json::object());
    std::vector<Action> actions;
    if (!observation.value("dead_letter_exists", false)) {
        // dynamic: false, so that whatever a rejected document holds is kept as it is.
        actions.push_back(Action{
            Service::elasticsearch,
            Method::put,
            "/" + url_encode(dead_letter),
            json{{"settings", {{"number_of_shards", 1}}}, {"mappings", {{"dynamic", false}}}},
            "create the dead-letter index " + dead_letter,
            {}});
    }
    json now_excluded = excluded;
    for (const auto& f : failures) {
        const std::string id = f.value("id", "");
        if (id.empty() ||
            std::find(now_excluded.begin(), now_excluded.end(), id) != now_excluded.end())
            continue;
        if (!rejected.contains(id)) {
            return Decision::fail(state_error("rejected document " + id + " is not in " +
                                              temp_index_name(params) + ": nothing was changed"));
        }
        // The original _source unchanged under document.source, with why it was refused (the
        // shape of Elasticsearch's failure store documents: document.*, error.*).
        const json doc = {
            {"@timestamp", rejected[id].value("@timestamp", json(nullptr))},
            {"document", {{"id", id}, {"index", params.data_stream}, {"source", rejected[id]}}},
            {"error",
             {{"type", f.value("cause", json::object()).value("type", "")},
              {"message", f.value("cause", json::object()).value("reason", "")}}}};
        actions.push_back(Action{
            Service::elasticsearch,
            Method::put,
            "/" + url_encode(dead_letter) + "/_create/" + url_encode(id) + "?refresh=true",
            doc,
            "dead-letter " + id + " (" + f.value("cause", json::object()).value("type", "") + ")",
            {}});
        now_excluded.push_back(id);
    }
    if (static_cast<std::int64_t>(now_excluded.size()) > k_max_dead_letters) {
        return Decision::fail(state_error(
            "more than " + std::to_string(k_max_dead_letters) +
            " documents are rejected by the new mapping: fix the mapping or the data first; "
            "everything is safe in " +
            temp_index_name(params)));
    }
    Action again = start;
    (*again.body)["source"]["query"] = excluding(now_excluded);
    again.summary +=
        " again, without " + std::to_string(now_excluded.size()) + " dead-lettered document(s)";
    actions.push_back(again);
    return Decision::act(std::move(actions), "the new mapping rejects " +
                                                 std::to_string(failures.size()) +
                                                 " document(s): " + listed);
}

namespace detail {

Result<json> observe_preflight(es_client::Elasticsearch& es, bool have_kibana,
                               const std::string& ds) {
    json obs = {{"kibana", have_kibana}};
    auto health = es.health();
    if (!health)
        return std::unexpected(health.error());
    obs["health"] = health->status;
    // What the repair needs, checked up front as Kibana's Upgrade Assistant does
    // (hasRequiredPrivileges, es-apis.md §3): templates, the stream and esmend's own
    // indices (temp copy, dead letters, esmend-control). Without security there is
    // nothing to check: ES answers that security is not enabled.
    const json ask = {
        {"cluster", {"monitor", "manage_index_templates"}},
        {"index",
         {{{"names", {ds, "esmend-*"}},
           {"privileges",
            {"read", "view_index_metadata", "write", "create_index", "delete_index"}}}}}};
    auto privileges = es.call(Method::post, "/_security/user/_has_privileges", &ask);
    if (privileges) {
        obs["privileges"] = *privileges;
        if (!privileges->value("has_all_requested", true))
            return obs; // the preflight stops here; reading on could be refused too
    } else if (privileges.error().message.find("Security must be explicitly enabled") ==
                   std::string::npos &&
               privileges.error().es_reason.find("Security must be explicitly enabled") ==
                   std::string::npos) {
        return std::unexpected(privileges.error());
    }
    auto stream = es.find("/_data_stream/" + url_encode(ds));
    if (!stream)
        return std::unexpected(stream.error());
    obs["data_stream"] = nullptr;
    if (*stream) {
        for (const auto& d : (**stream).value("data_streams", json::array()))
            if (d.value("name", "") == ds)
                obs["data_stream"] = d;
    }
    if (obs["data_stream"].is_null())
        return obs;
    const std::string tname = obs["data_stream"].value("template", "");
    auto mappings = es.call(Method::get, "/" + url_encode(ds) + "/_mapping");
    if (!mappings)
        return std::unexpected(mappings.error());
    obs["mappings"] = *mappings;
    auto simulated = es.call(Method::post, "/_index_template/_simulate_index/" + url_encode(ds));
    if (!simulated)
        return std::unexpected(simulated.error());
    obs["simulated"] = simulated->value("template", json::object());
    auto definition = es.find("/_index_template/" + url_encode(tname));
    if (!definition)
        return std::unexpected(definition.error());
    obs["template_definition"] = nullptr;
    if (*definition) {
        for (const auto& t : (**definition).value("index_templates", json::array()))
            if (t.value("name", "") == tname)
                obs["template_definition"] = t["index_template"];
    }
    obs["template_meta"] = obs["template_definition"].is_object()
                               ? obs["template_definition"].value("_meta", json(nullptr))
                               : json(nullptr);
    auto stats = es.call(Method::get, "/" + url_encode(ds) + "/_stats/docs,store");
    if (!stats)
        return std::unexpected(stats.error());
    obs["docs"] = json_int(*stats, json::json_pointer("/_all/primaries/docs/count"));
    obs["store_bytes"] =
        json_int(*stats, json::json_pointer("/_all/primaries/store/size_in_bytes"));
    auto disk = observe_disk(es);
    if (!disk)
        return std::unexpected(disk.error());
    obs["disk"] = *disk;
    auto repositories = es.call(Method::get, "/_snapshot");
    if (!repositories)
        return std::unexpected(repositories.error());
    obs["repositories"] = json::array();
    for (const auto& [name, repo] : repositories->items())
        obs["repositories"].push_back(name);
    // The snapshot taken before anything changes needs the cluster privilege create_snapshot
    // ("create snapshots for existing repositories", ES security privileges; ES#67538), asked only
    // when there is a repository to snapshot into (and only where security is on: the first check
    // answered).
    if (!obs["repositories"].empty() && obs.contains("privileges")) {
        const json snap = {{"cluster", {"create_snapshot"}}};
        auto can = es.call(Method::post, "/_security/user/_has_privileges", &snap);
        if (!can)
            return std::unexpected(can.error());
        obs["snapshot_privileges"] = *can;
    }
    return obs;
}

Step snapshot_step(es_client::Elasticsearch& es, const RepairParams& params,
                   const std::string& name) {
    return Step{name,
                [&es](const json& state) -> Result<json> {
                    const json snap = facts_of(state, "preflight").value("snapshot", json(nullptr));
                    if (!snap.is_object() || dry_run(state))
                        return json::object();
                    auto found = es.find("/_snapshot/" + url_encode(snap.value("repository", "")) +
                                         "/" + url_encode(snap.value("name", "")));
                    if (!found)
                        return std::unexpected(found.error());
                    if (!found->has_value())
                        return json{{"snapshot", nullptr}};
                    const json listed = (**found).value("snapshots", json::array());
                    return json{{"snapshot", listed.empty() ? json(nullptr) : listed[0]}};
                },
                [params](const json& state, const json& obs) {
                    return decide_snapshot(params, state, obs);
                }};
}

std::function<void(std::int64_t)> checksum_progress(const ProgressHook& progress,
                                                    const std::string& target, std::int64_t total) {
    if (!progress)
        return {};
    return [progress, target, total](std::int64_t done) {
        progress("checksumming " + target, Progress{done, total});
    };
}

Step verify_copy_step(es_client::Elasticsearch& es, const RepairParams& params,
                      const std::string& name, const std::string& original, const std::string& copy,
                      const es_client::Cancellation* cancel, const std::string& stake,
                      const ProgressHook& progress) {
    return Step{
        name,
        [&es, original, copy, params, cancel, progress](const json& state) -> Result<json> {
            if (dry_run(state))
                return json{{"planned", true}};
            auto counted = count(es, original);
            if (!counted)
                return std::unexpected(counted.error());
            auto copied = count(es, copy);
            if (!copied)
                return std::unexpected(copied.error());
            json obs = {{"original", *counted}, {"copy", *copied}};
            if (params.verify == "checksum") {
                auto a = checksum_documents(es, original, nullptr, cancel,
                                            checksum_progress(progress, original, *counted));
                if (!a)
                    return std::unexpected(a.error());
                auto b = checksum_documents(es, copy, nullptr, cancel,
                                            checksum_progress(progress, copy, *copied));
                if (!b)
                    return std::unexpected(b.error());
                obs["checksums"] = {{"original", a->hex()}, {"copy", b->hex()}};
            }
            return obs;
        },
        [original, copy, params, stake](const json&, const json& obs) {
            if (obs.value("planned", false))
                return Decision::done(
                    "would compare the document counts" +
                    std::string(params.verify == "checksum" ? " and checksums" : "") + " of " +
                    original + " and " + copy);
            const auto n_original = obs.value("original", std::int64_t{0});
            const auto n_copy = obs.value("copy", std::int64_t{0});
            if (n_original != n_copy) {
                return Decision::fail(state_error(
                    "the copy " + copy + " has " + std::to_string(n_copy) + " documents, " +
                    original + " has " + std::to_string(n_original) + ": " + stake));
            }
            const json sums = obs.value("checksums", json(nullptr));
            if (sums.is_object() && sums["original"] != sums["copy"]) {
                return Decision::fail(
                    state_error("the copy " + copy + " has the same count as " + original +
                                " but not the same documents (checksum " + sums.value("copy", "") +
                                " vs " + sums.value("original", "") + "): " + stake));
            }
            json facts = {{"docs", n_copy}};
            if (sums.is_object())
                facts["checksum"] = sums["copy"];
            return Decision::done(
                "verified: " + std::to_string(n_copy) + " documents in both" +
                    (sums.is_object() ? ", checksum " + sums.value("copy", "") : std::string()),
                facts);
        }};
}

Result<json> field_types(es_client::Elasticsearch& es, const std::string& target,
                         const std::string& field) {
    auto caps =
        es.call(Method::get, "/" + url_encode(target) + "/_field_caps?fields=" + url_encode(field));
    if (!caps)
        return std::unexpected(caps.error());
    json types = json::array();
    const json mapped = caps->value("fields", json::object()).value(field, json::object());
    for (const auto& [type, info] : mapped.items())
        types.push_back(type);
    return types;
}

Action delete_snapshot_action(const json& snap) {
    const std::string where = snap.value("repository", "") + ":" + snap.value("name", "");
    return Action{Service::elasticsearch,
                  Method::del,
                  "/_snapshot/" + url_encode(snap.value("repository", "")) + "/" +
                      url_encode(snap.value("name", "")),
                  std::nullopt,
                  "delete the snapshot " + where + " (--delete-snapshot)",
                  {}};
}

} // namespace detail

std::vector<Step> repair_steps(es_client::Elasticsearch& es, es_client::Kibana* kibana,
                               const RepairParams& params, es_client::Clock& clock,
                               const es_client::Cancellation* cancel,
                               const ProgressHook& progress) {
    const std::string ds = params.data_stream;
    const std::string temp = temp_index_name(params);
    const auto& names = repair_step_names();
    std::vector<Step> steps;

    // Kibana's golang package policies (es-apis.md §2.2), an empty list without Kibana.
    auto golang_policies = [kibana]() -> Result<json> {
        if (kibana == nullptr)
            return json::array();
        auto listed = kibana->call(Method::get,
                                   "/api/fleet/package_policies?perPage=1000&kuery=" +
                                       url_encode("ingest-package-policies.package.name:golang"));
        if (!listed) {
            // No Fleet (a Kibana without it, or no privileges for it): nothing of Fleet's to pause.
            if (listed.error().http_status == 404)
                return json::array();
            return std::unexpected(listed.error());
        }
        return listed->value("items", json::array());
    };

    steps.push_back(Step{names[0],
                         [&es, kibana, ds](const json&) -> Result<json> {
                             return detail::observe_preflight(es, kibana != nullptr, ds);
                         },
                         [params](const json& state, const json& obs) {
                             return decide_preflight(params, state, obs);
                         }});

    steps.push_back(
        Step{names[1],
             [&es, golang_policies, ds](const json&) -> Result<json> {
                 auto policies = golang_policies();
                 if (!policies)
                     return std::unexpected(policies.error());
                 auto control = es.find("/" + std::string(k_control_index));
                 if (!control)
                     return std::unexpected(control.error());
                 auto marker = pause_marker(es, ds);
                 if (!marker)
                     return std::unexpected(marker.error());
                 return json{{"policies", *policies},
                             {"control_index", control->has_value()},
                             {"paused", marker->has_value()},
                             {"now", rfc3339(system_now_ms())}};
             },
             [params, ds](const json& state, const json& obs) {
                 // What was running before the repair, kept from the first look (the engine stores
                 // first-round facts), so resuming restores exactly that.
                 json remembered =
                     facts_of(state, "pause_collection").value("remembered", json(nullptr));
                 if (remembered.is_null()) {
                     remembered = json::array();
                     for (const auto& p : obs["policies"]) {
                         const json c = collection_state(p);
                         if (!c.is_null())
                             remembered.push_back({{"id", p.value("id", "")},
                                                   {"input", c["input"]},
                                                   {"streams", c["streams"]}});
                     }
                 }
                 Decision d = decide_collection(obs["policies"], false, remembered);
                 if (!obs.value("control_index", false)) {
                     d.actions.push_back(Action{Service::elasticsearch,
                                                Method::put,
                                                "/" + std::string(k_control_index),
                                                control_index_body(),
                                                "create esmend's control index",
                                                {}});
                 }
                 if (!obs.value("paused", false)) {
                     d.actions.push_back(Action{Service::elasticsearch,
                                                Method::put,
                                                pause_marker_path(ds) + "?refresh=true",
                                                json{{"type", "pause"},
                                                     {"data_stream", ds},
                                                     {"reason", "repair " + params.run_id},
                                                     {"since", obs.value("now", "")}},
                                                "pause esmend's collectors for " + ds,
                                                {}});
                 }
                 d.facts = {{"remembered", remembered}};
                 if (d.actions.empty())
                     return Decision::done("collection paused", d.facts);
                 d.kind = Decision::Kind::act;
                 return d;
             }});

    steps.push_back(Step{
        names[2],
        [&es, &clock, cancel, ds, params](const json& state) -> Result<json> {
            if (dry_run(state))
                return json{{"planned", true}};
            std::int64_t first = -1;
            std::int64_t last = -1;
            for (int attempt = 0; attempt < params.quiet_attempts; ++attempt) {
                auto before = count(es, ds);
                if (!before)
                    return std::unexpected(before.error());
                if (first < 0)
                    first = *before;
                if (!clock.sleep_for(params.quiet_period, cancel))
                    return std::unexpected(
                        es_client::make_error(ErrorKind::cancelled, "interrupted"));
                auto after = count(es, ds);
                if (!after)
                    return std::unexpected(after.error());
                last = *after;
                if (*after == *before)
                    return json{{"quiet", true}, {"count", last}};
            }
            return json{{"quiet", false}, {"first", first}, {"last", last}};
        },
        [ds](const json&, const json& obs) {
            if (obs.value("planned", false))
                return Decision::done("would wait until no new documents arrive in " + ds);
            if (obs.value("quiet", false)) {
                return Decision::done(ds + " is quiet at " + std::to_string(obs.value("count", 0)) +
                                      " documents");
            }
            return Decision::fail(state_error(
                "documents keep arriving in " + ds + " (" + std::to_string(obs.value("first", 0)) +
                " -> " + std::to_string(obs.value("last", 0)) +
                ") although collection is paused: is another writer (an agent outside Fleet's "
                "golang policies, a Logstash) still sending? Stop it and resume the repair"));
        }});

    // The snapshot of the stream before anything of it is touched (es-apis.md §1.11), polled
    // until it is SUCCESS; the repository was chosen by the preflight.
    steps.push_back(detail::snapshot_step(es, params, names[3]));

    steps.push_back(Step{names[4],
                         [&es, temp](const json&) -> Result<json> {
                             auto found = es.find("/" + url_encode(temp));
                             if (!found)
                                 return std::unexpected(found.error());
                             return json{{"exists", found->has_value()}};
                         },
                         [temp](const json&, const json& obs) {
                             if (obs.value("exists", false))
                                 return Decision::done(temp + " exists");
                             // dynamic: false, so that no document can be refused by a mapping: the
                             // copy only needs _source (es-apis.md §1.7: reindex copies _source,
                             // never mappings).
                             return Decision::act(
                                 {Action{Service::elasticsearch,
                                         Method::put,
                                         "/" + url_encode(temp),
                                         json{{"settings", {{"number_of_shards", 1}}},
                                              {"mappings", {{"dynamic", false}}}},
                                         "create the temp index " + temp,
                                         {}}});
                         }});

    // The two copies: async reindex with task polling (es-apis.md §1.7, §1.8). op_type create
    // with conflicts proceed makes a restarted copy skip what is already there. The copy back
    // skips the default pipeline ("_none", as the index API allows): the documents were
    // processed when they were first ingested, and must come back as they left.
    auto reindex_step = [&es, params](const std::string& name, const std::string& capture,
                                      const std::string& from, const std::string& to, bool back) {
        json request = {{"conflicts", "proceed"},
                        {"source", {{"index", from}, {"size", 1000}}},
                        {"dest", {{"index", to}, {"op_type", "create"}}}};
        if (back)
            request["dest"]["pipeline"] = "_none";
        const Action start =
            reindex_action(params, request, capture, "reindex " + from + " into " + to);
        Step step = detail::reindex_task_step(es, params, name, start);
        if (back) {
            step.decide = [start, params](const json& state, const json& obs) {
                return decide_copy_back(start, params, state, obs);
            };
        }
        return step;
    };
    steps.push_back(reindex_step(names[5], "copy_task", ds, temp, false));

    steps.push_back(detail::verify_copy_step(es, params, names[6], ds, temp, cancel,
                                             "nothing was deleted", progress));

    steps.push_back(Step{
        names[7],
        [&es, ds](const json&) -> Result<json> {
            auto found = es.find("/_data_stream/" + url_encode(ds));
            if (!found)
                return std::unexpected(found.error());
            return json{{"exists", found->has_value()}};
        },
        [ds](const json& state, const json& obs) {
            if (!obs.value("exists", false))
                return Decision::done(ds + " is deleted");
            // Never delete before the copy is verified (the engine records completed steps).
            const auto& completed = state.value("completed", json::array());
            if (!dry_run(state) &&
                std::find(completed.begin(), completed.end(), "verify_copy") == completed.end()) {
                return Decision::fail(
                    state_error("refusing to delete " + ds + ": its copy is not verified"));
            }
            return Decision::act({Action{Service::elasticsearch,
                                         Method::del,
                                         "/_data_stream/" + url_encode(ds),
                                         std::nullopt,
                                         "delete the data stream " + ds + " (its copy is verified)",
                                         {}}});
        }});

    steps.push_back(Step{names[8],
                         [&es](const json& state) -> Result<json> {
                             const std::string tname =
                                 facts_of(state, "preflight").value("template", "");
                             auto found = es.find("/_index_template/" + url_encode(tname));
                             if (!found)
                                 return std::unexpected(found.error());
                             return json{{"template", tname}, {"exists", found->has_value()}};
                         },
                         [](const json&, const json& obs) {
                             const std::string tname = obs.value("template", "");
                             if (!obs.value("exists", false))
                                 return Decision::done(tname + " is deleted");
                             return Decision::act({Action{Service::elasticsearch,
                                                          Method::del,
                                                          "/_index_template/" + url_encode(tname),
                                                          std::nullopt,
                                                          "delete the index template " + tname,
                                                          {}}});
                         }});

    steps.push_back(Step{
        names[9],
        [&es, ds](const json& state) -> Result<json> {
            const std::string tname = facts_of(state, "preflight").value("template", "");
            auto found = es.find("/_index_template/" + url_encode(tname));
            if (!found)
                return std::unexpected(found.error());
            json obs = {{"exists", found->has_value()}};
            if (found->has_value()) {
                auto simulated =
                    es.call(Method::post, "/_index_template/_simulate_index/" + url_encode(ds));
                if (!simulated)
                    return std::unexpected(simulated.error());
                obs["mappings"] =
                    simulated->value("template", json::object()).value("mappings", json::object());
            }
            return obs;
        },
        [params](const json& state, const json& obs) {
            const json& pre = facts_of(state, "preflight");
            const std::string tname = pre.value("template", "");
            const std::string target = pre.value("target_type", "");
            // In a dry run the template was not deleted: plan the reinstall all the same.
            if (!obs.value("exists", false) || dry_run(state)) {
                if (pre.value("fleet", false)) {
                    const json& package = pre["package"];
                    return Decision::act(
                        {Action{Service::kibana,
                                Method::post,
                                "/api/fleet/epm/packages/" + url_encode(package.value("name", "")) +
                                    "/" + url_encode(package.value("version", "")),
                                json{{"force", true}},
                                "reinstall the " + package.value("name", "") + " " +
                                    package.value("version", "") + " package through Fleet",
                                {}}});
                }
                return Decision::act(
                    {Action{Service::elasticsearch,
                            Method::put,
                            "/_index_template/" + url_encode(tname),
                            json::parse(pre.value("template_definition", "null"), nullptr, false),
                            "put the index template " + tname + " back",
                            {}}});
            }
            const auto now = mapping_type(obs.value("mappings", json::object()), params.field);
            if (!now || *now != target) {
                return Decision::fail(state_error("the reinstalled template " + tname + " maps " +
                                                  params.field + " as " + now.value_or("nothing") +
                                                  ", not " + target + "; the data is safe in " +
                                                  temp_index_name(params)));
            }
            return Decision::done(tname + " maps " + params.field + " as " + target);
        }});

    // The copy back also sees the dead-letter index and, when the task stopped on rejected
    // documents, their _source in the temp index (read-only: _search and _mget).
    const std::string dead_letter = dead_letter_index_name(params);
    Step back = reindex_step(names[10], "back_task", temp, ds, true);
    back.observe = [&es, task = back.observe, temp, dead_letter, ds, cancel,
                    dedupe =
                        std::make_shared<RolloverDedupe>()](const json& state) -> Result<json> {
        auto obs = task(state);
        if (!obs || dry_run(state))
            return obs;
        auto letters = dead_letter_ids(es, dead_letter);
        if (!letters)
            return std::unexpected(letters.error());
        (*obs)["dead_letters"] = letters->first;
        (*obs)["dead_letter_exists"] = letters->second;
        const json& t = (*obs)["task"];
        const json failures =
            t.is_object() ? t.value("response", json::object()).value("failures", json::array())
                          : json::array();
        if (t.is_object() && t.value("completed", false) && failures.empty()) {
            auto refreshed = es.call(Method::post, "/" + url_encode(ds) + "/_refresh");
            if (!refreshed)
                return std::unexpected(refreshed.error());
            // Keyed by the copy task: a restarted copy scans again from the start.
            auto duplicates = dedupe->next(
                es, ds, state.value("back_task", json::object()).value("task", ""), cancel, 500);
            if (!duplicates)
                return std::unexpected(duplicates.error());
            (*obs)["duplicates"] = *duplicates;
        }
        if (!failures.empty()) {
            json wanted = json::array();
            for (const auto& f : failures)
                wanted.push_back(f.value("id", ""));
            const json body = {{"ids", wanted}};
            auto got = es.call(Method::post, "/" + url_encode(temp) + "/_mget", &body);
            if (!got)
                return std::unexpected(got.error());
            json rejected = json::object();
            for (const auto& doc : got->value("docs", json::array()))
                if (doc.value("found", false))
                    rejected[doc.value("_id", "")] = doc.value("_source", json::object());
            (*obs)["rejected"] = rejected;
        }
        return obs;
    };
    // Each round dead-letters at least one document, so the rounds are bounded by the cap.
    back.max_act_rounds = static_cast<int>(k_max_dead_letters) + 5;
    steps.push_back(std::move(back));

    steps.push_back(Step{
        names[11],
        [&es, ds, temp, dead_letter, params, cancel, progress](const json& state) -> Result<json> {
            if (dry_run(state))
                return json{{"planned", true}};
            // Counts first: count() refreshes both sides, which the checksums' points in time
            // then see.
            auto restored = count(es, ds);
            if (!restored)
                return std::unexpected(restored.error());
            auto copy = count(es, temp);
            if (!copy)
                return std::unexpected(copy.error());
            auto letters = dead_letter_ids(es, dead_letter);
            if (!letters)
                return std::unexpected(letters.error());
            const auto dead_lettered = static_cast<std::int64_t>(letters->first.size());
            json sums = nullptr;
            if (params.verify == "checksum") {
                // The temp copy minus the dead letters must be exactly what came back.
                const json filter = excluding(letters->first);
                auto back_sum = checksum_documents(
                    es, ds, nullptr, cancel, detail::checksum_progress(progress, ds, *restored));
                if (!back_sum)
                    return std::unexpected(back_sum.error());
                auto copy_sum = checksum_documents(
                    es, temp, letters->first.empty() ? nullptr : &filter, cancel,
                    detail::checksum_progress(progress, temp, *copy - dead_lettered));
                if (!copy_sum)
                    return std::unexpected(copy_sum.error());
                sums = {{"restored", back_sum->hex()}, {"copy", copy_sum->hex()}};
            }
            auto types = detail::field_types(es, ds, params.field);
            if (!types)
                return std::unexpected(types.error());
            return json{{"restored", *restored},
                        {"checksums", sums},
                        {"copy", *copy},
                        {"dead_lettered", dead_lettered},
                        {"types", *types}};
        },
        [ds, temp, dead_letter, params](const json& state, const json& obs) {
            if (obs.value("planned", false))
                return Decision::done("would compare the counts and check " + params.field +
                                      " in field_caps");
            const std::string target = facts_of(state, "preflight").value("target_type", "");
            const auto restored = obs.value("restored", std::int64_t{0});
            const auto copy = obs.value("copy", std::int64_t{0});
            const auto dead_lettered = obs.value("dead_lettered", std::int64_t{0});
            if (restored != copy - dead_lettered) {
                return Decision::fail(state_error(
                    ds + " has " + std::to_string(restored) + " documents after the copy back, " +
                    temp + " has " + std::to_string(copy) +
                    (dead_lettered > 0 ? " of which " + std::to_string(dead_lettered) +
                                             " are dead-lettered in " + dead_letter
                                       : std::string()) +
                    "; " + temp + " is kept"));
            }
            const json sums = obs.value("checksums", json(nullptr));
            if (sums.is_object() && sums["restored"] != sums["copy"]) {
                return Decision::fail(
                    state_error(ds + " does not hold the same documents as " + temp +
                                " (checksum " + sums.value("restored", "") + " vs " +
                                sums.value("copy", "") + "); " + temp + " is kept"));
            }
            if (obs["types"] != json::array({target})) {
                return Decision::fail(state_error(params.field + " in " + ds + " is now " +
                                                  obs["types"].dump() + ", not only " + target +
                                                  "; " + temp + " is kept"));
            }
            return Decision::done(
                "verified: " + std::to_string(restored) + " documents" +
                (sums.is_object() ? ", checksum " + sums.value("restored", "") : std::string()) +
                (dead_lettered > 0 ? " (and " + std::to_string(dead_lettered) +
                                         " rejected ones kept in " + dead_letter + ")"
                                   : std::string()) +
                "; " + params.field + " is " + target + " only");
        }});

    steps.push_back(
        Step{names[12],
             [&es, golang_policies, ds](const json&) -> Result<json> {
                 auto policies = golang_policies();
                 if (!policies)
                     return std::unexpected(policies.error());
                 auto marker = pause_marker(es, ds);
                 if (!marker)
                     return std::unexpected(marker.error());
                 return json{{"policies", *policies}, {"paused", marker->has_value()}};
             },
             [ds](const json& state, const json& obs) {
                 const json remembered =
                     facts_of(state, "pause_collection").value("remembered", json::array());
                 json policies = obs["policies"];
                 // A dry run paused nothing: plan the restore from what the pause would have done.
                 if (dry_run(state)) {
                     for (auto& p : policies)
                         for (auto& input : p["inputs"])
                             if (is_golang_input(input)) {
                                 input["enabled"] = false;
                                 for (auto& s : input["streams"])
                                     s["enabled"] = false;
                             }
                 }
                 Decision d = decide_collection(policies, true, remembered);
                 if (obs.value("paused", false) || dry_run(state)) {
                     d.actions.push_back(Action{Service::elasticsearch,
                                                Method::del,
                                                pause_marker_path(ds) + "?refresh=true",
                                                std::nullopt,
                                                "resume esmend's collectors for " + ds,
                                                {}});
                 }
                 if (d.actions.empty())
                     return Decision::done("collection resumed");
                 d.kind = Decision::Kind::act;
                 return d;
             }});

    // The temp index, and the snapshot only when --delete-snapshot asked for it.
    steps.push_back(
        Step{names[13],
             [&es, temp, params](const json& state) -> Result<json> {
                 auto found = es.find("/" + url_encode(temp));
                 if (!found)
                     return std::unexpected(found.error());
                 json obs = {{"exists", found->has_value()}, {"snapshot_exists", false}};
                 const json snap = facts_of(state, "preflight").value("snapshot", json(nullptr));
                 if (params.delete_snapshot && snap.is_object() && !dry_run(state)) {
                     auto taken = es.find("/_snapshot/" + url_encode(snap.value("repository", "")) +
                                          "/" + url_encode(snap.value("name", "")));
                     if (!taken)
                         return std::unexpected(taken.error());
                     obs["snapshot_exists"] = taken->has_value();
                 }
                 return obs;
             },
             [temp, params](const json& state, const json& obs) {
                 std::vector<Action> actions;
                 if (obs.value("exists", false) || dry_run(state)) {
                     actions.push_back(Action{Service::elasticsearch,
                                              Method::del,
                                              "/" + url_encode(temp),
                                              std::nullopt,
                                              "delete the temp index " + temp,
                                              {}});
                 }
                 const json snap = facts_of(state, "preflight").value("snapshot", json(nullptr));
                 if (params.delete_snapshot && snap.is_object() &&
                     (obs.value("snapshot_exists", false) || dry_run(state))) {
                     actions.push_back(detail::delete_snapshot_action(snap));
                 }
                 if (actions.empty())
                     return Decision::done(temp + " is deleted");
                 return Decision::act(std::move(actions));
             }});
    return steps;
}

} // namespace esmend::playbooks

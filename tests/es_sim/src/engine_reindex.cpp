// _reindex, the task management API (_tasks, _cancel, _rethrottle) and /_sim/restart.
//
// A reindex is a task (tasks.hpp) whose worker thread copies the matching source documents in
// batches of source.size, taking the engine lock per batch only, so that searches, writes and
// GET _tasks proceed between batches. Each destination document goes through Engine::write, so
// mappings, pipelines, data stream rules and write blocks apply exactly as for _bulk. Sources:
// es-apis.md §1.7 (reindex), §1.8 (tasks), §0.2 (errors), §5 (pitfalls).
#include "engine.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <thread>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

constexpr const char* k_reindex_action = "indices:data/write/reindex";

EsError reindex_validation_failed(const std::vector<std::string>& errors) {
    // ActionRequestValidationException: "Validation Failed: 1: a;2: b;".
    std::string reason = "Validation Failed: ";
    for (std::size_t i = 0; i < errors.size(); ++i)
        reason += std::to_string(i + 1) + ": " + errors[i] + ";";
    return EsError(400, "action_request_validation_exception", reason);
}

EsError illegal_argument(const std::string& reason) {
    return EsError(400, "illegal_argument_exception", reason);
}

EsError unknown_field(const std::string& raw, const std::string& object, const std::string& key,
                      int depth) {
    return EsError(400, "x_content_parse_exception",
                   key_location(raw, key, depth) + " [" + object + "] unknown field [" + key + "]");
}

// es-sim's slice of a document: which of `max` slices reading by _id picks it. Unsourced: ES
// hashes the indexed _id (TermsSliceQuery, murmur3) or slices by shard; es-sim uses FNV-1a, which
// keeps the property that matters, a disjoint cover of the documents.
std::int64_t slice_of(std::string_view id, std::int64_t max) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : id) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return static_cast<std::int64_t>(h % static_cast<std::uint64_t>(max));
}

std::expected<double, EsError> parse_requests_per_second(const std::string& value) {
    // AbstractBaseReindexRestHandler.parseRequestsPerSecond: a float, -1 for unthrottled.
    const EsError e = illegal_argument(
        "[requests_per_second] must be a float greater than 0. Use -1 to disable throttling.");
    char* end = nullptr;
    const double rps = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || std::isnan(rps))
        return std::unexpected(e);
    if (rps == -1)
        return -1.0;
    if (rps <= 0)
        return std::unexpected(e);
    return static_cast<double>(static_cast<float>(rps));
}

std::optional<std::int64_t> parse_long(const std::string& s) {
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || ptr != s.data() + s.size())
        return std::nullopt;
    return n;
}

// One source document as the scroll saw it when the reindex started.
struct SourceDoc {
    std::string index;
    std::string id;
    std::string source;
    std::int64_t version = 1;
};

struct ReindexPlan {
    std::vector<std::string> source_indices;
    json query;         // null: match_all
    json source_filter; // null: the whole _source
    std::int64_t batch_size = 1000;
    std::optional<std::pair<std::int64_t, std::int64_t>> slice; // manual slice {id, max}
    std::string dest;
    bool op_create = false;
    std::optional<std::string> pipeline;
    std::string version_type = "internal";
    bool proceed = false;
    std::int64_t max_docs = -1;
    std::int64_t slices = 1; // 0: auto
    double rps = -1;
    bool refresh = false;
    bool wait_for_completion = true;
    bool require_alias = false;

    [[nodiscard]] std::string description() const {
        // ReindexRequest.toString: "reindex from [a, b] to [dest]".
        std::string list;
        for (const auto& s : source_indices)
            list += (list.empty() ? "" : ", ") + s;
        return "reindex from [" + list + "] to [" + dest + "]";
    }
};

// RestReindexAction + ReindexRequest.fromXContent + ReindexRequest.validate: everything that does
// not need the cluster state.
std::expected<ReindexPlan, EsError> parse_reindex(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    ReindexPlan plan;
    json source = json::object();
    json dest = json::object();
    bool dest_index_set = false;
    bool indices_given = false;
    for (const auto& [key, value] : body->items()) {
        if (key == "source") {
            if (!value.is_object())
                return std::unexpected(EsError(400, "x_content_parse_exception",
                                               key_location(request.body, key, 1) +
                                                   " [reindex] source doesn't support values of "
                                                   "type: " +
                                                   search::token_name(value)));
            source = value;
        } else if (key == "dest") {
            if (!value.is_object())
                return std::unexpected(EsError(400, "x_content_parse_exception",
                                               key_location(request.body, key, 1) +
                                                   " [reindex] dest doesn't support values of "
                                                   "type: " +
                                                   search::token_name(value)));
            dest = value;
        } else if (key == "max_docs") {
            if (!value.is_number_integer())
                return std::unexpected(EsError(400, "x_content_parse_exception",
                                               key_location(request.body, key, 1) +
                                                   " [reindex] failed to parse field [max_docs]"));
            plan.max_docs = value.get<std::int64_t>();
            if (plan.max_docs < 0)
                return std::unexpected(
                    illegal_argument("[max_docs] parameter cannot be negative, found [" +
                                     std::to_string(plan.max_docs) + "]"));
        } else if (key == "conflicts") {
            const auto c = value.is_string() ? value.get<std::string>() : value.dump();
            if (c == "proceed")
                plan.proceed = true;
            else if (c != "abort")
                return std::unexpected(illegal_argument(
                    "conflicts may only be \"proceed\" or \"abort\" but was [" + c + "]"));
        } else if (key == "script") {
            // es-sim runs no Painless scripts; refuse plainly rather than copy unchanged.
            return std::unexpected(EsError(
                501, "es_sim_unsupported_exception",
                "es-sim does not run reindex scripts: [script] is not supported; reindex without "
                "a script, or use an ingest pipeline (dest.pipeline) to change documents"));
        } else {
            return std::unexpected(unknown_field(request.body, "reindex", key, 1));
        }
    }
    // source: index (string, comma list or array) and remote are taken out first, the rest is a
    // search source (ReindexRequest PARSER sourceParser).
    for (const auto& [key, value] : source.items()) {
        if (key == "index") {
            indices_given = true;
            if (value.is_string()) {
                plan.source_indices = split_commas(value.get<std::string>());
            } else if (value.is_array()) {
                for (const auto& v : value)
                    plan.source_indices.push_back(v.is_string() ? v.get<std::string>() : v.dump());
            } else {
                return std::unexpected(illegal_argument("Expected [index] to be a list or a "
                                                        "string but was [" +
                                                        value.dump() + "]"));
            }
        } else if (key == "remote") {
            // ReindexValidator.checkRemoteWhitelist: es-sim's reindex.remote.whitelist is empty.
            const auto host = value.is_object() ? value.value("host", "") : "";
            if (host.empty())
                return std::unexpected(
                    illegal_argument("[host] must be specified to reindex from a remote cluster"));
            std::string authority =
                host.substr(host.find("://") == std::string::npos ? 0 : host.find("://") + 3);
            authority = authority.substr(0, authority.find('/'));
            if (authority.find(':') == std::string::npos)
                return std::unexpected(illegal_argument(
                    "[host] must be of the form [scheme]://[host]:[port](/[pathPrefix])? but was "
                    "[" +
                    host + "]"));
            return std::unexpected(illegal_argument(
                "[" + authority + "] not whitelisted in reindex.remote.whitelist"));
        } else if (key == "query") {
            plan.query = value;
        } else if (key == "_source") {
            if (value.is_boolean() && !value.get<bool>())
                return std::unexpected(
                    reindex_validation_failed({"_source:false is not supported in this context"}));
            plan.source_filter = value;
        } else if (key == "size") {
            if (!value.is_number_integer())
                return std::unexpected(EsError(400, "parsing_exception",
                                               "Unknown key for a " + search::token_name(value) +
                                                   " in [" + key + "]."));
            plan.batch_size = value.get<std::int64_t>();
            if (plan.batch_size < 0)
                return std::unexpected(
                    illegal_argument("[size] parameter cannot be negative, found [" +
                                     std::to_string(plan.batch_size) + "]"));
        } else if (key == "slice") {
            if (!value.is_object() || !value.contains("id") || !value.contains("max") ||
                !value["id"].is_number_integer() || !value["max"].is_number_integer())
                return std::unexpected(
                    EsError(400, "x_content_parse_exception", "[slice] failed to parse"));
            const auto id = value["id"].get<std::int64_t>();
            const auto max = value["max"].get<std::int64_t>();
            // SliceBuilder's constructor checks.
            if (max <= 1)
                return std::unexpected(illegal_argument("max must be greater than 1"));
            if (id < 0)
                return std::unexpected(illegal_argument("id must be greater than or equal to 0"));
            if (id >= max)
                return std::unexpected(illegal_argument("max must be greater than id"));
            plan.slice = std::pair{id, max};
        } else if (key == "sort" || key == "runtime_mappings" || key == "fields" ||
                   key == "stored_fields" || key == "from") {
            // Valid search-source keys es-sim's reindex does not model.
            return std::unexpected(
                EsError(501, "es_sim_unsupported_exception",
                        "es-sim does not support [source." + key + "] in _reindex"));
        } else {
            return std::unexpected(
                EsError(400, "parsing_exception",
                        "Unknown key for a " + search::token_name(value) + " in [" + key + "]."));
        }
    }
    for (const auto& [key, value] : dest.items()) {
        if (key != "index" && key != "routing" && key != "op_type" && key != "pipeline" &&
            key != "version_type")
            return std::unexpected(unknown_field(request.body, "dest", key, 2));
        if (!value.is_string())
            return std::unexpected(
                EsError(400, "x_content_parse_exception",
                        key_location(request.body, key, 2) + " [dest] " + key +
                            " doesn't support values of type: " + search::token_name(value)));
        const auto v = value.get<std::string>();
        if (key == "index") {
            plan.dest = v;
            dest_index_set = true;
        } else if (key == "op_type") {
            // IndexRequest.opType(String).
            if (v == "create")
                plan.op_create = true;
            else if (v != "index")
                return std::unexpected(
                    illegal_argument("opType must be 'create' or 'index', found: [" + v + "]"));
        } else if (key == "pipeline") {
            plan.pipeline = v;
        } else if (key == "version_type") {
            // VersionType.fromString.
            if (v != "internal" && v != "external" && v != "external_gte")
                return std::unexpected(illegal_argument("No version type match [" + v + "]"));
            plan.version_type = v;
        } else if (key == "routing") {
            // es-sim has one shard per index, so routing changes nothing; it is validated only.
            if (v != "keep" && v != "discard" && !v.starts_with("="))
                return std::unexpected(reindex_validation_failed(
                    {"routing must be unset, [keep], [discard] or [=<some new value>]"}));
        }
    }

    // Query parameters (RestReindexAction / AbstractBulkByQueryRestHandler).
    if (request.has("max_docs")) {
        const auto n = parse_long(request.param("max_docs"));
        if (!n)
            return std::unexpected(illegal_argument("Failed to parse int parameter [max_docs] "
                                                    "with value [" +
                                                    request.param("max_docs") + "]"));
        if (*n < 0)
            return std::unexpected(illegal_argument(
                "[max_docs] parameter cannot be negative, found [" + std::to_string(*n) + "]"));
        if (plan.max_docs != -1 && plan.max_docs != *n)
            return std::unexpected(illegal_argument("[max_docs] set to two different values [" +
                                                    std::to_string(plan.max_docs) + "] and [" +
                                                    std::to_string(*n) + "]"));
        plan.max_docs = *n;
    }
    if (request.has("slices")) {
        const auto s = request.param("slices");
        const auto n = parse_long(s);
        if (s == "auto")
            plan.slices = 0;
        else if (n && *n >= 1)
            plan.slices = *n;
        else
            return std::unexpected(illegal_argument(
                "[slices] must be a positive integer or the string \"auto\", but was [" + s + "]"));
    }
    if (request.has("requests_per_second")) {
        auto rps = parse_requests_per_second(request.param("requests_per_second"));
        if (!rps)
            return std::unexpected(rps.error());
        plan.rps = *rps;
    }
    auto refresh = parse_bool_param(request, "refresh", false);
    if (!refresh)
        return std::unexpected(refresh.error());
    plan.refresh = *refresh;
    auto wait = parse_bool_param(request, "wait_for_completion", true);
    if (!wait)
        return std::unexpected(wait.error());
    plan.wait_for_completion = *wait;
    auto require_alias = parse_bool_param(request, "require_alias", false);
    if (!require_alias)
        return std::unexpected(require_alias.error());
    plan.require_alias = *require_alias;
    for (const auto* key : {"timeout", "scroll"})
        if (request.has(key)) {
            auto t = parse_time_value(request.param(key), key);
            if (!t)
                return std::unexpected(t.error());
        }

    // ReindexRequest.validate and AbstractBulkByScrollRequest.validate.
    std::vector<std::string> errors;
    if (!indices_given || plan.source_indices.empty())
        errors.emplace_back("use _all if you really want to copy from all existing indexes");
    if (!dest_index_set) {
        errors.emplace_back("index must be specified");
        return std::unexpected(reindex_validation_failed(errors));
    }
    if (plan.max_docs == 0)
        errors.emplace_back("maxDocs should be greater than 0 if the request is limited to some "
                            "number of documents or -1 if it isn't but it was [0]");
    if (plan.slice && plan.slices != 1)
        errors.emplace_back("can't specify both manual and automatic slicing at the same time");
    if (plan.max_docs > 0 && plan.slices > 1 && plan.max_docs < plan.slices)
        errors.emplace_back("max_docs should be greater or equal to number of slices");
    // IndexRequest.validate, which every bulk request of the reindex runs (inferred: es-sim reports
    // it before the first batch rather than as a failure of the first bulk).
    if (plan.op_create && plan.version_type != "internal")
        errors.emplace_back("create operations only support internal versioning. use index "
                            "instead");
    if (!errors.empty())
        return std::unexpected(reindex_validation_failed(errors));
    if (plan.batch_size == 0)
        plan.batch_size = 1000;
    return plan;
}

json node_entry(const Engine& engine, const json& tasks) {
    // ListTasksResponse grouped by node (TaskGroup / DiscoveryNode fields).
    return {{"name", engine.m_options.node_name},
            {"transport_address", "127.0.0.1:9300"},
            {"host", "127.0.0.1"},
            {"ip", "127.0.0.1:9300"},
            {"roles", json::array({"data", "ingest", "master"})},
            {"tasks", tasks}};
}

std::expected<std::pair<std::string, std::int64_t>, EsError> parse_task_id(const std::string& s) {
    // TaskId(String): "<node>:<id>", split at the first ':'.
    const auto colon = s.find(':');
    if (colon == std::string::npos)
        return std::unexpected(illegal_argument("malformed task id " + s));
    const auto n = parse_long(s.substr(colon + 1));
    if (!n)
        return std::unexpected(illegal_argument("malformed task id " + s));
    return std::pair{s.substr(0, colon), *n};
}

json failed_node(const std::string& node, EsError cause) {
    // FailedNodeException as BaseTasksResponse renders node_failures (SPEC
    // reindex_rethrottle/ReindexRethrottleResponseExample2).
    EsError e(500, "failed_node_exception", "Failed node [" + node + "]");
    e.with("node_id", node);
    e.because(std::move(cause));
    return e.cause_json();
}

} // namespace

// The worker: everything after the documents were chosen. Declared here (not in engine.hpp) since
// only this file runs it.
namespace {

struct ReindexRun {
    Engine* engine = nullptr;
    std::shared_ptr<Task> task;
    ReindexPlan plan;
    std::vector<std::vector<SourceDoc>> slices; // one list per slice (one without slicing)
    std::int64_t docs_per_second = 0;
    bool store_result = false;
    std::chrono::steady_clock::time_point started;
};

json response_of(const BulkByScrollStatus& status, const json& failures, std::int64_t took,
                 bool sliced) {
    // BulkByScrollResponse.toXContent: took, timed_out, the status fields, failures.
    json out = status.to_json();
    if (!sliced)
        out.erase("slices");
    out["took"] = took;
    out["timed_out"] = false;
    out["failures"] = failures;
    return out;
}

BulkByScrollStatus sum_slices(const std::vector<BulkByScrollStatus>& parts, double rps) {
    BulkByScrollStatus s;
    for (const auto& p : parts) {
        s.total += p.total;
        s.updated += p.updated;
        s.created += p.created;
        s.deleted += p.deleted;
        s.batches += p.batches;
        s.version_conflicts += p.version_conflicts;
        s.noops += p.noops;
        s.retries_bulk += p.retries_bulk;
        s.retries_search += p.retries_search;
        s.throttled_millis += p.throttled_millis;
        s.throttled_until_millis = std::max(s.throttled_until_millis, p.throttled_until_millis);
    }
    s.requests_per_second = rps;
    if (parts.size() > 1)
        s.slices = parts;
    return s;
}

void run_reindex(ReindexRun run) {
    auto& engine = *run.engine;
    auto& task = *run.task;
    const auto& plan = run.plan;
    const bool sliced = run.slices.size() > 1;
    std::vector<BulkByScrollStatus> parts(run.slices.size());
    std::vector<std::size_t> next(run.slices.size(), 0);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (sliced)
            parts[i].slice_id = static_cast<std::int64_t>(i);
        parts[i].total = static_cast<std::int64_t>(run.slices[i].size());
    }
    const auto publish = [&] {
        auto s = sum_slices(parts, task.requests_per_second());
        for (auto& p : s.slices)
            p.requests_per_second = s.requests_per_second <= 0
                                        ? -1
                                        : s.requests_per_second / static_cast<double>(parts.size());
        task.set_status(s);
        return s;
    };
    publish();
    json failures = json::array();
    std::set<std::string> touched;
    std::int64_t throttled_nanos = 0;
    bool cancelled = false;

    // Slices run side by side in ES; es-sim interleaves their batches (one batch of each slice per
    // round), which gives the same aggregate rate.
    while (true) {
        if (task.abandoned())
            return;
        if (task.cancelled()) {
            cancelled = true;
            break;
        }
        std::vector<std::pair<std::size_t, std::size_t>> round; // slice, batch size
        std::size_t round_docs = 0;
        for (std::size_t i = 0; i < run.slices.size(); ++i) {
            const auto left = run.slices[i].size() - next[i];
            if (left == 0)
                continue;
            const auto n = std::min<std::size_t>(left, static_cast<std::size_t>(plan.batch_size));
            round.emplace_back(i, n);
            round_docs += n;
        }
        if (round.empty())
            break;
        const auto batch_start = std::chrono::steady_clock::now();
        // The simulated work time of the batch (Options.reindex_docs_per_second).
        if (run.docs_per_second > 0) {
            const auto work = std::chrono::nanoseconds(static_cast<std::int64_t>(
                1e9 * static_cast<double>(round_docs) / static_cast<double>(run.docs_per_second)));
            task.wait_until(batch_start + work, false);
            if (task.abandoned())
                return;
        }
        {
            std::lock_guard lock(engine.m_mutex);
            if (task.abandoned())
                return;
            for (const auto& [slice, n] : round) {
                auto& part = parts[slice];
                ++part.batches; // worker.countBatch() before each bulk
                for (std::size_t k = 0; k < n; ++k) {
                    const auto& doc = run.slices[slice][next[slice] + k];
                    Engine::WriteOp op;
                    op.kind = plan.op_create ? Engine::WriteOp::Kind::create
                                             : Engine::WriteOp::Kind::index;
                    op.index = plan.dest;
                    op.id = doc.id;
                    op.source = doc.source;
                    op.pipeline = plan.pipeline;
                    op.require_alias = plan.require_alias;
                    const bool external = plan.version_type != "internal";
                    std::optional<EsError> conflict;
                    if (external) {
                        // External versioning (VersionType.EXTERNAL/EXTERNAL_GTE): the source's
                        // version is kept; an equal-or-newer (newer for external_gte) destination
                        // copy is a version conflict.
                        if (const auto it = engine.m_indices.find(plan.dest);
                            it != engine.m_indices.end()) {
                            const auto live = it->second.live.find(doc.id);
                            if (live != it->second.live.end()) {
                                const auto current = it->second.records[live->second].version;
                                const bool gte = plan.version_type == "external_gte";
                                if (gte ? current > doc.version : current >= doc.version) {
                                    EsError e(
                                        409, "version_conflict_engine_exception",
                                        "[" + doc.id + "]: version conflict, current version [" +
                                            std::to_string(current) + "] is higher" +
                                            (gte ? "" : " or equal to") + " the one provided [" +
                                            std::to_string(doc.version) + "]");
                                    e.with("index_uuid", it->second.uuid)
                                        .with("shard", "0")
                                        .with("index", it->second.name);
                                    conflict = e;
                                }
                            }
                        }
                    }
                    std::expected<Engine::WriteResult, EsError> r =
                        conflict ? std::expected<Engine::WriteResult, EsError>(
                                       std::unexpected(*conflict))
                                 : engine.write(op);
                    if (r) {
                        touched.insert(r->index);
                        if (external && r->result != "noop") {
                            // Engine::write numbers versions internally; keep the source's.
                            auto& index = engine.m_indices.at(r->index);
                            const auto live = index.live.find(r->id);
                            if (live != index.live.end())
                                index.records[live->second].version = doc.version;
                        }
                        if (r->result == "created")
                            ++part.created;
                        else if (r->result == "updated")
                            ++part.updated;
                        else if (r->result == "noop")
                            ++part.noops;
                        continue;
                    }
                    // AbstractAsyncBulkByScrollAction.recordFailure: conflicts are counted, and
                    // are failures only when conflicts=abort; every other failure is one.
                    if (r.error().status == 409) {
                        ++part.version_conflicts;
                        if (plan.proceed)
                            continue;
                    }
                    std::string failed_index = plan.dest;
                    if (const auto ds = engine.m_data_streams.find(plan.dest);
                        ds != engine.m_data_streams.end())
                        failed_index = ds->second.indices.back();
                    json failure = {{"index", failed_index}, {"id", doc.id}};
                    if (engine.m_options.version.major < 8)
                        failure["type"] = "_doc";
                    failure["cause"] = r.error().cause_json();
                    failure["status"] = r.error().status;
                    failures.push_back(std::move(failure));
                }
                next[slice] += n;
            }
        }
        publish();
        if (!failures.empty())
            break; // the bulk had failures: the reindex stops here (refreshAndFinish)
        if (task.cancelled()) {
            cancelled = true;
            break;
        }
        bool more = false;
        for (std::size_t i = 0; i < run.slices.size(); ++i)
            more = more || next[i] < run.slices[i].size();
        if (!more)
            break;
        // Throttle before the next batch (WorkerBulkByScrollTaskState.throttleWaitTime in ES 8:
        // batch size / requests_per_second from now, at most an hour; es-apis.md §1.8). A faster
        // rethrottle reschedules the wait at once, scaled by old/new rate
        // (DelayedPrepareBulkRequest .rethrottle); a slower one applies from the next batch.
        double rps = task.requests_per_second();
        if (rps > 0) {
            auto delay = std::chrono::nanoseconds(static_cast<std::int64_t>(
                std::min(3600.0, static_cast<double>(round_docs) / rps) * 1e9));
            auto deadline = std::chrono::steady_clock::now() + delay;
            throttled_nanos += delay.count();
            while (true) {
                const auto until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count();
                for (auto& p : parts) {
                    p.throttled_millis =
                        throttled_nanos / 1000000 / static_cast<std::int64_t>(parts.size());
                    p.throttled_until_millis = std::max<std::int64_t>(0, until_ms);
                }
                publish();
                if (task.wait_until(deadline, true))
                    break; // waited the full delay
                if (task.abandoned())
                    return;
                if (task.cancelled())
                    break;
                const double new_rps = task.requests_per_second();
                if (new_rps > 0 && new_rps < rps)
                    continue; // slowing down takes effect after this batch
                const auto remaining = deadline - std::chrono::steady_clock::now();
                const auto scaled =
                    new_rps <= 0 ? std::chrono::nanoseconds(0)
                                 : std::chrono::nanoseconds(static_cast<std::int64_t>(
                                       static_cast<double>(remaining.count()) * rps / new_rps));
                throttled_nanos += std::max<std::int64_t>(0, scaled.count());
                deadline = std::chrono::steady_clock::now() + scaled;
                rps = new_rps;
                if (rps <= 0)
                    break;
            }
            for (auto& p : parts)
                p.throttled_until_millis = 0;
            publish();
        }
    }

    if (task.abandoned())
        return;
    if (plan.refresh) {
        std::lock_guard lock(engine.m_mutex);
        for (const auto& name : touched)
            if (engine.m_indices.contains(name))
                engine.refresh_index(engine.m_indices.at(name));
    }
    auto status = publish();
    if (cancelled) {
        // BulkByScrollTask: a cancelled task reports the cancel reason in its status.
        status.canceled = task.cancel_reason();
        for (auto& s : status.slices)
            s.canceled = status.canceled;
        task.set_status(status);
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - run.started)
                          .count();
    // BulkIndexByScrollResponseContentListener: the highest failure status is the HTTP status.
    int http_status = 200;
    for (const auto& f : failures)
        http_status = std::max(http_status, f["status"].get<int>());
    task.finish(response_of(status, failures, took, sliced), std::nullopt, http_status);
    engine.m_tasks.completed(run.task, run.store_result);
}

} // namespace

Reply Engine::reindex(const RestRequest& request) {
    auto parsed = parse_reindex(request);
    if (!parsed)
        return std::unexpected(parsed.error());
    ReindexPlan plan = std::move(*parsed);

    ReindexRun run;
    run.engine = this;
    run.docs_per_second = m_options.reindex_docs_per_second;
    run.store_result = !plan.wait_for_completion;
    run.started = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(m_mutex);
        // What TransportReindexAction checks against the cluster state, inside the task: source
        // resolution, then ReindexValidator.validateAgainstAliases, then the scroll.
        auto prepare = [&]() -> std::expected<std::vector<std::vector<SourceDoc>>, EsError> {
            std::string expression;
            for (const auto& s : plan.source_indices)
                expression += (expression.empty() ? "" : ",") + s;
            auto names = resolve(expression, IndicesOptions{true, false, false, false, true});
            if (!names)
                return std::unexpected(names.error());
            // The destination's concrete write index, as resolved for the write.
            std::string target = plan.dest;
            if (const auto ds = m_data_streams.find(plan.dest); ds != m_data_streams.end())
                target = ds->second.indices.back();
            else if (!m_indices.contains(plan.dest))
                for (const auto& [n, index] : m_indices)
                    if (index.aliases.contains(plan.dest) &&
                        (index.aliases[plan.dest].value("is_write_index", false) ||
                         target == plan.dest))
                        target = n;
            if (std::find(names->begin(), names->end(), target) != names->end())
                return std::unexpected(reindex_validation_failed(
                    {"reindex cannot write into an index its reading from [" + target + "]"}));
            std::int64_t slices = plan.slices;
            if (slices == 0) {
                // slices=auto: one per shard of the source index with the fewest shards.
                slices = std::numeric_limits<std::int64_t>::max();
                for (const auto& n : *names)
                    slices = std::min<std::int64_t>(
                        slices, parse_long(m_indices.at(n).setting("index.number_of_shards", "1"))
                                    .value_or(1));
                if (names->empty())
                    slices = 1;
            }
            // The scroll: documents visible at each index's searchable point, in index then doc
            // order (reindex sorts by _doc).
            std::vector<SourceDoc> docs;
            const bool plain =
                (plan.query.is_null() || plan.query == json{{"match_all", json::object()}}) &&
                plan.source_filter.is_null();
            if (plain) {
                for (const auto& n : *names) {
                    auto& index = m_indices.at(n);
                    maybe_scheduled_refresh(index);
                    for (const auto& r : index.records)
                        if (index.visible_at(r, index.refreshed_seq))
                            docs.push_back(SourceDoc{n, r.id, r.source, r.version});
                }
            } else {
                std::string path = "/" + expression + "/_search";
                RestRequest search_request;
                search_request.method = "POST";
                search_request.path = path;
                search_request.parts["index"] = expression;
                std::int64_t visible = 0;
                for (const auto& n : *names) {
                    auto& index = m_indices.at(n);
                    maybe_scheduled_refresh(index);
                    visible += index.count_at(index.refreshed_seq);
                }
                json body = {
                    {"size", visible}, {"sort", json::array({"_doc"})}, {"track_total_hits", true}};
                if (!plan.query.is_null())
                    body["query"] = plan.query;
                if (!plan.source_filter.is_null())
                    body["_source"] = plan.source_filter;
                search_request.body = body.dump();
                search_request.params["ignore_unavailable"] = "false";
                // Engine::search honours index.max_result_window; a reindex scrolls past it.
                std::vector<std::pair<std::string, std::string>> saved;
                for (const auto& n : *names) {
                    auto& index = m_indices.at(n);
                    saved.emplace_back(n, index.setting("index.max_result_window"));
                    index.settings["index.max_result_window"] =
                        std::to_string(std::max<std::int64_t>(visible, 10000));
                }
                auto result = search(search_request);
                for (const auto& [n, w] : saved) {
                    auto& index = m_indices.at(n);
                    if (w.empty())
                        index.settings.erase("index.max_result_window");
                    else
                        index.settings["index.max_result_window"] = w;
                }
                if (!result)
                    return std::unexpected(result.error());
                for (const auto& hit : (*result->json)["hits"]["hits"]) {
                    SourceDoc d;
                    d.index = hit["_index"].get<std::string>();
                    d.id = hit["_id"].get<std::string>();
                    d.source = hit.contains("_source") ? hit["_source"].dump() : "{}";
                    const auto& index = m_indices.at(d.index);
                    if (const auto live = index.live.find(d.id); live != index.live.end())
                        d.version = index.records[live->second].version;
                    docs.push_back(std::move(d));
                }
            }
            if (plan.slice)
                std::erase_if(docs, [&](const SourceDoc& d) {
                    return slice_of(d.id, plan.slice->second) != plan.slice->first;
                });
            std::vector<std::vector<SourceDoc>> parts(static_cast<std::size_t>(slices));
            // max_docs: the scroll stops after max_docs hits; sliced, each slice gets
            // max_docs / slices (AbstractBulkByScrollRequest.doForSlice rounds down).
            const std::int64_t per_slice = plan.max_docs < 0 ? -1 : plan.max_docs / slices;
            if (slices == 1) {
                if (plan.max_docs >= 0 && static_cast<std::int64_t>(docs.size()) > plan.max_docs)
                    docs.resize(static_cast<std::size_t>(plan.max_docs));
                parts[0] = std::move(docs);
            } else {
                for (auto& d : docs) {
                    auto& part = parts[static_cast<std::size_t>(slice_of(d.id, slices))];
                    if (per_slice < 0 || static_cast<std::int64_t>(part.size()) < per_slice)
                        part.push_back(std::move(d));
                }
            }
            return parts;
        };
        auto prepared = prepare();
        run.task = m_tasks.start(k_reindex_action, plan.description(), true);
        run.task->rethrottle(plan.rps);
        if (!prepared) {
            if (plan.wait_for_completion) {
                m_tasks.completed(run.task, false);
                return std::unexpected(prepared.error());
            }
            // The task fails; its stored result carries the error (TaskResult with "error").
            run.task->finish(std::nullopt, prepared.error().cause_json(), prepared.error().status);
            m_tasks.completed(run.task, true);
            return json_reply({{"task", run.task->task_id()}});
        }
        run.slices = std::move(*prepared);
        run.plan = plan;
        auto task = run.task;
        task->worker = std::thread(run_reindex, std::move(run));
        if (!plan.wait_for_completion)
            return json_reply({{"task", task->task_id()}});
        run.task = task;
    }
    // wait_for_completion=true: the request waits for the task without the lock.
    const bool finished = run.task->wait_finished(std::chrono::steady_clock::time_point::max());
    if (!finished) {
        // The node "restarted" under the request: the client loses its connection.
        RestResponse r;
        r.drop_connection = true;
        return r;
    }
    return json_reply(*run.task->response(), run.task->http_status());
}

Reply Engine::tasks_get(const RestRequest& request) {
    auto id = parse_task_id(request.part("task_id"));
    if (!id)
        return std::unexpected(id.error());
    auto wait = parse_bool_param(request, "wait_for_completion", false);
    if (!wait)
        return std::unexpected(wait.error());
    auto timeout = parse_time_value(request.param("timeout", "30s"), "timeout");
    if (!timeout)
        return std::unexpected(timeout.error());
    std::shared_ptr<Task> task;
    if (id->first == m_node_id)
        task = m_tasks.running(id->second);
    if (task && *wait) {
        // TransportGetTaskAction.waitForCompletionOfTask: then the stored result is read.
        task->wait_finished(std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(std::max<std::int64_t>(0, *timeout)));
        if (!task->finished()) {
            return std::unexpected(
                EsError(408, "elasticsearch_timeout_exception",
                        "Timed out waiting for completion of task [" + task->task_id() + "]"));
        }
        // Give the worker the moment it needs to move the result into the registry.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (m_tasks.running(id->second) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        task = m_tasks.running(id->second);
    }
    std::lock_guard lock(m_mutex);
    if (task)
        return json_reply({{"completed", false}, {"task", task->info(true)}});
    if (id->first == m_node_id)
        if (auto stored = m_tasks.stored(id->second))
            return json_reply(*stored);
    // TransportGetTaskAction.getFinishedTaskFromIndex (es-apis.md §0.2).
    EsError e(404, "resource_not_found_exception",
              "task [" + request.part("task_id") + "] isn't running and hasn't stored its results");
    if (!m_tasks.results_index_exists())
        e.because(index_not_found(".tasks"));
    return std::unexpected(e);
}

Reply Engine::tasks_list(const RestRequest& request) {
    auto detailed = parse_bool_param(request, "detailed", false);
    if (!detailed)
        return std::unexpected(detailed.error());
    const auto actions = split_commas(request.param("actions"));
    const auto group_by = request.param("group_by", "nodes");
    if (group_by != "nodes" && group_by != "parents" && group_by != "none")
        return std::unexpected(illegal_argument("No enum constant org.elasticsearch.rest.action."
                                                "admin.cluster.RestListTasksAction.GroupBy." +
                                                group_by));
    if (request.has("nodes")) {
        bool local = false;
        for (const auto& n : split_commas(request.param("nodes")))
            local = local || n == "_all" || n == "_local" || n == m_node_id ||
                    n == m_options.node_name || n == "*" || simple_match(n, m_node_id) ||
                    simple_match(n, m_options.node_name);
        if (!local)
            return json_reply(group_by == "none" ? json{{"tasks", json::array()}}
                                                 : json{{"nodes", json::object()}});
    }
    auto matches = [&](const std::string& action) {
        if (actions.empty())
            return true;
        return std::any_of(actions.begin(), actions.end(),
                           [&](const std::string& p) { return simple_match(p, action); });
    };
    // The list request itself is a task with a per-node child (TransportListTasksAction), as the
    // SPEC example GetTaskResponseExample1 shows.
    const auto list_id = m_tasks.allocate_id();
    const auto child_id = m_tasks.allocate_id();
    std::vector<json> infos;
    for (const auto& t : m_tasks.running_tasks())
        if (matches(t->action()))
            infos.push_back(t->info(*detailed));
    const auto now = now_ms();
    const json list_task = {
        {"node", m_node_id},           {"id", list_id},
        {"type", "transport"},         {"action", "cluster:monitor/tasks/lists"},
        {"start_time_in_millis", now}, {"running_time_in_nanos", 0},
        {"cancellable", false},        {"headers", json::object()}};
    json child_task = list_task;
    child_task["id"] = child_id;
    child_task["type"] = "direct";
    child_task["action"] = "cluster:monitor/tasks/lists[n]";
    child_task["parent_task_id"] = m_node_id + ":" + std::to_string(list_id);
    if (matches("cluster:monitor/tasks/lists"))
        infos.push_back(list_task);
    if (matches("cluster:monitor/tasks/lists[n]"))
        infos.push_back(child_task);
    const auto key = [](const json& t) {
        return t["node"].get<std::string>() + ":" + std::to_string(t["id"].get<std::int64_t>());
    };
    if (group_by == "none") {
        json arr = json::array();
        for (const auto& t : infos)
            arr.push_back(t);
        return json_reply({{"tasks", arr}});
    }
    if (group_by == "parents") {
        json tasks = json::object();
        for (const auto& t : infos)
            if (!t.contains("parent_task_id"))
                tasks[key(t)] = t;
        for (const auto& t : infos)
            if (t.contains("parent_task_id")) {
                const auto parent = t["parent_task_id"].get<std::string>();
                if (tasks.contains(parent))
                    tasks[parent]["children"].push_back(t);
                else
                    tasks[key(t)] = t;
            }
        return json_reply({{"tasks", tasks}});
    }
    json tasks = json::object();
    for (const auto& t : infos)
        tasks[key(t)] = t;
    return json_reply({{"nodes", {{m_node_id, node_entry(*this, tasks)}}}});
}

Reply Engine::tasks_cancel(const RestRequest& request) {
    auto wait = parse_bool_param(request, "wait_for_completion", false);
    if (!wait)
        return std::unexpected(wait.error());
    std::vector<std::shared_ptr<Task>> cancelled;
    json node_failures = json::array();
    {
        std::lock_guard lock(m_mutex);
        if (!request.part("task_id").empty()) {
            auto id = parse_task_id(request.part("task_id"));
            if (!id)
                return std::unexpected(id.error());
            const auto task = id->first == m_node_id ? m_tasks.running(id->second) : nullptr;
            if (id->first != m_node_id) {
                EsError cause(404, "no_such_node_exception", "No such node [" + id->first + "]");
                cause.with("node_id", id->first);
                node_failures.push_back(failed_node(id->first, cause));
            } else if (!task) {
                // TransportCancelTasksAction.processTasks on the task's node.
                node_failures.push_back(failed_node(
                    id->first, EsError(404, "resource_not_found_exception",
                                       "task [" + request.part("task_id") + "] is not found")));
            } else {
                task->cancel("by user request");
                cancelled.push_back(task);
            }
        } else {
            const auto actions = split_commas(request.param("actions"));
            for (const auto& t : m_tasks.running_tasks()) {
                const bool match =
                    actions.empty() ||
                    std::any_of(actions.begin(), actions.end(),
                                [&](const std::string& p) { return simple_match(p, t->action()); });
                if (match) {
                    t->cancel("by user request");
                    cancelled.push_back(t);
                }
            }
        }
    }
    if (*wait)
        for (const auto& t : cancelled)
            t->wait_finished(std::chrono::steady_clock::now() + std::chrono::seconds(30));
    std::lock_guard lock(m_mutex);
    // CancelTasksResponse (a ListTasksResponse): the cancelled tasks, not detailed.
    json tasks = json::object();
    for (const auto& t : cancelled)
        tasks[t->task_id()] = t->info(false);
    json out = {{"nodes", json::object()}};
    if (!tasks.empty())
        out["nodes"][m_node_id] = node_entry(*this, tasks);
    if (!node_failures.empty())
        out["node_failures"] = node_failures;
    return json_reply(out);
}

Reply Engine::reindex_rethrottle(const RestRequest& request) {
    if (!request.has("requests_per_second"))
        return std::unexpected(illegal_argument("requests_per_second is a required parameter"));
    auto rps = parse_requests_per_second(request.param("requests_per_second"));
    if (!rps)
        return std::unexpected(rps.error());
    auto id = parse_task_id(request.part("task_id"));
    if (!id)
        return std::unexpected(id.error());
    json out = {{"nodes", json::object()}};
    if (id->first != m_node_id) {
        // ReindexRethrottleResponseExample2: the node is not in the cluster.
        EsError cause(404, "no_such_node_exception", "No such node [" + id->first + "]");
        cause.with("node_id", id->first);
        out["node_failures"] = json::array({failed_node(id->first, cause)});
        return json_reply(out);
    }
    const auto task = m_tasks.running(id->second);
    if (!task) {
        // TransportTasksAction.processTasks.
        out["node_failures"] = json::array(
            {failed_node(id->first, EsError(404, "resource_not_found_exception",
                                            "task [" + request.part("task_id") + "] is missing"))});
        return json_reply(out);
    }
    if (task->action() != k_reindex_action) {
        out["node_failures"] =
            json::array({failed_node(id->first, EsError(404, "resource_not_found_exception",
                                                        "task [" + request.part("task_id") +
                                                            "] doesn't support this operation"))});
        return json_reply(out);
    }
    task->rethrottle(*rps);
    out["nodes"][m_node_id] = node_entry(*this, {{task->task_id(), task->info(true)}});
    return json_reply(out);
}

Reply Engine::sim_restart(const RestRequest&) {
    // A node restart: running tasks die without a stored result (es-apis.md §5.10) and in-memory
    // search contexts (points in time) are gone; indexed documents, mappings and stored task
    // results survive, as they do on disk. The node id is persisted in ES's data path, so it stays.
    std::vector<std::shared_ptr<Task>> workers;
    {
        std::lock_guard lock(m_mutex);
        workers = m_tasks.forget_all();
        m_pits.clear();
    }
    TaskRegistry::join(workers);
    return json_reply(acknowledged());
}

} // namespace esmend::es_sim

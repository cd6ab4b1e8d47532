#pragma once
// The offline repair playbook for a mapping conflict (issue #7): the Golang integration README's
// manual fix, made safe. Pause collection, copy the data stream into a temp index, verify the
// copy, delete the data stream and its template, reinstall, copy back with op_type create and
// conflicts proceed, verify, resume collection, delete the temp index. Nothing is deleted before
// the copy is verified, and every step observes first, so a rerun continues where a run stopped.

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <playbooks/step_engine.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace esmend::playbooks {

struct RepairParams {
    std::string data_stream; // e.g. logs-golang.heap-default
    std::string field = "host.ip";
    std::string run_id; // names the temp index; stable across resumes
    // Reindex throttle in documents per second (-1: unthrottled, ES's default) and slices
    // ("auto" or a number), passed to both reindexes.
    double requests_per_second = -1;
    std::string slices = "auto";
    // How long the document count must stay still before copying (collection has stopped).
    std::chrono::milliseconds quiet_period{2000};
    int quiet_attempts = 15;
    std::chrono::milliseconds poll_interval{1000}; // task polling
    // What the copy back does with documents the new mapping rejects (a host.ip that is not an
    // IP): "stop" for the operator to decide, or "dead-letter": keep each one, with its original
    // _source and the reason, in the dead-letter index and go on without it.
    std::string on_bad_doc = "stop";
    // The snapshot taken before anything is touched: into `snapshot_repo`, else the only
    // registered repository; none with no_snapshot. delete_snapshot removes it at cleanup.
    // How the copies are verified: "count" (document counts after a refresh), or "checksum":
    // also an order-independent checksum of every (_id, _source) on both sides.
    std::string verify = "count";
    std::string snapshot_repo;
    bool no_snapshot = false;
    bool delete_snapshot = false;
    // "offline" (copy out, delete and reinstall the stream, copy back) or "online" (issue #8:
    // rewrite each disagreeing backing index and swap it in with _data_stream/_modify, while
    // collection goes on). keep_old (online): keep the swapped-out indices instead of deleting.
    std::string strategy = "offline";
    bool keep_old = false;
};

// At most this many documents are dead-lettered: more means the mapping, not the data, is wrong.
inline constexpr std::int64_t k_max_dead_letters = 10000;

// The step ids, in order. Steps before `first_destructive_step` only read, pause collection or
// copy; from it on, data is deleted (so the CLI asks first).
[[nodiscard]] const std::vector<std::string>& repair_step_names();
inline constexpr std::size_t k_first_destructive_step = 7; // delete_data_stream

// The temp index for a run: esmend-tmp-<data stream>-<run id>. It matches no data stream
// template (those match logs-*-* and metrics-*-*), so the copy is a plain index.
[[nodiscard]] std::string temp_index_name(const RepairParams& params);
// The pre-repair snapshot: esmend-<data stream>-<run id>.
[[nodiscard]] std::string snapshot_name(const RepairParams& params);
// Where rejected documents go: esmend-dead-letter-<data stream>-<run id> (kept after the run).
[[nodiscard]] std::string dead_letter_index_name(const RepairParams& params);

// The steps. `kibana` may be null: Fleet's policies are then not paused and a Fleet-managed
// template cannot be reinstalled (the preflight says so before anything changes).
[[nodiscard]] std::vector<Step> repair_steps(es_client::Elasticsearch& es,
                                             es_client::Kibana* kibana, const RepairParams& params,
                                             es_client::Clock& clock,
                                             const es_client::Cancellation* cancel,
                                             const ProgressHook& progress = {});

// Pure decisions, exposed for tests.
[[nodiscard]] Decision decide_preflight(const RepairParams& params, const nlohmann::json& state,
                                        const nlohmann::json& observation);
// The snapshot step: nothing without a chosen repository (the preflight's facts), else take it
// (wait_for_completion=false), wait while it runs, done on SUCCESS, fail on anything else.
[[nodiscard]] Decision decide_snapshot(const RepairParams& params, const nlohmann::json& state,
                                       const nlohmann::json& observation);
// The golang package policies' "Collect Golang metrics" inputs (type httpjson, policy template
// Golang; es-apis.md §2.2) turned off (enable false), or back to what `remembered` ([{id, input,
// streams: {dataset: enabled}}], taken before the pause) says for each policy (enable true).
[[nodiscard]] Decision decide_collection(const nlohmann::json& policies, bool enable,
                                         const nlohmann::json& remembered);
// A reindex run as a task: start it (`start` captures the task id), poll it, start it again if it
// vanished (node restart), fail on failures or cancellation.
[[nodiscard]] Decision decide_reindex(const Action& start, std::chrono::milliseconds poll_interval,
                                      const nlohmann::json& state,
                                      const nlohmann::json& observation);

// The copy back: decide_reindex, with the documents in the dead-letter index (observation
// "dead_letters": their ids) left out of every (re)start, and a run that stopped on rejected
// documents ("task" with failures, "rejected": {id: _source} read from the temp index) either
// failing (on_bad_doc stop) or dead-lettering them and starting again without them.
[[nodiscard]] Decision decide_copy_back(const Action& start, const RepairParams& params,
                                        const nlohmann::json& state,
                                        const nlohmann::json& observation);

// ---- The online strategy (issue #8) ----
//
// Steps: preflight, snapshot, template (puts the template right when it maps the field
// otherwise than the package esmend bundles), rollover (when the write index disagrees), then for
// each disagreeing backing index k (1-based, oldest first) block_k, create_k, copy_k, settings_k,
// verify_k and swap_k, then verify, delete_old (the only destructive step: it asks first) and
// cleanup. The list of indices is the preflight's (facts "rewrite": [{index, new_index}]), so the
// steps are built from the run state: before the preflight has run there are no index steps.

// The copy of a backing index that replaces it: esmend-<run id>-<index without its leading dot>.
[[nodiscard]] std::string rewritten_index_name(const RepairParams& params,
                                               const std::string& index);
[[nodiscard]] std::vector<std::string> online_step_names(std::size_t indices);
// The number of indices the preflight chose to rewrite (0 before it ran).
[[nodiscard]] std::size_t online_rewrites(const nlohmann::json& state);
// The preflight's [{index, new_index}] (empty before it ran).
[[nodiscard]] nlohmann::json online_rewrite_list(const nlohmann::json& state);
// `kibana` may be null: a Fleet template that needs the package installed is then refused at the
// preflight.
[[nodiscard]] std::vector<Step>
online_repair_steps(es_client::Elasticsearch& es, es_client::Kibana* kibana,
                    const RepairParams& params, const es_client::Cancellation* cancel,
                    const nlohmann::json& state, const ProgressHook& progress = {});
// Undoes the index units that were not swapped in, as Kibana's Upgrade Assistant cleans up a
// failed reindex (es-apis.md §3.1): cancel a running copy, delete the half-built copy, lift the
// write block esmend put on the original. Swapped units are left as they are: they are done.
[[nodiscard]] Step online_undo_step(es_client::Elasticsearch& es, const RepairParams& params);
// The run state without the undone units' progress (completed steps, facts, task captures), so
// that a resumed run rewrites them from the start.
[[nodiscard]] nlohmann::json forget_unswapped(nlohmann::json state);

// Pure decisions, exposed for tests.
[[nodiscard]] Decision decide_online_preflight(const RepairParams& params,
                                               const nlohmann::json& state,
                                               const nlohmann::json& observation);
// The template step: done when the simulated mapping of the field (observation "type") is the
// target; otherwise, as the preflight's "template_fix" says, Fleet's install of the bundled (or
// installed) golang version, or esmend's assets (decide_assets on observation "assets"); a
// template still wrong after that install fails, as does one changed since the preflight.
[[nodiscard]] Decision decide_template(const RepairParams& params, const nlohmann::json& state,
                                       const nlohmann::json& observation);
// Swap unit k: [remove old, add new] in one _data_stream/_modify once verify_k is done, then the
// old index's lifecycle policy on the new one (after the swap, as Elasticsearch's own data-stream
// reindex does: ILM sees a non-write backing index as rolled over).
[[nodiscard]] Decision decide_swap(const RepairParams& params, std::size_t k,
                                   const nlohmann::json& state, const nlohmann::json& observation);

} // namespace esmend::playbooks

#pragma once
// What the offline and online repair playbooks share (repair.cpp, repair_online.cpp): reading the
// run state, counting, the reindex action, the snapshot choice, and the preflight's observation
// and the checks both strategies make with it.

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <playbooks/repair.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

namespace esmend::playbooks::detail {

// A step's first-round facts from the run state (an empty object when it has none).
[[nodiscard]] const nlohmann::json& facts_of(const nlohmann::json& state, const std::string& step);
[[nodiscard]] bool dry_run(const nlohmann::json& state);
[[nodiscard]] bool completed(const nlohmann::json& state, const std::string& step);
[[nodiscard]] es_client::Error state_error(std::string message);

// Refreshes `target`, then counts it.
[[nodiscard]] es_client::Result<std::int64_t> count(es_client::Elasticsearch& es,
                                                    const std::string& target);

// The backing indices of `ds`, oldest first (the last one is the write index); empty when the
// stream does not exist.
[[nodiscard]] es_client::Result<nlohmann::json> backing_indices(es_client::Elasticsearch& es,
                                                                const std::string& ds);

// POST _reindex?wait_for_completion=false with the run's slices and throttle.
[[nodiscard]] Action reindex_action(const RepairParams& params, const nlohmann::json& body,
                                    const std::string& capture, const std::string& summary);
// A reindex step: observes the task captured as `capture` and decides with decide_reindex.
[[nodiscard]] Step reindex_task_step(es_client::Elasticsearch& es, const RepairParams& params,
                                     const std::string& name, const Action& start);

// Where the pre-repair snapshot goes ({repository, name}), null for none; an error for a choice
// the operator must make.
[[nodiscard]] es_client::Result<nlohmann::json> choose_snapshot(const RepairParams& params,
                                                                const nlohmann::json& repositories);
// The snapshot step (decide_snapshot on what GET _snapshot/<repo>/<name> shows).
[[nodiscard]] Step snapshot_step(es_client::Elasticsearch& es, const RepairParams& params,
                                 const std::string& name);

// Refreshes and counts `original` and `copy` (and checksums them with --verify checksum); a
// difference fails the step, saying `stake` ("nothing was deleted").
[[nodiscard]] Step verify_copy_step(es_client::Elasticsearch& es, const RepairParams& params,
                                    const std::string& name, const std::string& original,
                                    const std::string& copy, const es_client::Cancellation* cancel,
                                    const std::string& stake, const ProgressHook& progress);

// A checksum scan's per-page callback that reports "checksumming <target>" through `progress`
// (empty when `progress` is).
[[nodiscard]] std::function<void(std::int64_t)>
checksum_progress(const ProgressHook& progress, const std::string& target, std::int64_t total);

// The types field_caps lists for `field` in `target` (one when there is no conflict).
[[nodiscard]] es_client::Result<nlohmann::json>
field_types(es_client::Elasticsearch& es, const std::string& target, const std::string& field);

// DELETE _snapshot/<repository>/<name> of the snapshot the preflight chose (--delete-snapshot).
[[nodiscard]] Action delete_snapshot_action(const nlohmann::json& snapshot);

// What the preflight reads (health, privileges on `index_names`, the stream, its backing indices'
// mappings and stats, the template and its simulated index, disk, snapshot repositories).
[[nodiscard]] es_client::Result<nlohmann::json>
observe_preflight(es_client::Elasticsearch& es, bool have_kibana, const std::string& ds);

// The checks both strategies make: a red cluster, missing privileges, no such stream, TSDS,
// a template that does not map the field. On success the facts: template, target_type,
// index_types and disagreeing ([{index, type}]), docs, store_bytes, disk, fleet and package.
[[nodiscard]] std::expected<nlohmann::json, Decision>
check_stream(const RepairParams& params, const nlohmann::json& observation);

} // namespace esmend::playbooks::detail

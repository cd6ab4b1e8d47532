#pragma once
// es-sim's cluster: the in-memory state (indices and their documents, templates, data streams,
// pipelines, points in time) and every Elasticsearch endpoint working on it. One mutex guards the
// whole state; endpoints hold it for their duration, which keeps bulk fast (no per-document
// locking) and the semantics simple (every request is atomic, as a single-node cluster-state update
// would be).

#include "doc_view.hpp"
#include "es_error.hpp"
#include "mapping/mapping.hpp"
#include "rest.hpp"
#include "search/search.hpp"
#include "sim_version.hpp"
#include "tasks.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace esmend::es_sim {

// Splits an ES comma-separated list ("a,b,,c" -> a, b, c), as path parts and list params use.
[[nodiscard]] std::vector<std::string> split_commas(const std::string& s);

struct EngineOptions {
    SimVersion version;
    std::string cluster_name = "es-sim";
    std::string node_name = "es-sim-node-0";
    std::int64_t disk_total_bytes = 100LL * 1024 * 1024 * 1024;
    bool security_enabled = false;
    // Simulated reindex work speed in documents per second (0: as fast as possible).
    std::int64_t reindex_docs_per_second = 0;
    // ES path.repo: the directories fs snapshot repositories may use.
    std::vector<std::string> path_repo;
};

inline constexpr std::int64_t k_live = std::numeric_limits<std::int64_t>::max();

// One version of one document. Records are append-only: an update or delete ends the old record at
// the sequence number of the operation, so a refresh or a point in time can see the document set as
// of any sequence number.
struct DocRecord {
    std::string id;
    std::string source; // the original _source bytes
    std::int64_t version = 1;
    std::int64_t seq_no = 0;       // sequence number of the write that created this record
    std::int64_t end_seq = k_live; // sequence number of the write that superseded it
    std::optional<std::int64_t> timestamp_millis; // cached @timestamp, for data stream stats
};

struct IndexData {
    std::string name;
    std::string uuid;
    nlohmann::json settings =
        nlohmann::json::object(); // flat "index.*" keys, string values, as ES keeps them
    std::optional<Mapping> mapping;
    nlohmann::json aliases = nlohmann::json::object();
    std::int64_t creation_date = 0;
    std::string data_stream; // the owning data stream, if a backing index

    std::vector<DocRecord> records;
    std::unordered_map<std::string, std::size_t>
        live; // id -> index into records of the current version
    std::int64_t next_seq = 0;
    std::int64_t refreshed_seq = -1; // the searchable point: records live at this seq are visible
    std::int64_t last_refresh_ms = 0;
    std::int64_t store_bytes = 0; // bytes of live sources (es-sim's store size)
    std::int64_t dead_records = 0;

    [[nodiscard]] bool hidden() const;
    [[nodiscard]] std::string setting(const std::string& key,
                                      const std::string& fallback = {}) const;
    [[nodiscard]] bool visible_at(const DocRecord& r, std::int64_t seq) const {
        return r.seq_no <= seq && r.end_seq > seq;
    }
    [[nodiscard]] std::int64_t count_at(std::int64_t seq) const;
};

struct DataStream {
    std::string name;
    std::vector<std::string> indices; // oldest first; the last one is the write index
    std::int64_t generation = 1;
    std::string template_name;
    nlohmann::json meta; // _meta from the template, or null
    bool hidden = false;
};

struct PointInTime {
    std::vector<std::pair<std::string, std::int64_t>>
        indices; // concrete index and its seq snapshot
    std::int64_t expires_ms = 0;
    std::unique_ptr<search::SearchCache> cache;
};

// fs snapshot repositories and their snapshots, kept in memory (engine_snapshots.cpp).
struct SnapshotStore;

// Which indices a wildcard expression may expand to (ES IndicesOptions).
struct IndicesOptions {
    bool open = true;
    bool closed = false;
    bool hidden = false;
    bool ignore_unavailable = false;
    bool allow_no_indices = true;
};

class Engine {
public:
    explicit Engine(EngineOptions options);
    ~Engine();

    // Handles one routed, authenticated request (endpoint name already in request.endpoint).
    [[nodiscard]] Reply handle(const RestRequest& request);

    [[nodiscard]] const EngineOptions& options() const { return m_options; }

private:
    using Handler = Reply (Engine::*)(const RestRequest&);
    static const std::map<std::string, Handler>& handlers();

    // cluster and cat (engine_cluster.cpp)
    Reply info(const RestRequest&);
    Reply ping(const RestRequest&);
    Reply cluster_health(const RestRequest&);
    Reply cat_indices(const RestRequest&);
    Reply cat_allocation(const RestRequest&);
    Reply nodes_stats(const RestRequest&);
    Reply security_authenticate(const RestRequest&);
    Reply security_has_privileges(const RestRequest&);
    Reply sim_reset(const RestRequest&);
    Reply sim_state(const RestRequest&);
    Reply sim_restart(const RestRequest&);

    // reindex and tasks (engine_reindex.cpp); reindex, tasks.get and tasks.cancel take the lock
    // themselves (a reindex runs in batches, and waits happen without the lock).
    Reply reindex(const RestRequest&);
    Reply reindex_rethrottle(const RestRequest&);
    Reply tasks_get(const RestRequest&);
    Reply tasks_list(const RestRequest&);
    Reply tasks_cancel(const RestRequest&);

    // indices (engine_indices.cpp)
    Reply indices_create(const RestRequest&);
    Reply indices_get(const RestRequest&);
    Reply indices_exists(const RestRequest&);
    Reply indices_delete(const RestRequest&);
    Reply indices_get_mapping(const RestRequest&);
    Reply indices_put_mapping(const RestRequest&);
    Reply indices_get_settings(const RestRequest&);
    Reply indices_put_settings(const RestRequest&);
    Reply indices_add_block(const RestRequest&);
    Reply indices_refresh(const RestRequest&);
    Reply indices_stats(const RestRequest&);
    Reply indices_get_alias(const RestRequest&);
    Reply indices_exists_alias(const RestRequest&);
    Reply indices_update_aliases(const RestRequest&);

    // templates (engine_templates.cpp)
    Reply put_component_template(const RestRequest&);
    Reply get_component_template(const RestRequest&);
    Reply delete_component_template(const RestRequest&);
    Reply exists_component_template(const RestRequest&);
    Reply put_index_template(const RestRequest&);
    Reply get_index_template(const RestRequest&);
    Reply delete_index_template(const RestRequest&);
    Reply exists_index_template(const RestRequest&);
    Reply simulate_index_template(const RestRequest&);
    Reply simulate_template(const RestRequest&);

    // data streams (engine_data_streams.cpp)
    Reply create_data_stream(const RestRequest&);
    Reply get_data_stream(const RestRequest&);
    Reply delete_data_stream(const RestRequest&);
    Reply data_streams_stats(const RestRequest&);
    Reply rollover(const RestRequest&);
    Reply modify_data_stream(const RestRequest&);

    // documents (engine_documents.cpp)
    Reply bulk(const RestRequest&);
    Reply index_doc(const RestRequest&);
    Reply create_doc(const RestRequest&);
    Reply get_doc(const RestRequest&);
    Reply delete_doc(const RestRequest&);
    Reply update_doc(const RestRequest&);
    Reply mget(const RestRequest&);

    // snapshots (engine_snapshots.cpp)
    Reply snapshot_create_repository(const RestRequest&);
    Reply snapshot_get_repository(const RestRequest&);
    Reply snapshot_delete_repository(const RestRequest&);
    Reply snapshot_create(const RestRequest&);
    Reply snapshot_get(const RestRequest&);
    Reply snapshot_delete(const RestRequest&);
    Reply snapshot_restore(const RestRequest&);

    // search, pipelines (engine_search.cpp)
    Reply search(const RestRequest&);
    Reply count(const RestRequest&);
    Reply open_pit(const RestRequest&);
    Reply close_pit(const RestRequest&);
    Reply field_caps(const RestRequest&);
    Reply put_pipeline(const RestRequest&);
    Reply get_pipeline(const RestRequest&);
    Reply delete_pipeline(const RestRequest&);
    Reply simulate_pipeline(const RestRequest&);

public:
    // ---- shared helpers, used across the engine_*.cpp files ----
    struct WriteOp {
        enum class Kind { index, create, update, del } kind = Kind::index;
        std::string index; // target as given (index, alias or data stream)
        std::optional<std::string> id;
        std::string source; // raw _source bytes (index/create), or the update body
        std::optional<std::string> pipeline;
        bool require_data_stream = false;
        bool require_alias = false;
        // Optimistic concurrency control (if_seq_no/if_primary_term); the defaults are ES's
        // SequenceNumbers.UNASSIGNED_SEQ_NO and UNASSIGNED_PRIMARY_TERM.
        std::int64_t if_seq_no = -2;
        std::int64_t if_primary_term = 0;
    };
    struct WriteResult {
        std::string index; // concrete index written
        std::string id;
        std::int64_t version = 0;
        std::int64_t seq_no = 0;
        std::string result; // created, updated, deleted, not_found, noop
        int status = 200;
    };

    [[nodiscard]] std::int64_t now_ms() const;
    [[nodiscard]] std::string new_uuid();
    [[nodiscard]] std::expected<std::vector<std::string>, EsError>
    resolve(const std::string& expression, const IndicesOptions& options,
            bool include_data_streams = true) const;
    [[nodiscard]] IndicesOptions indices_options(const RestRequest& request,
                                                 IndicesOptions defaults) const;
    [[nodiscard]] const nlohmann::json* find_index_template(const std::string& index_name,
                                                            std::string* name_out) const;
    [[nodiscard]] std::expected<nlohmann::json, EsError>
    resolve_template(const std::string& template_name, const nlohmann::json& index_template) const;
    [[nodiscard]] std::expected<std::string, EsError>
    create_index(const std::string& name, const nlohmann::json& body,
                 const std::string& template_source, const std::string& data_stream);
    [[nodiscard]] std::expected<DataStream*, EsError>
    create_data_stream_named(const std::string& name);
    // Takes the op by value: callers that no longer need it move it in (the bulk path), which saves
    // a copy of the source.
    [[nodiscard]] std::expected<WriteResult, EsError> write(WriteOp op, bool auto_create = true);
    void refresh_index(IndexData& index);
    void maybe_scheduled_refresh(IndexData& index);
    [[nodiscard]] std::int64_t total_store_bytes() const;
    // The disk threshold monitor (engine_cluster.cpp): puts the read_only_allow_delete block on
    // every index above the flood-stage watermark and releases it below the high watermark.
    void apply_disk_watermarks();
    [[nodiscard]] std::int64_t min_pit_seq(const std::string& index) const;
    void compact(IndexData& index);
    void remove_index(const std::string& name);
    [[nodiscard]] static EsError index_not_found(const std::string& name);
    [[nodiscard]] std::string backing_index_name(const std::string& data_stream,
                                                 std::int64_t generation) const;
    [[nodiscard]] const nlohmann::json* pipeline(std::string_view id) const;

    EngineOptions m_options;
    mutable std::mutex m_mutex;
    std::mt19937_64 m_random;
    std::map<std::string, IndexData> m_indices;
    std::map<std::string, nlohmann::json> m_component_templates;
    std::map<std::string, nlohmann::json> m_index_templates;
    std::map<std::string, DataStream> m_data_streams;
    std::map<std::string, nlohmann::json> m_pipelines;
    std::map<std::string, PointInTime> m_pits;
    std::int64_t m_pits_opened = 0; // ever, for GET _sim/state (tests count scans)
    std::string m_cluster_uuid;
    std::string m_node_id;
    std::int64_t m_auto_id = 0;
    std::set<std::string> m_disk_blocked; // indices the disk monitor put the block on
    TaskRegistry m_tasks{""};
    std::shared_ptr<SnapshotStore> m_snapshots; // created on first use (engine_snapshots.cpp)
};

// Lenient-free boolean parsing as ES's Booleans.parseBoolean: only "true"/"false" ("" means true
// for flags given without a value). Anything else is an illegal_argument_exception.
[[nodiscard]] std::expected<bool, EsError> parse_bool_param(const RestRequest& request,
                                                            const std::string& key, bool fallback);
// ES time values ("1s", "500ms", "-1"), in milliseconds.
[[nodiscard]] std::expected<std::int64_t, EsError>
parse_time_value(const std::string& value, const std::string& setting_name);
// Simple ES wildcard match ('*' only), as Regex.simpleMatch.
[[nodiscard]] bool simple_match(std::string_view pattern, std::string_view value);
// The "[line:col]" of `key` as an object key at nesting depth `want_depth` (1: top level) of the
// raw body, as Jackson reports the field-name token in front of ES's "unknown field" errors.
[[nodiscard]] std::string key_location(const std::string& raw, const std::string& key,
                                       int want_depth);
// Parses a request body that must be a JSON object; empty bodies give an empty object.
[[nodiscard]] std::expected<nlohmann::json, EsError> parse_body(const RestRequest& request,
                                                                bool required = false);
// Flattens {"index": {"number_of_replicas": 1}} to {"index.number_of_replicas": "1"} (ES Settings
// form).
[[nodiscard]] nlohmann::json flatten_settings(const nlohmann::json& settings);
// The nested form GET _settings renders by default.
[[nodiscard]] nlohmann::json nest_settings(const nlohmann::json& flat);

} // namespace esmend::es_sim

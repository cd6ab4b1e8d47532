#pragma once
// es-sim's search side: the query DSL subset, sorting, search_after, _source filtering,
// aggregations, and field_caps. It works on DocViews and mapping descriptions only, so it knows
// nothing of how the store keeps documents.

#include "doc_view.hpp"
#include "es_error.hpp"
#include "mapping/mapping.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace esmend::es_sim::search {

// Query-string parameters of _search/_count that affect results (size, from, sort, _source,
// _source_includes, _source_excludes, track_total_hits, rest_total_hits_as_int; q is not
// supported). The caller has already rejected parameters the endpoint does not know.
using Params = std::map<std::string, std::string>;

// Opaque per-point-in-time state (for instance a cached sorted match list), so that paging a large
// PIT with search_after costs O(page + log n) per page instead of re-sorting everything.
class SearchCache {
public:
    virtual ~SearchCache() = default;
};

// How hits carry an unfiltered _source. `parsed` (the default) stores it as a JSON value, whose
// keys nlohmann::json re-orders when dumped. `raw_bytes` stores DocView::source() unchanged as a
// JSON binary value; render such a response with dump_response(), which splices the original
// bytes verbatim as ES does.
enum class SourceMode { parsed, raw_bytes };

struct SearchInput {
    const nlohmann::json* body = nullptr; // parsed request body; null or {} when none
    const Params* params = nullptr;
    std::vector<const DocView*> docs;       // visible documents, in index order then doc order
    std::int64_t max_result_window = 10000; // the smallest index.max_result_window of the targets
    // Non-null for PIT searches; the search may fill it.
    std::unique_ptr<SearchCache>* cache = nullptr;
    // Extensions (defaults keep the original contract):
    std::optional<std::int64_t> now_millis; // `now` for date math; the system clock when unset
    std::string node_id = "es-sim"; // "node" of shard failures in search_phase_execution_exception
    SourceMode source_mode = SourceMode::parsed;
};

// The _search response without "took", "_shards" and "pit_id", which the endpoint adds:
// {"timed_out": false, "hits": {"total": {...}, "max_score": ..., "hits": [...]}, "aggregations"?}.
// Hits carry _index, _id, _score, _source (filtered) and sort (when sorted).
[[nodiscard]] std::expected<nlohmann::json, EsError> run_search(const SearchInput& input);

// Serialises a run_search() result; _source values held as raw bytes (SourceMode::raw_bytes) are
// written verbatim. Equivalent to dump() for SourceMode::parsed results.
[[nodiscard]] std::string dump_response(const nlohmann::json& response);

// The number of documents matching the body's "query" (match_all when absent), for _count.
[[nodiscard]] std::expected<std::int64_t, EsError>
run_count(const nlohmann::json* body, const std::vector<const DocView*>& docs);

struct FieldCapsIndex {
    std::string name; // concrete index name
    const Mapping* mapping = nullptr;
    nlohmann::json settings; // the index's settings (for index.mode etc.)
    // @timestamp bounds of the index's visible documents (epoch millis), for index_filter; nullopt
    // if empty.
    std::optional<std::pair<std::int64_t, std::int64_t>> timestamp_range;
};

struct FieldCapsRequest {
    std::vector<std::string> fields; // from ?fields= or body "fields"; wildcards allowed
    bool include_unmapped = false;
    std::vector<std::string> filters; // e.g. "-metadata", "-nested", "+metadata"
    std::vector<std::string> types;   // e.g. "ip", "keyword"
    nlohmann::json index_filter;      // null when absent
    // `now` for date math in index_filter; the system clock when unset.
    std::optional<std::int64_t> now_millis;
};

// One index's fields for field_caps without a Mapping (Mapping::fields() is converted to this).
// `fields` must list leaf fields, multi-fields and metadata fields (metadata_field = true) as
// Mapping::fields() does; object/nested entries only tell which paths are nested, because ES
// derives the reported parent objects from the matching leaves.
struct FieldCapsSource {
    std::string name;
    std::vector<FieldInfo> fields;
    std::optional<std::pair<std::int64_t, std::int64_t>> timestamp_range;
};

[[nodiscard]] std::expected<nlohmann::json, EsError>
field_caps(const std::vector<FieldCapsSource>& indices, const FieldCapsRequest& request);

// The full _field_caps response body ({"indices": [...], "fields": {...}}).
[[nodiscard]] std::expected<nlohmann::json, EsError>
field_caps(const std::vector<FieldCapsIndex>& indices, const FieldCapsRequest& request);

// The XContentParser.Token name of a JSON value (START_OBJECT, VALUE_NUMBER, ...), as ES's
// "Unknown key for a <token> in [<key>]." parsing errors name it.
[[nodiscard]] std::string token_name(const nlohmann::json& v);

} // namespace esmend::es_sim::search

#pragma once
// The audit's analysis: which fields a Kibana data view shows as "conflict", where, and why.
// Pure functions over Elasticsearch answers (field_caps, data streams, simulated templates), so
// they are tested without a cluster and stay fast on big clusters.

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::playbooks {

// The Kibana field type an Elasticsearch type shows as (KB kbn_field_types_factory.ts, es-apis.md
// §1.9): text, keyword and friends are "string", every numeric type is "number", date and
// date_nanos are "date"; other types keep their own name. Only a difference of Kibana types is a
// data-view conflict, so long vs integer and text vs keyword are not conflicts, keyword vs ip is.
[[nodiscard]] std::string kibana_type(std::string_view es_type);

// Index names are views into the _field_caps answer they were read from (decoded copies where
// the answer escaped them), which the conflict's `text` keeps alive: a conflict, and every copy of
// it, stays valid on its own, and a big answer's thousands of names are not copied one by one.
struct TypeIndices {
    std::string es_type;     // as _field_caps reports it (a type family: keyword covers wildcard)
    std::string kibana_type; // what Kibana shows
    std::vector<std::string_view> indices;
};

struct FieldCapsText; // the answer's text and decoded names (audit's own)

struct FieldConflict {
    std::string field;
    std::vector<TypeIndices> types;                 // sorted by es_type
    std::vector<std::string_view> unmapped_indices; // with include_unmapped: where it is absent
    std::shared_ptr<const FieldCapsText> text;      // what the views point into
};

// What the audit takes from a _field_caps answer: how many indices it covers, and the fields
// whose indices disagree on the Kibana type (sorted by name; each conflict's types sorted by
// es_type). The `unmapped` pseudo-type and metadata fields never make a conflict.
struct FieldCaps {
    std::size_t indices = 0;
    std::vector<FieldConflict> conflicts;
};
// Reads the answer's bytes in one pass without building a document: only the "indices" lists of
// conflicting fields are read, as views into the answer, and everything else is skipped (issue
// #9: a 5,000 x 2,000 data view is megabytes of index names). Malformed JSON is a `parse` Error
// naming the byte.
[[nodiscard]] es_client::Result<FieldCaps> scan_field_caps(std::string body);
// The same over a parsed answer (for tests and callers that hold a document).
[[nodiscard]] std::vector<FieldConflict> find_conflicts(const nlohmann::json& field_caps);

// What one data stream contributes to one conflicting field.
struct StreamFinding {
    enum class Verdict {
        repairable, // backing indices disagree with the template that governs the stream now
        tsds,       // a time series stream: Elastic's TSDS reindex procedure, not this playbook
        by_design,  // every backing index agrees with the stream's template: other datasets differ
    };
    std::string data_stream;
    std::string field;
    Verdict verdict = Verdict::by_design;
    std::string template_name;                // the index template governing the stream now
    std::string template_type;                // the type it gives the field ("" if none)
    nlohmann::json package;                   // the template's _meta.package, or null
    std::map<std::string, std::string> types; // backing index -> its type of the field
    std::vector<std::string> disagreeing; // backing indices whose type differs from the template's
    // A Golang template (esmend's or Fleet's golang package) that maps the field otherwise than
    // the package esmend bundles: {"type", "package_version"} of the bundled mapping, which the
    // online repair installs first, and "reinstall" (Fleet's golang at that very version: its
    // reinstall puts the template back); null otherwise. The disagreeing indices are then those
    // that differ from the bundled type.
    nlohmann::json template_fix;
};

// What the audit knows about a data stream, from GET _data_stream and the simulated template.
struct StreamInfo {
    std::vector<std::string> indices; // backing indices, oldest first
    std::string template_name;
    nlohmann::json
        template_mappings;    // POST _index_template/_simulate_index/<ds>: template.mappings
    nlohmann::json meta;      // the template's _meta
    bool time_series = false; // index.mode: time_series
};

// The type a "mappings" object gives a dotted field (walking properties), if any.
[[nodiscard]] std::optional<std::string> mapping_type(const nlohmann::json& mappings,
                                                      std::string_view dotted_field);

// Splits a conflict over the data streams that own its indices, one finding per stream. Indices
// owned by no stream (plain indices) get no finding: they are reported, never repaired.
[[nodiscard]] std::vector<StreamFinding>
attribute_conflict(const FieldConflict& conflict, const std::map<std::string, StreamInfo>& streams);

// The data stream owning each backing index.
[[nodiscard]] std::map<std::string, std::string, std::less<>>
index_owners(const std::map<std::string, StreamInfo>& streams);

[[nodiscard]] std::string_view to_string(StreamFinding::Verdict verdict);

// An integer at a JSON pointer, whether ES gave it as a number or a string (_cat), 0 if absent.
[[nodiscard]] std::int64_t json_int(const nlohmann::json& j, const nlohmann::json::json_pointer& p);
// Free and total disk summed over the nodes (GET _nodes/stats/fs): {available_bytes, total_bytes}.
[[nodiscard]] es_client::Result<nlohmann::json> observe_disk(es_client::Elasticsearch& es);
// Whether a copy of `bytes` fits while staying under the flood-stage watermark (95 %, es-apis.md
// §1.13), the original kept in place (es-apis.md §5.5, §5.11).
[[nodiscard]] bool copy_fits(std::int64_t total, std::int64_t available, std::int64_t bytes);

struct AuditTarget {
    std::string title;        // the index pattern: "logs-*" or "logs-*,-logs-test*"
    nlohmann::json data_view; // {"id", "name"} when it came from Kibana, else null
};

struct AuditOptions {
    // Assumed reindex speed for the estimate, in documents per second (stated in the report).
    double docs_per_second = 5000.0;
};

// The data views to audit: all of them, or those whose id, name or title is in `wanted`.
// Kibana 8 lists them at GET /api/data_views; 7.x keeps them as index-pattern saved objects
// (es-apis.md §2.4).
[[nodiscard]] es_client::Result<std::vector<AuditTarget>>
data_view_targets(es_client::Kibana& kibana, const std::vector<std::string>& wanted);

// Audits each target with reads only and returns the report (the `--json` schema documented in
// the README): conflicts as Kibana shows them, their cause per data stream, and a repair plan for
// each repairable stream.
[[nodiscard]] es_client::Result<nlohmann::json> audit(es_client::Elasticsearch& es,
                                                      const std::vector<AuditTarget>& targets,
                                                      const AuditOptions& options);

// The command that repairs one data stream's fields.
[[nodiscard]] std::string repair_command(const std::string& data_stream,
                                         const std::vector<std::string>& fields);

} // namespace esmend::playbooks

#pragma once
// The audit's analysis: which fields a Kibana data view shows as "conflict", where, and why.
// Pure functions over Elasticsearch answers (field_caps, data streams, simulated templates), so
// they are tested without a cluster and stay fast on big clusters.

#include <nlohmann/json.hpp>

#include <map>
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

struct TypeIndices {
    std::string es_type;     // as _field_caps reports it (a type family: keyword covers wildcard)
    std::string kibana_type; // what Kibana shows
    std::vector<std::string> indices;
};

struct FieldConflict {
    std::string field;
    std::vector<TypeIndices> types;            // sorted by es_type
    std::vector<std::string> unmapped_indices; // with include_unmapped: where the field is absent
};

// Fields whose indices disagree on the Kibana type, sorted by name. `field_caps` is a
// _field_caps answer (fields.<name>.<type>{indices?}); the `unmapped` pseudo-type and metadata
// fields never make a conflict.
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
[[nodiscard]] std::map<std::string, std::string>
index_owners(const std::map<std::string, StreamInfo>& streams);

[[nodiscard]] std::string_view to_string(StreamFinding::Verdict verdict);

} // namespace esmend::playbooks

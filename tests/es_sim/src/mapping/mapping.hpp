#pragma once
// es-sim's mapping engine: ES's mapper semantics for the field types esmend meets. Owned by the
// mapping module; the store and the search side use it only through this header.

#include "doc_view.hpp"
#include "es_error.hpp"
#include "mapping/doc_tree.hpp"
#include "mapping/mapping_model.hpp"
#include "sim_version.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim {

// Why mappings are being merged; ES applies different rules (ES MapperService.MergeReason).
enum class MergeReason {
    mapping_update, // PUT _mapping and dynamic updates: a changed type is
                    // illegal_argument_exception
    index_template, // composing component templates and the index template: later wins
};

// One leaf field as field_caps sees it.
struct FieldInfo {
    std::string path; // "host.ip", "message.keyword"
    std::string type; // the mapped type, e.g. "keyword", "constant_keyword", "ip", "object"
    bool searchable = true;
    bool aggregatable = true;
    bool metadata_field = false;
    nlohmann::json meta; // the field's "meta" object, or null
    std::optional<std::string> time_series_dimension_or_metric; // unused unless TSDS
};

// The outcome of parsing one document against a mapping.
struct ParsedDocument {
    // The dynamic mapping update the document requires (a "mappings"-shaped object to merge with
    // MergeReason::mapping_update), or null when the document introduces no new field.
    nlohmann::json dynamic_update;
};

class Mapping {
public:
    // Parses and validates a "mappings" object ({"properties": ..., "dynamic": ...,
    // "dynamic_templates":
    // [...], "date_detection": ..., "_source": ..., "_meta": ...}) with ES's errors, e.g.
    // mapper_parsing_exception "No handler for type [x] declared on field [y]".
    static std::expected<Mapping, EsError> parse(const nlohmann::json& mappings,
                                                 const SimVersion& version);

    // Merges another mappings object into this one with ES's merge rules.
    [[nodiscard]] std::expected<void, EsError> merge(const nlohmann::json& mappings,
                                                     MergeReason reason);

    // The mapping as GET _mapping renders it (full object form, dotted names expanded to objects).
    [[nodiscard]] nlohmann::json to_json() const;

    // Validates a document's _source as ES's document parser does, including the exact per-document
    // error (type, reason text, caused_by). `source_text` is the original bytes, used for the
    // "[line:col]" location in 8.x reasons. Does not modify *this.
    [[nodiscard]] std::expected<ParsedDocument, EsError>
    parse_document(const nlohmann::json& source, std::string_view source_text,
                   std::string_view id) const;
    // The same for a source already parsed with mapping_detail::parse_doc_tree_strict (the bulk
    // path parses each document once).
    [[nodiscard]] std::expected<ParsedDocument, EsError>
    parse_document(const mapping_detail::DocNode& tree, std::string_view id) const;

    // The mapped type of a concrete field path, nullopt if unmapped.
    [[nodiscard]] std::optional<std::string> field_type(std::string_view path) const;

    // Every leaf field (multi-fields included, objects included as type "object"), for field_caps.
    [[nodiscard]] std::vector<FieldInfo> fields() const;

    // The indexed values of `path` in `source`, normalised as doc_view.hpp describes. Values the
    // mapping would ignore (ignore_above, index:false, unmapped with dynamic:false) are not
    // returned.
    [[nodiscard]] std::vector<FieldValue> values(const nlohmann::json& source,
                                                 std::string_view path) const;
    // The same for a parsed tree (equal to values() of nlohmann's parse of the same text).
    [[nodiscard]] std::vector<FieldValue> values(const mapping_detail::DocNode& tree,
                                                 std::string_view path) const;

private:
    Mapping() = default;
    mapping_detail::RootDef m_model;
    SimVersion m_version;
};

} // namespace esmend::es_sim

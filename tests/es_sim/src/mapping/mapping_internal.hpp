#pragma once
// Functions shared by the mapping engine's source files; not part of its public contract.

#include "doc_view.hpp"
#include "es_error.hpp"
#include "mapping/doc_tree.hpp"
#include "mapping/mapping.hpp"
#include "mapping/mapping_model.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim::mapping_detail {

// ---- mapping definitions (mapping_parse.cpp) ----

// Parses a "mappings" object. Errors are the inner exception (MapperService wraps them in
// "Failed to parse mapping: ...").
[[nodiscard]] std::expected<RootDef, EsError> parse_root_def(const nlohmann::json& mappings);

// Parses one field definition (the value under a "properties" key), e.g. from a dynamic template.
[[nodiscard]] std::expected<FieldDef, EsError> parse_field_def(const std::string& name,
                                                               const nlohmann::json& node);

[[nodiscard]] nlohmann::json field_to_json(const FieldDef& def);
[[nodiscard]] nlohmann::json root_to_json(const RootDef& root);

[[nodiscard]] std::expected<void, EsError> merge_root(RootDef& into, const RootDef& with,
                                                      MergeReason reason);

// Java's toString() of a parsed JSON value ("{a=1, b=[x, y]}") as ES error messages print it.
// Map keys are listed in java.util.HashMap iteration order.
[[nodiscard]] std::string java_to_string(const nlohmann::json& value);

// An explicit boolean parameter of a field, or `fallback`.
[[nodiscard]] bool param_bool(const FieldDef& def, std::string_view key, bool fallback);

// The type names es-sim knows. Types outside the modelled set are accepted and stored, but their
// values are neither validated nor returned.
[[nodiscard]] bool is_known_type(std::string_view type);

// ---- values (field_parse.cpp) ----

// A scalar document value as ES's parser exposes it: its token kind and its text (raw for numbers).
// The text is a view: it must not outlive the document node or the buffer it came from.
struct Scalar {
    NodeKind kind = NodeKind::null;
    std::string_view text;
    bool is_float = false;
};

// A Scalar for a parsed JSON value; number texts are rendered into `buffer`.
[[nodiscard]] Scalar scalar_of(const nlohmann::json& value, std::string& buffer);

// Parses one scalar with the field's rules. Returns the normalised value (nullopt when the field
// type yields no indexed value) or the exception ES's field mapper throws, which becomes the
// caused_by of the per-document error.
[[nodiscard]] std::expected<std::optional<FieldValue>, EsError>
parse_scalar(const FieldDef& def, std::string_view path, const Scalar& value);

// The caused_by for a leaf field that receives an object (JsonXContentParser.text() on
// START_OBJECT).
[[nodiscard]] EsError object_for_leaf_cause(const FieldDef& def, const TokenLocation& where);

} // namespace esmend::es_sim::mapping_detail

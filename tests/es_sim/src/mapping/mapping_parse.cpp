// Parsing, rendering and merging of mapping definitions.
// ES sources: ObjectMapper.TypeParser (properties, dotted names, "No type specified"),
// MappingParser/RootObjectMapper (root parameters), FieldMapper.Builder (unknown parameters,
// Parameter.merge conflicts), ObjectMapper.MergeResult and MapperErrors (object/leaf conflicts),
// RootObjectMapper.Builder.merge (dynamic_templates by name for index templates), Mapping.merge
// (_meta).

#include "mapping/field_values.hpp"
#include "mapping/mapping_internal.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>

namespace esmend::es_sim::mapping_detail {
namespace {

using nlohmann::json;

EsError mapper_parsing(std::string reason) {
    return EsError(400, "mapper_parsing_exception", std::move(reason));
}
EsError illegal_argument(std::string reason) {
    return EsError(400, "illegal_argument_exception", std::move(reason));
}

// Parameters every modelled field mapper accepts (FieldMapper: meta, copy_to, multi-fields,
// scripts).
constexpr std::array<std::string_view, 6> k_common_params{
    "meta", "copy_to", "fields", "script", "on_script_error", "synthetic_source_keep"};

struct TypeParams {
    std::string_view type;
    std::vector<std::string_view> params;
};

// Accepted parameters per type (ES reference "Mapping parameters", per-type pages).
const std::vector<TypeParams>& type_params() {
    static const std::vector<TypeParams> k_types = {
        {"keyword",
         {"ignore_above", "null_value", "normalizer", "eager_global_ordinals", "index",
          "index_options", "norms", "doc_values", "store", "similarity",
          "split_queries_on_whitespace", "time_series_dimension", "boost"}},
        {"text",
         {"analyzer", "search_analyzer", "search_quote_analyzer", "fielddata",
          "fielddata_frequency_filter", "eager_global_ordinals", "index", "index_options",
          "index_phrases", "index_prefixes", "norms", "position_increment_gap", "similarity",
          "store", "term_vector", "boost"}},
        {"match_only_text", {}},
        {"wildcard", {"ignore_above", "null_value"}},
        {"constant_keyword", {"value"}},
        {"long",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_dimension", "time_series_metric", "boost"}},
        {"integer",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_dimension", "time_series_metric", "boost"}},
        {"short",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_dimension", "time_series_metric", "boost"}},
        {"byte",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_dimension", "time_series_metric", "boost"}},
        {"double",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_metric", "boost"}},
        {"float",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_metric", "boost"}},
        {"half_float",
         {"coerce", "ignore_malformed", "null_value", "index", "doc_values", "store",
          "time_series_metric", "boost"}},
        {"scaled_float",
         {"scaling_factor", "coerce", "ignore_malformed", "null_value", "index", "doc_values",
          "store", "time_series_metric", "boost"}},
        {"unsigned_long",
         {"ignore_malformed", "null_value", "index", "doc_values", "store", "time_series_dimension",
          "time_series_metric", "boost"}},
        {"boolean", {"null_value", "index", "doc_values", "store", "ignore_malformed", "boost"}},
        {"date",
         {"format", "locale", "null_value", "ignore_malformed", "index", "doc_values", "store",
          "boost", "print_format"}},
        {"date_nanos",
         {"format", "locale", "null_value", "ignore_malformed", "index", "doc_values", "store",
          "boost"}},
        {"ip",
         {"ignore_malformed", "null_value", "index", "doc_values", "store", "time_series_dimension",
          "boost"}},
        {"flattened",
         {"depth_limit", "doc_values", "eager_global_ordinals", "ignore_above", "index",
          "index_options", "null_value", "similarity", "split_queries_on_whitespace",
          "time_series_dimensions"}},
    };
    return k_types;
}

// Types ES has but es-sim does not model: accepted with any parameters (not validated).
constexpr std::array<std::string_view, 28> k_unmodelled_types{"alias",
                                                              "geo_point",
                                                              "geo_shape",
                                                              "point",
                                                              "shape",
                                                              "binary",
                                                              "version",
                                                              "token_count",
                                                              "dense_vector",
                                                              "sparse_vector",
                                                              "rank_feature",
                                                              "rank_features",
                                                              "histogram",
                                                              "aggregate_metric_double",
                                                              "search_as_you_type",
                                                              "completion",
                                                              "percolator",
                                                              "join",
                                                              "integer_range",
                                                              "long_range",
                                                              "float_range",
                                                              "double_range",
                                                              "date_range",
                                                              "ip_range",
                                                              "annotated_text",
                                                              "semantic_text",
                                                              "counted_keyword",
                                                              "passthrough"};

// Booleans ES parses with XContentMapValues.nodeBooleanValue.
constexpr std::array<std::string_view, 14> k_bool_params{"index",
                                                         "doc_values",
                                                         "store",
                                                         "coerce",
                                                         "ignore_malformed",
                                                         "fielddata",
                                                         "eager_global_ordinals",
                                                         "norms",
                                                         "index_phrases",
                                                         "include_in_parent",
                                                         "include_in_root",
                                                         "enabled",
                                                         "split_queries_on_whitespace",
                                                         "time_series_dimension"};

// Parameters ES lets a mapping update change (Parameter.updateable in the field mappers).
constexpr std::array<std::string_view, 13> k_updateable_params{"ignore_above",
                                                               "meta",
                                                               "ignore_malformed",
                                                               "coerce",
                                                               "eager_global_ordinals",
                                                               "fielddata",
                                                               "fielddata_frequency_filter",
                                                               "search_analyzer",
                                                               "search_quote_analyzer",
                                                               "copy_to",
                                                               "depth_limit",
                                                               "split_queries_on_whitespace",
                                                               "boost"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view value) {
    return std::find(set.begin(), set.end(), value) != set.end();
}

const TypeParams* params_for(std::string_view type) {
    for (const auto& t : type_params()) {
        if (t.type == type)
            return &t;
    }
    return nullptr;
}

std::optional<std::string> dynamic_text(DynamicMode mode) {
    switch (mode) {
    case DynamicMode::on:
        return "true";
    case DynamicMode::off:
        return "false";
    case DynamicMode::strict:
        return "strict";
    case DynamicMode::runtime:
        return "runtime";
    case DynamicMode::unset:
        break;
    }
    return std::nullopt;
}

std::expected<DynamicMode, EsError> parse_dynamic(const json& value) {
    std::string text;
    if (value.is_boolean())
        text = value.get<bool>() ? "true" : "false";
    else if (value.is_string())
        text = value.get<std::string>();
    else
        text = java_to_string(value);
    if (text == "true")
        return DynamicMode::on;
    if (text == "false")
        return DynamicMode::off;
    if (text == "strict")
        return DynamicMode::strict;
    if (text == "runtime")
        return DynamicMode::runtime;
    // ES ObjectMapper.Dynamic parsing (unverified wording).
    return std::unexpected(illegal_argument(
        "No enum constant org.elasticsearch.index.mapper.ObjectMapper.Dynamic." + [&] {
            std::string upper = text;
            for (auto& ch : upper)
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            return upper;
        }()));
}

std::expected<json, EsError> normalise_bool(const std::string& key, const json& value) {
    if (value.is_boolean())
        return value;
    if (value.is_string()) {
        const auto s = value.get<std::string>();
        if (s == "true")
            return true;
        if (s == "false")
            return false;
    }
    // ES Booleans.parseBoolean (XContentMapValues.nodeBooleanValue).
    (void)key;
    return std::unexpected(illegal_argument("Failed to parse value [" + java_to_string(value) +
                                            "] as only [true] or [false] are allowed."));
}

std::string remaining_fields(const json& node, const std::set<std::string>& consumed) {
    // ES DocumentMapperParser.getRemainingFields: " [key : value]" per leftover entry.
    std::string out;
    for (const auto& [k, v] : node.items()) {
        if (consumed.contains(k))
            continue;
        out += " [" + k + " : " + java_to_string(v) + "]";
    }
    return out;
}

std::expected<void, EsError> parse_properties(const json& props, FieldDef& parent);

std::expected<FieldDef, EsError> parse_object_def(const std::string& name, const std::string& type,
                                                  const json& node) {
    FieldDef def;
    def.name = name;
    def.type = type;
    std::set<std::string> consumed{"type"};
    for (const auto& [k, v] : node.items()) {
        if (k == "type")
            continue;
        if (k == "properties") {
            consumed.insert(k);
            if (!v.is_object())
                continue; // ES ignores a non-map properties node with a deprecation.
            if (auto ok = parse_properties(v, def); !ok)
                return std::unexpected(ok.error());
        } else if (k == "dynamic") {
            consumed.insert(k);
            auto mode = parse_dynamic(v);
            if (!mode)
                return std::unexpected(mode.error());
            def.dynamic = *mode;
        } else if (k == "enabled" ||
                   (type == "nested" && (k == "include_in_parent" || k == "include_in_root"))) {
            consumed.insert(k);
            auto b = normalise_bool(k, v);
            if (!b)
                return std::unexpected(b.error());
            def.params[k] = *b;
        } else if (k == "subobjects") {
            consumed.insert(k);
            def.params[k] = v;
        }
    }
    if (const std::string rest = remaining_fields(node, consumed); !rest.empty()) {
        // ES ObjectMapper.TypeParser -> DocumentMapperParser.checkNoRemainingFields.
        return std::unexpected(mapper_parsing("Mapping definition for [" + name +
                                              "] has unsupported parameters: " + rest));
    }
    return def;
}

std::expected<FieldDef, EsError> parse_leaf_def(const std::string& name, const std::string& type,
                                                const json& node, bool multi_field) {
    FieldDef def;
    def.name = name;
    def.type = type;
    const TypeParams* known = params_for(type);
    for (const auto& [k, v] : node.items()) {
        if (k == "type")
            continue;
        if (k == "fields") {
            if (!v.is_object()) {
                return std::unexpected(
                    mapper_parsing("Expected map for property [fields] on field [" + name +
                                   "] but got a " + java_to_string(v)));
            }
            for (const auto& [sub_name, sub_node] : v.items()) {
                if (!sub_node.is_object()) {
                    return std::unexpected(
                        mapper_parsing("Expected map for property [fields] on field [" + sub_name +
                                       "] but got a " + java_to_string(sub_node)));
                }
                std::string sub_type = "object";
                if (sub_node.contains("type")) {
                    sub_type = sub_node["type"].is_string() ? sub_node["type"].get<std::string>()
                                                            : java_to_string(sub_node["type"]);
                } else {
                    return std::unexpected(
                        mapper_parsing("No type specified for field [" + sub_name + "]"));
                }
                if (sub_type == "object" || sub_type == "nested") {
                    // ES TypeParsers.parseMultiField.
                    return std::unexpected(
                        mapper_parsing("Type [" + sub_type + "] cannot be used in multi field"));
                }
                if (!is_known_type(sub_type)) {
                    return std::unexpected(mapper_parsing("No handler for type [" + sub_type +
                                                          "] declared on field [" + sub_name +
                                                          "]"));
                }
                auto sub = parse_leaf_def(sub_name, sub_type, sub_node, true);
                if (!sub)
                    return std::unexpected(sub.error());
                def.put_child(std::move(*sub));
            }
            continue;
        }
        if (known != nullptr) {
            const bool allowed =
                contains(k_common_params, k) ||
                std::find(known->params.begin(), known->params.end(), k) != known->params.end();
            if (!allowed) {
                // ES FieldMapper.Builder.parse.
                return std::unexpected(mapper_parsing("unknown parameter [" + k + "] on mapper [" +
                                                      name + "] of type [" + type + "]"));
            }
        }
        if (contains(k_bool_params, k)) {
            auto b = normalise_bool(k, v);
            if (!b)
                return std::unexpected(b.error());
            def.params[k] = *b;
        } else if ((k == "ignore_above" || k == "scaling_factor" || k == "depth_limit") &&
                   v.is_string()) {
            auto d = java_parse_double(v.get<std::string>());
            if (!d)
                return std::unexpected(mapper_parsing(
                    "Failed to parse mapping: For input string: \"" + v.get<std::string>() + "\""));
            if (k == "scaling_factor")
                def.params[k] = *d;
            else
                def.params[k] = static_cast<std::int64_t>(*d);
        } else {
            def.params[k] = v;
        }
    }
    (void)multi_field;
    if (type == "scaled_float" && !def.params.contains("scaling_factor")) {
        // ES ScaledFloatFieldMapper: the scaling_factor parameter validator.
        return std::unexpected(illegal_argument("Field [scaling_factor] is required"));
    }
    if ((type == "date" || type == "date_nanos") && def.params.contains("format")) {
        const auto& f = def.params["format"];
        const std::string text = f.is_string() ? f.get<std::string>() : java_to_string(f);
        if (auto fmt = DateFormat::parse(text); !fmt) {
            return std::unexpected(
                mapper_parsing("Error parsing [format] on field [" + name + "]: " + fmt.error()));
        }
    }
    return def;
}

} // namespace

bool is_known_type(std::string_view type) {
    return type == "object" || type == "nested" || params_for(type) != nullptr ||
           contains(k_unmodelled_types, type);
}

std::expected<FieldDef, EsError> parse_field_def(const std::string& name, const json& node) {
    if (!node.is_object()) {
        return std::unexpected(mapper_parsing("Expected map for property [fields] on field [" +
                                              name + "] but got a " + java_to_string(node)));
    }
    std::string type;
    if (node.contains("type")) {
        type = node["type"].is_string() ? node["type"].get<std::string>()
                                        : java_to_string(node["type"]);
    } else if (node.contains("properties") || node.contains("dynamic") ||
               node.contains("enabled") || node.contains("subobjects")) {
        type = "object";
    } else {
        // ES ObjectMapper.TypeParser.parseProperties.
        return std::unexpected(mapper_parsing("No type specified for field [" + name + "]"));
    }
    if (!is_known_type(type)) {
        return std::unexpected(
            mapper_parsing("No handler for type [" + type + "] declared on field [" + name + "]"));
    }
    if (type == "object" || type == "nested")
        return parse_object_def(name, type, node);
    return parse_leaf_def(name, type, node, false);
}

namespace {

// Adds `def` under `parent`, merging with an object of the same name that a dotted name created.
void add_property(FieldDef& parent, FieldDef def) {
    FieldDef* existing = parent.child(def.name);
    if (existing != nullptr && existing->is_object() && def.is_object()) {
        for (auto& c : def.children)
            add_property(*existing, std::move(c));
        for (const auto& [k, v] : def.params.items())
            existing->params[k] = v;
        if (def.dynamic != DynamicMode::unset)
            existing->dynamic = def.dynamic;
        if (def.type == "nested")
            existing->type = "nested";
        return;
    }
    parent.put_child(std::move(def));
}

std::expected<void, EsError> parse_properties(const json& props, FieldDef& parent) {
    for (const auto& [name, node] : props.items()) {
        if (name.empty())
            return std::unexpected(illegal_argument("field name cannot be an empty string"));
        // ES 8: a dotted property name is expanded into objects ("host.ip" == host{ip}).
        std::vector<std::string> parts;
        std::size_t start = 0;
        while (true) {
            const std::size_t dot = name.find('.', start);
            parts.push_back(
                name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos)
                break;
            start = dot + 1;
        }
        for (const auto& p : parts) {
            if (p.empty()) {
                return std::unexpected(
                    illegal_argument("field name cannot contain only dots: [" + name + "]"));
            }
        }
        auto leaf = parse_field_def(parts.back(), node);
        if (!leaf) {
            if (parts.size() > 1 && leaf.error().reason.starts_with("No handler for type")) {
                // The reason names the field as written in the mapping.
                const std::string type = node.contains("type") && node["type"].is_string()
                                             ? node["type"].get<std::string>()
                                             : "";
                return std::unexpected(mapper_parsing("No handler for type [" + type +
                                                      "] declared on field [" + name + "]"));
            }
            return std::unexpected(leaf.error());
        }
        FieldDef def = std::move(*leaf);
        for (std::size_t i = parts.size() - 1; i > 0; --i) {
            FieldDef wrapper;
            wrapper.name = parts[i - 1];
            wrapper.type = "object";
            wrapper.put_child(std::move(def));
            def = std::move(wrapper);
        }
        add_property(parent, std::move(def));
    }
    return {};
}

constexpr std::array<std::string_view, 14> k_metadata_fields{
    "_source",    "_routing",    "_field_names", "_data_stream_timestamp",
    "_doc_count", "_index",      "_id",          "_tier",
    "_size",      "_ignored",    "_seq_no",      "_version",
    "_feature",   "_nested_path"};

} // namespace

std::expected<RootDef, EsError> parse_root_def(const json& mappings_in) {
    RootDef root;
    if (mappings_in.is_null())
        return root;
    if (!mappings_in.is_object()) {
        return std::unexpected(mapper_parsing(
            "Root mapping definition has unsupported parameters: " + java_to_string(mappings_in)));
    }
    const json* mappings = &mappings_in;
    // A single "_doc" key wraps the mapping (MappingParser strips the type name).
    if (mappings_in.size() == 1 && mappings_in.contains("_doc") &&
        mappings_in["_doc"].is_object()) {
        mappings = &mappings_in["_doc"];
    }
    std::set<std::string> consumed;
    for (const auto& [k, v] : mappings->items()) {
        if (k == "properties") {
            consumed.insert(k);
            if (!v.is_object())
                continue;
            if (auto ok = parse_properties(v, root.root); !ok)
                return std::unexpected(ok.error());
        } else if (k == "dynamic") {
            consumed.insert(k);
            auto mode = parse_dynamic(v);
            if (!mode)
                return std::unexpected(mode.error());
            root.root.dynamic = *mode;
        } else if (k == "enabled" || k == "subobjects") {
            consumed.insert(k);
            root.root.params[k] = v;
        } else if (k == "dynamic_templates") {
            consumed.insert(k);
            if (!v.is_array()) {
                return std::unexpected(mapper_parsing(
                    "Dynamic template syntax error. An array of named objects is expected."));
            }
            for (const auto& t : v) {
                if (!t.is_object() || t.size() != 1 || !t.begin().value().is_object()) {
                    return std::unexpected(mapper_parsing(
                        "Dynamic template syntax error. An array of named objects is expected."));
                }
            }
            root.dynamic_templates = v;
        } else if (k == "date_detection" || k == "numeric_detection") {
            consumed.insert(k);
            auto b = normalise_bool(k, v);
            if (!b)
                return std::unexpected(b.error());
            (k == "date_detection" ? root.date_detection : root.numeric_detection) = *b;
        } else if (k == "dynamic_date_formats") {
            consumed.insert(k);
            json formats = v.is_array() ? v : json::array({v});
            for (const auto& f : formats) {
                if (!f.is_string()) {
                    return std::unexpected(
                        mapper_parsing("Invalid format: [" + java_to_string(f) + "]"));
                }
                if (auto fmt = DateFormat::parse(f.get<std::string>()); !fmt) {
                    return std::unexpected(mapper_parsing(fmt.error()));
                }
            }
            root.dynamic_date_formats = formats;
        } else if (k == "_meta") {
            consumed.insert(k);
            root.meta = v;
        } else if (k == "runtime") {
            consumed.insert(k);
            if (!v.is_object())
                continue;
            root.runtime = json::object();
            for (const auto& [rname, rdef] : v.items()) {
                if (!rdef.is_object() || !rdef.contains("type")) {
                    return std::unexpected(
                        mapper_parsing("No type specified for runtime field [" + rname + "]"));
                }
                root.runtime[rname] = rdef;
            }
        } else if (contains(k_metadata_fields, k)) {
            consumed.insert(k);
            root.metadata_fields[k] = v;
        }
    }
    if (const std::string rest = remaining_fields(*mappings, consumed); !rest.empty()) {
        // ES MappingParser: checkNoRemainingFields on the root.
        return std::unexpected(
            mapper_parsing("Root mapping definition has unsupported parameters: " + rest));
    }
    return root;
}

json field_to_json(const FieldDef& def) {
    json out = json::object();
    if (def.is_object()) {
        if (def.type == "nested")
            out["type"] = "nested";
        if (auto d = dynamic_text(def.dynamic))
            out["dynamic"] = *d;
        for (const auto& [k, v] : def.params.items())
            out[k] = v;
        if (!def.children.empty()) {
            json props = json::object();
            for (const auto& c : def.children)
                props[c.name] = field_to_json(c);
            out["properties"] = std::move(props);
        } else if (def.type == "object" && out.empty()) {
            // ES ObjectMapper.toXContent names the type when nothing else would show it.
            out["type"] = "object";
        }
        return out;
    }
    out["type"] = def.type;
    for (const auto& [k, v] : def.params.items())
        out[k] = v;
    if (!def.children.empty()) {
        json fields = json::object();
        for (const auto& c : def.children)
            fields[c.name] = field_to_json(c);
        out["fields"] = std::move(fields);
    }
    return out;
}

json root_to_json(const RootDef& root) {
    json out = json::object();
    for (const auto& [k, v] : root.metadata_fields.items())
        out[k] = v;
    if (auto d = dynamic_text(root.root.dynamic))
        out["dynamic"] = *d;
    for (const auto& [k, v] : root.root.params.items())
        out[k] = v;
    if (!root.meta.is_null())
        out["_meta"] = root.meta;
    if (!root.dynamic_date_formats.is_null())
        out["dynamic_date_formats"] = root.dynamic_date_formats;
    if (!root.date_detection.is_null())
        out["date_detection"] = root.date_detection;
    if (!root.numeric_detection.is_null())
        out["numeric_detection"] = root.numeric_detection;
    if (!root.dynamic_templates.is_null())
        out["dynamic_templates"] = root.dynamic_templates;
    if (!root.root.children.empty()) {
        json props = json::object();
        for (const auto& c : root.root.children)
            props[c.name] = field_to_json(c);
        out["properties"] = std::move(props);
    }
    if (!root.runtime.is_null() && !root.runtime.empty())
        out["runtime"] = root.runtime;
    return out;
}

// ---------------------------------------------------------------------------------------------
// Merging.

namespace {

// The value a parameter has when it is not set, as ES prints it in conflict messages.
json param_default(const FieldDef& def, const std::string& key) {
    if (key == "index" || key == "doc_values")
        return true;
    if (key == "store" || key == "time_series_dimension" || key == "index_phrases")
        return false;
    if (key == "norms")
        return def.type == "text";
    if (key == "format" && (def.type == "date" || def.type == "date_nanos")) {
        return def.type == "date" ? std::string(k_default_date_format)
                                  : std::string("strict_date_optional_time_nanos||epoch_millis");
    }
    if (key == "index_options")
        return def.type == "text" ? "positions" : "docs";
    if (key == "analyzer")
        return "default";
    if (key == "similarity")
        return "BM25";
    if (key == "term_vector")
        return "no";
    if (key == "position_increment_gap")
        return 100;
    if (key == "locale")
        return "";
    return nullptr;
}

std::string param_text(const json& v) {
    return v.is_null() ? "null" : java_to_string(v);
}

std::expected<void, EsError> merge_leaf(FieldDef& into, const FieldDef& with,
                                        const std::string& path, MergeReason reason);

std::expected<void, EsError> merge_children(FieldDef& into, const FieldDef& with,
                                            const std::string& path, MergeReason reason);

std::expected<void, EsError> merge_field(FieldDef& into, const FieldDef& with,
                                         const std::string& path, MergeReason reason) {
    if (into.is_object()) {
        if (!with.is_object()) {
            // ES ObjectMapper.merge -> MapperErrors.throwObjectMappingConflictError.
            return std::unexpected(illegal_argument("can't merge a non object mapping [" + path +
                                                    "] with an object mapping"));
        }
        if ((into.type == "nested") != (with.type == "nested")) {
            // ES MapperErrors.throwNestedMappingConflictError.
            return std::unexpected(illegal_argument("can't merge a non-nested mapping [" + path +
                                                    "] with a nested mapping"));
        }
        if (with.dynamic != DynamicMode::unset)
            into.dynamic = with.dynamic;
        for (const auto& [k, v] : with.params.items()) {
            if (reason == MergeReason::index_template) {
                into.params[k] = v;
                continue;
            }
            const json old = into.params.contains(k) ? into.params[k] : json(k == "enabled");
            if (k == "enabled" && old != v) {
                // ES ObjectMapper.MergeResult.build.
                return std::unexpected(
                    EsError(400, "mapper_exception",
                            "the [enabled] parameter can't be updated for the object mapping [" +
                                path + "]"));
            }
            if ((k == "include_in_parent" || k == "include_in_root") && old != v) {
                return std::unexpected(EsError(
                    400, "mapper_exception",
                    "the [" + k + "] parameter can't be updated on a nested object mapping"));
            }
            into.params[k] = v;
        }
        return merge_children(into, with, path, reason);
    }
    if (with.is_object()) {
        if (with.type == "nested") {
            return std::unexpected(illegal_argument("can't merge a non-nested mapping [" + path +
                                                    "] with a nested mapping"));
        }
        return std::unexpected(illegal_argument("can't merge a non object mapping [" + path +
                                                "] with an object mapping"));
    }
    if (reason == MergeReason::index_template) {
        // ES ObjectMapper.MergeResult: with INDEX_TEMPLATE a field definition replaces the existing
        // one.
        into = with;
        return {};
    }
    return merge_leaf(into, with, path, reason);
}

std::expected<void, EsError> merge_children(FieldDef& into, const FieldDef& with,
                                            const std::string& path, MergeReason reason) {
    for (const auto& c : with.children) {
        const std::string child_path = path.empty() ? c.name : path + "." + c.name;
        FieldDef* existing = into.child(c.name);
        if (existing == nullptr) {
            into.put_child(c);
            continue;
        }
        if (auto ok = merge_field(*existing, c, child_path, reason); !ok)
            return ok;
    }
    return {};
}

std::expected<void, EsError> merge_leaf(FieldDef& into, const FieldDef& with,
                                        const std::string& path, MergeReason reason) {
    if (into.type != with.type) {
        // ES FieldMapper.merge (es-apis.md §0.2).
        return std::unexpected(illegal_argument("mapper [" + path +
                                                "] cannot be changed from type [" + into.type +
                                                "] to [" + with.type + "]"));
    }
    std::vector<std::string> conflicts;
    std::set<std::string> keys;
    for (const auto& [k, v] : into.params.items())
        keys.insert(k);
    for (const auto& [k, v] : with.params.items())
        keys.insert(k);
    for (const auto& k : keys) {
        if (contains(k_updateable_params, k))
            continue;
        const json old = into.params.contains(k) ? into.params[k] : param_default(into, k);
        const json neu = with.params.contains(k) ? with.params[k] : param_default(with, k);
        if (k == "value" && into.type == "constant_keyword" && old.is_null())
            continue; // unset value may be set once
        if (old != neu) {
            // ES FieldMapper.Conflicts.
            conflicts.push_back("Cannot update parameter [" + k + "] from [" + param_text(old) +
                                "] to [" + param_text(neu) + "]");
        }
    }
    if (!conflicts.empty()) {
        std::string reason_text = "Mapper for [" + path + "] conflicts with existing mapper:";
        for (const auto& c : conflicts)
            reason_text += "\n\t" + c;
        return std::unexpected(illegal_argument(reason_text));
    }
    FieldDef merged = into;
    merged.params = with.params;
    // Multi-fields are merged by name: new ones are added, existing ones merged, absent ones kept.
    for (const auto& sub : with.children) {
        FieldDef* existing = merged.child(sub.name);
        if (existing == nullptr) {
            merged.put_child(sub);
            continue;
        }
        if (auto ok = merge_leaf(*existing, sub, path + "." + sub.name, reason); !ok)
            return ok;
    }
    into = std::move(merged);
    return {};
}

// XContentHelper.mergeDefaults(incoming, existing): keys missing from `into` are copied from
// `defaults`, nested maps merged recursively.
void merge_defaults(json& into, const json& defaults) {
    for (const auto& [k, v] : defaults.items()) {
        if (!into.contains(k)) {
            into[k] = v;
        } else if (into[k].is_object() && v.is_object()) {
            merge_defaults(into[k], v);
        }
    }
}

} // namespace

std::expected<void, EsError> merge_root(RootDef& into, const RootDef& with, MergeReason reason) {
    if (with.root.dynamic != DynamicMode::unset)
        into.root.dynamic = with.root.dynamic;
    for (const auto& [k, v] : with.root.params.items())
        into.root.params[k] = v;
    if (auto ok = merge_children(into.root, with.root, "", reason); !ok)
        return ok;
    if (!with.date_detection.is_null())
        into.date_detection = with.date_detection;
    if (!with.numeric_detection.is_null())
        into.numeric_detection = with.numeric_detection;
    if (!with.dynamic_date_formats.is_null())
        into.dynamic_date_formats = with.dynamic_date_formats;
    if (!with.dynamic_templates.is_null()) {
        if (reason == MergeReason::index_template && !into.dynamic_templates.is_null()) {
            // RootObjectMapper: templates are keyed by name, a later one replaces in place.
            json merged = into.dynamic_templates;
            for (const auto& t : with.dynamic_templates) {
                const std::string name = t.begin().key();
                bool replaced = false;
                for (auto& existing : merged) {
                    if (existing.begin().key() == name) {
                        existing = t;
                        replaced = true;
                    }
                }
                if (!replaced)
                    merged.push_back(t);
            }
            into.dynamic_templates = std::move(merged);
        } else {
            into.dynamic_templates = with.dynamic_templates;
        }
    }
    if (!with.meta.is_null()) {
        if (into.meta.is_null() || reason != MergeReason::index_template ||
            !with.meta.is_object()) {
            into.meta = with.meta;
        } else {
            json merged = with.meta;
            merge_defaults(merged, into.meta);
            into.meta = std::move(merged);
        }
    }
    if (!with.runtime.is_null()) {
        if (into.runtime.is_null())
            into.runtime = json::object();
        for (const auto& [k, v] : with.runtime.items()) {
            if (v.is_null())
                into.runtime.erase(k);
            else
                into.runtime[k] = v;
        }
    }
    for (const auto& [k, v] : with.metadata_fields.items())
        into.metadata_fields[k] = v;
    return {};
}

bool param_bool(const FieldDef& def, std::string_view key, bool fallback) {
    const auto it = def.params.find(std::string(key));
    if (it == def.params.end() || !it->is_boolean())
        return fallback;
    return it->get<bool>();
}

std::string java_to_string(const json& value) {
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::string:
        return value.get<std::string>();
    case json::value_t::boolean:
        return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
        return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
        return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float:
        return java_double_string(value.get<double>());
    case json::value_t::array: {
        std::string out = "[";
        bool first = true;
        for (const auto& v : value) {
            if (!first)
                out += ", ";
            first = false;
            out += java_to_string(v);
        }
        return out + "]";
    }
    case json::value_t::object: {
        // java.util.HashMap iteration order: buckets by (h ^ h >>> 16) & (n - 1), the table
        // growing from 16 while size > 0.75 n; insertion order within a bucket.
        std::size_t table = 16;
        while (static_cast<double>(value.size()) > 0.75 * static_cast<double>(table))
            table *= 2;
        std::vector<std::pair<std::size_t, std::string>> keys;
        for (const auto& [k, v] : value.items()) {
            const auto h = static_cast<std::uint32_t>(java_string_hash(k));
            const std::uint32_t spread = h ^ (h >> 16);
            keys.emplace_back(spread & (table - 1), k);
        }
        std::stable_sort(keys.begin(), keys.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string out = "{";
        bool first = true;
        for (const auto& [bucket, k] : keys) {
            if (!first)
                out += ", ";
            first = false;
            out += k + "=" + java_to_string(value[k]);
        }
        return out + "}";
    }
    default:
        return value.dump();
    }
}

} // namespace esmend::es_sim::mapping_detail

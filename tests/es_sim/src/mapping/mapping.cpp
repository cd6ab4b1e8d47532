// The Mapping facade, ES's document parser, and the field queries used by field_caps and search.
// ES sources: DocumentParser (object/array/value dispatch, dot expansion, strict/false/runtime
// dynamic, "object mapping for [x] tried to parse field [y] as object, but found a concrete
// value"), FieldMapper.parse/rethrowAsDocumentParsingException ("failed to parse field [f] of type
// [t] in document with id 'id'. Preview of field's value: 'v'"), DocumentParsingException
// ("[line:col] " prefix, 8.7+), DynamicFieldsBuilder (dynamic types, date and numeric detection),
// DynamicTemplate.match (match/unmatch/path_match/path_unmatch/match_mapping_type, placeholders).

#include "mapping/mapping.hpp"

#include "mapping/doc_tree.hpp"
#include "mapping/field_values.hpp"
#include "mapping/mapping_internal.hpp"

#include <regex.h>

#include <algorithm>
#include <memory>
#include <set>

namespace esmend::es_sim {

using nlohmann::json;
using namespace mapping_detail;

namespace {

std::vector<std::string> split_dots(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        parts.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                                            : dot - start));
        if (dot == std::string_view::npos)
            return parts;
        start = dot + 1;
    }
}

std::string join_path(const std::string& parent, const std::string& name) {
    return parent.empty() ? name : parent + "." + name;
}

EsError wrap_mapping_error(const EsError& inner, const SimVersion& version) {
    // MapperService.parseMapping: "Failed to parse mapping: {}" (8.x); 7.x names the type "[_doc]".
    const std::string prefix =
        version.major >= 8 ? "Failed to parse mapping: " : "Failed to parse mapping [_doc]: ";
    EsError outer(400, "mapper_parsing_exception", prefix + inner.reason);
    outer.because(inner);
    return outer;
}

// Regex.simpleMatch: '*' matches any sequence.
bool simple_match(std::string_view pattern, std::string_view text) {
    if (pattern.empty())
        return text.empty();
    if (pattern == "*")
        return true;
    const std::size_t star = pattern.find('*');
    if (star == std::string_view::npos)
        return pattern == text;
    if (text.substr(0, star) != pattern.substr(0, star))
        return false;
    const std::string_view rest = pattern.substr(star + 1);
    for (std::size_t i = star; i <= text.size(); ++i) {
        if (simple_match(rest, text.substr(i)))
            return true;
    }
    return false;
}

// match_pattern "regex" uses Java's Pattern.matches (a whole-string match). POSIX extended regular
// expressions cover the patterns dynamic templates use (anchors, classes, alternation, repetition).
bool pattern_match(std::string_view pattern, std::string_view text, bool regex) {
    if (!regex)
        return simple_match(pattern, text);
    regex_t compiled{};
    const std::string anchored = "^(" + std::string(pattern) + ")$";
    if (regcomp(&compiled, anchored.c_str(), REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    const std::unique_ptr<regex_t, void (*)(regex_t*)> guard(&compiled, regfree);
    return regexec(&compiled, std::string(text).c_str(), 0, nullptr, 0) == 0;
}

std::vector<std::string> string_list(const json& body, const char* key) {
    std::vector<std::string> out;
    const auto it = body.find(key);
    if (it == body.end())
        return out;
    if (it->is_string())
        out.push_back(it->get<std::string>());
    if (it->is_array()) {
        for (const auto& v : *it) {
            if (v.is_string())
                out.push_back(v.get<std::string>());
        }
    }
    return out;
}

// DynamicTemplate.match.
bool template_matches(const json& body, const std::string& path, const std::string& name,
                      const std::string& match_type) {
    const bool regex = body.value("match_pattern", std::string("simple")) == "regex";
    auto any = [&](const std::vector<std::string>& patterns, const std::string& text) {
        return std::any_of(patterns.begin(), patterns.end(),
                           [&](const std::string& p) { return pattern_match(p, text, regex); });
    };
    const auto path_match = string_list(body, "path_match");
    if (!path_match.empty() && !any(path_match, path))
        return false;
    const auto match = string_list(body, "match");
    if (!match.empty() && !any(match, name))
        return false;
    if (any(string_list(body, "path_unmatch"), path))
        return false;
    if (any(string_list(body, "unmatch"), name))
        return false;
    const auto mmt = string_list(body, "match_mapping_type");
    if (!mmt.empty() && std::none_of(mmt.begin(), mmt.end(), [&](const std::string& t) {
            return t == "*" || t == match_type;
        })) {
        return false;
    }
    const auto umt = string_list(body, "unmatch_mapping_type");
    if (std::any_of(umt.begin(), umt.end(), [&](const std::string& t) { return t == match_type; }))
        return false;
    return true;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    std::size_t pos = 0;
    while ((pos = text.find(from, pos)) != std::string::npos) {
        text.replace(pos, from.size(), to);
        pos += to.size();
    }
    return text;
}

// DynamicTemplate.processMap: {name} and {dynamic_type} in keys and string values.
json substitute(const json& node, const std::string& name, const std::string& dynamic_type) {
    auto sub = [&](const std::string& s) {
        return replace_all(replace_all(s, "{name}", name), "{dynamic_type}", dynamic_type);
    };
    if (node.is_string())
        return sub(node.get<std::string>());
    if (node.is_array()) {
        json out = json::array();
        for (const auto& v : node)
            out.push_back(substitute(v, name, dynamic_type));
        return out;
    }
    if (node.is_object()) {
        json out = json::object();
        for (const auto& [k, v] : node.items())
            out[sub(k)] = substitute(v, name, dynamic_type);
        return out;
    }
    return node;
}

// XContentFieldType.defaultMappingType / defaultRuntimeMappingType.
std::string default_type(const std::string& match_type, bool runtime) {
    if (match_type == "string")
        return runtime ? "keyword" : "text";
    if (match_type == "double")
        return runtime ? "double" : "float";
    return match_type; // long, boolean, date, object
}

bool is_metadata_name(std::string_view name) {
    static constexpr std::array<std::string_view, 13> k_names{"_id",
                                                              "_index",
                                                              "_routing",
                                                              "_source",
                                                              "_seq_no",
                                                              "_primary_term",
                                                              "_version",
                                                              "_ignored",
                                                              "_field_names",
                                                              "_tier",
                                                              "_data_stream_timestamp",
                                                              "_nested_path",
                                                              "_feature"};
    return std::find(k_names.begin(), k_names.end(), name) != k_names.end();
}

json node_to_json(const DocNode& node) {
    switch (node.kind) {
    case NodeKind::object: {
        json out = json::object();
        for (const auto& [k, v] : node.members)
            out[k] = node_to_json(v);
        return out;
    }
    case NodeKind::array: {
        json out = json::array();
        for (const auto& v : node.items)
            out.push_back(node_to_json(v));
        return out;
    }
    case NodeKind::string:
        return node.text;
    case NodeKind::boolean:
        return node.text == "true";
    case NodeKind::number: {
        auto parsed = json::parse(node.text, nullptr, false);
        return parsed.is_discarded() ? json(node.text) : parsed;
    }
    case NodeKind::null:
        break;
    }
    return nullptr;
}

// The value preview ES prints: Java's toString of what XContentParser.readValue returns.
std::string preview_of(const DocNode& node) {
    if (node.kind == NodeKind::number) {
        if (!node.is_float) {
            std::string digits = node.text;
            if (digits == "-0")
                return "0";
            return digits;
        }
        return java_double_string(std::strtod(node.text.c_str(), nullptr));
    }
    if (node.kind == NodeKind::string || node.kind == NodeKind::boolean)
        return node.text;
    return java_to_string(node_to_json(node));
}

class DocParser {
public:
    DocParser(const RootDef& model, const SimVersion& version, std::string_view id)
        : m_model(model), m_version(version), m_id(id) {}

    std::expected<ParsedDocument, EsError> run(const DocNode& doc) {
        if (doc.kind != NodeKind::object) {
            return std::unexpected(EsError(400, m_version.document_parsing_error_type(),
                                           "Malformed content, must start with an object"));
        }
        ParsedDocument out;
        if (!param_bool(m_model.root, "enabled", true))
            return out;
        const DynamicMode dyn =
            m_model.root.dynamic == DynamicMode::unset ? DynamicMode::on : m_model.root.dynamic;
        if (auto ok = parse_members(doc, "", dyn); !ok)
            return std::unexpected(ok.error());
        out.dynamic_update = build_update();
        return out;
    }

private:
    using Result = std::expected<void, EsError>;

    const RootDef& m_model;
    const SimVersion& m_version;
    std::string m_id;
    std::optional<RootDef> m_work;
    std::vector<std::string> m_new_paths;
    json m_new_runtime = json::object();

    [[nodiscard]] const RootDef& current() const { return m_work ? *m_work : m_model; }
    RootDef& work() {
        if (!m_work)
            m_work = m_model;
        return *m_work;
    }

    [[nodiscard]] const FieldDef* find(const std::string& path) const {
        const FieldDef* node = &current().root;
        if (path.empty())
            return node;
        for (const auto& part : split_dots(path)) {
            if (!node->is_object())
                return nullptr;
            node = node->child(part);
            if (node == nullptr)
                return nullptr;
        }
        return node;
    }
    FieldDef* find_mut(const std::string& path) {
        FieldDef* node = &work().root;
        if (path.empty())
            return node;
        for (const auto& part : split_dots(path)) {
            if (!node->is_object())
                return nullptr;
            node = node->child(part);
            if (node == nullptr)
                return nullptr;
        }
        return node;
    }

    [[nodiscard]] std::string prefix(const TokenLocation& loc) const {
        return m_version.at_least(8, 7) ? "[" + loc.text() + "] " : std::string();
    }

    [[nodiscard]] EsError doc_error(const TokenLocation& loc, const std::string& reason) const {
        return EsError(400, m_version.document_parsing_error_type(), prefix(loc) + reason);
    }

    [[nodiscard]] EsError strict_error(const TokenLocation& loc, const std::string& name,
                                       const std::string& parent) const {
        // StrictDynamicMappingException; the root object is named "_doc".
        return EsError(400, "strict_dynamic_mapping_exception",
                       prefix(loc) + "mapping set to strict, dynamic introduction of [" + name +
                           "] within [" + (parent.empty() ? "_doc" : parent) + "] is not allowed");
    }

    [[nodiscard]] EsError leaf_error(const FieldDef& def, const std::string& full,
                                     const DocNode& value, EsError cause) const {
        // FieldMapper.rethrowAsDocumentParsingException reads the whole value for the preview
        // before taking the location, so a container is reported at its closing token.
        const bool container = value.kind == NodeKind::object || value.kind == NodeKind::array;
        EsError err = doc_error(container ? value.end : value.start,
                                "failed to parse field [" + full + "] of type [" + def.type +
                                    "] in document with id '" + m_id +
                                    "'. Preview of field's value: '" + preview_of(value) + "'");
        err.because(std::move(cause));
        return err;
    }

    static DynamicMode effective(const FieldDef& def, DynamicMode inherited) {
        return def.dynamic == DynamicMode::unset ? inherited : def.dynamic;
    }

    [[nodiscard]] bool shadowed_by_runtime(const std::string& full) const {
        const auto& runtime = current().runtime;
        return runtime.is_object() && runtime.contains(full);
    }

    Result parse_members(const DocNode& obj, const std::string& path, DynamicMode dyn) {
        for (const auto& [key, value] : obj.members) {
            if (key.empty()) {
                EsError err =
                    doc_error(value.start, "failed to parse: Field name cannot be an empty string");
                err.because(EsError(400, "illegal_argument_exception",
                                    "Field name cannot be an empty string"));
                return std::unexpected(err);
            }
            if (path.empty() && is_metadata_name(key)) {
                // DocumentParser: metadata fields cannot be set in _source.
                return std::unexpected(doc_error(
                    value.start, "Field [" + key +
                                     "] is a metadata field and cannot be added inside a document. "
                                     "Use the index API request parameters."));
            }
            const auto parts = split_dots(key);
            if (std::any_of(parts.begin(), parts.end(),
                            [](const std::string& p) { return p.empty(); })) {
                // DotExpandingXContentParser (wording unverified).
                EsError err = doc_error(
                    value.start,
                    "failed to parse: object field starting or ending with a [.] makes object "
                    "resolution ambiguous: [" +
                        key + "]");
                err.because(EsError(400, "illegal_argument_exception",
                                    "object field starting or ending with a [.] makes object "
                                    "resolution ambiguous: [" +
                                        key + "]"));
                return std::unexpected(err);
            }
            if (auto ok = handle(path, dyn, parts, 0, value); !ok)
                return ok;
        }
        return {};
    }

    // A dotted document key ("host.ip") is handled as nested objects (ES 8 dot expansion).
    Result handle(const std::string& parent, DynamicMode dyn, const std::vector<std::string>& parts,
                  std::size_t idx, const DocNode& value) {
        if (idx + 1 == parts.size())
            return handle_value(parent, dyn, parts[idx], value);
        const std::string& name = parts[idx];
        const std::string full = join_path(parent, name);
        const FieldDef* def = find(full);
        if (def == nullptr) {
            if (shadowed_by_runtime(full))
                return {};
            if (dyn == DynamicMode::strict)
                return std::unexpected(strict_error(value.start, name, parent));
            if (dyn == DynamicMode::off)
                return {};
            DocNode as_object;
            as_object.kind = NodeKind::object;
            auto created = create_dynamic(parent, dyn, name, as_object);
            if (!created)
                return std::unexpected(created.error());
            def = find(full);
            if (def == nullptr)
                return {};
        }
        if (!def->is_object()) {
            if (def->type == "flattened")
                return {};
            // DocumentParser (7.x DocumentParserTests): the field is the dotted key as written, the
            // existing mapping its full path. The 8.x exception type is not verified.
            std::string key;
            for (const auto& p : parts)
                key = join_path(key, p);
            return std::unexpected(doc_error(
                value.start, "Could not dynamically add mapping for field [" + key +
                                 "]. Existing mapping for [" + full +
                                 "] must be of type object but found [" + def->type + "]."));
        }
        if (!param_bool(*def, "enabled", true))
            return {};
        return handle(full, effective(*def, dyn), parts, idx + 1, value);
    }

    Result handle_value(const std::string& parent, DynamicMode dyn, const std::string& name,
                        const DocNode& value) {
        const std::string full = join_path(parent, name);
        if (shadowed_by_runtime(full))
            return {};
        const FieldDef* def = find(full);
        switch (value.kind) {
        case NodeKind::array: {
            if (def == nullptr) {
                if (dyn == DynamicMode::strict && !value.items.empty())
                    return std::unexpected(strict_error(value.start, name, parent));
                if (dyn == DynamicMode::off)
                    return {};
            }
            for (const auto& item : value.items) {
                if (auto ok = handle_value(parent, dyn, name, item); !ok)
                    return ok;
            }
            return {};
        }
        case NodeKind::null:
            if (def == nullptr && dyn == DynamicMode::strict)
                return std::unexpected(strict_error(value.start, name, parent));
            return {};
        case NodeKind::object: {
            if (def == nullptr) {
                if (dyn == DynamicMode::strict)
                    return std::unexpected(strict_error(value.start, name, parent));
                if (dyn == DynamicMode::off)
                    return {};
                auto created = create_dynamic(parent, dyn, name, value);
                if (!created)
                    return std::unexpected(created.error());
                def = find(full);
                if (def == nullptr)
                    return {};
            }
            if (def->is_object()) {
                if (!param_bool(*def, "enabled", true))
                    return {};
                return parse_members(value, full, effective(*def, dyn));
            }
            if (def->type == "flattened" || !is_modelled_leaf(*def))
                return {};
            if (param_bool(*def, "ignore_malformed", false))
                return {};
            return std::unexpected(
                leaf_error(*def, full, value, object_for_leaf_cause(*def, value.start)));
        }
        default:
            break;
        }
        if (def == nullptr) {
            if (dyn == DynamicMode::strict)
                return std::unexpected(strict_error(value.start, name, parent));
            if (dyn == DynamicMode::off)
                return {};
            auto created = create_dynamic(parent, dyn, name, value);
            if (!created)
                return std::unexpected(created.error());
            def = find(full);
            if (def == nullptr)
                return {}; // became a runtime field
        }
        if (def->is_object()) {
            // DocumentParser.throwOnConcreteValue.
            return std::unexpected(
                doc_error(value.start, "object mapping for [" + full + "] tried to parse field [" +
                                           name + "] as object, but found a concrete value"));
        }
        return parse_leaf(*def, full, value);
    }

    static bool is_modelled_leaf(const FieldDef& def) {
        static const std::set<std::string, std::less<>> k_leaves{"keyword",
                                                                 "text",
                                                                 "match_only_text",
                                                                 "wildcard",
                                                                 "constant_keyword",
                                                                 "long",
                                                                 "integer",
                                                                 "short",
                                                                 "byte",
                                                                 "double",
                                                                 "float",
                                                                 "half_float",
                                                                 "scaled_float",
                                                                 "unsigned_long",
                                                                 "boolean",
                                                                 "date",
                                                                 "date_nanos",
                                                                 "ip",
                                                                 "flattened"};
        return k_leaves.contains(def.type);
    }

    Result parse_leaf(const FieldDef& def, const std::string& full, const DocNode& value) {
        if (value.kind == NodeKind::null)
            return {};
        Scalar scalar{value.kind, value.text, value.is_float};
        auto parsed = parse_scalar(def, full, scalar);
        if (!parsed) {
            if (param_bool(def, "ignore_malformed", false))
                return {};
            return std::unexpected(leaf_error(def, full, value, parsed.error()));
        }
        if (def.type == "constant_keyword" &&
            (!def.params.contains("value") || def.params["value"].is_null())) {
            // ConstantKeywordFieldMapper: the first value sets the mapping through a dynamic
            // update.
            FieldDef* target = find_mut(full);
            if (target != nullptr) {
                target->params["value"] = value.text;
                m_new_paths.push_back(full);
            }
        }
        // Multi-fields index the same value with their own mappers.
        const FieldDef* current_def = find(full);
        const FieldDef& source_def = current_def != nullptr ? *current_def : def;
        for (const auto& sub : source_def.children) {
            if (auto ok = parse_leaf(sub, full + "." + sub.name, value); !ok)
                return ok;
        }
        return {};
    }

    // DynamicFieldsBuilder: picks the dynamic type, then a matching dynamic template or the default
    // mapping, and adds the new field (or runtime field) to the working copy.
    Result create_dynamic(const std::string& parent, DynamicMode dyn, const std::string& name,
                          const DocNode& value) {
        const std::string full = join_path(parent, name);
        const RootDef& root = current();
        std::string match_type;
        std::string date_format;
        switch (value.kind) {
        case NodeKind::object:
            match_type = "object";
            break;
        case NodeKind::boolean:
            match_type = "boolean";
            break;
        case NodeKind::number:
            match_type = value.is_float ? "double" : "long";
            break;
        case NodeKind::string: {
            const std::string& text = value.text;
            const bool date_detection =
                root.date_detection.is_boolean() ? root.date_detection.get<bool>() : true;
            // "a safe check since "1" gets parsed as well" (DynamicFieldsBuilder).
            if (date_detection && text.find_first_of(":-/") != std::string::npos) {
                json formats = root.dynamic_date_formats.is_array()
                                   ? root.dynamic_date_formats
                                   : json::array({std::string(k_default_date_format),
                                                  "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"});
                for (const auto& f : formats) {
                    auto fmt = DateFormat::parse(f.get<std::string>());
                    if (fmt && fmt->accepts(text)) {
                        match_type = "date";
                        date_format = f.get<std::string>();
                        break;
                    }
                }
            }
            const bool numeric_detection =
                root.numeric_detection.is_boolean() && root.numeric_detection.get<bool>();
            if (match_type.empty() && numeric_detection) {
                auto parsed = json::parse(text, nullptr, false);
                if (!parsed.is_discarded() && parsed.is_number_integer())
                    match_type = "long";
                else if (java_parse_double(text))
                    match_type = "double";
            }
            if (match_type.empty())
                match_type = "string";
            break;
        }
        default:
            return {};
        }
        if (root.dynamic_templates.is_array()) {
            for (const auto& entry : root.dynamic_templates) {
                const json& body = entry.begin().value();
                if (!template_matches(body, full, name, match_type))
                    continue;
                const bool runtime = body.contains("runtime");
                if (runtime && match_type == "object")
                    continue;
                const std::string dynamic_type = default_type(match_type, runtime);
                json mapping =
                    substitute(runtime ? body["runtime"] : body.value("mapping", json::object()),
                               name, dynamic_type);
                if (!mapping.is_object())
                    mapping = json::object();
                if (!mapping.contains("type")) {
                    if (match_type == "object" && !runtime)
                        mapping["type"] = "object";
                    else
                        mapping["type"] = dynamic_type;
                }
                if (runtime) {
                    add_runtime(full, mapping);
                    return {};
                }
                auto def = parse_field_def(name, mapping);
                if (!def)
                    return std::unexpected(wrap_mapping_error(def.error(), m_version));
                add_field(parent, std::move(*def));
                return {};
            }
        }
        if (dyn == DynamicMode::runtime && match_type != "object") {
            json mapping = {{"type", default_type(match_type, true)}};
            if (match_type == "date" && date_format != k_default_date_format)
                mapping["format"] = date_format;
            add_runtime(full, mapping);
            return {};
        }
        FieldDef def;
        def.name = name;
        if (match_type == "object") {
            def.type = "object";
        } else if (match_type == "string") {
            // ES's default string mapping: text with a keyword multi-field (ignore_above 256).
            def.type = "text";
            FieldDef keyword;
            keyword.name = "keyword";
            keyword.type = "keyword";
            keyword.params["ignore_above"] = 256;
            def.put_child(std::move(keyword));
        } else if (match_type == "double") {
            def.type = "float";
        } else if (match_type == "date") {
            def.type = "date";
            if (date_format != k_default_date_format)
                def.params["format"] = date_format;
        } else {
            def.type = match_type; // long, boolean
        }
        add_field(parent, std::move(def));
        return {};
    }

    void add_field(const std::string& parent, FieldDef def) {
        FieldDef* p = find_mut(parent);
        if (p == nullptr || !p->is_object())
            return;
        const std::string full = join_path(parent, def.name);
        p->put_child(std::move(def));
        m_new_paths.push_back(full);
    }

    void add_runtime(const std::string& full, const json& mapping) {
        RootDef& w = work();
        if (!w.runtime.is_object())
            w.runtime = json::object();
        w.runtime[full] = mapping;
        m_new_runtime[full] = mapping;
    }

    json build_update() {
        if (m_new_paths.empty() && m_new_runtime.empty())
            return nullptr;
        json update = json::object();
        const std::set<std::string> added(m_new_paths.begin(), m_new_paths.end());
        std::set<std::string> done;
        for (const auto& path : m_new_paths) {
            if (!done.insert(path).second)
                continue;
            const auto parts = split_dots(path);
            bool ancestor_added = false;
            std::string prefix_path;
            for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
                prefix_path = join_path(prefix_path, parts[i]);
                if (added.contains(prefix_path))
                    ancestor_added = true;
            }
            if (ancestor_added)
                continue;
            const FieldDef* def = find(path);
            if (def == nullptr)
                continue;
            json* node = &update;
            std::string walked;
            for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
                walked = join_path(walked, parts[i]);
                node = &(*node)["properties"][parts[i]];
                const FieldDef* ancestor = find(walked);
                if (ancestor != nullptr && ancestor->type == "nested")
                    (*node)["type"] = "nested";
            }
            (*node)["properties"][parts.back()] = field_to_json(*def);
        }
        if (!m_new_runtime.empty())
            update["runtime"] = m_new_runtime;
        return update;
    }
};

// A path resolved against the mapping for values(), field_type() and fields().
struct Resolved {
    const FieldDef* def = nullptr; // null for runtime fields
    json runtime_def;              // runtime fields only
    std::string source_path;       // where the values live in _source
    std::string flattened_key;     // "a.b" under a flattened field
    bool blocked = false;          // under a nested object or a disabled object
};

std::optional<Resolved> resolve(const RootDef& model, std::string_view path) {
    Resolved out;
    if (model.runtime.is_object() && model.runtime.contains(std::string(path))) {
        out.runtime_def = model.runtime[std::string(path)];
        out.source_path = std::string(path);
        return out;
    }
    const auto parts = split_dots(path);
    const FieldDef* node = &model.root;
    std::string walked;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (node->is_object()) {
            if (node != &model.root &&
                (node->type == "nested" || !param_bool(*node, "enabled", true)))
                out.blocked = true;
            node = node->child(parts[i]);
            if (node == nullptr)
                return std::nullopt;
            walked = join_path(walked, parts[i]);
            continue;
        }
        if (node->type == "flattened") {
            std::string key;
            for (std::size_t k = i; k < parts.size(); ++k)
                key = join_path(key, parts[k]);
            out.def = node;
            out.source_path = walked;
            out.flattened_key = key;
            return out;
        }
        const FieldDef* sub = node->child(parts[i]);
        if (sub == nullptr || i + 1 != parts.size())
            return std::nullopt;
        out.def = sub;
        out.source_path = walked;
        return out;
    }
    out.def = node;
    out.source_path = std::string(path);
    return out;
}

// Collects the values under a dotted path of _source, following arrays and dotted keys.
void collect(const json& node, const std::vector<std::string>& parts, std::size_t idx,
             std::vector<const json*>& out) {
    if (node.is_array()) {
        for (const auto& item : node)
            collect(item, parts, idx, out);
        return;
    }
    if (idx == parts.size()) {
        out.push_back(&node);
        return;
    }
    if (!node.is_object())
        return;
    for (const auto& [key, value] : node.items()) {
        const auto key_parts = split_dots(key);
        if (key_parts.size() > parts.size() - idx)
            continue;
        if (std::equal(key_parts.begin(), key_parts.end(),
                       parts.begin() + static_cast<std::ptrdiff_t>(idx))) {
            collect(value, parts, idx + key_parts.size(), out);
        }
    }
}

void collect_leaves(const json& node, std::vector<FieldValue>& out) {
    if (node.is_object() || node.is_array()) {
        for (const auto& v : node)
            collect_leaves(v, out);
        return;
    }
    if (node.is_null())
        return;
    std::string buffer;
    out.emplace_back(std::string(scalar_of(node, buffer).text));
}

FieldInfo leaf_info(const std::string& path, const FieldDef& def) {
    FieldInfo info;
    info.path = path;
    info.type = def.type;
    info.searchable = param_bool(def, "index", true);
    if (def.type == "text")
        info.aggregatable = param_bool(def, "fielddata", false);
    else if (def.type == "match_only_text" || def.type == "binary" || def.type == "dense_vector" ||
             def.type == "sparse_vector" || def.type == "annotated_text" ||
             def.type == "semantic_text")
        info.aggregatable = false;
    else
        info.aggregatable = param_bool(def, "doc_values", true);
    if (def.type == "binary")
        info.searchable = false;
    info.meta = def.params.contains("meta") ? def.params["meta"] : json(nullptr);
    return info;
}

void walk_fields(const FieldDef& object, const std::string& path, std::vector<FieldInfo>& out) {
    for (const auto& child : object.children) {
        const std::string full = join_path(path, child.name);
        if (child.is_object()) {
            FieldInfo info;
            info.path = full;
            info.type = child.type;
            info.searchable = false;
            info.aggregatable = false;
            out.push_back(std::move(info));
            walk_fields(child, full, out);
            continue;
        }
        if (child.type == "alias")
            continue;
        out.push_back(leaf_info(full, child));
        for (const auto& sub : child.children)
            out.push_back(leaf_info(full + "." + sub.name, sub));
    }
}

} // namespace

std::expected<Mapping, EsError> Mapping::parse(const json& mappings, const SimVersion& version) {
    auto root = parse_root_def(mappings);
    if (!root)
        return std::unexpected(wrap_mapping_error(root.error(), version));
    Mapping m;
    m.m_model = std::move(*root);
    m.m_version = version;
    return m;
}

std::expected<void, EsError> Mapping::merge(const json& mappings, MergeReason reason) {
    auto incoming = parse_root_def(mappings);
    if (!incoming)
        return std::unexpected(wrap_mapping_error(incoming.error(), m_version));
    RootDef merged = m_model;
    if (auto ok = merge_root(merged, *incoming, reason); !ok)
        return ok;
    m_model = std::move(merged);
    return {};
}

json Mapping::to_json() const {
    return root_to_json(m_model);
}

std::expected<ParsedDocument, EsError> Mapping::parse_document(const json& source,
                                                               std::string_view source_text,
                                                               std::string_view id) const {
    std::string fallback;
    std::string_view text = source_text;
    auto tree = text.empty()
                    ? std::expected<DocNode, std::string>(std::unexpected(std::string("empty")))
                    : parse_doc_tree(text);
    if (!tree) {
        // Without the original bytes, positions refer to nlohmann's compact rendering.
        fallback = source.dump();
        tree = parse_doc_tree(fallback);
        if (!tree) {
            return std::unexpected(EsError(400, m_version.document_parsing_error_type(),
                                           "failed to parse: " + tree.error()));
        }
    }
    DocParser parser(m_model, m_version, id);
    return parser.run(*tree);
}

std::expected<ParsedDocument, EsError> Mapping::parse_document(const DocNode& tree,
                                                               std::string_view id) const {
    DocParser parser(m_model, m_version, id);
    return parser.run(tree);
}

std::vector<FieldValue> Mapping::values(const DocNode& tree, std::string_view path) const {
    // Only top-level members whose first dotted segment is the path's can hold the path's values
    // (collect() matches keys segment by segment), and the source path of every resolution starts
    // with the path's first segment. Those members are converted as nlohmann would have parsed
    // them (a repeated key: the last one wins, as nlohmann's parser keeps it).
    const std::string_view head = path.substr(0, path.find('.'));
    json partial = json::object();
    for (const auto& [key, value] : tree.members) {
        if (std::string_view(key).substr(0, key.find('.')) == head)
            partial[key] = node_to_json(value);
    }
    return values(partial, path);
}

std::optional<std::string> Mapping::field_type(std::string_view path) const {
    auto r = resolve(m_model, path);
    if (!r)
        return std::nullopt;
    if (r->def == nullptr)
        return r->runtime_def.value("type", std::string("keyword"));
    return r->def->type;
}

std::vector<FieldInfo> Mapping::fields() const {
    std::vector<FieldInfo> out;
    walk_fields(m_model.root, "", out);
    if (m_model.runtime.is_object()) {
        for (const auto& [name, def] : m_model.runtime.items()) {
            // A runtime field shadows a mapped field of the same name.
            out.erase(std::remove_if(out.begin(), out.end(),
                                     [&](const FieldInfo& f) { return f.path == name; }),
                      out.end());
            FieldInfo info;
            info.path = name;
            info.type = def.value("type", std::string("keyword"));
            info.meta = def.contains("meta") ? def["meta"] : json(nullptr);
            out.push_back(std::move(info));
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const FieldInfo& a, const FieldInfo& b) { return a.path < b.path; });
    return out;
}

std::vector<FieldValue> Mapping::values(const json& source, std::string_view path) const {
    std::vector<FieldValue> out;
    auto r = resolve(m_model, path);
    if (!r || r->blocked)
        return out;
    FieldDef runtime_def;
    const FieldDef* def = r->def;
    if (def == nullptr) {
        runtime_def.name = std::string(path);
        runtime_def.type = r->runtime_def.value("type", std::string("keyword"));
        if (r->runtime_def.contains("format"))
            runtime_def.params["format"] = r->runtime_def["format"];
        def = &runtime_def;
    }
    if (def->is_object() || !param_bool(*def, "index", true))
        return out;
    if (def->type == "constant_keyword") {
        // A constant_keyword field has its mapped value in every document of the index.
        const auto it = def->params.find("value");
        if (it != def->params.end() && it->is_string()) {
            out.emplace_back(it->get<std::string>());
            return out;
        }
    }
    std::vector<const json*> raw;
    auto parts = split_dots(r->source_path);
    if (!r->flattened_key.empty()) {
        for (const auto& p : split_dots(r->flattened_key))
            parts.push_back(p);
    }
    collect(source, parts, 0, raw);
    for (const json* value : raw) {
        if (def->type == "flattened") {
            collect_leaves(*value, out);
            continue;
        }
        const json* v = value;
        if (v->is_null()) {
            const auto it = def->params.find("null_value");
            if (it == def->params.end() || it->is_null())
                continue;
            v = &*it;
        }
        if (v->is_object())
            continue;
        std::string buffer;
        auto parsed = parse_scalar(*def, path, scalar_of(*v, buffer));
        if (parsed && parsed->has_value())
            out.push_back(**parsed);
    }
    return out;
}

} // namespace esmend::es_sim

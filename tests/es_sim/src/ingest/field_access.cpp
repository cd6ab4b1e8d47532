#include "ingest/field_access.hpp"

#include "ingest/java_values.hpp"

#include <charconv>
#include <optional>

namespace esmend::es_sim::ingest {

using nlohmann::json;

namespace {

// A resolved path: where it starts and its elements (ES IngestDocument.FieldPath).
struct FieldPath {
    bool in_ingest = false;
    std::vector<std::string> elements;
};

std::expected<FieldPath, EsError> parse_path(std::string_view path) {
    if (path.empty())
        return std::unexpected(illegal_argument("path cannot be null nor empty"));
    FieldPath fp;
    std::string_view rest = path;
    if (rest.starts_with("_ingest.")) {
        fp.in_ingest = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("_source.")) {
        rest.remove_prefix(8);
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = rest.find('.', start);
        fp.elements.emplace_back(rest.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    // Java's String.split drops trailing empty strings; a path of only dots is invalid.
    while (!fp.elements.empty() && fp.elements.back().empty())
        fp.elements.pop_back();
    if (fp.elements.empty()) {
        return std::unexpected(illegal_argument("path [" + std::string(path) + "] is not valid"));
    }
    return fp;
}

std::optional<std::size_t> parse_index(const std::string& s) {
    int v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size())
        return std::nullopt;
    if (v < 0)
        return static_cast<std::size_t>(-1);
    return static_cast<std::size_t>(v);
}

EsError not_integer(const std::string& el, std::string_view path) {
    return illegal_argument("[" + el +
                            "] is not an integer, cannot be used as an index as part of path [" +
                            std::string(path) + "]");
}

EsError out_of_bounds(const std::string& el, std::size_t size, std::string_view path) {
    return illegal_argument("[" + el + "] is out of bounds for array with length [" +
                            std::to_string(size) + "] as part of path [" + std::string(path) + "]");
}

// Resolves one step of a read (ES IngestDocument.resolve).
std::expected<const json*, EsError> step(const json* context, const std::string& el,
                                         std::string_view path) {
    if (context->is_null()) {
        return std::unexpected(illegal_argument(
            "cannot resolve [" + el + "] from null as part of path [" + std::string(path) + "]"));
    }
    if (context->is_object()) {
        auto it = context->find(el);
        if (it == context->end()) {
            return std::unexpected(illegal_argument(
                "field [" + el + "] not present as part of path [" + std::string(path) + "]"));
        }
        return &*it;
    }
    if (context->is_array()) {
        auto idx = parse_index(el);
        if (!idx)
            return std::unexpected(not_integer(el, path));
        if (*idx >= context->size())
            return std::unexpected(out_of_bounds(el, context->size(), path));
        return &(*context)[*idx];
    }
    return std::unexpected(illegal_argument("cannot resolve [" + el + "] from object of type [" +
                                            java_class_name(*context) + "] as part of path [" +
                                            std::string(path) + "]"));
}

const json& root_of(const WorkDoc& doc, const FieldPath& fp) {
    return fp.in_ingest ? doc.ingest : doc.ctx;
}
json& root_of(WorkDoc& doc, const FieldPath& fp) {
    return fp.in_ingest ? doc.ingest : doc.ctx;
}

// Walks to the parent of the leaf for a write, creating missing maps (ES setFieldValue).
std::expected<json*, EsError> walk_to_parent_for_write(json* context, const FieldPath& fp,
                                                       std::string_view path) {
    for (std::size_t i = 0; i + 1 < fp.elements.size(); ++i) {
        const std::string& el = fp.elements[i];
        if (context->is_null()) {
            return std::unexpected(illegal_argument("cannot resolve [" + el +
                                                    "] from null as part of path [" +
                                                    std::string(path) + "]"));
        }
        if (context->is_object()) {
            auto it = context->find(el);
            if (it == context->end()) {
                (*context)[el] = json::object();
                context = &(*context)[el];
            } else {
                context = &*it;
            }
        } else if (context->is_array()) {
            auto idx = parse_index(el);
            if (!idx)
                return std::unexpected(not_integer(el, path));
            if (*idx >= context->size())
                return std::unexpected(out_of_bounds(el, context->size(), path));
            context = &(*context)[*idx];
        } else {
            return std::unexpected(illegal_argument(
                "cannot resolve [" + el + "] from object of type [" + java_class_name(*context) +
                "] as part of path [" + std::string(path) + "]"));
        }
    }
    return context;
}

// ES IngestDocument.appendValues: returns the (possibly new) list holding existing + value. Without
// duplicates allowed and nothing new to add, the existing value is left as it was, scalar or not.
json append_values(const json& existing, const json& value, bool allow_duplicates) {
    json list = existing.is_array() ? existing : json::array({existing});
    bool appended = false;
    const auto add = [&](const json& v) {
        if (!allow_duplicates) {
            for (const auto& e : list) {
                if (e == v)
                    return;
            }
        }
        list.push_back(v);
        appended = true;
    };
    if (value.is_array()) {
        for (const auto& v : value)
            add(v);
    } else {
        add(value);
    }
    return appended || allow_duplicates ? list : existing;
}

std::expected<void, EsError> write_leaf(WorkDoc& doc, std::string_view path, const json& value,
                                        bool append, bool allow_duplicates) {
    auto fp = parse_path(path);
    if (!fp)
        return std::unexpected(fp.error());
    if (!fp->in_ingest && fp->elements.size() == 1 && fp->elements[0] == "_ingest" && !append) {
        if (!value.is_object())
            return std::unexpected(illegal_argument("cannot set [_ingest] to a non-map value"));
        doc.ingest = value;
        return {};
    }
    auto parent = walk_to_parent_for_write(&root_of(doc, *fp), *fp, path);
    if (!parent)
        return std::unexpected(parent.error());
    json& context = **parent;
    const std::string& leaf = fp->elements.back();
    if (context.is_null()) {
        return std::unexpected(illegal_argument("cannot set [" + leaf +
                                                "] with null parent as part of path [" +
                                                std::string(path) + "]"));
    }
    if (context.is_object()) {
        if (append) {
            auto it = context.find(leaf);
            if (it == context.end()) {
                // A new list takes every value, duplicates included (ES appendValues(list, value)).
                context[leaf] = value.is_array() ? value : json::array({value});
            } else {
                *it = append_values(*it, value, allow_duplicates);
            }
        } else {
            context[leaf] = value;
        }
        return {};
    }
    if (context.is_array()) {
        auto idx = parse_index(leaf);
        if (!idx)
            return std::unexpected(not_integer(leaf, path));
        if (*idx >= context.size())
            return std::unexpected(out_of_bounds(leaf, context.size(), path));
        if (append) {
            context[*idx] = append_values(context[*idx], value, allow_duplicates);
        } else {
            context[*idx] = value;
        }
        return {};
    }
    return std::unexpected(illegal_argument(
        "cannot set [" + leaf + "] with parent object of type [" + java_class_name(context) +
        "] as part of path [" + std::string(path) + "]"));
}

} // namespace

EsError illegal_argument(std::string reason) {
    return EsError(400, "illegal_argument_exception", std::move(reason));
}

bool is_metadata_key(std::string_view key) {
    return key == "_index" || key == "_id" || key == "_routing" || key == "_version" ||
           key == "_version_type" || key == "_if_seq_no" || key == "_if_primary_term" ||
           key == "_dynamic_templates";
}

std::expected<json, EsError> get_field(const WorkDoc& doc, std::string_view path) {
    auto fp = parse_path(path);
    if (!fp)
        return std::unexpected(fp.error());
    if (!fp->in_ingest && fp->elements.size() == 1 && fp->elements[0] == "_ingest")
        return doc.ingest;
    const json* context = &root_of(doc, *fp);
    for (const auto& el : fp->elements) {
        auto next = step(context, el, path);
        if (!next)
            return std::unexpected(next.error());
        context = *next;
    }
    return *context;
}

std::expected<json, EsError> get_field_or_null(const WorkDoc& doc, std::string_view path) {
    if (!has_field(doc, path)) {
        auto fp = parse_path(path);
        if (!fp)
            return std::unexpected(fp.error());
        return json(nullptr);
    }
    return get_field(doc, path);
}

bool has_field(const WorkDoc& doc, std::string_view path) {
    auto fp = parse_path(path);
    if (!fp)
        return false;
    if (!fp->in_ingest && fp->elements.size() == 1 && fp->elements[0] == "_ingest")
        return true;
    const json* context = &root_of(doc, *fp);
    for (const auto& el : fp->elements) {
        if (context->is_object()) {
            auto it = context->find(el);
            if (it == context->end())
                return false;
            context = &*it;
        } else if (context->is_array()) {
            auto idx = parse_index(el);
            if (!idx || *idx >= context->size())
                return false;
            context = &(*context)[*idx];
        } else {
            return false;
        }
    }
    return true;
}

std::expected<bool, EsError> has_field_checked(const WorkDoc& doc, std::string_view path) {
    auto fp = parse_path(path);
    if (!fp)
        return std::unexpected(fp.error());
    const json* context = &root_of(doc, *fp);
    for (const auto& el : fp->elements) {
        if (context->is_object()) {
            auto it = context->find(el);
            if (it == context->end())
                return false;
            context = &*it;
        } else if (context->is_array()) {
            auto idx = parse_index(el);
            if (!idx)
                return false;
            if (*idx >= context->size())
                return std::unexpected(out_of_bounds(el, context->size(), path));
            context = &(*context)[*idx];
        } else {
            return false;
        }
    }
    return true;
}

std::expected<void, EsError> set_field(WorkDoc& doc, std::string_view path, json value) {
    return write_leaf(doc, path, value, false, true);
}

std::expected<void, EsError> append_field(WorkDoc& doc, std::string_view path, const json& value,
                                          bool allow_duplicates) {
    return write_leaf(doc, path, value, true, allow_duplicates);
}

std::expected<void, EsError> remove_field(WorkDoc& doc, std::string_view path) {
    auto fp = parse_path(path);
    if (!fp)
        return std::unexpected(fp.error());
    json* context = &root_of(doc, *fp);
    for (std::size_t i = 0; i + 1 < fp->elements.size(); ++i) {
        auto next = step(context, fp->elements[i], path);
        if (!next)
            return std::unexpected(next.error());
        context = const_cast<json*>(*next);
    }
    const std::string& leaf = fp->elements.back();
    if (context->is_object()) {
        if (context->erase(leaf) == 0) {
            return std::unexpected(illegal_argument(
                "field [" + leaf + "] not present as part of path [" + std::string(path) + "]"));
        }
        return {};
    }
    if (context->is_array()) {
        auto idx = parse_index(leaf);
        if (!idx)
            return std::unexpected(not_integer(leaf, path));
        if (*idx >= context->size())
            return std::unexpected(out_of_bounds(leaf, context->size(), path));
        context->erase(*idx);
        return {};
    }
    if (context->is_null()) {
        return std::unexpected(illegal_argument(
            "cannot remove [" + leaf + "] from null as part of path [" + std::string(path) + "]"));
    }
    return std::unexpected(illegal_argument("cannot remove [" + leaf + "] from object of type [" +
                                            java_class_name(*context) + "] as part of path [" +
                                            std::string(path) + "]"));
}

} // namespace esmend::es_sim::ingest

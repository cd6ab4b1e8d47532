// _field_caps: per-index field capabilities (ES FieldCapabilitiesFetcher.retrieveFieldCaps) merged
// across indices (ES FieldCapabilities.Builder / TransportFieldCapabilitiesAction).

#include "search/search.hpp"
#include "search/values.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace esmend::es_sim::search {

using nlohmann::json;

namespace {

// ES MappedFieldType.familyTypeName: keyword-like types report as keyword, text-like as text.
std::string family_of(const std::string& type) {
    if (type == "constant_keyword" || type == "wildcard")
        return "keyword"; // ConstantKeyword/Wildcard mappers
    if (type == "match_only_text")
        return "text"; // MatchOnlyTextFieldMapper
    return type;
}

bool is_object_type(const std::string& type) {
    return type == "object" || type == "nested";
}

struct IndexCap {
    std::string type; // family
    bool metadata = false;
    bool searchable = false;
    bool aggregatable = false;
    json meta; // object or null
};

// Per-type accumulator across indices.
struct TypeBuilder {
    std::vector<std::string> indices;
    std::vector<std::string> non_searchable;
    std::vector<std::string> non_aggregatable;
    bool metadata = false;
    std::map<std::string, std::set<std::string>> meta;
};

std::expected<std::optional<std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>>>,
              EsError>
timestamp_bounds(const json& filter, std::int64_t now) {
    // Returns nullopt when the filter keeps every index (absent or match_all).
    if (filter.is_null())
        return std::nullopt;
    const auto unsupported = [] {
        return std::unexpected(
            EsError(400, "illegal_argument_exception",
                    "es-sim supports index_filter with match_all or a range on [@timestamp] only"));
    };
    if (!filter.is_object() || filter.size() != 1)
        return unsupported();
    if (filter.contains("match_all"))
        return std::nullopt;
    if (!filter.contains("range") || !filter["range"].is_object() || filter["range"].size() != 1 ||
        !filter["range"].contains("@timestamp") || !filter["range"]["@timestamp"].is_object())
        return unsupported();
    const json& r = filter["range"]["@timestamp"];
    DateParseOptions opts{.format = r.contains("format") ? scalar_text(r["format"]) : std::string{},
                          .now_millis = now,
                          .round_up = false,
                          .tz_offset_millis = 0};
    if (r.contains("time_zone")) {
        auto tz = parse_time_zone(scalar_text(r["time_zone"]));
        if (!tz)
            return unsupported();
        opts.tz_offset_millis = *tz;
    }
    std::optional<std::int64_t> lo;
    std::optional<std::int64_t> hi;
    for (const auto& [k, v] : r.items()) {
        if (v.is_null())
            continue;
        if (k == "gte" || k == "gt") {
            opts.round_up = k == "gt";
            auto d = parse_date(v, opts);
            if (!d)
                return std::unexpected(EsError(400, "parse_exception", d.error()));
            lo = k == "gt" ? *d + 1 : *d;
        } else if (k == "lte" || k == "lt") {
            opts.round_up = k == "lte";
            auto d = parse_date(v, opts);
            if (!d)
                return std::unexpected(EsError(400, "parse_exception", d.error()));
            hi = k == "lt" ? *d - 1 : *d;
        } else if (k != "format" && k != "time_zone" && k != "boost") {
            return std::unexpected(
                EsError(400, "parsing_exception", "[range] query does not support [" + k + "]"));
        }
    }
    return std::make_optional(std::make_pair(lo, hi));
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return glob_match(p, name); });
}

std::string parent_of(const std::string& path) {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? std::string{} : path.substr(0, dot);
}

// The capabilities one index reports for the request (ES
// FieldCapabilitiesFetcher.retrieveFieldCaps).
std::map<std::string, IndexCap> index_caps(const FieldCapsSource& index,
                                           const FieldCapsRequest& req) {
    std::map<std::string, const FieldInfo*> leaves;
    std::set<std::string> nested_paths;
    for (const auto& f : index.fields) {
        if (f.type == "nested")
            nested_paths.insert(f.path);
        if (!is_object_type(f.type))
            leaves.emplace(f.path, &f);
    }
    auto has = [&](const char* filter) {
        return std::find(req.filters.begin(), req.filters.end(), filter) != req.filters.end();
    };
    const bool include_parents = !has("-parent");
    auto nested_parent = [&](const std::string& path) {
        for (std::string p = parent_of(path); !p.empty(); p = parent_of(p))
            if (nested_paths.contains(p))
                return true;
        return false;
    };
    std::map<std::string, IndexCap> out;
    for (const auto& [path, f] : leaves) {
        if (!matches_any(req.fields, path))
            continue;
        const std::string family = family_of(f->type);
        if (!req.types.empty() &&
            std::find(req.types.begin(), req.types.end(), family) == req.types.end())
            continue;
        if (has("+metadata") && !f->metadata_field)
            continue;
        if (has("-metadata") && f->metadata_field)
            continue;
        if (has("-nested") && nested_parent(path))
            continue;
        // A multi-field is a field whose parent path is itself a (non-object) field.
        if (has("-multifield") && leaves.contains(parent_of(path)))
            continue;
        out[path] = IndexCap{family, f->metadata_field, f->searchable, f->aggregatable,
                             f->meta.is_object() ? f->meta : json()};
        if (!include_parents)
            continue;
        for (std::string p = parent_of(path); !p.empty(); p = parent_of(p)) {
            if (out.contains(p))
                break;
            if (leaves.contains(p))
                continue; // the parent of a multi-field is a field, not an object
            out[p] = IndexCap{nested_paths.contains(p) ? "nested" : "object", false, false, false,
                              json()};
        }
    }
    return out;
}

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::expected<json, EsError> field_caps(const std::vector<FieldCapsSource>& indices,
                                        const FieldCapsRequest& request) {
    // ?fields=a,b arrives either split or as one comma list (ES Strings.splitStringByCommaToArray).
    FieldCapsRequest req = request;
    req.fields.clear();
    for (const auto& f : request.fields) {
        std::size_t start = 0;
        while (start <= f.size()) {
            const auto comma = f.find(',', start);
            auto part =
                f.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!part.empty())
                req.fields.push_back(part);
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    // ES FieldCapabilitiesRequest.fields(String...).
    if (req.fields.empty())
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "specified fields can't be null or empty"));
    // ES FieldCapabilitiesFetcher.buildFilter.
    static const std::set<std::string, std::less<>> k_filters{
        "+metadata", "-metadata", "-nested", "-multifield", "-parent", "parent", "+dimension"};
    for (const auto& f : request.filters)
        if (!k_filters.contains(f))
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "Unknown field caps filter [" + f + "]"));

    auto bounds = timestamp_bounds(request.index_filter, request.now_millis.value_or(system_now()));
    if (!bounds)
        return std::unexpected(bounds.error());

    std::vector<const FieldCapsSource*> kept;
    for (const auto& idx : indices) {
        if (*bounds) {
            // ES can-match phase: a shard whose @timestamp values cannot satisfy the range rewrites
            // the filter to match_none and the index is left out; an index without values never
            // matches.
            if (!idx.timestamp_range)
                continue;
            const auto& [lo, hi] = **bounds;
            if ((lo && idx.timestamp_range->second < *lo) ||
                (hi && idx.timestamp_range->first > *hi))
                continue;
        }
        kept.push_back(&idx);
    }
    std::sort(kept.begin(), kept.end(),
              [](const auto* a, const auto* b) { return a->name < b->name; });

    std::map<std::string, std::map<std::string, TypeBuilder>> merged;
    std::map<std::string, std::set<std::string>> mapped_in; // field -> indices that report it
    for (const auto* idx : kept) {
        for (auto& [field, cap] : index_caps(*idx, req)) {
            TypeBuilder& b = merged[field][cap.type];
            b.indices.push_back(idx->name);
            if (!cap.searchable)
                b.non_searchable.push_back(idx->name);
            if (!cap.aggregatable)
                b.non_aggregatable.push_back(idx->name);
            b.metadata = b.metadata || cap.metadata;
            if (cap.meta.is_object())
                for (const auto& [k, v] : cap.meta.items())
                    b.meta[k].insert(scalar_text(v));
            mapped_in[field].insert(idx->name);
        }
    }
    if (request.include_unmapped) {
        // ES: indices lacking a field are reported under the "unmapped" pseudo-type.
        for (auto& [field, types] : merged) {
            std::vector<std::string> missing;
            for (const auto* idx : kept)
                if (!mapped_in[field].contains(idx->name))
                    missing.push_back(idx->name);
            if (missing.empty())
                continue;
            TypeBuilder& b = types["unmapped"];
            b.indices = missing;
            b.non_searchable = missing;
            b.non_aggregatable = missing;
        }
    }

    json fields = json::object();
    for (const auto& [field, types] : merged) {
        const bool with_indices =
            types.size() > 1; // ES lists indices only when the field has several types
        json per_type = json::object();
        for (const auto& [type, b] : types) {
            const std::size_t total = b.indices.size();
            const bool searchable = b.non_searchable.empty();
            const bool aggregatable = b.non_aggregatable.empty();
            json cap = json::object();
            cap["type"] = type;
            cap["metadata_field"] = b.metadata;
            cap["searchable"] = searchable;
            cap["aggregatable"] = aggregatable;
            if (with_indices)
                cap["indices"] = b.indices;
            // Only when the field is searchable (aggregatable) in some indices but not all.
            if (!searchable && b.non_searchable.size() != total)
                cap["non_searchable_indices"] = b.non_searchable;
            if (!aggregatable && b.non_aggregatable.size() != total)
                cap["non_aggregatable_indices"] = b.non_aggregatable;
            if (!b.meta.empty()) {
                json meta = json::object();
                for (const auto& [k, vals] : b.meta)
                    meta[k] = std::vector<std::string>(vals.begin(), vals.end());
                cap["meta"] = meta;
            }
            per_type[type] = std::move(cap);
        }
        fields[field] = std::move(per_type);
    }
    json names = json::array();
    for (const auto* idx : kept)
        names.push_back(idx->name);
    return json{{"indices", names}, {"fields", fields}};
}

} // namespace esmend::es_sim::search

// run_search / run_count: request validation, matching, sorting, search_after/PIT paging,
// _source filtering, track_total_hits and aggregations.

#include "search/search.hpp"

#include "search/aggs.hpp"
#include "search/query.hpp"
#include "search/values.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <set>

namespace esmend::es_sim::search {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr std::int64_t k_default_size = 10;
constexpr std::int64_t k_default_track_total_hits =
    10000; // ES SearchContext.DEFAULT_TRACK_TOTAL_HITS_UP_TO

EsError source_parsing_error(std::string reason) {
    return EsError(400, "parsing_exception", std::move(reason));
}
EsError illegal_argument(std::string reason) {
    return EsError(400, "illegal_argument_exception", std::move(reason));
}

// ES ActionRequestValidationException rendering: "Validation Failed: 1: <msg>;".
EsError validation_error(const std::string& message) {
    return EsError(400, "action_request_validation_exception",
                   "Validation Failed: 1: " + message + ";");
}

// A failure raised on every shard (ES SearchPhaseExecutionException "all shards failed",
// rendered with phase, grouped failed_shards and the shard causes as root_cause). es-sim treats
// a failure in any index as a failure of all shards rather than returning partial results.
EsError all_shards_failed(const EsError& cause, const std::vector<std::string>& indices,
                          const std::string& node) {
    EsError e(cause.status, "search_phase_execution_exception", "all shards failed");
    e.with("phase", "query");
    e.with("grouped", true);
    json failed = json::array();
    json roots = json::array();
    // A cause tied to one index (query_shard_exception carries "index") failed that index's shard.
    std::vector<std::string> failing = indices;
    if (cause.extra.contains("index") && cause.extra["index"].is_string())
        failing = {cause.extra["index"].get<std::string>()};
    for (const auto& index : failing) {
        json reason = cause.cause_json();
        failed.push_back({{"shard", 0}, {"index", index}, {"node", node}, {"reason", reason}});
        json root = reason;
        root.erase("caused_by");
        if (std::find(roots.begin(), roots.end(), root) == roots.end())
            roots.push_back(root);
    }
    e.with("failed_shards", failed);
    // EsError::envelope() puts the error itself in root_cause; ES reports the shard causes there,
    // and the envelope lets "root_cause" in extra override it.
    e.with("root_cause", roots);
    e.because(cause);
    return e;
}

std::vector<std::string> distinct_indices(const std::vector<const DocView*>& docs) {
    std::vector<std::string> out;
    for (const auto* d : docs)
        if (out.empty() || out.back() != d->index()) {
            std::string idx(d->index());
            if (std::find(out.begin(), out.end(), idx) == out.end())
                out.push_back(std::move(idx));
        }
    return out;
}

std::vector<std::string> split_csv(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t comma = s.find(',', start);
        auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty())
            out.push_back(part);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

std::optional<std::int64_t> parse_long(const std::string& s) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

// ---------------------------------------------------------------------------------------------
// _source filtering (ES FetchSourceContext + XContentMapValues.filter)

struct SourceFilter {
    bool fetch = true;
    std::vector<std::string> includes;
    std::vector<std::string> excludes;
    [[nodiscard]] bool filtering() const { return !includes.empty() || !excludes.empty(); }
};

std::expected<std::vector<std::string>, EsError> string_list(const json& v,
                                                             const std::string& what) {
    std::vector<std::string> out;
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
        return out;
    }
    if (!v.is_array())
        return std::unexpected(
            source_parsing_error("Unknown key for a " + what + " in [_source]."));
    for (const auto& e : v) {
        if (!e.is_string())
            return std::unexpected(source_parsing_error("Unknown key for a VALUE in [_source]."));
        out.push_back(e.get<std::string>());
    }
    return out;
}

std::expected<SourceFilter, EsError> parse_source_filter(const json* body, const Params& params) {
    SourceFilter f;
    if (body != nullptr && body->contains("_source")) {
        const json& s = (*body)["_source"];
        if (s.is_boolean()) {
            f.fetch = s.get<bool>();
        } else if (s.is_string() || s.is_array()) {
            auto l = string_list(s, "START_ARRAY");
            if (!l)
                return std::unexpected(l.error());
            f.includes = *l;
        } else if (s.is_object()) {
            for (const auto& [k, v] : s.items()) {
                auto l = string_list(v, "START_OBJECT");
                if (!l)
                    return std::unexpected(l.error());
                if (k == "includes" || k == "include")
                    f.includes = *l;
                else if (k == "excludes" || k == "exclude")
                    f.excludes = *l;
                else
                    return std::unexpected(
                        source_parsing_error("Unknown key for a START_ARRAY in [" + k + "]."));
            }
        } else {
            return std::unexpected(source_parsing_error(
                "Expected one of [VALUE_BOOLEAN, START_OBJECT] but found [" +
                std::string(s.is_number() ? "VALUE_NUMBER" : "VALUE_NULL") + "]"));
        }
    }
    // ES FetchSourceContext.parseFromRestRequest: URL parameters replace the body's choice.
    const auto p_source = params.find("_source");
    const auto p_inc = params.find("_source_includes");
    const auto p_exc = params.find("_source_excludes");
    if (p_source != params.end() || p_inc != params.end() || p_exc != params.end()) {
        SourceFilter pf;
        if (p_source != params.end()) {
            const auto& v = p_source->second;
            if (v == "false")
                pf.fetch = false;
            else if (v != "true")
                pf.includes = split_csv(v);
        }
        if (p_inc != params.end())
            pf.includes = split_csv(p_inc->second);
        if (p_exc != params.end())
            pf.excludes = split_csv(p_exc->second);
        f = pf;
    }
    return f;
}

bool path_matches(const std::vector<std::string>& patterns, const std::string& path) {
    // A pattern selects the path itself and everything below it.
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
        return glob_match(p, path) || glob_match(p + ".*", path);
    });
}

bool descendant_may_match(const std::vector<std::string>& patterns, const std::string& path) {
    const std::string prefix = path + ".";
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return glob_prefix_alive(p, prefix); });
}

std::optional<ordered_json> filter_value(const ordered_json& v, const std::string& path,
                                         bool included, const SourceFilter& f);

ordered_json filter_object(const ordered_json& obj, const std::string& base, bool included,
                           const SourceFilter& f) {
    ordered_json out = ordered_json::object();
    for (const auto& [k, v] : obj.items()) {
        const std::string path = base.empty() ? k : base + "." + k;
        if (auto r = filter_value(v, path, included, f))
            out[k] = std::move(*r);
    }
    return out;
}

std::optional<ordered_json> filter_value(const ordered_json& v, const std::string& path,
                                         bool included, const SourceFilter& f) {
    if (path_matches(f.excludes, path))
        return std::nullopt;
    const bool here = included || f.includes.empty() || path_matches(f.includes, path);
    if (v.is_object()) {
        if (!here && !descendant_may_match(f.includes, path))
            return std::nullopt;
        auto r = filter_object(v, path, here, f);
        if (!here && r.empty())
            return std::nullopt;
        return r;
    }
    if (v.is_array()) {
        ordered_json arr = ordered_json::array();
        for (const auto& e : v) {
            if (e.is_object() || e.is_array()) {
                if (auto r = filter_value(e, path, here, f)) {
                    if (here || !r->empty())
                        arr.push_back(std::move(*r));
                }
            } else if (here) {
                arr.push_back(e);
            }
        }
        if (!here && arr.empty())
            return std::nullopt;
        return arr;
    }
    if (!here)
        return std::nullopt;
    return v;
}

std::expected<json, EsError> render_source(const DocView& doc, const SourceFilter& f,
                                           SourceMode mode) {
    const std::string_view raw = doc.source();
    if (!f.filtering()) {
        if (mode == SourceMode::raw_bytes)
            return json::binary(std::vector<std::uint8_t>(raw.begin(), raw.end()));
        auto parsed = json::parse(raw.begin(), raw.end(), nullptr, false);
        if (parsed.is_discarded())
            return std::unexpected(EsError(500, "exception", "stored _source is not valid JSON"));
        return parsed;
    }
    auto parsed = ordered_json::parse(raw.begin(), raw.end(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::unexpected(EsError(500, "exception", "stored _source is not a JSON object"));
    ordered_json filtered = filter_object(parsed, "", false, f);
    if (mode == SourceMode::raw_bytes) {
        const std::string bytes = filtered.dump();
        return json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    }
    return json::parse(filtered.dump(), nullptr, false);
}

// ---------------------------------------------------------------------------------------------
// Sorting

struct SortSpec {
    enum class Kind { field, score, doc, shard_doc } kind = Kind::field;
    std::string field;
    bool desc = false;
    bool missing_first = false;
    std::optional<json> missing_value;
    std::optional<std::string> unmapped_type;
};

struct SortKey {
    bool missing = false;
    bool is_str = false;
    long double num = 0;
    std::string str;
};

struct Row {
    std::size_t pos = 0; // index into SearchInput::docs
    double score = 0;
    std::vector<SortKey> keys;
};

int compare_key(const SortKey& a, const SortKey& b, const SortSpec& s) {
    if (a.missing || b.missing) {
        if (a.missing && b.missing)
            return 0;
        // ES: missing values go last (or first) whatever the order.
        const bool a_first = a.missing == s.missing_first;
        return a_first ? -1 : 1;
    }
    int c = 0;
    if (a.is_str || b.is_str)
        c = a.str < b.str ? -1 : (b.str < a.str ? 1 : 0);
    else
        c = a.num < b.num ? -1 : (b.num < a.num ? 1 : 0);
    return s.desc ? -c : c;
}

int compare_keys(const std::vector<SortKey>& a, const std::vector<SortKey>& b,
                 const std::vector<SortSpec>& specs) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const int c = compare_key(a[i], b[i], specs[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

std::expected<std::vector<SortSpec>, EsError> parse_sort_entry(const json& e,
                                                               std::vector<SortSpec>& out) {
    auto make = [](const std::string& name) {
        SortSpec s;
        if (name == "_score") {
            s.kind = SortSpec::Kind::score;
            s.desc = true;
        } else if (name == "_doc") {
            s.kind = SortSpec::Kind::doc;
        } else if (name == "_shard_doc") {
            s.kind = SortSpec::Kind::shard_doc;
        } else {
            s.field = name;
        }
        return s;
    };
    auto order = [](const json& v, SortSpec& s) -> std::expected<void, EsError> {
        const std::string o = scalar_text(v);
        if (o == "asc")
            s.desc = false;
        else if (o == "desc")
            s.desc = true;
        else
            return std::unexpected(
                illegal_argument("Unknown SortOrder [" + o + "]")); // ES SortOrder.fromString
        return {};
    };
    if (e.is_string()) {
        out.push_back(make(e.get<std::string>()));
        return out;
    }
    if (!e.is_object())
        return std::unexpected(
            source_parsing_error("malformed sort format, within the sort array, an "
                                 "object, or an actual string are allowed"));
    for (const auto& [name, v] : e.items()) {
        SortSpec s = make(name);
        if (v.is_string()) {
            auto r = order(v, s);
            if (!r)
                return std::unexpected(r.error());
        } else if (v.is_object()) {
            for (const auto& [k, pv] : v.items()) {
                if (k == "order") {
                    auto r = order(pv, s);
                    if (!r)
                        return std::unexpected(r.error());
                } else if (k == "missing" && s.kind == SortSpec::Kind::field) {
                    if (pv == "_last")
                        s.missing_first = false;
                    else if (pv == "_first")
                        s.missing_first = true;
                    else
                        s.missing_value = pv;
                } else if (k == "unmapped_type" && s.kind == SortSpec::Kind::field) {
                    s.unmapped_type = scalar_text(pv);
                } else if (k == "mode" || k == "numeric_type" || k == "format") {
                    // Defaults (min for asc, max for desc) are what es-sim implements.
                } else {
                    return std::unexpected(source_parsing_error(
                        "[" +
                        std::string(s.kind == SortSpec::Kind::score ? "_score" : "field_sort") +
                        "] unknown field [" + k + "]"));
                }
            }
        } else {
            return std::unexpected(source_parsing_error(
                "[field_sort] expected an object or a string for [" + name + "]"));
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::expected<std::vector<SortSpec>, EsError> parse_sort(const json* body, const Params& params) {
    std::vector<SortSpec> out;
    const auto p = params.find("sort");
    if (p != params.end()) {
        // RestSearchAction: sort=field:order,field2
        for (const auto& part : split_csv(p->second)) {
            const auto colon = part.rfind(':');
            SortSpec s;
            std::string name = colon == std::string::npos ? part : part.substr(0, colon);
            json e = name;
            if (colon != std::string::npos)
                e = json{{name, part.substr(colon + 1)}};
            auto r = parse_sort_entry(e, out);
            if (!r)
                return std::unexpected(r.error());
        }
        return out;
    }
    if (body == nullptr || !body->contains("sort"))
        return out;
    const json& s = (*body)["sort"];
    if (s.is_array()) {
        for (const auto& e : s) {
            auto r = parse_sort_entry(e, out);
            if (!r)
                return std::unexpected(r.error());
        }
    } else {
        auto r = parse_sort_entry(s, out);
        if (!r)
            return std::unexpected(r.error());
    }
    return out;
}

// Shard ordinal (order of first appearance of each index) and position within the index, which
// es-sim uses as Lucene doc ids for _doc and _shard_doc.
struct DocIds {
    std::vector<std::int64_t> shard;
    std::vector<std::int64_t> local;
};

DocIds doc_ids(const std::vector<const DocView*>& docs) {
    DocIds ids;
    ids.shard.resize(docs.size());
    ids.local.resize(docs.size());
    std::vector<std::string> seen;
    std::vector<std::int64_t> counts;
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const auto idx = docs[i]->index();
        auto it = std::find(seen.begin(), seen.end(), idx);
        if (it == seen.end()) {
            seen.emplace_back(idx);
            counts.push_back(0);
            it = seen.end() - 1;
        }
        const auto s = static_cast<std::size_t>(it - seen.begin());
        ids.shard[i] = static_cast<std::int64_t>(s);
        ids.local[i] = counts[s]++;
    }
    return ids;
}

std::int64_t shard_doc_value(const DocIds& ids, std::size_t pos) {
    // ES ShardDocSortField: shard request index in the high 32 bits, doc id in the low ones.
    return (ids.shard[pos] << 32) | ids.local[pos];
}

// The value a document sorts on for a field spec (min for asc, max for desc, ES MultiValueMode).
struct Chosen {
    std::optional<FieldValue> value;
    FieldKind kind = FieldKind::other;
    std::string type;
};

std::expected<Chosen, EsError> choose_value(const DocView& doc, const SortSpec& s) {
    Chosen c;
    auto type = resolved_type(doc, s.field);
    if (!type) {
        if (!s.unmapped_type)
            return std::unexpected(
                EsError(400, "query_shard_exception",
                        "No mapping found for [" + s.field + "] in order to sort on")
                    .with("index", std::string(doc.index())));
        c.type = *s.unmapped_type;
        c.kind = kind_of(c.type);
        return c;
    }
    if (*type == "_id")
        return std::unexpected(id_fielddata_error());
    c.type = *type;
    c.kind = kind_of(*type);
    if (c.kind == FieldKind::text)
        return std::unexpected(fielddata_error(s.field, doc.index()));
    for (const auto& v : resolved_values(doc, s.field)) {
        if (!c.value) {
            c.value = v;
            continue;
        }
        bool less = false;
        if (c.kind == FieldKind::ip) {
            auto a = parse_ip(std::get<std::string>(v));
            auto b = parse_ip(std::get<std::string>(*c.value));
            less = a && b && *a < *b;
        } else if (const auto* sv = std::get_if<std::string>(&v)) {
            less = *sv < std::get<std::string>(*c.value);
        } else {
            auto a = as_number(v);
            auto b = as_number(*c.value);
            if (const auto* bv = std::get_if<bool>(&v))
                a = *bv ? 1 : 0;
            if (const auto* bc = std::get_if<bool>(&*c.value))
                b = *bc ? 1 : 0;
            less = a && b && *a < *b;
        }
        if (less != s.desc)
            c.value = v;
    }
    return c;
}

SortKey key_from_value(const FieldValue& v, FieldKind kind) {
    SortKey k;
    if (const auto* s = std::get_if<std::string>(&v)) {
        k.is_str = true;
        if (kind == FieldKind::ip) {
            auto ip = parse_ip(*s);
            if (ip)
                k.str.assign(ip->begin(), ip->end());
        } else {
            k.str = *s;
        }
    } else if (const auto* b = std::get_if<bool>(&v)) {
        k.num = *b ? 1 : 0;
    } else {
        k.num = as_number(v).value_or(0);
    }
    return k;
}

// A query-side value (search_after entry or custom "missing") as a sort key for a field kind.
std::expected<SortKey, EsError> key_from_json(const json& v, FieldKind kind, std::int64_t now) {
    SortKey k;
    if (v.is_null()) {
        k.missing = true;
        return k;
    }
    switch (kind) {
    case FieldKind::keyword:
    case FieldKind::text:
    case FieldKind::other:
        if (v.is_number()) {
            k.num = v.get<long double>();
        } else {
            k.is_str = true;
            k.str = scalar_text(v);
        }
        return k;
    case FieldKind::ip: {
        auto ip = parse_ip(scalar_text(v));
        if (!ip)
            return std::unexpected(
                illegal_argument("'" + scalar_text(v) + "' is not an IP string literal."));
        k.is_str = true;
        k.str.assign(ip->begin(), ip->end());
        return k;
    }
    case FieldKind::boolean:
        if (v.is_boolean())
            k.num = v.get<bool>() ? 1 : 0;
        else if (v.is_number())
            k.num = v.get<long double>();
        else
            k.num = scalar_text(v) == "true" ? 1 : 0;
        return k;
    case FieldKind::date:
        if (v.is_number()) {
            k.num = v.get<long double>();
        } else {
            auto d = parse_date(
                v, DateParseOptions{
                       .format = {}, .now_millis = now, .round_up = false, .tz_offset_millis = 0});
            if (!d)
                return std::unexpected(illegal_argument(d.error()));
            k.num = static_cast<long double>(*d);
        }
        return k;
    case FieldKind::integral:
    case FieldKind::floating:
        if (v.is_number()) {
            k.num = v.get<long double>();
            return k;
        }
        {
            const std::string text = scalar_text(v);
            char* end = nullptr;
            k.num = std::strtold(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size())
                return std::unexpected(
                    EsError(400, "number_format_exception", "For input string: \"" + text + "\""));
        }
        return k;
    }
    return k;
}

json sort_value_json(const SortSpec& s, const Row& row, const DocView& doc, const DocIds& ids) {
    switch (s.kind) {
    case SortSpec::Kind::score:
        return row.score;
    case SortSpec::Kind::doc:
        return ids.local[row.pos];
    case SortSpec::Kind::shard_doc:
        return shard_doc_value(ids, row.pos);
    case SortSpec::Kind::field:
        break;
    }
    auto c = choose_value(doc, s);
    if (!c)
        return nullptr;
    if (!c->value) {
        if (s.missing_value)
            return *s.missing_value;
        // ES: a missing numeric value sorts as Long.MAX_VALUE / MIN_VALUE and is rendered as such;
        // a missing string renders as null.
        if (c->kind == FieldKind::integral || c->kind == FieldKind::date ||
            c->kind == FieldKind::boolean) {
            const bool max = s.missing_first == s.desc;
            return max ? std::numeric_limits<std::int64_t>::max()
                       : std::numeric_limits<std::int64_t>::min();
        }
        return nullptr;
    }
    const FieldValue& v = *c->value;
    if (const auto* b = std::get_if<bool>(&v))
        return *b ? 1 : 0;
    if (const auto* i = std::get_if<std::int64_t>(&v))
        return *i;
    if (const auto* u = std::get_if<std::uint64_t>(&v))
        return *u;
    if (const auto* d = std::get_if<double>(&v))
        return *d;
    return std::get<std::string>(v);
}

// ---------------------------------------------------------------------------------------------
// The per-PIT cache: every match of one (query, sort) in final order, so that each search_after
// page is a binary search plus a copy.

class SortedMatches : public SearchCache {
public:
    std::string signature;
    std::vector<Row> rows;
    std::vector<FieldKind> kinds; // per sort spec, the kind seen on documents (for search_after)
    DocIds ids;
    double max_score = 0;
};

std::expected<json, EsError> track_total(const json* body, const Params& params) {
    json v = json(k_default_track_total_hits);
    if (body != nullptr && body->contains("track_total_hits"))
        v = (*body)["track_total_hits"];
    if (auto p = params.find("track_total_hits"); p != params.end()) {
        if (p->second == "true" || p->second == "false")
            v = p->second == "true";
        else if (auto n = parse_long(p->second))
            v = *n;
        else
            return std::unexpected(illegal_argument("Failed to parse value [" + p->second +
                                                    "] as only [true] or [false] are allowed."));
    }
    if (v.is_boolean())
        return v;
    if (!v.is_number_integer())
        return std::unexpected(
            source_parsing_error("[track_total_hits] must be a boolean or an integer"));
    const auto n = v.get<std::int64_t>();
    // ES SearchSourceBuilder.trackTotalHitsUpTo.
    if (n < -1)
        return std::unexpected(
            illegal_argument("[track_total_hits] parameter must be positive or equals to -1, got " +
                             std::to_string(n)));
    if (n == -1)
        return json(true);
    return v;
}

std::expected<std::int64_t, EsError> int_param(const json* body, const Params& params,
                                               const std::string& name, std::int64_t dflt) {
    std::int64_t v = dflt;
    if (body != nullptr && body->contains(name)) {
        const json& j = (*body)[name];
        if (!j.is_number_integer())
            return std::unexpected(
                source_parsing_error("[" + name + "] failed to parse field [" + name + "]"));
        v = j.get<std::int64_t>();
    }
    if (auto p = params.find(name); p != params.end()) {
        auto n = parse_long(p->second);
        if (!n)
            return std::unexpected(illegal_argument("Failed to parse int parameter [" + name +
                                                    "] with value [" + p->second + "]"));
        v = *n;
    }
    return v;
}

// Keys of the search request body (ES SearchSourceBuilder). Keys es-sim implements are handled;
// keys that only tune execution are accepted; the rest are refused loudly rather than ignored.
const std::set<std::string, std::less<>> k_handled_keys{
    "query",        "from",         "size",         "sort", "_source",
    "aggs",         "aggregations", "search_after", "pit",  "track_total_hits",
    "track_scores", "timeout"};
const std::set<std::string, std::less<>> k_unsupported_keys{"post_filter",
                                                            "min_score",
                                                            "version",
                                                            "seq_no_primary_term",
                                                            "explain",
                                                            "stored_fields",
                                                            "docvalue_fields",
                                                            "fields",
                                                            "script_fields",
                                                            "highlight",
                                                            "suggest",
                                                            "rescore",
                                                            "collapse",
                                                            "slice",
                                                            "indices_boost",
                                                            "runtime_mappings",
                                                            "stats",
                                                            "ext",
                                                            "knn",
                                                            "rank",
                                                            "retriever",
                                                            "profile",
                                                            "terminate_after",
                                                            "sub_searches"};

std::expected<void, EsError> check_body_keys(const json* body) {
    if (body == nullptr || body->is_null())
        return {};
    if (!body->is_object())
        return std::unexpected(source_parsing_error("Unexpected token, expected START_OBJECT"));
    for (const auto& [k, v] : body->items()) {
        if (k_handled_keys.contains(k))
            continue;
        if (k_unsupported_keys.contains(k)) {
            // Harmless defaults are accepted.
            if ((k == "explain" || k == "profile" || k == "version" ||
                 k == "seq_no_primary_term") &&
                v == false)
                continue;
            return std::unexpected(
                illegal_argument("es-sim does not support [" + k + "] in a search request"));
        }
        // ES SearchSourceBuilder.parseXContent.
        return std::unexpected(
            source_parsing_error("Unknown key for a " + token_name(v) + " in [" + k + "]."));
    }
    return {};
}

std::int64_t now_of(const std::optional<std::int64_t>& now) {
    if (now)
        return *now;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void dump_into(const json& v, std::string& out) {
    switch (v.type()) {
    case json::value_t::object: {
        out.push_back('{');
        bool first = true;
        for (const auto& [k, e] : v.items()) {
            if (!first)
                out.push_back(',');
            first = false;
            out += json(k).dump();
            out.push_back(':');
            dump_into(e, out);
        }
        out.push_back('}');
        break;
    }
    case json::value_t::array: {
        out.push_back('[');
        bool first = true;
        for (const auto& e : v) {
            if (!first)
                out.push_back(',');
            first = false;
            dump_into(e, out);
        }
        out.push_back(']');
        break;
    }
    case json::value_t::binary: {
        const auto& bytes = v.get_binary();
        out.append(bytes.begin(), bytes.end());
        break;
    }
    default:
        out += v.dump();
        break;
    }
}

} // namespace

std::string dump_response(const json& response) {
    std::string out;
    dump_into(response, out);
    return out;
}

std::expected<json, EsError> run_search(const SearchInput& input) {
    static const Params k_no_params;
    const json* body = input.body != nullptr && !input.body->is_null() ? input.body : nullptr;
    const Params& params = input.params != nullptr ? *input.params : k_no_params;
    auto fail_shards = [&](const EsError& cause) {
        return std::unexpected(
            all_shards_failed(cause, distinct_indices(input.docs), input.node_id));
    };

    if (auto r = check_body_keys(body); !r)
        return std::unexpected(r.error());
    auto size = int_param(body, params, "size", k_default_size);
    if (!size)
        return std::unexpected(size.error());
    auto from = int_param(body, params, "from", 0);
    if (!from)
        return std::unexpected(from.error());
    // ES SearchSourceBuilder.size() / from().
    if (*size < 0)
        return std::unexpected(illegal_argument("[size] parameter cannot be negative, found [" +
                                                std::to_string(*size) + "]"));
    if (*from < 0)
        return std::unexpected(illegal_argument("[from] parameter cannot be negative"));
    auto track = track_total(body, params);
    if (!track)
        return std::unexpected(track.error());
    // ES RestSearchAction.validateSearchRequest: rest_total_hits_as_int needs an accurate (or no)
    // total and defaults it to accurate.
    const auto as_int_param = params.find("rest_total_hits_as_int");
    const bool total_as_int = as_int_param != params.end() &&
                              (as_int_param->second == "true" || as_int_param->second.empty());
    if (total_as_int) {
        const bool explicit_track = (body != nullptr && body->contains("track_total_hits")) ||
                                    params.contains("track_total_hits");
        if (!explicit_track)
            *track = true;
        else if (track->is_number_integer())
            return std::unexpected(
                illegal_argument("[rest_total_hits_as_int] cannot be used if the tracking of total "
                                 "hits is not accurate, got " +
                                 std::to_string(track->get<std::int64_t>())));
    }
    auto source_filter = parse_source_filter(body, params);
    if (!source_filter)
        return std::unexpected(source_filter.error());
    auto sorts = parse_sort(body, params);
    if (!sorts)
        return std::unexpected(sorts.error());
    bool track_scores = false;
    if (body != nullptr && body->contains("track_scores")) {
        if (!(*body)["track_scores"].is_boolean())
            return std::unexpected(
                source_parsing_error("[track_scores] failed to parse field [track_scores]"));
        track_scores = (*body)["track_scores"].get<bool>();
    }
    const bool is_pit = body != nullptr && body->contains("pit");
    if (is_pit && !(*body)["pit"].is_object())
        return std::unexpected(source_parsing_error("[pit] failed to parse object"));

    std::optional<json> search_after;
    if (body != nullptr && body->contains("search_after")) {
        if (!(*body)["search_after"].is_array())
            return std::unexpected(
                source_parsing_error("[search_after] failed to parse field [search_after]"));
        search_after = (*body)["search_after"];
    }
    // ES SearchRequest.validate.
    if (search_after && *from > 0)
        return std::unexpected(
            validation_error("[from] parameter must be set to 0 when [search_after] is used"));

    // ES SearchRequest.rewrite: PIT searches get an implicit _shard_doc tiebreaker when sorted,
    // unless the search_after values show the client did not expect one.
    if (is_pit && !sorts->empty() && sorts->back().kind != SortSpec::Kind::shard_doc &&
        (!search_after || search_after->size() == sorts->size() + 1)) {
        SortSpec tie;
        tie.kind = SortSpec::Kind::shard_doc;
        sorts->push_back(tie);
    }

    QueryContext qctx{now_of(input.now_millis)};
    auto query =
        parse_query(body != nullptr && body->contains("query") ? &(*body)["query"] : nullptr, qctx);
    if (!query)
        return std::unexpected(query.error());

    Aggregations aggs;
    if (body != nullptr) {
        const bool a1 = body->contains("aggs");
        const bool a2 = body->contains("aggregations");
        if (a1 && a2)
            return std::unexpected(source_parsing_error(
                "Found two aggregation definitions: [aggs] and [aggregations]"));
        if (a1 || a2) {
            auto parsed = Aggregations::parse((*body)[a1 ? "aggs" : "aggregations"]);
            if (!parsed)
                return std::unexpected(parsed.error());
            aggs = std::move(*parsed);
        }
    }

    // Shard-level checks (ES DefaultSearchContext.preProcess).
    if (*from + *size > input.max_result_window)
        return fail_shards(illegal_argument(
            "Result window is too large, from + size must be less than or equal to: [" +
            std::to_string(input.max_result_window) + "] but was [" +
            std::to_string(*from + *size) +
            "]. See the scroll api for a more efficient way to request large data sets. This limit "
            "can be set by "
            "changing the [index.max_result_window] index level setting."));
    if (search_after) {
        // ES SearchAfterBuilder.buildFieldDoc.
        if (sorts->empty() || (sorts->size() == 1 && sorts->front().kind == SortSpec::Kind::score &&
                               sorts->front().desc))
            return fail_shards(illegal_argument("Sort must contain at least one field."));
        if (search_after->size() != sorts->size())
            return fail_shards(
                illegal_argument("search_after has " + std::to_string(search_after->size()) +
                                 " value(s) but sort has " + std::to_string(sorts->size()) + "."));
    }

    std::string signature;
    {
        json sig = json::array();
        sig.push_back(body != nullptr && body->contains("query") ? (*body)["query"] : json());
        for (const auto& s : *sorts)
            sig.push_back({static_cast<int>(s.kind), s.field, s.desc, s.missing_first,
                           s.missing_value ? *s.missing_value : json(),
                           s.unmapped_type.value_or("")});
        sig.push_back(input.docs.size());
        signature = sig.dump();
    }

    SortedMatches local;
    SortedMatches* sorted = nullptr;
    if (input.cache != nullptr && *input.cache) {
        auto* c = dynamic_cast<SortedMatches*>(input.cache->get());
        if (c != nullptr && c->signature == signature)
            sorted = c;
    }
    if (sorted == nullptr) {
        local.ids = doc_ids(input.docs);
        const DocIds& ids = local.ids;
        local.signature = signature;
        local.kinds.assign(sorts->size(), FieldKind::other);
        for (std::size_t i = 0; i < input.docs.size(); ++i) {
            const DocView& doc = *input.docs[i];
            auto m = (*query)->match(doc);
            if (!m)
                return fail_shards(m.error());
            if (!*m)
                continue;
            Row row;
            row.pos = i;
            row.score = **m;
            local.max_score = local.rows.empty() ? row.score : std::max(local.max_score, row.score);
            row.keys.reserve(sorts->size());
            for (std::size_t s = 0; s < sorts->size(); ++s) {
                const SortSpec& spec = (*sorts)[s];
                SortKey key;
                switch (spec.kind) {
                case SortSpec::Kind::score:
                    key.num = row.score;
                    break;
                // _doc sorts on the Lucene doc id; equal ids in different shards tie-break by
                // shard.
                case SortSpec::Kind::doc:
                    key.num = static_cast<long double>(ids.local[i]);
                    break;
                case SortSpec::Kind::shard_doc:
                    key.num = static_cast<long double>(shard_doc_value(ids, i));
                    break;
                case SortSpec::Kind::field: {
                    auto c = choose_value(doc, spec);
                    if (!c)
                        return fail_shards(c.error());
                    if (c->kind != FieldKind::other || local.kinds[s] == FieldKind::other)
                        local.kinds[s] = c->kind;
                    if (c->value) {
                        key = key_from_value(*c->value, c->kind);
                    } else if (spec.missing_value) {
                        auto k = key_from_json(*spec.missing_value, c->kind, qctx.now_millis);
                        if (!k)
                            return fail_shards(k.error());
                        key = *k;
                    } else {
                        key.missing = true;
                    }
                    break;
                }
                }
                row.keys.push_back(std::move(key));
            }
            local.rows.push_back(std::move(row));
        }
        auto less = [&](const Row& a, const Row& b) {
            if (!sorts->empty()) {
                const int c = compare_keys(a.keys, b.keys, *sorts);
                if (c != 0)
                    return c < 0;
            } else if (a.score != b.score) {
                return a.score > b.score;
            }
            return a.pos < b.pos; // ES breaks ties by shard, then doc id
        };
        if (input.cache != nullptr) {
            std::sort(local.rows.begin(), local.rows.end(), less);
            *input.cache = std::make_unique<SortedMatches>(std::move(local));
            sorted = dynamic_cast<SortedMatches*>(input.cache->get());
        } else {
            // One-shot search: only the first from+size rows after search_after need ordering.
            if (search_after) {
                std::vector<SortKey> after;
                for (std::size_t s = 0; s < sorts->size(); ++s) {
                    auto k = key_from_json((*search_after)[s],
                                           (*sorts)[s].kind == SortSpec::Kind::field
                                               ? local.kinds[s]
                                               : FieldKind::integral,
                                           qctx.now_millis);
                    if (!k)
                        return fail_shards(k.error());
                    after.push_back(std::move(*k));
                }
                std::erase_if(local.rows, [&](const Row& r) {
                    return compare_keys(r.keys, after, *sorts) <= 0;
                });
            }
            const auto want = static_cast<std::size_t>(std::min<std::int64_t>(
                *from + *size, static_cast<std::int64_t>(local.rows.size())));
            std::partial_sort(local.rows.begin(),
                              local.rows.begin() + static_cast<std::ptrdiff_t>(want),
                              local.rows.end(), less);
            sorted = &local;
        }
    }

    // Page selection.
    const std::vector<Row>& rows = sorted->rows;
    const DocIds& ids = sorted->ids;
    std::size_t begin = 0;
    if (search_after && input.cache != nullptr) {
        std::vector<SortKey> after;
        for (std::size_t s = 0; s < sorts->size(); ++s) {
            auto k = key_from_json((*search_after)[s],
                                   (*sorts)[s].kind == SortSpec::Kind::field ? sorted->kinds[s]
                                                                             : FieldKind::integral,
                                   qctx.now_millis);
            if (!k)
                return fail_shards(k.error());
            after.push_back(std::move(*k));
        }
        begin = static_cast<std::size_t>(
            std::upper_bound(rows.begin(), rows.end(), after,
                             [&](const std::vector<SortKey>& a, const Row& r) {
                                 return compare_keys(a, r.keys, *sorts) < 0;
                             }) -
            rows.begin());
    }
    begin += static_cast<std::size_t>(*from);
    const std::size_t end = std::min(rows.size(), begin + static_cast<std::size_t>(*size));

    // Total hits count the query's matches, not the search_after window. Without a cache, rows
    // after search_after filtering no longer hold all matches, so count before filtering.
    std::int64_t total = 0;
    std::vector<const DocView*> matched;
    if (input.cache == nullptr && search_after) {
        for (const auto* d : input.docs) {
            auto m = (*query)->match(*d);
            if (!m)
                return fail_shards(m.error());
            if (*m)
                matched.push_back(d);
        }
        total = static_cast<std::int64_t>(matched.size());
    } else {
        total = static_cast<std::int64_t>(rows.size());
        if (!aggs.empty()) {
            matched.reserve(rows.size());
            for (const auto& r : rows)
                matched.push_back(input.docs[r.pos]);
        }
    }

    const bool sorted_by_field =
        !sorts->empty() && !(sorts->size() == 1 && sorts->front().kind == SortSpec::Kind::score);
    const bool has_score_sort = std::any_of(sorts->begin(), sorts->end(), [](const SortSpec& s) {
        return s.kind == SortSpec::Kind::score;
    });
    const bool scores = !sorted_by_field || track_scores || has_score_sort;

    json hits = json::array();
    for (std::size_t i = begin; i < end; ++i) {
        const Row& row = rows[i];
        const DocView& doc = *input.docs[row.pos];
        json hit = json::object();
        hit["_index"] = std::string(doc.index());
        hit["_id"] = std::string(doc.id());
        hit["_score"] = scores ? json(row.score) : json(nullptr);
        if (source_filter->fetch) {
            auto src = render_source(doc, *source_filter, input.source_mode);
            if (!src)
                return std::unexpected(src.error());
            hit["_source"] = std::move(*src);
        }
        if (!sorts->empty()) {
            json sv = json::array();
            for (const auto& s : *sorts)
                sv.push_back(sort_value_json(s, row, doc, ids));
            hit["sort"] = std::move(sv);
        }
        hits.push_back(std::move(hit));
    }

    json hits_obj = json::object();
    if (total_as_int) {
        // ES SearchHits.toXContent: a plain number, -1 when totals are not tracked.
        hits_obj["total"] = *track == false ? -1 : total;
    } else if (*track != false) {
        std::int64_t cap = track->is_boolean() ? std::numeric_limits<std::int64_t>::max()
                                               : track->get<std::int64_t>();
        if (total > cap)
            hits_obj["total"] = {{"value", cap}, {"relation", "gte"}};
        else
            hits_obj["total"] = {{"value", total}, {"relation", "eq"}};
    }
    hits_obj["max_score"] = scores && total > 0 && (!sorted_by_field || track_scores)
                                ? json(sorted->max_score)
                                : json(nullptr);
    hits_obj["hits"] = std::move(hits);

    json out = json::object();
    out["timed_out"] = false;
    out["hits"] = std::move(hits_obj);
    if (!aggs.empty()) {
        auto a = aggs.run(matched);
        if (!a)
            return fail_shards(a.error());
        out["aggregations"] = std::move(*a);
    }
    return out;
}

std::expected<std::int64_t, EsError> run_count(const json* body,
                                               const std::vector<const DocView*>& docs) {
    const json* query = nullptr;
    if (body != nullptr && !body->is_null()) {
        if (!body->is_object())
            return std::unexpected(source_parsing_error("Unexpected token, expected START_OBJECT"));
        for (const auto& [k, v] : body->items()) {
            (void)v;
            // ES RestActions.getQueryContent.
            if (k != "query")
                return std::unexpected(
                    source_parsing_error("request does not support [" + k + "]"));
        }
        if (body->contains("query"))
            query = &(*body)["query"];
    }
    auto q = parse_query(query, QueryContext{now_of(std::nullopt)});
    if (!q)
        return std::unexpected(q.error());
    std::int64_t n = 0;
    for (const auto* d : docs) {
        auto m = (*q)->match(*d);
        if (!m)
            return std::unexpected(all_shards_failed(m.error(), distinct_indices(docs), "es-sim"));
        if (*m)
            ++n;
    }
    return n;
}

std::string token_name(const json& v) {
    if (v.is_object())
        return "START_OBJECT";
    if (v.is_array())
        return "START_ARRAY";
    if (v.is_string())
        return "VALUE_STRING";
    if (v.is_number())
        return "VALUE_NUMBER";
    if (v.is_boolean())
        return "VALUE_BOOLEAN";
    return "VALUE_NULL";
}

} // namespace esmend::es_sim::search

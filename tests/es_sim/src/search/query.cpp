#include "search/query.hpp"

#include "search/values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace esmend::es_sim::search {

using nlohmann::json;

namespace {

// ES ParsingException: 400 parsing_exception. ES adds the "line"/"col" of the offending token;
// es-sim receives an already-parsed body and cannot report them.
EsError parsing_error(std::string reason) {
    return EsError(400, "parsing_exception", std::move(reason));
}

// A predicate over one indexed value of a field, compiled for a mapped type.
using ValuePredicate = std::function<bool(const FieldValue&)>;

// Why a query value could not be turned into a Lucene query for a type: the message ES puts after
// "failed to create query: " and the type of the underlying Java exception.
struct ValueError {
    std::string message;
    std::string cause_type;
};

using PredicateResult = std::expected<ValuePredicate, ValueError>;

ValuePredicate match_nothing() {
    return [](const FieldValue&) { return false; };
}

std::expected<long double, ValueError> parse_number(const json& v) {
    if (v.is_number())
        return v.get<long double>();
    const std::string s = scalar_text(v);
    if (v.is_string() && !s.empty()) {
        char* end = nullptr;
        const long double d = std::strtold(s.c_str(), &end);
        if (end == s.c_str() + s.size() && std::isfinite(d))
            return d;
    }
    // java.lang.NumberFormatException text from Long.parseLong / Double.parseDouble.
    return std::unexpected(
        ValueError{"For input string: \"" + s + "\"", "number_format_exception"});
}

std::expected<bool, ValueError> parse_bool(const json& v) {
    if (v.is_boolean())
        return v.get<bool>();
    const std::string s = scalar_text(v);
    if (s == "true")
        return true;
    if (s == "false")
        return false;
    // ES Booleans.parseBoolean.
    return std::unexpected(
        ValueError{"Can't parse boolean value [" + s + "], expected [true] or [false]",
                   "illegal_argument_exception"});
}

ValueError bad_ip(const json& v) {
    // ES InetAddresses.forString.
    return ValueError{"'" + scalar_text(v) + "' is not an IP string literal.",
                      "illegal_argument_exception"};
}

bool string_value(const FieldValue& fv, std::string& out) {
    if (const auto* s = std::get_if<std::string>(&fv)) {
        out = *s;
        return true;
    }
    return false;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::optional<long double> bool_as_number(const FieldValue& fv) {
    if (const auto* b = std::get_if<bool>(&fv))
        return *b ? 1.0L : 0.0L;
    return as_number(fv);
}

// ES DateFieldType.termQuery: a term on a date is the range [value rounded down, value rounded up].
// Numeric term semantics follow NumberFieldMapper.NumberType.termQuery: a value with a decimal part
// or outside the type's range matches nothing on integral types.
PredicateResult term_predicate(const std::string& type, const json& value, bool case_insensitive,
                               const QueryContext& ctx) {
    switch (kind_of(type)) {
    case FieldKind::keyword: {
        std::string want = scalar_text(value);
        if (case_insensitive)
            want = lower(want);
        return [want, case_insensitive](const FieldValue& fv) {
            std::string s;
            if (!string_value(fv, s))
                return false;
            return (case_insensitive ? lower(s) : s) == want;
        };
    }
    case FieldKind::text: {
        // A term query is not analysed: it matches an indexed token exactly.
        std::string want = scalar_text(value);
        if (case_insensitive)
            want = lower(want);
        return [want](const FieldValue& fv) {
            std::string s;
            if (!string_value(fv, s))
                return false;
            auto tokens = standard_tokens(s);
            return std::find(tokens.begin(), tokens.end(), want) != tokens.end();
        };
    }
    case FieldKind::integral: {
        auto n = parse_number(value);
        if (!n)
            return std::unexpected(n.error());
        const auto range = integral_range(type);
        if (std::floor(*n) != *n || *n < range.min || *n > range.max)
            return match_nothing();
        const long double want = *n;
        return [want](const FieldValue& fv) {
            auto x = as_number(fv);
            return x && *x == want;
        };
    }
    case FieldKind::floating: {
        auto n = parse_number(value);
        if (!n)
            return std::unexpected(n.error());
        const long double want = *n;
        return [want](const FieldValue& fv) {
            auto x = as_number(fv);
            return x && *x == want;
        };
    }
    case FieldKind::date: {
        DateParseOptions opts{
            .format = {}, .now_millis = ctx.now_millis, .round_up = false, .tz_offset_millis = 0};
        auto lo = parse_date(value, opts);
        opts.round_up = true;
        auto hi = parse_date(value, opts);
        if (!lo || !hi)
            return std::unexpected(ValueError{lo ? hi.error() : lo.error(), "parse_exception"});
        return [l = *lo, h = *hi](const FieldValue& fv) {
            const auto* x = std::get_if<std::int64_t>(&fv);
            return x != nullptr && *x >= l && *x <= h;
        };
    }
    case FieldKind::boolean: {
        auto b = parse_bool(value);
        if (!b)
            return std::unexpected(b.error());
        return [want = *b](const FieldValue& fv) {
            const auto* x = std::get_if<bool>(&fv);
            return x != nullptr && *x == want;
        };
    }
    case FieldKind::ip: {
        // ES IpFieldMapper.termQuery accepts an address or a CIDR block.
        const std::string s = scalar_text(value);
        std::pair<IpBytes, IpBytes> block;
        if (s.find('/') != std::string::npos) {
            auto cidr = parse_cidr(s);
            if (!cidr)
                return std::unexpected(bad_ip(value));
            block = *cidr;
        } else {
            auto ip = parse_ip(s);
            if (!ip)
                return std::unexpected(bad_ip(value));
            block = {*ip, *ip};
        }
        return [block](const FieldValue& fv) {
            std::string s2;
            if (!string_value(fv, s2))
                return false;
            auto ip = parse_ip(s2);
            return ip && *ip >= block.first && *ip <= block.second;
        };
    }
    case FieldKind::other:
        break;
    }
    return match_nothing();
}

struct RangeSpec {
    std::optional<json> lower;
    bool include_lower = true;
    std::optional<json> upper;
    bool include_upper = true;
    std::string format;
    std::int64_t tz_offset = 0;
};

PredicateResult range_predicate(const std::string& type, const RangeSpec& r,
                                const QueryContext& ctx) {
    const FieldKind kind = kind_of(type);
    switch (kind) {
    case FieldKind::keyword:
    case FieldKind::text: {
        std::optional<std::string> lo;
        std::optional<std::string> hi;
        if (r.lower)
            lo = scalar_text(*r.lower);
        if (r.upper)
            hi = scalar_text(*r.upper);
        const bool tokens = kind == FieldKind::text;
        return [lo, hi, r, tokens](const FieldValue& fv) {
            std::string s;
            if (!string_value(fv, s))
                return false;
            auto in = [&](const std::string& t) {
                if (lo && (r.include_lower ? t < *lo : t <= *lo))
                    return false;
                if (hi && (r.include_upper ? t > *hi : t >= *hi))
                    return false;
                return true;
            };
            if (!tokens)
                return in(s);
            auto ts = standard_tokens(s);
            return std::any_of(ts.begin(), ts.end(), in);
        };
    }
    case FieldKind::integral:
    case FieldKind::floating:
    case FieldKind::boolean: {
        std::optional<long double> lo;
        std::optional<long double> hi;
        for (int side = 0; side < 2; ++side) {
            const auto& bound = side == 0 ? r.lower : r.upper;
            if (!bound)
                continue;
            std::optional<long double> v;
            if (kind == FieldKind::boolean) {
                auto b = parse_bool(*bound);
                if (!b)
                    return std::unexpected(b.error());
                v = *b ? 1.0L : 0.0L;
            } else {
                auto n = parse_number(*bound);
                if (!n)
                    return std::unexpected(n.error());
                v = *n;
            }
            (side == 0 ? lo : hi) = v;
        }
        return [lo, hi, r](const FieldValue& fv) {
            auto x = bool_as_number(fv);
            if (!x)
                return false;
            if (lo && (r.include_lower ? *x < *lo : *x <= *lo))
                return false;
            if (hi && (r.include_upper ? *x > *hi : *x >= *hi))
                return false;
            return true;
        };
    }
    case FieldKind::date: {
        // ES DateFieldType.rangeQuery: gt and lte use the round-up parser.
        std::optional<std::int64_t> lo;
        std::optional<std::int64_t> hi;
        DateParseOptions opts{.format = r.format,
                              .now_millis = ctx.now_millis,
                              .round_up = false,
                              .tz_offset_millis = r.tz_offset};
        if (r.lower) {
            opts.round_up = !r.include_lower;
            auto v = parse_date(*r.lower, opts);
            if (!v)
                return std::unexpected(ValueError{v.error(), "parse_exception"});
            lo = *v;
        }
        if (r.upper) {
            opts.round_up = r.include_upper;
            auto v = parse_date(*r.upper, opts);
            if (!v)
                return std::unexpected(ValueError{v.error(), "parse_exception"});
            hi = *v;
        }
        return [lo, hi, r](const FieldValue& fv) {
            const auto* x = std::get_if<std::int64_t>(&fv);
            if (x == nullptr)
                return false;
            if (lo && (r.include_lower ? *x < *lo : *x <= *lo))
                return false;
            if (hi && (r.include_upper ? *x > *hi : *x >= *hi))
                return false;
            return true;
        };
    }
    case FieldKind::ip: {
        std::optional<IpBytes> lo;
        std::optional<IpBytes> hi;
        if (r.lower) {
            lo = parse_ip(scalar_text(*r.lower));
            if (!lo)
                return std::unexpected(bad_ip(*r.lower));
        }
        if (r.upper) {
            hi = parse_ip(scalar_text(*r.upper));
            if (!hi)
                return std::unexpected(bad_ip(*r.upper));
        }
        return [lo, hi, r](const FieldValue& fv) {
            std::string s;
            if (!string_value(fv, s))
                return false;
            auto x = parse_ip(s);
            if (!x)
                return false;
            if (lo && (r.include_lower ? *x < *lo : *x <= *lo))
                return false;
            if (hi && (r.include_upper ? *x > *hi : *x >= *hi))
                return false;
            return true;
        };
    }
    case FieldKind::other:
        break;
    }
    return match_nothing();
}

// A leaf query on one field. The predicate is compiled lazily per mapped type, because the same
// field can have different types in different indices (the very conflict esmend repairs).
class FieldQuery : public Query {
public:
    using Factory = std::function<PredicateResult(const std::string& type)>;
    FieldQuery(std::string field, double boost, Factory factory)
        : m_field(std::move(field)), m_boost(boost), m_factory(std::move(factory)) {}

    MatchResult match(const DocView& doc) const override {
        auto type = resolved_type(doc, m_field);
        if (!type)
            return std::optional<double>{}; // unmapped in this index: matches nothing
        auto it = m_compiled.find(*type);
        if (it == m_compiled.end())
            it = m_compiled.emplace(*type, m_factory(*type)).first;
        if (!it->second) {
            const auto& err = it->second.error();
            return std::unexpected(query_shard_error(doc.index(),
                                                     "failed to create query: " + err.message,
                                                     EsError(400, err.cause_type, err.message)));
        }
        for (const auto& v : resolved_values(doc, m_field))
            if ((*it->second)(v))
                return std::optional<double>{m_boost};
        return std::optional<double>{};
    }

private:
    std::string m_field;
    double m_boost;
    Factory m_factory;
    mutable std::map<std::string, PredicateResult> m_compiled;
};

class MatchAllQuery : public Query {
public:
    explicit MatchAllQuery(double boost) : m_boost(boost) {}
    MatchResult match(const DocView&) const override { return std::optional<double>{m_boost}; }

private:
    double m_boost;
};

class MatchNoneQuery : public Query {
public:
    MatchResult match(const DocView&) const override { return std::optional<double>{}; }
};

class ExistsQuery : public Query {
public:
    ExistsQuery(std::string field, double boost) : m_field(std::move(field)), m_boost(boost) {}
    MatchResult match(const DocView& doc) const override {
        if (m_field.find('*') != std::string::npos)
            return std::optional<double>{}; // patterns: not modelled
        if (!resolved_values(doc, m_field).empty())
            return std::optional<double>{m_boost};
        return std::optional<double>{};
    }

private:
    std::string m_field;
    double m_boost;
};

class IdsQuery : public Query {
public:
    IdsQuery(std::vector<std::string> ids, double boost) : m_ids(std::move(ids)), m_boost(boost) {}
    MatchResult match(const DocView& doc) const override {
        if (std::find(m_ids.begin(), m_ids.end(), doc.id()) != m_ids.end())
            return std::optional<double>{m_boost};
        return std::optional<double>{};
    }

private:
    std::vector<std::string> m_ids;
    double m_boost;
};

class BoolQuery : public Query {
public:
    std::vector<QueryPtr> must, filter, should, must_not;
    std::int64_t minimum_should_match = 0;
    double boost = 1.0;

    MatchResult match(const DocView& doc) const override {
        double score = 0.0;
        for (const auto& q : must_not) {
            auto r = q->match(doc);
            if (!r)
                return r;
            if (*r)
                return std::optional<double>{};
        }
        for (const auto& q : filter) {
            auto r = q->match(doc);
            if (!r || !*r)
                return r;
        }
        for (const auto& q : must) {
            auto r = q->match(doc);
            if (!r || !*r)
                return r;
            score += **r;
        }
        std::int64_t matched = 0;
        for (const auto& q : should) {
            auto r = q->match(doc);
            if (!r)
                return r;
            if (*r) {
                ++matched;
                score += **r;
            }
        }
        if (matched < minimum_should_match)
            return std::optional<double>{};
        return std::optional<double>{score * boost};
    }
};

std::expected<double, EsError> read_boost(const json& v, const std::string& query) {
    if (!v.is_number())
        return std::unexpected(parsing_error("[" + query + "] boost must be a number"));
    return v.get<double>();
}

// ES Queries.calculateMinShouldMatch for the forms "3", "-1", "75%", "-25%".
std::expected<std::int64_t, EsError> min_should_match(const json& spec, std::int64_t clauses) {
    std::string s = scalar_text(spec);
    bool percent = !s.empty() && s.back() == '%';
    if (percent)
        s.pop_back();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size())
        return std::unexpected(parsing_error(
            "[bool] query does not support minimum_should_match [" + scalar_text(spec) + "]"));
    std::int64_t result = 0;
    if (percent) {
        const auto calc = static_cast<std::int64_t>(static_cast<double>(clauses) * v / 100.0);
        result = calc < 0 ? clauses + calc : calc;
    } else {
        const auto n = static_cast<std::int64_t>(v);
        result = n < 0 ? clauses + n : n;
    }
    return result < 0 ? 0 : result;
}

std::expected<QueryPtr, EsError> parse_inner(const json& q, const QueryContext& ctx);

// The single "field": value|{...} entry of a term/range/match query body.
std::expected<std::pair<std::string, json>, EsError> single_field(const json& body,
                                                                  const std::string& name) {
    std::optional<std::pair<std::string, json>> found;
    double boost_unused = 0;
    (void)boost_unused;
    for (const auto& [k, v] : body.items()) {
        if (k == "boost" || k == "_name")
            continue;
        if (found)
            return std::unexpected(
                parsing_error("[" + name + "] query doesn't support multiple fields, found [" +
                              found->first + "] and [" + k + "]"));
        found = std::make_pair(k, v);
    }
    if (!found)
        return std::unexpected(parsing_error("[" + name + "] query requires a field"));
    return *found;
}

std::expected<QueryPtr, EsError> parse_term(const json& body, const QueryContext& ctx) {
    auto f = single_field(body, "term");
    if (!f)
        return std::unexpected(f.error());
    double boost = 1.0;
    if (body.contains("boost")) {
        auto b = read_boost(body["boost"], "term");
        if (!b)
            return std::unexpected(b.error());
        boost = *b;
    }
    json value = f->second;
    bool case_insensitive = false;
    if (value.is_object()) {
        json inner_value;
        bool has_value = false;
        for (const auto& [k, v] : f->second.items()) {
            if (k == "value") {
                inner_value = v;
                has_value = true;
            } else if (k == "boost") {
                auto b = read_boost(v, "term");
                if (!b)
                    return std::unexpected(b.error());
                boost = *b;
            } else if (k == "case_insensitive") {
                if (!v.is_boolean())
                    return std::unexpected(
                        parsing_error("[term] query does not support [" + k + "]"));
                case_insensitive = v.get<bool>();
            } else if (k != "_name") {
                return std::unexpected(parsing_error("[term] query does not support [" + k + "]"));
            }
        }
        if (!has_value)
            return std::unexpected(parsing_error("[term] query requires a value"));
        value = inner_value;
    }
    if (value.is_null() || value.is_array() || value.is_object())
        return std::unexpected(parsing_error("[term] query does not support array of values"));
    return std::make_unique<FieldQuery>(
        f->first, boost, [value, case_insensitive, ctx](const std::string& type) {
            return term_predicate(type, value, case_insensitive, ctx);
        });
}

std::expected<QueryPtr, EsError> parse_terms(const json& body, const QueryContext& ctx) {
    auto f = single_field(body, "terms");
    if (!f)
        return std::unexpected(f.error());
    double boost = 1.0;
    if (body.contains("boost")) {
        auto b = read_boost(body["boost"], "terms");
        if (!b)
            return std::unexpected(b.error());
        boost = *b;
    }
    if (!f->second.is_array())
        return std::unexpected(parsing_error("[terms] query does not support [" + f->first +
                                             "]")); // terms lookup: not modelled
    std::vector<json> values(f->second.begin(), f->second.end());
    for (const auto& v : values)
        if (v.is_null() || v.is_object() || v.is_array())
            return std::unexpected(
                parsing_error("[terms] query does not support null or object values"));
    return std::make_unique<FieldQuery>(
        f->first, boost, [values, ctx](const std::string& type) -> PredicateResult {
            std::vector<ValuePredicate> preds;
            for (const auto& v : values) {
                auto p = term_predicate(type, v, false, ctx);
                if (!p)
                    return p;
                preds.push_back(std::move(*p));
            }
            return [preds](const FieldValue& fv) {
                return std::any_of(preds.begin(), preds.end(),
                                   [&](const ValuePredicate& p) { return p(fv); });
            };
        });
}

std::expected<QueryPtr, EsError> parse_range(const json& body, const QueryContext& ctx) {
    auto f = single_field(body, "range");
    if (!f)
        return std::unexpected(f.error());
    if (!f->second.is_object())
        return std::unexpected(
            parsing_error("[range] query malformed, no start_object after query name"));
    RangeSpec r;
    double boost = 1.0;
    for (const auto& [k, v] : f->second.items()) {
        // ES RangeQueryBuilder.fromXContent; a later bound of the same side wins.
        if (k == "gt" || k == "gte" || k == "from") {
            r.lower = v.is_null() ? std::nullopt : std::optional<json>(v);
            if (k != "from")
                r.include_lower = k == "gte";
        } else if (k == "lt" || k == "lte" || k == "to") {
            r.upper = v.is_null() ? std::nullopt : std::optional<json>(v);
            if (k != "to")
                r.include_upper = k == "lte";
        } else if (k == "include_lower" && v.is_boolean()) {
            r.include_lower = v.get<bool>();
        } else if (k == "include_upper" && v.is_boolean()) {
            r.include_upper = v.get<bool>();
        } else if (k == "format" && v.is_string()) {
            r.format = v.get<std::string>();
        } else if (k == "time_zone" && v.is_string()) {
            auto tz = parse_time_zone(v.get<std::string>());
            if (!tz)
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "es-sim does not know time zone [" + v.get<std::string>() + "]"));
            r.tz_offset = *tz;
        } else if (k == "boost") {
            auto b = read_boost(v, "range");
            if (!b)
                return std::unexpected(b.error());
            boost = *b;
        } else if (k == "relation" || k == "_name") {
            // relation only matters for range fields, which es-sim does not model.
        } else {
            return std::unexpected(parsing_error("[range] query does not support [" + k + "]"));
        }
    }
    return std::make_unique<FieldQuery>(f->first, boost, [r, ctx](const std::string& type) {
        return range_predicate(type, r, ctx);
    });
}

std::expected<QueryPtr, EsError> parse_match(const json& body, const QueryContext& ctx) {
    auto f = single_field(body, "match");
    if (!f)
        return std::unexpected(f.error());
    json value = f->second;
    double boost = 1.0;
    bool and_operator = false;
    if (value.is_object()) {
        if (!value.contains("query"))
            return std::unexpected(parsing_error("No text specified for text query"));
        if (value.contains("boost"))
            boost = value["boost"].is_number() ? value["boost"].get<double>() : 1.0;
        if (value.contains("operator"))
            and_operator = lower(scalar_text(value["operator"])) == "and";
        value = json(value["query"]);
    }
    return std::make_unique<FieldQuery>(
        f->first, boost, [value, and_operator, ctx](const std::string& type) -> PredicateResult {
            if (kind_of(type) != FieldKind::text)
                return term_predicate(type, value, false, ctx);
            // Analysed match on text: the query's tokens, OR-ed (or AND-ed with operator=and).
            auto want = standard_tokens(scalar_text(value));
            return [want, and_operator](const FieldValue& fv) {
                std::string s;
                if (!string_value(fv, s) || want.empty())
                    return false;
                auto have = standard_tokens(s);
                auto has = [&](const std::string& t) {
                    return std::find(have.begin(), have.end(), t) != have.end();
                };
                return and_operator ? std::all_of(want.begin(), want.end(), has)
                                    : std::any_of(want.begin(), want.end(), has);
            };
        });
}

std::expected<void, EsError> parse_clauses(const json& v, std::vector<QueryPtr>& out,
                                           const QueryContext& ctx) {
    if (v.is_object()) {
        auto q = parse_inner(v, ctx);
        if (!q)
            return std::unexpected(q.error());
        out.push_back(std::move(*q));
        return {};
    }
    if (v.is_array()) {
        for (const auto& e : v) {
            auto q = parse_inner(e, ctx);
            if (!q)
                return std::unexpected(q.error());
            out.push_back(std::move(*q));
        }
        return {};
    }
    return std::unexpected(parsing_error("[_na] query malformed, must start with start_object"));
}

std::expected<QueryPtr, EsError> parse_bool(const json& body, const QueryContext& ctx) {
    auto q = std::make_unique<BoolQuery>();
    std::optional<json> msm;
    for (const auto& [k, v] : body.items()) {
        std::expected<void, EsError> r;
        if (k == "must")
            r = parse_clauses(v, q->must, ctx);
        else if (k == "filter")
            r = parse_clauses(v, q->filter, ctx);
        else if (k == "should")
            r = parse_clauses(v, q->should, ctx);
        else if (k == "must_not" || k == "mustNot")
            r = parse_clauses(v, q->must_not, ctx);
        else if (k == "minimum_should_match")
            msm = v;
        else if (k == "boost") {
            auto b = read_boost(v, "bool");
            if (!b)
                return std::unexpected(b.error());
            q->boost = *b;
        } else if (k == "adjust_pure_negative" || k == "_name") {
        } else {
            return std::unexpected(parsing_error("[bool] query does not support [" + k + "]"));
        }
        if (!r)
            return std::unexpected(r.error());
    }
    const auto should_count = static_cast<std::int64_t>(q->should.size());
    if (msm) {
        auto m = min_should_match(*msm, should_count);
        if (!m)
            return std::unexpected(m.error());
        q->minimum_should_match = *m;
    } else if (!q->should.empty() && q->must.empty() && q->filter.empty()) {
        // ES BoolQueryBuilder: with no must/filter clause at least one should clause must match.
        q->minimum_should_match = 1;
    }
    return q;
}

std::expected<QueryPtr, EsError> parse_inner(const json& q, const QueryContext& ctx) {
    // ES AbstractQueryBuilder.parseInnerQueryBuilder.
    if (!q.is_object())
        return std::unexpected(
            parsing_error("[_na] query malformed, must start with start_object"));
    if (q.empty())
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "query malformed, empty clause found"));
    const std::string name = q.begin().key();
    const auto& body = q.begin().value();
    if (q.size() > 1)
        return std::unexpected(parsing_error(
            "[" + name + "] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"));
    if (!body.is_object())
        return std::unexpected(
            parsing_error("[" + name + "] query malformed, no start_object after query name"));
    auto boost_of = [&](const std::string& qn) -> std::expected<double, EsError> {
        double boost = 1.0;
        for (const auto& [k, v] : body.items()) {
            if (k == "boost") {
                auto b = read_boost(v, qn);
                if (!b)
                    return b;
                boost = *b;
            } else if (k != "_name") {
                return std::unexpected(
                    parsing_error("[" + qn + "] query does not support [" + k + "]"));
            }
        }
        return boost;
    };
    if (name == "match_all") {
        auto b = boost_of(name);
        if (!b)
            return std::unexpected(b.error());
        return std::make_unique<MatchAllQuery>(*b);
    }
    if (name == "match_none") {
        auto b = boost_of(name);
        if (!b)
            return std::unexpected(b.error());
        return std::make_unique<MatchNoneQuery>();
    }
    if (name == "term")
        return parse_term(body, ctx);
    if (name == "terms")
        return parse_terms(body, ctx);
    if (name == "range")
        return parse_range(body, ctx);
    if (name == "bool")
        return parse_bool(body, ctx);
    if (name == "match")
        return parse_match(body, ctx);
    if (name == "exists") {
        double boost = 1.0;
        std::optional<std::string> field;
        for (const auto& [k, v] : body.items()) {
            if (k == "field" && v.is_string())
                field = v.get<std::string>();
            else if (k == "boost" && v.is_number())
                boost = v.get<double>();
            else if (k != "_name")
                return std::unexpected(
                    parsing_error("[exists] query does not support [" + k + "]"));
        }
        if (!field)
            return std::unexpected(parsing_error("[exists] must be provided with a [field]"));
        return std::make_unique<ExistsQuery>(*field, boost);
    }
    if (name == "ids") {
        double boost = 1.0;
        std::vector<std::string> ids;
        for (const auto& [k, v] : body.items()) {
            if (k == "values" && v.is_array()) {
                for (const auto& id : v)
                    ids.push_back(scalar_text(id));
            } else if (k == "boost" && v.is_number()) {
                boost = v.get<double>();
            } else if (k != "_name") {
                return std::unexpected(parsing_error("[ids] query does not support [" + k + "]"));
            }
        }
        return std::make_unique<IdsQuery>(std::move(ids), boost);
    }
    // ES adds a "did you mean" suggestion for near misses; es-sim does not.
    return std::unexpected(parsing_error("unknown query [" + name + "]"));
}

} // namespace

EsError query_shard_error(std::string_view index, const std::string& message, EsError cause) {
    EsError e(400, "query_shard_exception", message);
    e.with("index", std::string(index));
    e.because(std::move(cause));
    return e;
}

std::expected<QueryPtr, EsError> parse_query(const json* query, const QueryContext& context) {
    if (query == nullptr || query->is_null())
        return std::make_unique<MatchAllQuery>(1.0);
    return parse_inner(*query, context);
}

} // namespace esmend::es_sim::search

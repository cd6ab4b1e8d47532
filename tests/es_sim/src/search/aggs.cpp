#include "search/aggs.hpp"

#include "search/values.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace esmend::es_sim::search {

using nlohmann::json;

namespace {

EsError parsing_error(std::string reason) {
    return EsError(400, "parsing_exception", std::move(reason));
}

// A bucket/metric key in ES's response form: strings for keyword/ip, numbers otherwise.
struct Key {
    bool numeric = false;
    long double num = 0;
    std::string str;
    FieldKind kind = FieldKind::keyword;

    bool operator<(const Key& o) const {
        if (numeric != o.numeric)
            return numeric; // numbers before strings when types are mixed
        return numeric ? num < o.num : str < o.str;
    }
    bool operator==(const Key& o) const {
        return numeric == o.numeric && num == o.num && str == o.str;
    }
};

std::optional<Key> key_of(const FieldValue& v, FieldKind kind) {
    Key k;
    k.kind = kind;
    if (const auto* s = std::get_if<std::string>(&v)) {
        k.str = *s;
        return k;
    }
    if (const auto* b = std::get_if<bool>(&v)) {
        k.numeric = true;
        k.num = *b ? 1 : 0;
        k.kind = FieldKind::boolean;
        return k;
    }
    if (auto n = as_number(v)) {
        k.numeric = true;
        k.num = *n;
        return k;
    }
    return std::nullopt;
}

json key_json(const Key& k) {
    if (!k.numeric)
        return k.str;
    if (k.kind == FieldKind::floating)
        return static_cast<double>(k.num);
    if (k.num >= 0 && k.num > 9223372036854775807.0L)
        return static_cast<std::uint64_t>(k.num);
    return static_cast<std::int64_t>(k.num);
}

// Values of a field in one document, checked for aggregatability (ES: fielddata on text fails).
std::expected<std::vector<FieldValue>, EsError>
agg_values(const DocView& doc, const std::string& field, FieldKind& kind) {
    auto type = resolved_type(doc, field);
    if (!type)
        return std::vector<FieldValue>{};
    if (*type == "_id")
        return std::unexpected(id_fielddata_error());
    kind = kind_of(*type);
    if (kind == FieldKind::text)
        return std::unexpected(fielddata_error(field, doc.index()));
    return resolved_values(doc, field);
}

std::expected<std::string, EsError> required_field(const json& body, const std::string& agg_name) {
    if (!body.contains("field"))
        // ES ValuesSourceConfig.resolve with neither field nor script.
        return std::unexpected(
            EsError(400, "illegal_argument_exception",
                    "Required one of fields [field, script], but none were specified."));
    if (!body["field"].is_string())
        return std::unexpected(parsing_error("[" + agg_name + "] field must be a string"));
    return body["field"].get<std::string>();
}

} // namespace

class Aggregation {
public:
    explicit Aggregation(std::string name) : m_name(std::move(name)) {}
    virtual ~Aggregation() = default;
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] virtual std::expected<json, EsError>
    run(const std::vector<const DocView*>& docs) const = 0;
    json meta; // echoed back as ES does

private:
    std::string m_name;
};

namespace {

class MetricAgg : public Aggregation {
public:
    enum class Op { min, max, value_count, cardinality };
    MetricAgg(std::string name, std::string field, Op op)
        : Aggregation(std::move(name)), m_field(std::move(field)), m_op(op) {}

    std::expected<json, EsError> run(const std::vector<const DocView*>& docs) const override {
        std::optional<long double> best;
        FieldKind kind = FieldKind::other;
        std::int64_t count = 0;
        std::set<Key> distinct;
        for (const auto* doc : docs) {
            FieldKind k = FieldKind::other;
            auto values = agg_values(*doc, m_field, k);
            if (!values)
                return std::unexpected(values.error());
            if (!values->empty())
                kind = k;
            for (const auto& v : *values) {
                ++count;
                auto key = key_of(v, k);
                if (!key)
                    continue;
                if (m_op == Op::cardinality)
                    distinct.insert(*key);
                if (!key->numeric)
                    continue;
                if (!best || (m_op == Op::min ? key->num < *best : key->num > *best))
                    best = key->num;
            }
        }
        json out = json::object();
        switch (m_op) {
        case Op::value_count:
            out["value"] = count;
            break;
        case Op::cardinality:
            out["value"] = distinct.size();
            break;
        case Op::min:
        case Op::max:
            // ES InternalMin/InternalMax: value is a double (null when there is none); dates add
            // value_as_string in the field's format (strict_date_optional_time here).
            if (best) {
                out["value"] = static_cast<double>(*best);
                if (kind == FieldKind::date)
                    out["value_as_string"] = format_date(static_cast<std::int64_t>(*best));
            } else {
                out["value"] = nullptr;
            }
            break;
        }
        if (!meta.is_null())
            out["meta"] = meta;
        return out;
    }

private:
    std::string m_field;
    Op m_op;
};

struct BucketOrder {
    enum class By { count, key } by = By::count;
    bool asc = false;
};

class TermsAgg : public Aggregation {
public:
    TermsAgg(std::string name, std::string field)
        : Aggregation(std::move(name)), m_field(std::move(field)) {}

    std::size_t size = 10;
    std::int64_t min_doc_count = 1;
    std::optional<json> missing;
    std::vector<BucketOrder> order{{BucketOrder::By::count, false}, {BucketOrder::By::key, true}};
    Aggregations sub;

    std::expected<json, EsError> run(const std::vector<const DocView*>& docs) const override {
        std::map<Key, std::vector<const DocView*>> buckets;
        FieldKind kind = FieldKind::keyword;
        for (const auto* doc : docs) {
            FieldKind k = FieldKind::keyword;
            auto values = agg_values(*doc, m_field, k);
            if (!values)
                return std::unexpected(values.error());
            if (!values->empty())
                kind = k;
            std::set<Key> seen; // a document counts once per term
            for (const auto& v : *values)
                if (auto key = key_of(v, k))
                    seen.insert(*key);
            if (seen.empty() && missing) {
                Key mk;
                if (missing->is_number()) {
                    mk.numeric = true;
                    mk.num = missing->get<long double>();
                    mk.kind = k;
                } else {
                    mk.str = scalar_text(*missing);
                }
                seen.insert(mk);
            }
            for (const auto& key : seen)
                buckets[key].push_back(doc);
        }
        std::vector<std::pair<Key, const std::vector<const DocView*>*>> sorted;
        for (const auto& [k, d] : buckets)
            if (static_cast<std::int64_t>(d.size()) >= min_doc_count)
                sorted.emplace_back(k, &d);
        std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
            for (const auto& o : order) {
                if (o.by == BucketOrder::By::count) {
                    if (a.second->size() != b.second->size())
                        return o.asc ? a.second->size() < b.second->size()
                                     : a.second->size() > b.second->size();
                } else if (!(a.first == b.first)) {
                    return o.asc ? a.first < b.first : b.first < a.first;
                }
            }
            return a.first < b.first;
        });
        json out = json::object();
        out["doc_count_error_upper_bound"] = 0;
        std::int64_t other = 0;
        json arr = json::array();
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            const auto& [key, bucket_docs] = sorted[i];
            if (i >= size) {
                other += static_cast<std::int64_t>(bucket_docs->size());
                continue;
            }
            Key shown = key;
            if (shown.kind != FieldKind::boolean && kind == FieldKind::boolean)
                shown.kind = FieldKind::boolean;
            json b = json::object();
            b["key"] = key_json(shown);
            if (shown.numeric && shown.kind == FieldKind::date)
                b["key_as_string"] = format_date(static_cast<std::int64_t>(shown.num));
            else if (shown.numeric && shown.kind == FieldKind::boolean)
                b["key_as_string"] = shown.num != 0 ? "true" : "false";
            b["doc_count"] = bucket_docs->size();
            if (!sub.empty()) {
                auto s = sub.run(*bucket_docs);
                if (!s)
                    return std::unexpected(s.error());
                for (const auto& [n, v] : s->items())
                    b[n] = v;
            }
            arr.push_back(std::move(b));
        }
        out["sum_other_doc_count"] = other;
        out["buckets"] = std::move(arr);
        if (!meta.is_null())
            out["meta"] = meta;
        return out;
    }

private:
    std::string m_field;
};

std::expected<std::unique_ptr<Aggregation>, EsError> parse_terms(const std::string& name,
                                                                 const json& body) {
    auto field = required_field(body, "terms");
    if (!field)
        return std::unexpected(field.error());
    auto agg = std::make_unique<TermsAgg>(name, *field);
    for (const auto& [k, v] : body.items()) {
        if (k == "field")
            continue;
        if (k == "size") {
            if (!v.is_number_integer())
                return std::unexpected(parsing_error("[terms] failed to parse field [size]"));
            const auto n = v.get<std::int64_t>();
            // ES TermsAggregationBuilder.size validation.
            if (n <= 0)
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "[size] must be greater than 0. Found [" +
                                                   std::to_string(n) + "] in [" + name + "]"));
            agg->size = static_cast<std::size_t>(n);
        } else if (k == "shard_size" || k == "show_term_doc_count_error" || k == "execution_hint" ||
                   k == "collect_mode") {
            // Exact single-pass counting makes these irrelevant.
        } else if (k == "min_doc_count" && v.is_number_integer()) {
            agg->min_doc_count = v.get<std::int64_t>();
        } else if (k == "missing") {
            agg->missing = v;
        } else if (k == "order") {
            agg->order.clear();
            const json list = v.is_array() ? v : json::array({v});
            for (const auto& o : list) {
                if (!o.is_object() || o.size() != 1)
                    return std::unexpected(
                        parsing_error("[terms] order must be an object with one key"));
                const std::string ok = o.begin().key();
                const auto& ov = o.begin().value();
                BucketOrder bo;
                if (ok == "_count")
                    bo.by = BucketOrder::By::count;
                else if (ok == "_key" || ok == "_term")
                    bo.by = BucketOrder::By::key;
                else
                    return std::unexpected(EsError(
                        400, "illegal_argument_exception",
                        "es-sim supports terms order on _count and _key only, not [" + ok + "]"));
                const std::string dir = scalar_text(ov);
                if (dir != "asc" && dir != "desc")
                    return std::unexpected(parsing_error("Unknown terms order direction [" + dir +
                                                         "] in terms aggregation [" + name + "]"));
                bo.asc = dir == "asc";
                agg->order.push_back(bo);
            }
            // ES appends a _key asc tie-breaker (InternalOrder.compound) unless the order already
            // ends on _key.
            if (agg->order.empty() || agg->order.back().by != BucketOrder::By::key)
                agg->order.push_back({BucketOrder::By::key, true});
        } else {
            return std::unexpected(parsing_error("[terms] unknown field [" + k + "]"));
        }
    }
    return agg;
}

std::expected<std::unique_ptr<Aggregation>, EsError>
parse_metric(const std::string& name, const std::string& type, const json& body) {
    auto field = required_field(body, type);
    if (!field)
        return std::unexpected(field.error());
    for (const auto& [k, v] : body.items()) {
        (void)v;
        if (k != "field" && k != "precision_threshold" && k != "format")
            return std::unexpected(parsing_error("[" + type + "] unknown field [" + k + "]"));
    }
    MetricAgg::Op op = MetricAgg::Op::min;
    if (type == "max")
        op = MetricAgg::Op::max;
    else if (type == "value_count")
        op = MetricAgg::Op::value_count;
    else if (type == "cardinality")
        op = MetricAgg::Op::cardinality;
    return std::make_unique<MetricAgg>(name, *field, op);
}

} // namespace

Aggregations::Aggregations() = default;
Aggregations::Aggregations(Aggregations&&) noexcept = default;
Aggregations& Aggregations::operator=(Aggregations&&) noexcept = default;
Aggregations::~Aggregations() = default;

bool Aggregations::empty() const {
    return m_aggs.empty();
}

std::expected<Aggregations, EsError> Aggregations::parse(const json& spec) {
    Aggregations out;
    if (!spec.is_object())
        return std::unexpected(parsing_error("Expected [START_OBJECT] under [aggregations]"));
    for (const auto& [name, def] : spec.items()) {
        // ES AggregatorFactories.parseAggregators.
        if (name.find_first_of("[]>") != std::string::npos)
            return std::unexpected(parsing_error(
                "Invalid aggregation name [" + name +
                "]. Aggregation names can contain any character except '[', ']', and '>'"));
        if (!def.is_object())
            return std::unexpected(parsing_error(
                "Aggregation definition for [" + name + " starts with a [" +
                (def.is_array() ? "START_ARRAY" : "VALUE") + "], expected a [START_OBJECT]."));
        std::unique_ptr<Aggregation> agg;
        std::string agg_type;
        std::optional<json> sub_spec;
        json meta;
        for (const auto& [key, body] : def.items()) {
            if (key == "aggs" || key == "aggregations") {
                if (sub_spec)
                    return std::unexpected(parsing_error(
                        "Found two sub aggregation definitions under [" + name + "]"));
                sub_spec = body;
                continue;
            }
            if (key == "meta") {
                meta = body;
                continue;
            }
            if (agg)
                return std::unexpected(parsing_error("Found two aggregation type definitions in [" +
                                                     name + "]: [" + agg_type + "] and [" + key +
                                                     "]"));
            if (!body.is_object())
                return std::unexpected(parsing_error("Expected [START_OBJECT] under [" + key +
                                                     "], but got a [VALUE] in [" + name + "]"));
            std::expected<std::unique_ptr<Aggregation>, EsError> parsed;
            if (key == "terms")
                parsed = parse_terms(name, body);
            else if (key == "min" || key == "max" || key == "value_count" || key == "cardinality")
                parsed = parse_metric(name, key, body);
            else
                return std::unexpected(parsing_error("Unknown aggregation type [" + key + "]"));
            if (!parsed)
                return std::unexpected(parsed.error());
            agg = std::move(*parsed);
            agg_type = key;
        }
        if (!agg)
            return std::unexpected(
                parsing_error("Missing definition for aggregation [" + name + "]"));
        if (sub_spec) {
            auto* terms = dynamic_cast<TermsAgg*>(agg.get());
            if (terms == nullptr)
                // ES: metrics aggregations are leaves (AggregationInitializationException).
                return std::unexpected(EsError(400, "aggregation_initialization_exception",
                                               "Aggregator [" + name + "] of type [" + agg_type +
                                                   "] cannot accept sub-aggregations"));
            auto sub = Aggregations::parse(*sub_spec);
            if (!sub)
                return std::unexpected(sub.error());
            terms->sub = std::move(*sub);
        }
        agg->meta = meta;
        out.m_aggs.push_back(std::move(agg));
    }
    return out;
}

std::expected<json, EsError> Aggregations::run(const std::vector<const DocView*>& docs) const {
    json out = json::object();
    for (const auto& agg : m_aggs) {
        auto r = agg->run(docs);
        if (!r)
            return std::unexpected(r.error());
        out[agg->name()] = std::move(*r);
    }
    return out;
}

} // namespace esmend::es_sim::search

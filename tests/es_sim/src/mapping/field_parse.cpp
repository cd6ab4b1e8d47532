// Per-type value parsing with ES's acceptance rules and exception texts.
// ES sources: NumberFieldMapper.NumberType.parse(XContentParser, coerce) and
// AbstractXContentParser (shortValue/intValue/longValue/floatValue/doubleValue, checkCoerceString,
// ensureNumberConversion, toLong), BooleanFieldMapper + Booleans.parseBoolean, DateFieldMapper +
// JavaDateFormatter, IpFieldMapper + InetAddresses, ConstantKeywordFieldMapper,
// ScaledFloatFieldMapper.

#include "mapping/field_values.hpp"
#include "mapping/mapping_internal.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>

namespace esmend::es_sim::mapping_detail {
namespace {

using nlohmann::json;

EsError iae(std::string reason) {
    return EsError(400, "illegal_argument_exception", std::move(reason));
}

// java.lang.NumberFormatException from Double.parseDouble / Float.parseFloat.
EsError number_format(const std::string& text) {
    return EsError(400, "number_format_exception",
                   text.empty() ? "empty String" : "For input string: \"" + text + "\"");
}

// Jackson's InputCoercionException for a number token outside the accessor's range. ES reports
// Jackson's message; the "\n at [Source: ...]" location suffix Jackson appends is left out.
EsError coercion(const std::string& text, std::string_view range) {
    return EsError(400, "input_coercion_exception",
                   "Numeric value (" + text + ") out of range of " + std::string(range));
}

// Parses an optionally signed decimal integer without exponent or fraction.
std::optional<std::int64_t> parse_long_exact(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    std::size_t i = 0;
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        i = 1;
    }
    if (i == text.size())
        return std::nullopt;
    // Accumulate the magnitude; 2^63 is allowed only for a negative number.
    constexpr std::uint64_t k_limit = 9223372036854775808ULL;
    std::uint64_t value = 0;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (value > (k_limit - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    if (!negative && value == k_limit)
        return std::nullopt;
    if (negative)
        return value == k_limit ? std::numeric_limits<std::int64_t>::min()
                                : -static_cast<std::int64_t>(value);
    return static_cast<std::int64_t>(value);
}

// java.math.BigDecimal(String) grammar: sign, digits with an optional point, optional exponent.
bool is_big_decimal(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
        ++i;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
        ++digits;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            ++digits;
        }
    }
    if (digits == 0)
        return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-'))
            ++i;
        std::size_t exp = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            ++exp;
        }
        if (exp == 0)
            return false;
    }
    return i == text.size();
}

// AbstractXContentParser.toLong for strings.
std::expected<std::int64_t, EsError> string_to_long(const std::string& text, bool coerce) {
    if (auto exact = parse_long_exact(text))
        return *exact;
    if (!is_big_decimal(text))
        return std::unexpected(iae("For input string: \"" + text + "\""));
    const long double value = std::strtold(text.c_str(), nullptr);
    if (value >= 9223372036854775808.0L || value <= -9223372036854775809.0L) {
        return std::unexpected(iae("Value [" + text + "] is out of range for a long"));
    }
    const long double truncated = std::trunc(value);
    if (!coerce && truncated != value)
        return std::unexpected(iae("Value [" + text + "] has a decimal part"));
    return static_cast<std::int64_t>(truncated);
}

// The JSON number as Jackson's getDoubleValue sees it.
double token_double(const Scalar& v) {
    return std::strtod(std::string(v.text).c_str(), nullptr);
}

std::expected<std::int64_t, EsError> token_integral(const Scalar& v, bool coerce,
                                                    std::string_view java_class, std::int64_t min,
                                                    std::int64_t max, std::string_view range) {
    const std::string text(v.text);
    if (!v.is_float) {
        auto exact = parse_long_exact(text);
        if (!exact || *exact < min || *exact > max)
            return std::unexpected(coercion(text, range));
        return *exact;
    }
    const double d = token_double(v);
    if (d < static_cast<double>(min) || d > static_cast<double>(max) || !std::isfinite(d)) {
        return std::unexpected(coercion(text, range));
    }
    const auto truncated = static_cast<std::int64_t>(d);
    if (!coerce && static_cast<double>(truncated) != d) {
        // AbstractXContentParser.ensureNumberConversion.
        return std::unexpected(iae(java_double_string(d) + " cannot be converted to " +
                                   std::string(java_class) + " without data loss"));
    }
    return truncated;
}

constexpr std::string_view k_int_range = "int (-2147483648 - 2147483647)";
constexpr std::string_view k_long_range = "long (-9223372036854775808 - 9223372036854775807)";

std::expected<std::int64_t, EsError> parse_int_value(const Scalar& v, bool coerce) {
    const std::string text(v.text);
    if (v.kind == NodeKind::string) {
        if (!coerce)
            return std::unexpected(iae("Integer value passed as String"));
        auto d = java_parse_double(text);
        if (!d)
            return std::unexpected(number_format(text));
        if (*d < -2147483648.0 || *d > 2147483647.0) {
            return std::unexpected(iae("Value [" + text + "] is out of range for an integer"));
        }
        return std::isnan(*d) ? 0 : static_cast<std::int64_t>(*d);
    }
    return token_integral(v, coerce, "Integer", std::numeric_limits<std::int32_t>::min(),
                          std::numeric_limits<std::int32_t>::max(), k_int_range);
}

std::expected<FieldValue, EsError> parse_number(const FieldDef& def, const Scalar& v) {
    const std::string text(v.text);
    const bool coerce = param_bool(def, "coerce", true);
    const std::string& type = def.type;
    if (v.kind == NodeKind::boolean) {
        // Jackson's number accessors on a boolean token.
        return std::unexpected(EsError(400, "json_parse_exception",
                                       "Current token (VALUE_" +
                                           std::string(text == "true" ? "TRUE" : "FALSE") +
                                           ") not numeric, can not use numeric value accessors"));
    }
    if (type == "long") {
        if (v.kind == NodeKind::string) {
            if (!coerce)
                return std::unexpected(iae("Long value passed as String"));
            auto r = string_to_long(text, coerce);
            if (!r)
                return std::unexpected(r.error());
            return FieldValue{*r};
        }
        auto r = token_integral(v, coerce, "Long", std::numeric_limits<std::int64_t>::min(),
                                std::numeric_limits<std::int64_t>::max(), k_long_range);
        if (!r)
            return std::unexpected(r.error());
        return FieldValue{*r};
    }
    if (type == "integer") {
        auto r = parse_int_value(v, coerce);
        if (!r)
            return std::unexpected(r.error());
        return FieldValue{*r};
    }
    if (type == "byte") {
        // NumberType.BYTE: parser.intValue(coerce), then the byte range check.
        auto r = parse_int_value(v, coerce);
        if (!r)
            return std::unexpected(r.error());
        if (*r < -128 || *r > 127)
            return std::unexpected(
                iae("Value [" + std::to_string(*r) + "] is out of range for a byte"));
        return FieldValue{*r};
    }
    if (type == "short") {
        if (v.kind == NodeKind::string) {
            if (!coerce)
                return std::unexpected(iae("Short value passed as String"));
            auto d = java_parse_double(text);
            if (!d)
                return std::unexpected(number_format(text));
            if (*d < -32768.0 || *d > 32767.0)
                return std::unexpected(iae("Value [" + text + "] is out of range for a short"));
            return FieldValue{std::isnan(*d) ? std::int64_t{0} : static_cast<std::int64_t>(*d)};
        }
        if (!v.is_float) {
            auto exact = parse_long_exact(text);
            if (!exact || *exact < -32768 || *exact > 32767) {
                return std::unexpected(
                    EsError(400, "input_coercion_exception",
                            "Numeric value (" + text + ") out of range of Java short"));
            }
            return FieldValue{*exact};
        }
        auto r = token_integral(v, coerce, "Short", -32768, 32767, "Java short");
        if (!r)
            return std::unexpected(r.error());
        return FieldValue{*r};
    }
    if (type == "unsigned_long") {
        // UnsignedLongFieldMapper (messages unverified): integers 0..2^64-1, decimals truncated.
        if (v.kind == NodeKind::string && !is_big_decimal(text))
            return std::unexpected(number_format(text));
        const long double value = std::strtold(text.c_str(), nullptr);
        if (value < 0 || value >= 18446744073709551616.0L) {
            return std::unexpected(iae(
                "Value \"" + text + "\" has a decimal part or is out of range for unsigned long"));
        }
        const auto u = static_cast<std::uint64_t>(std::trunc(value));
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return FieldValue{static_cast<std::int64_t>(u)};
        return FieldValue{u};
    }
    // Floating-point types.
    double d = 0;
    if (v.kind == NodeKind::string) {
        const char* java_class = type == "double" || type == "scaled_float" ? "Double" : "Float";
        if (!coerce)
            return std::unexpected(iae(std::string(java_class) + " value passed as String"));
        auto parsed = java_parse_double(text);
        if (!parsed)
            return std::unexpected(number_format(text));
        d = *parsed;
    } else {
        auto parsed = java_parse_double(text);
        d = parsed ? *parsed : token_double(v);
    }
    if (type == "double") {
        if (!std::isfinite(d))
            return std::unexpected(iae("[double] supports only finite values, but got [" +
                                       java_double_string(d) + "]"));
        return FieldValue{d};
    }
    if (type == "scaled_float") {
        if (!std::isfinite(d)) {
            return std::unexpected(iae("[scaled_float] only supports finite values, but got [" +
                                       java_double_string(d) + "]"));
        }
        const auto sf = def.params.find("scaling_factor");
        const double factor = sf != def.params.end() && sf->is_number() ? sf->get<double>() : 1.0;
        return FieldValue{static_cast<double>(std::llround(d * factor)) / factor};
    }
    const auto f = static_cast<float>(d);
    if (type == "half_float") {
        const double h = round_to_half_float(static_cast<double>(f));
        if (!std::isfinite(h)) {
            return std::unexpected(iae("[half_float] supports only finite values, but got [" +
                                       java_float_string(f) + "]"));
        }
        return FieldValue{h};
    }
    if (!std::isfinite(f))
        return std::unexpected(
            iae("[float] supports only finite values, but got [" + java_float_string(f) + "]"));
    return FieldValue{static_cast<double>(f)};
}

bool is_number_type(std::string_view t) {
    return t == "long" || t == "integer" || t == "short" || t == "byte" || t == "double" ||
           t == "float" || t == "half_float" || t == "scaled_float" || t == "unsigned_long";
}

// Parsed formats, per thread: a mapping has few distinct formats, and re-tokenising one for
// every value dominated date parsing. The cache is cleared if it ever grows large.
const std::expected<DateFormat, std::string>& cached_format(const std::string& text) {
    thread_local std::unordered_map<std::string, std::expected<DateFormat, std::string>> cache;
    if (const auto it = cache.find(text); it != cache.end())
        return it->second;
    if (cache.size() > 256)
        cache.clear();
    return cache.emplace(text, DateFormat::parse(text)).first->second;
}

std::string format_of(const FieldDef& def) {
    const auto it = def.params.find("format");
    if (it != def.params.end() && it->is_string())
        return it->get<std::string>();
    return def.type == "date_nanos" ? "strict_date_optional_time_nanos||epoch_millis"
                                    : std::string(k_default_date_format);
}

} // namespace

Scalar scalar_of(const json& value, std::string& buffer) {
    Scalar s;
    switch (value.type()) {
    case json::value_t::string:
        s.kind = NodeKind::string;
        s.text = value.get_ref<const std::string&>();
        break;
    case json::value_t::boolean:
        s.kind = NodeKind::boolean;
        s.text = value.get<bool>() ? "true" : "false";
        break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        s.kind = NodeKind::number;
        buffer = value.dump();
        s.text = buffer;
        break;
    case json::value_t::number_float:
        s.kind = NodeKind::number;
        s.is_float = true;
        buffer = value.dump();
        s.text = buffer;
        break;
    case json::value_t::object:
        s.kind = NodeKind::object;
        break;
    case json::value_t::array:
        s.kind = NodeKind::array;
        break;
    default:
        s.kind = NodeKind::null;
        break;
    }
    return s;
}

EsError object_for_leaf_cause(const FieldDef& def, const TokenLocation& where) {
    if (is_number_type(def.type) || def.type == "boolean") {
        // Jackson's accessors on a START_OBJECT token (wording from Jackson; ES's wrapping
        // unverified).
        return EsError(
            400, "json_parse_exception",
            def.type == "boolean"
                ? "Current token (START_OBJECT) not of boolean type"
                : "Current token (START_OBJECT) not numeric, can not use numeric value accessors");
    }
    // JsonXContentParser.text() on a non-value token (unverified wording).
    return iae("Expected text at " + where.text() + " but found START_OBJECT");
}

std::expected<std::optional<FieldValue>, EsError>
parse_scalar(const FieldDef& def, std::string_view path, const Scalar& v) {
    const std::string& type = def.type;
    if (type == "keyword" || type == "wildcard" || type == "text" || type == "match_only_text" ||
        type == "version") {
        if (type == "keyword" || type == "wildcard") {
            const auto it = def.params.find("ignore_above");
            // A UTF-16 length never exceeds the UTF-8 byte count: short values skip the count.
            if (it != def.params.end() && it->is_number_integer() &&
                static_cast<std::int64_t>(v.text.size()) > it->get<std::int64_t>() &&
                static_cast<std::int64_t>(utf16_length(v.text)) > it->get<std::int64_t>()) {
                return std::optional<FieldValue>{}; // ignored, not an error (keyword ignore_above)
            }
        }
        return std::optional<FieldValue>{FieldValue{std::string(v.text)}};
    }
    const std::string text(v.text);
    if (type == "constant_keyword") {
        const auto it = def.params.find("value");
        if (it != def.params.end() && !it->is_null()) {
            const std::string expected =
                it->is_string() ? it->get<std::string>() : java_to_string(*it);
            if (expected != text) {
                // ConstantKeywordFieldMapper.parseCreateField.
                return std::unexpected(iae(
                    "[constant_keyword] field [" + std::string(path) +
                    "] only accepts values that are equal to the value defined in the mappings [" +
                    expected + "], but got [" + text + "]"));
            }
        }
        return std::optional<FieldValue>{FieldValue{text}};
    }
    if (type == "ip") {
        auto ip = canonical_ip(text);
        if (!ip)
            return std::unexpected(ip.error());
        return std::optional<FieldValue>{FieldValue{*ip}};
    }
    if (type == "boolean") {
        if (v.kind == NodeKind::number) {
            return std::unexpected(
                EsError(400, "json_parse_exception",
                        std::string("Current token (") +
                            (v.is_float ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT") +
                            ") not of boolean type"));
        }
        if (text == "true")
            return std::optional<FieldValue>{FieldValue{true}};
        if (text == "false" || text.empty())
            return std::optional<FieldValue>{FieldValue{false}};
        return std::unexpected(
            iae("Failed to parse value [" + text + "] as only [true] or [false] are allowed."));
    }
    if (type == "date" || type == "date_nanos") {
        const auto& format = cached_format(format_of(def));
        if (!format)
            return std::unexpected(iae(format.error()));
        auto millis = format->parse_millis(text);
        if (!millis)
            return std::unexpected(millis.error());
        if (type == "date_nanos" && *millis < 0) {
            // DateFieldMapper.Resolution.NANOSECONDS (wording approximated).
            return std::unexpected(
                iae("date[" + text +
                    "] is before the epoch in 1970 and cannot be stored in nanosecond resolution"));
        }
        return std::optional<FieldValue>{FieldValue{*millis}};
    }
    if (is_number_type(type)) {
        auto n = parse_number(def, v);
        if (!n)
            return std::unexpected(n.error());
        return std::optional<FieldValue>{*n};
    }
    if (type == "flattened")
        return std::optional<FieldValue>{FieldValue{text}};
    return std::optional<FieldValue>{}; // unmodelled types: accepted, nothing indexed
}

} // namespace esmend::es_sim::mapping_detail

#pragma once
// Field-type aware value handling shared by queries, sorts and aggregations: how a query value is
// parsed for a mapped type (ES MappedFieldType.termQuery/rangeQuery semantics), dates with ES date
// math, IP addresses with CIDR, and glob patterns.

#include "doc_view.hpp"
#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim::search {

// How a mapped type behaves for search. Types outside these kinds are treated as `other`, which
// queries can only test with `exists`.
enum class FieldKind { keyword, text, integral, floating, date, boolean, ip, other };

[[nodiscard]] FieldKind kind_of(std::string_view mapped_type);

// Inclusive bounds of an integral type (ES NumberFieldMapper.NumberType), as long double so that
// every int64 and uint64 is exact (x86-64 long double has a 64-bit mantissa).
struct IntegralRange {
    long double min;
    long double max;
};
[[nodiscard]] IntegralRange integral_range(std::string_view mapped_type);

// A FieldValue as a number, or nullopt when it holds a string or bool.
[[nodiscard]] std::optional<long double> as_number(const FieldValue& value);

// 16-byte IPv6 form of an address; IPv4 is mapped into ::ffff:0:0/96 as Lucene InetAddressPoint
// does.
using IpBytes = std::array<unsigned char, 16>;
[[nodiscard]] std::optional<IpBytes> parse_ip(std::string_view text);
// "10.0.0.0/8" or "2001:db8::/32" -> [lowest, highest] address of the block.
[[nodiscard]] std::optional<std::pair<IpBytes, IpBytes>> parse_cidr(std::string_view text);

// Parsing of a date value from a query. `format` is the query's "format" (a `||` list of
// named formats and Java-style patterns) or empty for the date field default
// `strict_date_optional_time||epoch_millis`. `round_up` selects ES's round-up parser (used for
// `lte`, `gt` and the upper end of a term query): missing fields are filled with their maximum and
// `/unit` rounding goes to the last millisecond of the unit. Date math (`now-1d/d`,
// `2020-01-01||+1M`) is applied. On failure the error text is ES's reason.
struct DateParseOptions {
    std::string format;
    std::int64_t now_millis = 0;
    bool round_up = false;
    std::int64_t tz_offset_millis = 0; // from the query's "time_zone" ("+01:00", "UTC", "Z")
};
[[nodiscard]] std::expected<std::int64_t, std::string> parse_date(const nlohmann::json& value,
                                                                  const DateParseOptions& options);
// "+01:00", "-0530", "UTC", "Z" -> offset in millis; nullopt for zone ids es-sim does not know.
[[nodiscard]] std::optional<std::int64_t> parse_time_zone(std::string_view zone);

// Epoch millis -> "2023-08-01T00:00:00.000Z" (ES strict_date_optional_time output, UTC).
[[nodiscard]] std::string format_date(std::int64_t epoch_millis);

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
[[nodiscard]] std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// Simple wildcard match with `*` only, as ES uses for field names and _source patterns
// (Regex.simpleMatch).
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);
// True when some string starting with `prefix` could match `pattern`.
[[nodiscard]] bool glob_prefix_alive(std::string_view pattern, std::string_view prefix);

// The tokens ES's standard analyzer would index for a text field value (split on non
// alphanumerics, lower-cased). es-sim has no analyzers; this approximates the default one.
[[nodiscard]] std::vector<std::string> standard_tokens(std::string_view text);

// A field's mapped type and values in a document, including the metadata fields _id and _index
// (keyword-like in ES: IdFieldMapper, IndexFieldMapper) that DocView does not describe.
[[nodiscard]] std::optional<std::string> resolved_type(const DocView& doc, std::string_view field);
[[nodiscard]] std::vector<FieldValue> resolved_values(const DocView& doc, std::string_view field);

// ES 8 IdFieldMapper: sorting or aggregating on _id needs indices.id_field_data.enabled (off by
// default), or the error below.
[[nodiscard]] EsError id_fielddata_error();

// ES TextFieldMapper: sorting or aggregating on a text field without fielddata.
[[nodiscard]] EsError fielddata_error(std::string_view field, std::string_view index);

// A JSON scalar rendered as the string ES would see ("1", "true", "abc").
[[nodiscard]] std::string scalar_text(const nlohmann::json& value);

} // namespace esmend::es_sim::search

#pragma once
// Value parsers with ES's acceptance rules and exception texts: IP addresses
// (org.elasticsearch.common.network.InetAddresses, a Guava fork), dates (JavaDateFormatter and the
// java.time patterns ES accepts), and Java's printing of numbers (Double.toString) used in
// previews.

#include "es_error.hpp"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim::mapping_detail {

// Parses an IP literal as ES's InetAddresses.forString does (dotted quads without leading zeros,
// IPv6 with at most one "::", an IPv4 tail allowed, no zone id) and returns the canonical text ES
// stores: dotted IPv4 (IPv4-mapped IPv6 becomes IPv4, as java.net.InetAddress does) or RFC 5952
// IPv6. The error is ES's illegal_argument_exception "'x' is not an IP string literal.".
[[nodiscard]] std::expected<std::string, EsError> canonical_ip(std::string_view text);

// A date format as a mapping gives it: "strict_date_optional_time||epoch_millis", "yyyy-MM-dd", ...
class DateFormat {
public:
    // Fails with ES's mapper_parsing_exception-style reason when a pattern is not understood.
    static std::expected<DateFormat, std::string> parse(std::string_view format);

    // Parses a date string to epoch milliseconds (UTC unless the text has an offset). The error
    // is ES's: illegal_argument_exception "failed to parse date field [v] with format [f]" caused
    // by date_time_parse_exception ("Failed to parse with all enclosed parsers" when the format has
    // several alternatives, java.time's "Text 'v' could not be parsed at index N" otherwise).
    [[nodiscard]] std::expected<std::int64_t, EsError> parse_millis(std::string_view text) const;

    // True when some alternative of the format accepts the text (dynamic date detection).
    [[nodiscard]] bool accepts(std::string_view text) const;

    [[nodiscard]] const std::string& text() const { return m_text; }

    // The opaque per-alternative form; public only so the implementation file can build it.
    struct Alternative {
        std::string name; // built-in name or the pattern itself
        std::vector<std::string> tokens;
        enum class Kind : std::uint8_t {
            iso_optional_time,
            epoch_millis,
            epoch_second,
            pattern
        } kind = Kind::pattern;
        bool strict = true;
    };

private:
    std::string m_text;
    std::vector<Alternative> m_alternatives;
};

// The default format of date fields (ES DateFieldMapper.DEFAULT_DATE_TIME_FORMATTER).
inline constexpr std::string_view k_default_date_format = "strict_date_optional_time||epoch_millis";

// Java's Double.toString: shortest digits, plain between 1e-3 and 1e7, else "d.dddE[-]n";
// "NaN", "Infinity", "-Infinity".
[[nodiscard]] std::string java_double_string(double value);

// Java's Float.toString, same rules applied to the shortest float digits.
[[nodiscard]] std::string java_float_string(float value);

// The number of UTF-16 code units of a UTF-8 string (Java's String.length()).
[[nodiscard]] std::size_t utf16_length(std::string_view utf8);

// Java's String.hashCode over the UTF-16 form of a UTF-8 string.
[[nodiscard]] std::int32_t java_string_hash(std::string_view utf8);

// Java's Double.parseDouble: trims ASCII control/space characters, accepts an optional trailing
// f/F/d/D, "NaN", "Infinity"; nullopt when Java would throw NumberFormatException.
[[nodiscard]] std::optional<double> java_parse_double(std::string_view text);

// Converts a double to IEEE half precision and back (Lucene HalfFloatPoint rounding).
[[nodiscard]] double round_to_half_float(double value);

} // namespace esmend::es_sim::mapping_detail

#pragma once
// Date parsing and printing for the date processor (ES DateProcessor / DateFormat). ES uses
// java.time; es-sim implements the subset of DateTimeFormatter pattern letters that ingest
// pipelines use (y u M L d D H k h K a m s S X x Z z E and quoted literals), the special formats
// ISO8601, UNIX, UNIX_MS and TAI64N, and timezones that are UTC or a fixed offset. Anything else is
// refused with a message that names the unsupported part, never guessed.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace esmend::es_sim::ingest {

// Checks that es-sim can parse and print with a java.time pattern.
[[nodiscard]] std::expected<void, std::string> validate_date_pattern(std::string_view pattern);

// A timezone as a fixed offset from UTC in seconds: "UTC", "Z", "GMT", "+01:00", "-0530",
// "UTC+2", "Etc/UTC". Named region zones (Europe/Amsterdam) need a tz database es-sim lacks.
[[nodiscard]] std::expected<int, std::string> parse_timezone(std::string_view zone);

// Parses `text` with one of the date processor's formats (a special name or a java.time pattern).
// `default_offset_seconds` applies when the text carries no offset. Returns epoch milliseconds
// and the offset the result should be printed in, or the reason parsing failed.
struct ParsedDate {
    std::int64_t epoch_millis = 0;
    int offset_seconds = 0;
};
[[nodiscard]] std::expected<ParsedDate, std::string> parse_date(std::string_view text,
                                                                std::string_view format,
                                                                int default_offset_seconds,
                                                                std::int64_t now_millis);

// Prints an instant with a java.time pattern in the given offset, or nullopt for a pattern es-sim
// cannot print.
[[nodiscard]] std::optional<std::string>
format_epoch_millis(std::int64_t epoch_millis, int offset_seconds, std::string_view pattern);

} // namespace esmend::es_sim::ingest

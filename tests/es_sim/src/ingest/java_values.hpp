#pragma once
// How ES's ingest code names and prints values. ES holds a document as Java objects parsed from
// JSON, and its error messages print their Java class names and toString() forms, e.g.
// "field [a] of type [java.lang.Integer] cannot be cast to [java.lang.String]" or
// "unable to convert [[1, 2]] to integer". These helpers reproduce that text from JSON values.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace esmend::es_sim::ingest {

// The Java class ES's JSON parser produces for a value: java.lang.String, java.lang.Integer (if the
// number fits in an int), java.lang.Long, java.math.BigInteger, java.lang.Double,
// java.lang.Boolean, java.util.ArrayList, java.util.HashMap. Null has no class; "null" is returned
// for it.
[[nodiscard]] std::string java_class_name(const nlohmann::json& value);

// Java's toString() of the value: strings raw, lists "[a, b]", maps "{k=v}", doubles as
// Double.toString ("1.0", "1.0E-4"), null as "null".
[[nodiscard]] std::string java_to_string(const nlohmann::json& value);

// Java's Double.toString for a finite or non-finite double.
[[nodiscard]] std::string java_double_to_string(double value);

// An ISO-8601 rendering of an epoch-millisecond instant in UTC as ES's XContent prints a
// ZonedDateTime: "2024-01-02T03:04:05.678Z".
[[nodiscard]] std::string iso_millis_utc(std::int64_t epoch_millis);

// ZonedDateTime.toString() of an epoch-millisecond UTC instant, which is what a mustache template
// prints for {{_ingest.timestamp}}: seconds and fraction are left out when zero
// ("2024-01-02T03:04Z").
[[nodiscard]] std::string java_zoned_date_time_string(std::int64_t epoch_millis);

} // namespace esmend::es_sim::ingest

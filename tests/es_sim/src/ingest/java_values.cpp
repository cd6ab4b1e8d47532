#include "ingest/java_values.hpp"

#include "ingest/date_format.hpp"
#include "mapping/field_values.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace esmend::es_sim::ingest {

using nlohmann::json;

std::string java_class_name(const json& value) {
    switch (value.type()) {
    case json::value_t::string:
        return "java.lang.String";
    case json::value_t::boolean:
        return "java.lang.Boolean";
    case json::value_t::number_integer: {
        const auto v = value.get<std::int64_t>();
        if (v >= std::numeric_limits<std::int32_t>::min() &&
            v <= std::numeric_limits<std::int32_t>::max()) {
            return "java.lang.Integer";
        }
        return "java.lang.Long";
    }
    case json::value_t::number_unsigned: {
        const auto v = value.get<std::uint64_t>();
        if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
            return "java.lang.Integer";
        if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return "java.lang.Long";
        return "java.math.BigInteger";
    }
    case json::value_t::number_float:
        return "java.lang.Double";
    case json::value_t::array:
        return "java.util.ArrayList";
    case json::value_t::object:
        return "java.util.HashMap";
    default:
        return "null";
    }
}

std::string java_double_to_string(double value) {
    // One implementation of Double.toString for all of es-sim: the mapping module's.
    return mapping_detail::java_double_string(value);
}

std::string java_to_string(const json& value) {
    switch (value.type()) {
    case json::value_t::string:
        return value.get<std::string>();
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
        return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
        return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float:
        return java_double_to_string(value.get<double>());
    case json::value_t::array: {
        std::string out = "[";
        bool first = true;
        for (const auto& item : value) {
            if (!first)
                out += ", ";
            first = false;
            out += java_to_string(item);
        }
        return out + "]";
    }
    case json::value_t::object: {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, v] : value.items()) {
            if (!first)
                out += ", ";
            first = false;
            out += k + "=" + java_to_string(v);
        }
        return out + "}";
    }
    default:
        return value.dump();
    }
}

std::string iso_millis_utc(std::int64_t epoch_millis) {
    return format_epoch_millis(epoch_millis, 0, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX").value_or("");
}

std::string java_zoned_date_time_string(std::int64_t epoch_millis) {
    // LocalTime.toString prints HH:mm, then :ss unless seconds and nanos are zero, then .SSS when
    // the fraction is a whole number of milliseconds; the UTC zone prints as "Z".
    const std::int64_t ms = ((epoch_millis % 1000) + 1000) % 1000;
    const std::int64_t secs_of_minute = (((epoch_millis - ms) / 1000) % 60 + 60) % 60;
    if (ms != 0)
        return format_epoch_millis(epoch_millis, 0, "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").value_or("");
    if (secs_of_minute != 0)
        return format_epoch_millis(epoch_millis, 0, "yyyy-MM-dd'T'HH:mm:ss'Z'").value_or("");
    return format_epoch_millis(epoch_millis, 0, "yyyy-MM-dd'T'HH:mm'Z'").value_or("");
}

} // namespace esmend::es_sim::ingest

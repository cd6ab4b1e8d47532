#pragma once
// The read interface between es-sim's document store and its search side (queries, sorts,
// aggregations, field_caps). The store keeps each document's _source as its original bytes and
// hands out values already normalised by the index mapping, so the search side never re-parses
// JSON nor needs to know how mappings are applied.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace esmend::es_sim {

// One indexed value of a field, normalised as ES indexes it:
//  keyword/constant_keyword/wildcard/text/match_only_text/ip(canonical text form)/version -> string
//  long/integer/short/byte/unsigned_long(<=2^63-1) -> int64, unsigned_long above -> uint64
//  double/float/half_float/scaled_float -> double
//  date/date_nanos -> int64 epoch milliseconds
//  boolean -> bool
using FieldValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string>;

class DocView {
public:
    virtual ~DocView() = default;
    // The concrete index the document lives in (a backing index for data streams).
    [[nodiscard]] virtual std::string_view index() const = 0;
    [[nodiscard]] virtual std::string_view id() const = 0;
    // The original _source bytes, exactly as they were indexed.
    [[nodiscard]] virtual std::string_view source() const = 0;
    // All indexed values of a concrete (dotted) field path, e.g. "host.ip" or "message.keyword".
    // Empty when the document has no value or the field is not indexed.
    [[nodiscard]] virtual std::vector<FieldValue> values(std::string_view field) const = 0;
    // The mapped type of a field in this document's index ("keyword", "ip", "date", ...), or
    // nullopt when the index has no mapping for it.
    [[nodiscard]] virtual std::optional<std::string> field_type(std::string_view field) const = 0;
};

} // namespace esmend::es_sim

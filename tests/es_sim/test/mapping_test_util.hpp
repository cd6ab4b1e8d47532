#pragma once
// Helpers shared by the mapping engine's tests.

#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace esmend::es_sim::mapping_test {

inline SimVersion v8() {
    return SimVersion{};
}
inline SimVersion v717() {
    return SimVersion{7, 17, 0};
}

// Parses a mapping that the test expects to be valid; a failure aborts the test with ES's reason.
inline Mapping must_parse(std::string_view text, const SimVersion& version = v8()) {
    auto parsed = Mapping::parse(nlohmann::json::parse(text), version);
    if (!parsed)
        throw std::runtime_error("mapping rejected: " + parsed.error().reason);
    return std::move(*parsed);
}

inline std::expected<ParsedDocument, EsError>
index_doc(const Mapping& mapping, std::string_view text, std::string_view id = "1") {
    return mapping.parse_document(nlohmann::json::parse(text), text, id);
}

// Indexes a document as the store does: parse, then merge the dynamic update.
inline void index_and_merge(Mapping& mapping, std::string_view text) {
    auto parsed = index_doc(mapping, text);
    if (!parsed)
        throw std::runtime_error("document rejected: " + parsed.error().reason);
    if (!parsed->dynamic_update.is_null()) {
        auto merged = mapping.merge(parsed->dynamic_update, MergeReason::mapping_update);
        if (!merged)
            throw std::runtime_error("dynamic update rejected: " + merged.error().reason);
    }
}

// The caused_by of a per-document error, or an empty error when there is none.
inline EsError cause_of(const EsError& err) {
    return err.caused_by ? *err.caused_by : EsError{};
}

} // namespace esmend::es_sim::mapping_test

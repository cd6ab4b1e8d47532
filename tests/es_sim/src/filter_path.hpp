#pragma once
// ES's response filtering (?filter_path=): comma-separated dotted paths with '*' inside a name,
// '**' for any depth and a leading '-' for exclusions. Arrays are transparent; objects and array
// elements left empty by the filter disappear, as with ES's FilterPath-based XContent filtering.

#include <nlohmann/json.hpp>

#include <string_view>

namespace esmend::es_sim {

[[nodiscard]] nlohmann::json apply_filter_path(const nlohmann::json& body,
                                               std::string_view filter_path);

} // namespace esmend::es_sim

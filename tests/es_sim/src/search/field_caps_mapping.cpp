// field_caps over Mapping objects. Kept in its own translation unit so that code using only the
// FieldCapsSource overload (such as the unit tests) does not need the mapping module linked in.

#include "search/search.hpp"

namespace esmend::es_sim::search {

std::expected<nlohmann::json, EsError> field_caps(const std::vector<FieldCapsIndex>& indices,
                                                  const FieldCapsRequest& request) {
    std::vector<FieldCapsSource> sources;
    sources.reserve(indices.size());
    for (const auto& index : indices) {
        FieldCapsSource s;
        s.name = index.name;
        if (index.mapping != nullptr)
            s.fields = index.mapping->fields();
        s.timestamp_range = index.timestamp_range;
        sources.push_back(std::move(s));
    }
    return field_caps(sources, request);
}

} // namespace esmend::es_sim::search

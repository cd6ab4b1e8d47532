#pragma once
// The mapping engine's in-memory model. A Mapping holds one RootDef; every field is a FieldDef
// that keeps only what the user set explicitly (ES renders mappings the same way: defaults are
// left out of GET _mapping), so the model stays small for the thousands of indices a store keeps.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim::mapping_detail {

// ES ObjectMapper.Dynamic; `unset` means "inherit from the parent object".
enum class DynamicMode : std::uint8_t { unset, on, off, strict, runtime };

struct FieldDef {
    std::string name; // leaf name ("ip" for host.ip), or the multi-field name
    std::string type; // "object" and "nested" for objects, else the field type
    // Explicit parameters other than type, properties, fields and (for objects) dynamic; null
    // (no allocation) while there are none.
    nlohmann::json params;
    // Objects: their properties. Leaves: their multi-fields. Sorted by name.
    std::vector<FieldDef> children;
    DynamicMode dynamic = DynamicMode::unset; // objects only

    [[nodiscard]] bool is_object() const { return type == "object" || type == "nested"; }

    [[nodiscard]] const FieldDef* child(std::string_view child_name) const {
        for (const auto& c : children) {
            if (c.name == child_name)
                return &c;
        }
        return nullptr;
    }
    [[nodiscard]] FieldDef* child(std::string_view child_name) {
        for (auto& c : children) {
            if (c.name == child_name)
                return &c;
        }
        return nullptr;
    }
    // Inserts or replaces a child, keeping children sorted by name.
    FieldDef& put_child(FieldDef def) {
        auto it = children.begin();
        while (it != children.end() && it->name < def.name)
            ++it;
        if (it != children.end() && it->name == def.name) {
            *it = std::move(def);
            return *it;
        }
        return *children.insert(it, std::move(def));
    }
};

struct RootDef {
    FieldDef root{"", "object", nlohmann::json(), {}, DynamicMode::unset};
    // Root-only settings; null when not set explicitly.
    nlohmann::json dynamic_templates;
    nlohmann::json date_detection;
    nlohmann::json numeric_detection;
    nlohmann::json dynamic_date_formats;
    nlohmann::json meta;
    nlohmann::json runtime; // {"a.b": {"type": "keyword"}, ...}
    // Metadata field mappers (_source, _routing, _data_stream_timestamp, ...) as given.
    nlohmann::json metadata_fields;
};

} // namespace esmend::es_sim::mapping_detail

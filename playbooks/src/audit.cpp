#include <playbooks/audit.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace esmend::playbooks {

using nlohmann::json;

std::string kibana_type(std::string_view es_type) {
    // KB packages/kbn-field-types/src/kbn_field_types_factory.ts (es-apis.md §1.9).
    static constexpr std::array<std::string_view, 6> k_string{
        "text", "match_only_text", "keyword", "version", "_id", "_type"};
    static constexpr std::array<std::string_view, 11> k_number{
        "float",   "half_float",  "scaled_float",           "double",
        "integer", "long",        "unsigned_long",          "short",
        "byte",    "token_count", "aggregate_metric_double"};
    if (std::find(k_string.begin(), k_string.end(), es_type) != k_string.end())
        return "string";
    if (std::find(k_number.begin(), k_number.end(), es_type) != k_number.end())
        return "number";
    if (es_type == "date" || es_type == "date_nanos")
        return "date";
    return std::string(es_type);
}

std::vector<FieldConflict> find_conflicts(const json& field_caps) {
    std::vector<FieldConflict> conflicts;
    const auto fields = field_caps.find("fields");
    if (fields == field_caps.end() || !fields->is_object())
        return conflicts;
    for (const auto& [name, by_type] : fields->items()) {
        // A single type (or a single type plus "unmapped") cannot conflict: skip the common case
        // without building anything.
        if (!by_type.is_object() || by_type.size() < 2)
            continue;
        FieldConflict conflict{name, {}, {}};
        std::set<std::string> kibana_types;
        bool metadata = false;
        for (const auto& [type, caps] : by_type.items()) {
            if (caps.value("metadata_field", false))
                metadata = true;
            std::vector<std::string> indices;
            if (const auto it = caps.find("indices"); it != caps.end() && it->is_array()) {
                for (const auto& index : *it)
                    indices.push_back(index.get<std::string>());
            }
            if (type == "unmapped") {
                conflict.unmapped_indices = std::move(indices);
                continue;
            }
            auto kibana = kibana_type(type);
            kibana_types.insert(kibana);
            conflict.types.push_back(TypeIndices{type, std::move(kibana), std::move(indices)});
        }
        if (metadata || kibana_types.size() < 2)
            continue;
        conflicts.push_back(std::move(conflict));
    }
    // nlohmann's object iterates in key order already; keep the contract explicit.
    std::sort(conflicts.begin(), conflicts.end(),
              [](const auto& a, const auto& b) { return a.field < b.field; });
    return conflicts;
}

std::optional<std::string> mapping_type(const json& mappings, std::string_view dotted_field) {
    const json* node = &mappings;
    std::string_view rest = dotted_field;
    while (true) {
        const auto properties = node->find("properties");
        if (properties == node->end() || !properties->is_object())
            return std::nullopt;
        // Mappings may hold a dotted name literally ("host.ip") or nest it; try the longest
        // literal prefix first, as ES resolves object paths.
        bool found = false;
        for (std::size_t end = rest.size(); end != std::string_view::npos && end > 0;) {
            const auto head = rest.substr(0, end);
            if (const auto child = properties->find(std::string(head));
                child != properties->end()) {
                node = &*child;
                rest = end == rest.size() ? std::string_view{} : rest.substr(end + 1);
                found = true;
                break;
            }
            end = head.rfind('.');
        }
        if (!found)
            return std::nullopt;
        if (rest.empty()) {
            if (const auto type = node->find("type"); type != node->end() && type->is_string())
                return type->get<std::string>();
            return node->contains("properties") ? std::optional<std::string>("object")
                                                : std::nullopt;
        }
    }
}

std::map<std::string, std::string> index_owners(const std::map<std::string, StreamInfo>& streams) {
    std::map<std::string, std::string> owners;
    for (const auto& [name, info] : streams) {
        for (const auto& index : info.indices)
            owners[index] = name;
    }
    return owners;
}

std::vector<StreamFinding> attribute_conflict(const FieldConflict& conflict,
                                              const std::map<std::string, StreamInfo>& streams) {
    const auto owners = index_owners(streams);
    std::map<std::string, StreamFinding> by_stream;
    for (const auto& type : conflict.types) {
        for (const auto& index : type.indices) {
            const auto owner = owners.find(index);
            if (owner == owners.end())
                continue;
            auto& finding = by_stream[owner->second];
            finding.types[index] = type.es_type;
        }
    }
    std::vector<StreamFinding> findings;
    for (auto& [name, finding] : by_stream) {
        const auto& info = streams.at(name);
        finding.data_stream = name;
        finding.field = conflict.field;
        finding.template_name = info.template_name;
        finding.template_type = mapping_type(info.template_mappings, conflict.field).value_or("");
        finding.package = info.meta.is_object() && info.meta.contains("package")
                              ? info.meta["package"]
                              : json(nullptr);
        // Compare as field_caps reports types: families (keyword covers constant_keyword and
        // wildcard). A template that does not declare the field leaves it to dynamic mapping;
        // the newest backing index then says what the stream maps it to today.
        std::string expected = finding.template_type;
        if (expected == "constant_keyword" || expected == "wildcard")
            expected = "keyword";
        if (expected.empty()) {
            for (auto it = info.indices.rbegin(); it != info.indices.rend(); ++it) {
                if (const auto t = finding.types.find(*it); t != finding.types.end()) {
                    expected = t->second;
                    break;
                }
            }
        }
        for (const auto& [index, type] : finding.types) {
            if (type != expected)
                finding.disagreeing.push_back(index);
        }
        if (info.time_series && !finding.disagreeing.empty())
            finding.verdict = StreamFinding::Verdict::tsds;
        else if (!finding.disagreeing.empty())
            finding.verdict = StreamFinding::Verdict::repairable;
        else
            finding.verdict = StreamFinding::Verdict::by_design;
        findings.push_back(std::move(finding));
    }
    return findings;
}

std::string_view to_string(StreamFinding::Verdict verdict) {
    switch (verdict) {
    case StreamFinding::Verdict::repairable:
        return "repairable";
    case StreamFinding::Verdict::tsds:
        return "tsds";
    case StreamFinding::Verdict::by_design:
        return "by_design";
    }
    return "unknown";
}

} // namespace esmend::playbooks

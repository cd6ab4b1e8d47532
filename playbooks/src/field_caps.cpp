// The audit's reading of a _field_caps response (issue #6, and issue #9's speed target): one pass
// over the bytes that keeps only what a conflict needs. A data view of 5,000 indices x 2,000
// fields answers with megabytes, nearly all of them index names in per-type "indices" lists, and
// only the lists of conflicting fields are ever read; the others are skipped at memory speed,
// instead of being built into a document first.
#include <es_client/json_reader.hpp>
#include <playbooks/audit.hpp>

#include <algorithm>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::playbooks {

// The text a scan's views point into: the answer itself, and copies of the names it escaped
// (a deque: adding one never moves the others).
struct FieldCapsText {
    std::string body;
    std::deque<std::string> decoded;
};

namespace {

using es_client::ErrorKind;

using Reader = es_client::JsonReader;

struct TypeEntry {
    std::string type;
    bool metadata = false;
    std::string_view indices; // the raw "indices" array, empty when absent
    std::size_t count = 0;    // its elements
};

bool read_type(Reader& in, TypeEntry& entry) {
    if (!in.at('{'))
        return in.skip_value();
    return in.object([&](const std::string& key) {
        if (key == "metadata_field") {
            std::string_view value;
            if (!in.span(value))
                return false;
            entry.metadata = value == "true";
            return true;
        }
        if (key == "indices") {
            if (!in.at('['))
                return in.skip_value();
            // Counted on the way (for one allocation if it is ever read), not decoded.
            const char* start = in.position();
            if (!in.strings([&](std::string_view) { return ++entry.count > 0; }))
                return false;
            entry.indices =
                std::string_view(start, static_cast<std::size_t>(in.position() - start));
            return true;
        }
        return in.skip_value();
    });
}

// A type's index names, as views into the answer (or into decoded copies kept in `text`). The list
// was checked when it was counted, so reading it again cannot fail.
std::vector<std::string_view> index_list(const TypeEntry& entry, FieldCapsText& text) {
    std::vector<std::string_view> out;
    if (entry.indices.empty())
        return out;
    out.reserve(entry.count);
    Reader in(entry.indices);
    (void)in.strings([&](std::string_view raw) {
        if (!in.last_escaped())
            out.push_back(raw);
        else if (in.decode_last(raw, text.decoded.emplace_back()))
            out.emplace_back(text.decoded.back());
        return true;
    });
    return out;
}

// One field's types: a conflict when its non-"unmapped" types span two Kibana types and none is
// a metadata field.
bool read_field(Reader& in, const std::string& name, FieldCapsText& text,
                std::vector<FieldConflict>& conflicts) {
    if (!in.at('{'))
        return in.skip_value();
    std::vector<TypeEntry> types;
    const bool ok = in.object([&](const std::string& type) {
        types.push_back(TypeEntry{type, false, {}});
        return read_type(in, types.back());
    });
    if (!ok || types.size() < 2)
        return ok;
    std::set<std::string> kibana_types;
    for (const auto& t : types) {
        if (t.metadata)
            return true;
        if (t.type != "unmapped")
            kibana_types.insert(kibana_type(t.type));
    }
    if (kibana_types.size() < 2)
        return true;
    FieldConflict conflict{name, {}, {}, nullptr};
    for (const auto& t : types) {
        auto indices = index_list(t, text);
        if (t.type == "unmapped")
            conflict.unmapped_indices = std::move(indices);
        else
            conflict.types.push_back(TypeIndices{t.type, kibana_type(t.type), std::move(indices)});
    }
    std::sort(conflict.types.begin(), conflict.types.end(),
              [](const auto& a, const auto& b) { return a.es_type < b.es_type; });
    conflicts.push_back(std::move(conflict));
    return true;
}

} // namespace

es_client::Result<FieldCaps> scan_field_caps(std::string body_text) {
    auto text = std::make_shared<FieldCapsText>();
    text->body = std::move(body_text);
    const std::string_view body = text->body;
    FieldCaps out;
    Reader in(body);
    const bool ok = in.object([&](const std::string& key) {
        if (key == "indices") {
            if (!in.at('['))
                return in.skip_value();
            return in.strings([&](std::string_view) { return ++out.indices > 0; });
        }
        if (key == "fields") {
            if (!in.at('{'))
                return in.skip_value();
            return in.object([&](const std::string& name) {
                return read_field(in, name, *text, out.conflicts);
            });
        }
        return in.skip_value();
    });
    if (!ok)
        return std::unexpected(es_client::make_error(
            ErrorKind::parse, "malformed _field_caps answer: " + in.error() + " at byte " +
                                  std::to_string(in.failed_at())));
    if (!in.at_end())
        return std::unexpected(es_client::make_error(ErrorKind::parse,
                                                     "malformed _field_caps answer: text after "
                                                     "its end"));
    std::stable_sort(out.conflicts.begin(), out.conflicts.end(),
                     [](const auto& a, const auto& b) { return a.field < b.field; });
    const std::shared_ptr<const FieldCapsText> shared = std::move(text);
    for (auto& conflict : out.conflicts)
        conflict.text = shared;
    return out;
}

std::vector<FieldConflict> find_conflicts(const nlohmann::json& field_caps) {
    auto scanned = scan_field_caps(field_caps.dump());
    return scanned ? std::move(scanned->conflicts) : std::vector<FieldConflict>{};
}

} // namespace esmend::playbooks

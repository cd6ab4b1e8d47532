#pragma once
// Test doubles for the search side: in-memory DocViews whose values are derived from the _source
// with an explicit per-index field type map, normalised as doc_view.hpp describes. Header-only so
// that only tests pull it in.

#include "doc_view.hpp"
#include "search/values.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace esmend::es_sim::search::testing {

using FieldTypes = std::map<std::string, std::string>; // dotted path -> mapped type

class FakeDoc : public DocView {
public:
    FakeDoc(std::string index, std::string id, std::string source,
            std::shared_ptr<const FieldTypes> types)
        : m_index(std::move(index)), m_id(std::move(id)), m_source(std::move(source)),
          m_types(std::move(types)) {
        auto parsed = nlohmann::json::parse(m_source, nullptr, false);
        if (parsed.is_object())
            flatten(parsed, "");
    }

    std::string_view index() const override { return m_index; }
    std::string_view id() const override { return m_id; }
    std::string_view source() const override { return m_source; }
    std::vector<FieldValue> values(std::string_view field) const override {
        auto it = m_values.find(std::string(field));
        return it == m_values.end() ? std::vector<FieldValue>{} : it->second;
    }
    std::optional<std::string> field_type(std::string_view field) const override {
        auto it = m_types->find(std::string(field));
        if (it == m_types->end())
            return std::nullopt;
        return it->second;
    }

private:
    void add(const std::string& path, const nlohmann::json& v) {
        if (v.is_array()) {
            for (const auto& e : v)
                add(path, e);
            return;
        }
        if (v.is_object()) {
            flatten(v, path);
            return;
        }
        if (v.is_null())
            return;
        auto t = m_types->find(path);
        if (t == m_types->end())
            return;
        const FieldKind kind = kind_of(t->second);
        auto& out = m_values[path];
        switch (kind) {
        case FieldKind::keyword:
        case FieldKind::text:
            out.emplace_back(scalar_text(v));
            break;
        case FieldKind::ip: {
            auto ip = parse_ip(scalar_text(v));
            if (ip)
                out.emplace_back(scalar_text(v));
            break;
        }
        case FieldKind::integral:
            if (v.is_number())
                out.emplace_back(v.get<std::int64_t>());
            else
                out.emplace_back(static_cast<std::int64_t>(std::stoll(scalar_text(v))));
            break;
        case FieldKind::floating:
            out.emplace_back(v.get<double>());
            break;
        case FieldKind::date: {
            auto d = parse_date(v, DateParseOptions{});
            if (d)
                out.emplace_back(*d);
            break;
        }
        case FieldKind::boolean:
            out.emplace_back(v.is_boolean() ? v.get<bool>() : scalar_text(v) == "true");
            break;
        case FieldKind::other:
            break;
        }
        // Multi-fields: "<path>.keyword" sub-field of a text field, as dynamic mapping creates.
        const std::string sub = path + ".keyword";
        if (kind == FieldKind::text && m_types->contains(sub))
            m_values[sub].emplace_back(scalar_text(v));
    }
    void flatten(const nlohmann::json& obj, const std::string& base) {
        for (const auto& [k, v] : obj.items())
            add(base.empty() ? k : base + "." + k, v);
    }

    std::string m_index;
    std::string m_id;
    std::string m_source;
    std::shared_ptr<const FieldTypes> m_types;
    std::map<std::string, std::vector<FieldValue>> m_values;
};

// A set of indices and their documents, in index order then insertion order.
class FakeCorpus {
public:
    void add_index(const std::string& name, FieldTypes types) {
        m_types[name] = std::make_shared<const FieldTypes>(std::move(types));
    }
    const FakeDoc& add(const std::string& index, const std::string& id, const std::string& source) {
        m_docs.emplace_back(index, id, source, m_types.at(index));
        return m_docs.back();
    }
    [[nodiscard]] std::vector<const DocView*> views() const {
        std::vector<const DocView*> out;
        for (const auto& d : m_docs)
            out.push_back(&d);
        return out;
    }

private:
    std::map<std::string, std::shared_ptr<const FieldTypes>> m_types;
    std::deque<FakeDoc> m_docs;
};

} // namespace esmend::es_sim::search::testing

// fields() for field_caps, field_type() and values() for the search side.
#include "mapping_test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>

namespace esmend::es_sim::mapping_test {
namespace {

using nlohmann::json;

const FieldInfo* find_field(const std::vector<FieldInfo>& fields, const std::string& path) {
    const auto it = std::find_if(fields.begin(), fields.end(),
                                 [&](const FieldInfo& f) { return f.path == path; });
    return it == fields.end() ? nullptr : &*it;
}

// field_caps semantics (es-apis.md §1.9): text is not aggregatable unless fielddata, keyword is;
// index:false is not searchable; doc_values:false is not aggregatable; objects are listed.
TEST(MappingFields, SearchableAndAggregatableFollowIndexDocValuesAndFielddata) {
    const Mapping m = must_parse(R"({"properties":{
        "message":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},
        "title":{"type":"text","fielddata":true},
        "hidden":{"type":"keyword","index":false},
        "nodv":{"type":"long","doc_values":false,"meta":{"unit":"ms"}},
        "host":{"properties":{"ip":{"type":"ip"}}},
        "mot":{"type":"match_only_text"}},
        "runtime":{"day":{"type":"keyword"}}})");
    const auto fields = m.fields();
    const auto* message = find_field(fields, "message");
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->type, "text");
    EXPECT_TRUE(message->searchable);
    EXPECT_FALSE(message->aggregatable);
    const auto* keyword = find_field(fields, "message.keyword");
    ASSERT_NE(keyword, nullptr);
    EXPECT_EQ(keyword->type, "keyword");
    EXPECT_TRUE(keyword->aggregatable);
    EXPECT_TRUE(find_field(fields, "title")->aggregatable);
    EXPECT_FALSE(find_field(fields, "hidden")->searchable);
    EXPECT_FALSE(find_field(fields, "nodv")->aggregatable);
    EXPECT_EQ(find_field(fields, "nodv")->meta, json::parse(R"({"unit":"ms"})"));
    const auto* host = find_field(fields, "host");
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->type, "object");
    EXPECT_FALSE(host->searchable);
    EXPECT_EQ(find_field(fields, "host.ip")->type, "ip");
    EXPECT_FALSE(find_field(fields, "mot")->aggregatable);
    const auto* day = find_field(fields, "day");
    ASSERT_NE(day, nullptr);
    EXPECT_TRUE(day->searchable);
    EXPECT_TRUE(day->aggregatable);
}

TEST(MappingFields, FieldTypeResolvesMultiFieldsAndUnmappedPaths) {
    const Mapping m = must_parse(
        R"({"properties":{"message":{"type":"text","fields":{"keyword":{"type":"keyword"}}},
        "host":{"properties":{"ip":{"type":"ip"}}}}})");
    EXPECT_EQ(m.field_type("message"), "text");
    EXPECT_EQ(m.field_type("message.keyword"), "keyword");
    EXPECT_EQ(m.field_type("host.ip"), "ip");
    EXPECT_FALSE(m.field_type("host.name"));
    EXPECT_FALSE(m.field_type("message.other"));
}

TEST(MappingValues, MultiFieldValuesComeFromTheParentSource) {
    const Mapping m = must_parse(
        R"({"properties":{"message":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":5}}}}})");
    const auto doc = json::parse(R"({"message":["short","much longer"]})");
    EXPECT_EQ(m.values(doc, "message").size(), 2U);
    const auto kw = m.values(doc, "message.keyword");
    ASSERT_EQ(kw.size(), 1U);
    EXPECT_EQ(std::get<std::string>(kw[0]), "short");
}

// Nested objects are stored only: their sub-fields are not searchable from the parent document.
TEST(MappingValues, NestedSubFieldsAreNotVisibleFromTheParent) {
    const Mapping m =
        must_parse(R"({"properties":{"n":{"type":"nested","properties":{"x":{"type":"long"}}}}})");
    const auto doc = json::parse(R"({"n":[{"x":1},{"x":2}]})");
    ASSERT_TRUE(index_doc(m, doc.dump()));
    EXPECT_TRUE(m.values(doc, "n.x").empty());
    EXPECT_EQ(m.field_type("n"), "nested");
}

TEST(MappingValues, IndexFalseAndUnmappedFieldsHaveNoValues) {
    const Mapping m =
        must_parse(R"({"dynamic":false,"properties":{"k":{"type":"keyword","index":false}}})");
    const auto doc = json::parse(R"({"k":"v","u":"w"})");
    EXPECT_TRUE(m.values(doc, "k").empty());
    EXPECT_TRUE(m.values(doc, "u").empty());
}

TEST(MappingValues, NumbersAreTypedAndFloatsKeepFloatPrecision) {
    const Mapping m = must_parse(
        R"({"properties":{"l":{"type":"long"},"f":{"type":"float"},"u":{"type":"unsigned_long"},
        "h":{"type":"half_float"}}})");
    const auto doc = json::parse(R"({"l":5,"f":1.1,"u":18446744073709551615,"h":0.1})");
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "l").at(0)), 5);
    EXPECT_DOUBLE_EQ(std::get<double>(m.values(doc, "f").at(0)), static_cast<double>(1.1F));
    EXPECT_EQ(std::get<std::uint64_t>(m.values(doc, "u").at(0)), 18446744073709551615ULL);
    EXPECT_DOUBLE_EQ(std::get<double>(m.values(doc, "h").at(0)), 0.0999755859375);
}

TEST(MappingValues, RuntimeFieldsReadTheirValuesFromSource) {
    const Mapping m = must_parse(
        R"({"dynamic":"runtime","runtime":{"s":{"type":"keyword"},"n":{"type":"long"}}})");
    const auto doc = json::parse(R"({"s":"x","n":"7"})");
    EXPECT_EQ(std::get<std::string>(m.values(doc, "s").at(0)), "x");
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "n").at(0)), 7);
    EXPECT_EQ(m.field_type("n"), "long");
}

} // namespace
} // namespace esmend::es_sim::mapping_test

// Dynamic mapping: modes, default dynamic types, date/numeric detection, dynamic templates.
#include "mapping_test_util.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace esmend::es_sim::mapping_test {
namespace {

using nlohmann::json;

// Fleet's .fleet_globals-1 component template (golang-integration.md §1.3).
constexpr const char* k_fleet_globals = R"({
  "date_detection": false,
  "dynamic_templates": [{"strings_as_keyword": {"match_mapping_type": "string",
                                                "mapping": {"ignore_above": 1024, "type": "keyword"}}}]})";

// ES ecs@mappings' ecs_ip template, placed before the strings template (golang-integration.md
// §1.3).
constexpr const char* k_ecs_ip = R"({
  "dynamic_templates": [
    {"ecs_ip": {"path_match": ["ip", "*.ip", "*_ip"], "match_mapping_type": "string", "mapping": {"type": "ip"}}},
    {"strings_as_keyword": {"match_mapping_type": "string", "mapping": {"ignore_above": 1024, "type": "keyword"}}}]})";

// The root cause of the golang host.ip conflict: strings_as_keyword maps host.ip as keyword.
TEST(MappingDynamicTemplates, FleetStringsAsKeywordMapsHostIpAsKeyword) {
    Mapping m = must_parse(k_fleet_globals);
    const auto r = index_doc(m, R"({"host":{"ip":["10.0.0.1"]}})");
    ASSERT_TRUE(r);
    EXPECT_EQ(
        r->dynamic_update,
        json::parse(
            R"({"properties":{"host":{"properties":{"ip":{"type":"keyword","ignore_above":1024}}}}})"));
    ASSERT_TRUE(m.merge(r->dynamic_update, MergeReason::mapping_update));
    EXPECT_EQ(m.field_type("host.ip"), "keyword");
    EXPECT_EQ(m.field_type("host"), "object");
}

TEST(MappingDynamicTemplates, EcsIpPathMatchMapsHostIpAsIp) {
    Mapping m = must_parse(k_ecs_ip);
    index_and_merge(m, R"({"host":{"ip":"10.0.0.1","name":"a"}})");
    EXPECT_EQ(m.field_type("host.ip"), "ip");
    EXPECT_EQ(m.field_type("host.name"), "keyword");
    // A dynamically mapped ip field still rejects non-IP strings with the ip error.
    const auto bad = index_doc(must_parse(k_ecs_ip), R"({"host":{"ip":"not-an-ip"}})", "8");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().reason,
              "[1:15] failed to parse field [host.ip] of type [ip] in document with id '8'. "
              "Preview of field's value: 'not-an-ip'");
}

TEST(MappingDynamicTemplates, MatchOnLeafNameAndFirstMatchWins) {
    Mapping m = must_parse(R"({"dynamic_templates":[
        {"ip_by_name":{"match":"ip","match_mapping_type":"string","mapping":{"type":"ip"}}},
        {"all_strings":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}]})");
    index_and_merge(m, R"({"source":{"ip":"::1","port":"80"}})");
    EXPECT_EQ(m.field_type("source.ip"), "ip");
    EXPECT_EQ(m.field_type("source.port"), "keyword");
    EXPECT_EQ(m.field_type("source"), "object");
}

// match_mapping_type "*" matches objects too, so a template can map an object as flattened.
TEST(MappingDynamicTemplates, StarMatchesObjectsAndFlattenedKeepsKeys) {
    Mapping m = must_parse(R"({"dynamic_templates":[
        {"labels":{"match":"labels","match_mapping_type":"*","mapping":{"type":"flattened"}}}]})");
    index_and_merge(m, R"({"labels":{"a":"x","b":{"c":1}}})");
    EXPECT_EQ(m.field_type("labels"), "flattened");
    const auto doc = json::parse(R"({"labels":{"a":"x","b":{"c":1}}})");
    EXPECT_EQ(m.values(doc, "labels").size(), 2U);
    ASSERT_EQ(m.values(doc, "labels.b.c").size(), 1U);
    EXPECT_EQ(std::get<std::string>(m.values(doc, "labels.b.c")[0]), "1");
}

TEST(MappingDynamicTemplates, UnmatchPathUnmatchRegexAndPlaceholders) {
    Mapping m = must_parse(R"({"dynamic_templates":[
        {"not_this":{"path_unmatch":"skip\\..*","unmatch":".*_text","match_pattern":"regex","match":"^l_.*",
                     "mapping":{"type":"{dynamic_type}","meta":{"from":"{name}"}}}},
        {"longs_as_int":{"match_mapping_type":"long","mapping":{"type":"integer"}}}]})");
    index_and_merge(m, R"({"l_a":5,"skip":{"l_b":"x"},"l_c_text":"y","n":7})");
    EXPECT_EQ(m.field_type("l_a"), "long");
    EXPECT_EQ(m.to_json()["properties"]["l_a"]["meta"]["from"], "l_a");
    EXPECT_EQ(m.field_type("skip.l_b"), "text");
    EXPECT_EQ(m.field_type("l_c_text"), "text");
    EXPECT_EQ(m.field_type("n"), "integer");
}

TEST(MappingDynamicTemplates, RuntimeTemplateAddsRuntimeField) {
    Mapping m = must_parse(
        R"({"dynamic_templates":[{"strings_rt":{"match_mapping_type":"string","runtime":{}}}]})");
    const auto r = index_doc(m, R"({"s":"v"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->dynamic_update, json::parse(R"({"runtime":{"s":{"type":"keyword"}}})"));
    ASSERT_TRUE(m.merge(r->dynamic_update, MergeReason::mapping_update));
    EXPECT_EQ(m.field_type("s"), "keyword");
    EXPECT_EQ(m.to_json()["runtime"]["s"]["type"], "keyword");
}

// DynamicFieldsBuilder defaults: text + keyword(ignore_above 256), long, float, boolean, object.
TEST(MappingDynamic, DefaultDynamicTypes) {
    Mapping m = must_parse("{}");
    const auto r = index_doc(
        m,
        R"({"message":"hello","count":42,"ratio":1.5,"ok":true,"obj":{"x":1},"none":null,"empty":[]})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->dynamic_update, json::parse(R"({"properties":{
        "message":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},
        "count":{"type":"long"},"ratio":{"type":"float"},"ok":{"type":"boolean"},
        "obj":{"properties":{"x":{"type":"long"}}}}})"));
}

// Date detection with the default dynamic_date_formats; ES maps "2015/09/02" with the slash format.
TEST(MappingDynamic, DateDetectionAndNumericDetection) {
    Mapping m = must_parse(R"({"numeric_detection":true})");
    index_and_merge(
        m,
        R"({"@timestamp":"2024-01-15T10:00:00Z","create_date":"2015/09/02","n":"42","f":"1.5","s":"12abc"})");
    const json props = m.to_json()["properties"];
    EXPECT_EQ(props["@timestamp"], json::parse(R"({"type":"date"})"));
    EXPECT_EQ(props["create_date"],
              json::parse(R"({"type":"date","format":"yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"})"));
    EXPECT_EQ(props["n"]["type"], "long");
    EXPECT_EQ(props["f"]["type"], "float");
    EXPECT_EQ(props["s"]["type"], "text");

    Mapping off = must_parse(R"({"date_detection":false})");
    index_and_merge(off, R"({"@timestamp":"2024-01-15T10:00:00Z","n":"42"})");
    EXPECT_EQ(off.field_type("@timestamp"), "text");
    EXPECT_EQ(off.field_type("n"), "text");
}

// StrictDynamicMappingException: "[line:col] " prefix on 8.x, root named _doc.
TEST(MappingDynamic, StrictRejectsUnknownFieldsWithExactReason) {
    const Mapping m = must_parse(
        R"({"dynamic":"strict","properties":{"a":{"type":"keyword"},"o":{"properties":{}}}})");
    auto r = index_doc(m, R"({"a":"x","extra":1})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "strict_dynamic_mapping_exception");
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().reason, "[1:18] mapping set to strict, dynamic introduction of [extra] "
                                "within [_doc] is not allowed");
    r = index_doc(m, R"({"o":{"inner":null}})");
    ASSERT_FALSE(r);
    EXPECT_EQ(
        r.error().reason,
        "[1:15] mapping set to strict, dynamic introduction of [inner] within [o] is not allowed");

    const Mapping m7 = must_parse(R"({"dynamic":"strict"})", v717());
    const auto r7 = index_doc(m7, R"({"content":"x"})");
    ASSERT_FALSE(r7);
    EXPECT_EQ(
        r7.error().reason,
        "mapping set to strict, dynamic introduction of [content] within [_doc] is not allowed");
}

TEST(MappingDynamic, FalseKeepsUnmappedFieldsOutOfTheMappingAndIndex) {
    Mapping m = must_parse(R"({"dynamic":false,"properties":{"a":{"type":"keyword"}}})");
    const auto r = index_doc(m, R"({"a":"x","b":{"c":"bad ip anyway"},"d":5})");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->dynamic_update.is_null());
    EXPECT_FALSE(m.field_type("d"));
    EXPECT_TRUE(m.values(json::parse(R"({"d":5})"), "d").empty());
}

TEST(MappingDynamic, RuntimeModeRecordsRuntimeFields) {
    Mapping m = must_parse(R"({"dynamic":"runtime"})");
    const auto r = index_doc(
        m, R"({"s":"x","n":1,"d":1.5,"b":true,"t":"2024-01-01T00:00:00Z","o":{"k":"v"}})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->dynamic_update, json::parse(R"({"properties":{"o":{"type":"object"}},"runtime":{
        "s":{"type":"keyword"},"n":{"type":"long"},"d":{"type":"double"},"b":{"type":"boolean"},
        "t":{"type":"date"},"o.k":{"type":"keyword"}}})"));
}

// Object `dynamic` is inherited by sub-objects unless they set their own.
TEST(MappingDynamic, DynamicIsInheritedUnlessOverridden) {
    Mapping m = must_parse(R"({"dynamic":"strict","properties":{
        "open":{"dynamic":true,"properties":{"deep":{"properties":{}}}},
        "closed":{"properties":{}}}})");
    EXPECT_TRUE(index_doc(m, R"({"open":{"deep":{"x":1},"y":2}})"));
    EXPECT_FALSE(index_doc(m, R"({"closed":{"x":1}})"));
}

// ES 8 expands dotted document keys: {"host.ip": ...} is {"host": {"ip": ...}}.
TEST(MappingDottedNames, DottedDocumentKeysMatchObjectMappings) {
    const Mapping m = must_parse(R"({"properties":{"host":{"properties":{"ip":{"type":"ip"}}}}})");
    const auto doc = json::parse(R"({"host.ip":"1.2.3.4"})");
    const auto r = index_doc(m, doc.dump());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->dynamic_update.is_null());
    ASSERT_EQ(m.values(doc, "host.ip").size(), 1U);
    EXPECT_EQ(std::get<std::string>(m.values(doc, "host.ip")[0]), "1.2.3.4");
    const auto bad = index_doc(m, R"({"host.ip":"x"})");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().reason.substr(0, 6), "[1:12]");
}

TEST(MappingDottedNames, DottedDynamicKeysCreateObjects) {
    Mapping m = must_parse("{}");
    const auto r = index_doc(m, R"({"a.b.c":1})");
    ASSERT_TRUE(r);
    EXPECT_EQ(
        r->dynamic_update,
        json::parse(
            R"({"properties":{"a":{"properties":{"b":{"properties":{"c":{"type":"long"}}}}}}})"));
}

// DocumentParserTests (7.x): a dotted key below a leaf field.
TEST(MappingDottedNames, DottedKeyBelowALeafIsRejected) {
    const Mapping m = must_parse(R"({"properties":{"field":{"type":"long"}}})", v717());
    const auto r = index_doc(m, R"({"field.bar.baz":[0,1]})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "mapper_parsing_exception");
    EXPECT_EQ(r.error().reason,
              "Could not dynamically add mapping for field [field.bar.baz]. Existing mapping for "
              "[field] must be of type object but found [long].");
}

TEST(MappingDottedNames, DottedMappingNamesAreExpanded) {
    const Mapping m =
        must_parse(R"({"properties":{"host.ip":{"type":"ip"},"host.name":{"type":"keyword"}}})");
    EXPECT_EQ(
        m.to_json(),
        json::parse(
            R"({"properties":{"host":{"properties":{"ip":{"type":"ip"},"name":{"type":"keyword"}}}}})"));
}

// The store may parse the same document twice; parse_document must not change the mapping.
TEST(MappingDynamic, ParseDocumentDoesNotModifyTheMapping) {
    const Mapping m = must_parse("{}");
    ASSERT_TRUE(index_doc(m, R"({"a":1})"));
    EXPECT_EQ(m.to_json(), json::object());
    EXPECT_FALSE(m.field_type("a"));
}

} // namespace
} // namespace esmend::es_sim::mapping_test

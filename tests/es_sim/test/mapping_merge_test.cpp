// Mapping parsing errors, rendering (GET _mapping), merge rules, and index-template composition.
#include "mapping_test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace esmend::es_sim::mapping_test {
namespace {

using nlohmann::json;

// ObjectMapper.TypeParser, wrapped by MapperService.parseMapping ("Failed to parse mapping: ").
TEST(MappingParse, UnknownTypeIsRejectedWithNoHandlerReason) {
    const auto r =
        Mapping::parse(json::parse(R"({"properties":{"title":{"type":"string"}}})"), v8());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().type, "mapper_parsing_exception");
    EXPECT_EQ(r.error().reason,
              "Failed to parse mapping: No handler for type [string] declared on field [title]");
    EXPECT_EQ(cause_of(r.error()).type, "mapper_parsing_exception");
    EXPECT_EQ(cause_of(r.error()).reason, "No handler for type [string] declared on field [title]");
    const auto r7 =
        Mapping::parse(json::parse(R"({"properties":{"title":{"type":"string"}}})"), v717());
    ASSERT_FALSE(r7);
    EXPECT_EQ(
        r7.error().reason,
        "Failed to parse mapping [_doc]: No handler for type [string] declared on field [title]");
}

TEST(MappingParse, UnknownParametersAndMissingTypesAreRejected) {
    auto r =
        Mapping::parse(json::parse(R"({"properties":{"f":{"type":"keyword","foo":1}}})"), v8());
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason,
              "unknown parameter [foo] on mapper [f] of type [keyword]");
    r = Mapping::parse(json::parse(R"({"properties":{"f":{"index":false}}})"), v8());
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason, "No type specified for field [f]");
    r = Mapping::parse(json::parse(R"({"foo":"bar"})"), v8());
    ASSERT_FALSE(r);
    // DocumentMapperParser.getRemainingFields prefixes each entry with a space.
    EXPECT_EQ(cause_of(r.error()).reason,
              "Root mapping definition has unsupported parameters:  [foo : bar]");
    r = Mapping::parse(
        json::parse(R"({"properties":{"f":{"type":"text","fields":{"raw":{"type":"object"}}}}})"),
        v8());
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason, "Type [object] cannot be used in multi field");
}

TEST(MappingParse, ToJsonRendersWhatGetMappingShows) {
    const auto text = R"({"dynamic":"strict","date_detection":false,"_meta":{"managed_by":"fleet"},
        "_source":{"enabled":true},
        "dynamic_templates":[{"strings_as_keyword":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}],
        "properties":{"message":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},
                      "labels":{"type":"object","dynamic":true},"n":{"type":"nested","properties":{"x":{"type":"long"}}},
                      "flag":{"type":"boolean","index":"false"}}})";
    const Mapping m = must_parse(text);
    EXPECT_EQ(
        m.to_json(),
        json::parse(R"({"dynamic":"strict","date_detection":false,"_meta":{"managed_by":"fleet"},
        "_source":{"enabled":true},
        "dynamic_templates":[{"strings_as_keyword":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}],
        "properties":{"message":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},
                      "labels":{"dynamic":"true"},"n":{"type":"nested","properties":{"x":{"type":"long"}}},
                      "flag":{"type":"boolean","index":false}}})"));
}

// FieldMapper.merge (es-apis.md §0.2): a type change is refused on mapping updates.
TEST(MappingMerge, KeywordToIpIsRefused) {
    Mapping m = must_parse(
        R"({"properties":{"host":{"properties":{"ip":{"type":"keyword","ignore_above":1024}}}}})");
    const auto r =
        m.merge(json::parse(R"({"properties":{"host":{"properties":{"ip":{"type":"ip"}}}}})"),
                MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().type, "illegal_argument_exception");
    EXPECT_EQ(r.error().reason, "mapper [host.ip] cannot be changed from type [keyword] to [ip]");
    EXPECT_EQ(m.field_type("host.ip"), "keyword") << "a refused merge leaves the mapping unchanged";
}

TEST(MappingMerge, NewFieldsAreAddedAndUpdateableParametersChange) {
    Mapping m = must_parse(R"({"properties":{"k":{"type":"keyword","ignore_above":256}}})");
    ASSERT_TRUE(m.merge(
        json::parse(
            R"({"properties":{"k":{"type":"keyword","ignore_above":1024},"n":{"type":"long"}}})"),
        MergeReason::mapping_update));
    EXPECT_EQ(m.to_json()["properties"]["k"]["ignore_above"], 1024);
    EXPECT_EQ(m.field_type("n"), "long");
}

// FieldMapper.Conflicts: non-updateable parameters.
TEST(MappingMerge, NonUpdateableParameterChangeIsAConflict) {
    Mapping m = must_parse(
        R"({"properties":{"f":{"type":"keyword"},"d":{"type":"date","format":"yyyy-MM-dd"}}})");
    auto r = m.merge(json::parse(R"({"properties":{"f":{"type":"keyword","index":false}}})"),
                     MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "illegal_argument_exception");
    EXPECT_EQ(r.error().reason, "Mapper for [f] conflicts with existing mapper:\n\tCannot update "
                                "parameter [index] from [true] to [false]");
    r = m.merge(json::parse(R"({"properties":{"d":{"type":"date"}}})"),
                MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(
        r.error().reason,
        "Mapper for [d] conflicts with existing mapper:\n\tCannot update parameter [format] from "
        "[yyyy-MM-dd] to [strict_date_optional_time||epoch_millis]");
    EXPECT_TRUE(m.merge(json::parse(R"({"properties":{"f":{"type":"keyword","index":true}}})"),
                        MergeReason::mapping_update));
}

// ObjectMapper.MergeResult / MapperErrors.
TEST(MappingMerge, ObjectAndLeafConflicts) {
    Mapping m = must_parse(
        R"({"properties":{"host":{"properties":{"ip":{"type":"ip"}}},"leaf":{"type":"keyword"}}})");
    auto r = m.merge(json::parse(R"({"properties":{"host":{"type":"keyword"}}})"),
                     MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "can't merge a non object mapping [host] with an object mapping");
    r = m.merge(json::parse(R"({"properties":{"leaf":{"properties":{"x":{"type":"long"}}}}})"),
                MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "can't merge a non object mapping [leaf] with an object mapping");
    r = m.merge(json::parse(R"({"properties":{"host":{"type":"nested"}}})"),
                MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "can't merge a non-nested mapping [host] with a nested mapping");
}

TEST(MappingMerge, MultiFieldsAreMergedByName) {
    Mapping m = must_parse(
        R"({"properties":{"message":{"type":"text","fields":{"keyword":{"type":"keyword"}}}}})");
    ASSERT_TRUE(m.merge(
        json::parse(
            R"({"properties":{"message":{"type":"text","fields":{"raw":{"type":"wildcard"}}}}})"),
        MergeReason::mapping_update));
    EXPECT_EQ(m.field_type("message.keyword"), "keyword");
    EXPECT_EQ(m.field_type("message.raw"), "wildcard");
    const auto r = m.merge(
        json::parse(
            R"({"properties":{"message":{"type":"text","fields":{"keyword":{"type":"ip"}}}}})"),
        MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "mapper [message.keyword] cannot be changed from type [keyword] to [ip]");
}

// Composable templates: component templates in composed_of order, then the index template; a
// later field definition replaces an earlier one (ObjectMapper.MergeResult with INDEX_TEMPLATE),
// dynamic_templates are merged by name (RootObjectMapper) and _meta deep-merged (Mapping.merge).
TEST(MappingMerge, IndexTemplateCompositionLaterDefinitionWins) {
    Mapping m = must_parse(R"({"_meta":{"a":1,"nested":{"x":1}},
        "dynamic_templates":[{"first":{"match":"a*","mapping":{"type":"keyword"}}},
                             {"strings_as_keyword":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}],
        "properties":{"host":{"properties":{"ip":{"type":"keyword","ignore_above":1024}}},"keep":{"type":"long"}}})");
    ASSERT_TRUE(m.merge(json::parse(R"({"_meta":{"b":2,"nested":{"y":2}},
        "dynamic_templates":[{"strings_as_keyword":{"match_mapping_type":"string","mapping":{"type":"text"}}},
                             {"last":{"match":"z*","mapping":{"type":"long"}}}],
        "properties":{"host":{"properties":{"ip":{"type":"ip"}}}}})"),
                        MergeReason::index_template));
    const json out = m.to_json();
    EXPECT_EQ(out["properties"]["host"]["properties"]["ip"], json::parse(R"({"type":"ip"})"));
    EXPECT_EQ(out["properties"]["keep"]["type"], "long");
    EXPECT_EQ(out["_meta"], json::parse(R"({"a":1,"b":2,"nested":{"x":1,"y":2}})"));
    std::vector<std::string> names;
    for (const auto& t : out["dynamic_templates"])
        names.push_back(t.begin().key());
    EXPECT_EQ(names, (std::vector<std::string>{"first", "strings_as_keyword", "last"}));
    EXPECT_EQ(out["dynamic_templates"][1]["strings_as_keyword"]["mapping"]["type"], "text");
}

// With mapping_update, dynamic_templates and _meta are replaced as a whole.
TEST(MappingMerge, MappingUpdateReplacesTemplatesAndMeta) {
    Mapping m = must_parse(
        R"({"_meta":{"a":1},"dynamic_templates":[{"t1":{"match":"*","mapping":{"type":"keyword"}}}]})");
    ASSERT_TRUE(m.merge(
        json::parse(
            R"({"_meta":{"b":2},"dynamic_templates":[{"t2":{"match":"*","mapping":{"type":"long"}}}]})"),
        MergeReason::mapping_update));
    EXPECT_EQ(m.to_json()["_meta"], json::parse(R"({"b":2})"));
    EXPECT_EQ(m.to_json()["dynamic_templates"].size(), 1U);
    EXPECT_EQ(m.to_json()["dynamic_templates"][0].begin().key(), "t2");
}

TEST(MappingMerge, EnabledCannotBeChangedByAnUpdate) {
    Mapping m = must_parse(R"({"properties":{"o":{"type":"object","enabled":false}}})");
    const auto r = m.merge(json::parse(R"({"properties":{"o":{"type":"object","enabled":true}}})"),
                           MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "mapper_exception");
    EXPECT_EQ(r.error().reason,
              "the [enabled] parameter can't be updated for the object mapping [o]");
    EXPECT_TRUE(m.merge(json::parse(R"({"properties":{"o":{"type":"object","enabled":true}}})"),
                        MergeReason::index_template));
}

TEST(MappingMerge, MergeErrorsFromParsingAreWrapped) {
    Mapping m = must_parse("{}");
    const auto r = m.merge(json::parse(R"({"properties":{"x":{"type":"nope"}}})"),
                           MergeReason::mapping_update);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "Failed to parse mapping: No handler for type [nope] declared on field [x]");
}

} // namespace
} // namespace esmend::es_sim::mapping_test

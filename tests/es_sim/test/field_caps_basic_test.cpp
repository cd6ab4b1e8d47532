// _field_caps: merging across indices (es-apis.md §1.9, ES FieldCapabilities.Builder and
// FieldCapabilitiesFetcher, YAML field_caps/10_basic.yml, 30_index_filter.yml,
// 50_fieldtype_filter.yml), checked against the es-spec example response.

#include "search/search.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using esmend::es_sim::FieldInfo;
using esmend::es_sim::search::field_caps;
using esmend::es_sim::search::FieldCapsRequest;
using esmend::es_sim::search::FieldCapsSource;
using nlohmann::json;
using ::testing::ElementsAre;

namespace {

FieldInfo leaf(std::string path, std::string type, bool searchable = true,
               bool aggregatable = true) {
    FieldInfo f;
    f.path = std::move(path);
    f.type = std::move(type);
    f.searchable = searchable;
    f.aggregatable = aggregatable;
    return f;
}

FieldInfo meta_field(std::string path, std::string type, bool searchable, bool aggregatable) {
    FieldInfo f = leaf(std::move(path), std::move(type), searchable, aggregatable);
    f.metadata_field = true;
    return f;
}

FieldCapsSource index(std::string name, std::vector<FieldInfo> fields) {
    FieldCapsSource s;
    s.name = std::move(name);
    s.fields = std::move(fields);
    return s;
}

json caps(const std::vector<FieldCapsSource>& indices, FieldCapsRequest req) {
    auto r = field_caps(indices, req);
    EXPECT_TRUE(r) << (r ? "" : r.error().envelope().dump());
    return r ? *r : json();
}

FieldCapsRequest fields(std::vector<std::string> f) {
    FieldCapsRequest r;
    r.fields = std::move(f);
    return r;
}

// The JSON body of an es-spec example file (the block after "value: |-").
json spec_example(const std::string& relative) {
    std::ifstream in(std::string(ESMEND_SHARED_DIR) + "/fixtures/es-spec/" + relative);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const auto pos = text.find("value: |-");
    if (pos == std::string::npos)
        return json();
    return json::parse(text.substr(pos + 9), nullptr, false);
}

} // namespace

TEST(FieldCapsBasic, MatchesTheEsSpecExampleResponse) {
    // The indices the example describes: rating long in index1 (not aggregatable) and index2,
    // keyword in index3 and index4 (not searchable), absent from index5; title text everywhere.
    std::vector<FieldCapsSource> in{
        index("index1", {leaf("rating", "long", true, false), leaf("title", "text", true, false)}),
        index("index2", {leaf("rating", "long"), leaf("title", "text", true, false)}),
        index("index3", {leaf("rating", "keyword"), leaf("title", "text", true, false)}),
        index("index4",
              {leaf("rating", "keyword", false, true), leaf("title", "text", true, false)}),
        index("index5", {leaf("title", "text", true, false)}),
    };
    json expected =
        spec_example("_global/field_caps/examples/response/FieldCapabilitiesResponseExample1.yaml");
    ASSERT_TRUE(expected.is_object());
    // 8.19 has no "inference" entry (it was added later, and is only written when non-empty), and
    // FieldCapabilities.toXContent always writes "type", which the example leaves out.
    for (auto& [field, types] : expected["fields"].items())
        for (auto& [type, cap] : types.items()) {
            cap.erase("inference");
            cap["type"] = type;
        }
    EXPECT_EQ(caps(in, fields({"rating", "title"})), expected);
}

TEST(FieldCapsBasic, KeywordVersusIpIsAConflictListingIndices) {
    std::vector<FieldCapsSource> in{
        index(".ds-logs-golang.heap-default-2023.09.01-000002",
              {leaf("host.ip", "ip"), leaf("host", "object")}),
        index(".ds-logs-golang.heap-default-2023.08.01-000001",
              {leaf("host.ip", "keyword"), leaf("host", "object")}),
    };
    auto r = caps(in, fields({"host.ip"}));
    EXPECT_THAT(r["indices"], ElementsAre(".ds-logs-golang.heap-default-2023.08.01-000001",
                                          ".ds-logs-golang.heap-default-2023.09.01-000002"));
    EXPECT_EQ(r["fields"]["host.ip"]["keyword"],
              json::parse(
                  R"({"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true,
                  "indices":[".ds-logs-golang.heap-default-2023.08.01-000001"]})"));
    EXPECT_EQ(r["fields"]["host.ip"]["ip"]["indices"],
              json::array({".ds-logs-golang.heap-default-2023.09.01-000002"}));
    // The parent object of a matching field is reported too (FieldCapabilitiesFetcher adds
    // ancestors).
    EXPECT_EQ(
        r["fields"]["host"],
        json::parse(
            R"({"object":{"type":"object","metadata_field":false,"searchable":false,"aggregatable":false}})"));
}

TEST(FieldCapsBasic, LongAndIntegerAreSeparateTypes) {
    std::vector<FieldCapsSource> in{index("a", {leaf("n", "long")}),
                                    index("b", {leaf("n", "integer")})};
    auto r = caps(in, fields({"n"}));
    EXPECT_EQ(r["fields"]["n"].size(), 2U);
    EXPECT_EQ(r["fields"]["n"]["long"]["indices"], json::array({"a"}));
    EXPECT_EQ(r["fields"]["n"]["integer"]["indices"], json::array({"b"}));
}

TEST(FieldCapsBasic, TypeFamiliesMergeKeywordLikeAndTextLikeTypes) {
    std::vector<FieldCapsSource> in{
        index("a", {leaf("k", "keyword"), leaf("t", "text", true, false)}),
        index("b", {leaf("k", "constant_keyword"), leaf("t", "match_only_text", true, false)}),
        index("c", {leaf("k", "wildcard"), leaf("t", "text", true, false)}),
    };
    auto r = caps(in, fields({"*"}));
    EXPECT_EQ(
        r["fields"]["k"],
        json::parse(
            R"({"keyword":{"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true}})"));
    EXPECT_EQ(r["fields"]["t"].size(), 1U);
    EXPECT_TRUE(r["fields"]["t"].contains("text"));
}

TEST(FieldCapsBasic, IncludeUnmappedAddsTheUnmappedPseudoType) {
    std::vector<FieldCapsSource> in{
        index("test1", {leaf("misc", "text", true, false), leaf("text", "text", true, false)}),
        index("test2", {leaf("text", "text", true, false)}),
        index("test3", {leaf("text", "text", true, false)}),
    };
    auto req = fields({"*"});
    req.include_unmapped = true;
    auto r = caps(in, req);
    EXPECT_EQ(
        r["fields"]["misc"]["unmapped"],
        json::parse(
            R"({"type":"unmapped","metadata_field":false,"searchable":false,"aggregatable":false,"indices":["test2","test3"]})"));
    EXPECT_EQ(r["fields"]["misc"]["text"]["indices"], json::array({"test1"}));
    EXPECT_FALSE(r["fields"]["text"]["text"].contains("indices"));
    EXPECT_FALSE(caps(in, fields({"*"}))["fields"]["misc"].contains("unmapped"));
}

TEST(FieldCapsBasic, NonSearchableIndicesOnlyWhenTheyDiffer) {
    std::vector<FieldCapsSource> in{index("a", {leaf("f", "keyword", false, false)}),
                                    index("b", {leaf("f", "keyword", false, true)})};
    auto r = caps(in, fields({"f"}));
    EXPECT_EQ(
        r["fields"]["f"]["keyword"],
        json::parse(
            R"({"type":"keyword","metadata_field":false,"searchable":false,"aggregatable":false,"non_aggregatable_indices":["a"]})"));
}

TEST(FieldCapsBasic, WildcardsAndCommaLists) {
    std::vector<FieldCapsSource> in{index("a", {leaf("host.ip", "ip"), leaf("host.name", "keyword"),
                                                leaf("msg", "text", true, false)})};
    auto r = caps(in, fields({"host.*,msg"}));
    EXPECT_EQ(r["fields"].size(), 4U); // host.ip, host.name, msg and the host object
    EXPECT_TRUE(r["fields"].contains("host"));
    auto none = caps(in, fields({"nomatch*"}));
    EXPECT_EQ(none["fields"], json::object());
    EXPECT_EQ(none["indices"], json::array({"a"}));
}

TEST(FieldCapsBasic, EmptyFieldsIsAValidationError) {
    auto r = field_caps(std::vector<FieldCapsSource>{index("a", std::vector<FieldInfo>{})},
                        FieldCapsRequest{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "illegal_argument_exception");
    EXPECT_EQ(r.error().reason, "specified fields can't be null or empty");
}

namespace {

// The mappings of field_caps/50_fieldtype_filter.yml, reduced to what the filters look at.
std::vector<FieldCapsSource> filter_fixture() {
    return {
        index("test1", {leaf("text", "text", true, false), leaf("text.keyword", "keyword"),
                        leaf("misc", "text", true, false), leaf("misc.keyword", "keyword"),
                        leaf("object", "object"), leaf("object.nested1", "text", false, false),
                        leaf("level1", "nested"), leaf("level1.level2", "object"),
                        leaf("level1.level2.leaf1", "text", false, false),
                        meta_field("_seq_no", "_seq_no", true, true),
                        meta_field("_id", "_id", true, false)}),
        index("test3", {leaf("text", "text", true, false), leaf("date", "date"),
                        leaf("non_indexed_boolean", "boolean", false, true),
                        leaf("non_indexed_keyword", "keyword", false, true),
                        meta_field("_seq_no", "_seq_no", true, true)}),
    };
}

} // namespace

TEST(FieldCapsFilters, NoFiltersIncludeObjectsMultiFieldsMetadataAndNested) {
    auto r = caps(filter_fixture(), fields({"*"}));
    for (const char* f :
         {"object", "text", "text.keyword", "_seq_no", "level1.level2.leaf1", "level1"})
        EXPECT_TRUE(r["fields"].contains(f)) << f;
    EXPECT_TRUE(r["fields"]["level1"].contains("nested"));
    EXPECT_EQ(r["fields"]["_seq_no"]["_seq_no"]["metadata_field"], true);
}

TEST(FieldCapsFilters, EachFilterExcludesItsKind) {
    auto with = [](std::vector<std::string> filters) {
        auto req = fields({"*"});
        req.filters = std::move(filters);
        return caps(filter_fixture(), req)["fields"];
    };
    auto no_parent = with({"-parent"});
    EXPECT_TRUE(no_parent.contains("object.nested1"));
    EXPECT_FALSE(no_parent.contains("object"));
    EXPECT_FALSE(with({"-metadata"}).contains("_seq_no"));
    auto only_meta = with({"+metadata"});
    EXPECT_TRUE(only_meta.contains("_seq_no"));
    EXPECT_FALSE(only_meta.contains("text"));
    auto no_nested = with({"-nested"});
    EXPECT_FALSE(no_nested.contains("level1"));
    EXPECT_FALSE(no_nested.contains("level1.level2.leaf1"));
    auto no_multi = with({"-multifield"});
    EXPECT_FALSE(no_multi.contains("text.keyword"));
    EXPECT_TRUE(no_multi.contains("text"));
}

TEST(FieldCapsFilters, TypesFilterUsesFamilies) {
    auto req = fields({"*"});
    req.types = {"text", "keyword", "long"};
    auto r = caps(filter_fixture(), req)["fields"];
    EXPECT_FALSE(r.contains("date"));
    EXPECT_FALSE(r.contains("non_indexed_boolean"));
    EXPECT_TRUE(r.contains("non_indexed_keyword"));
    EXPECT_TRUE(r.contains("misc"));
}

TEST(FieldCapsFilters, UnknownFilterIsRejected) {
    auto req = fields({"*"});
    req.filters = {"-bogus"};
    auto r = field_caps(filter_fixture(), req);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "illegal_argument_exception");
    EXPECT_EQ(r.error().reason, "Unknown field caps filter [-bogus]");
}

TEST(FieldCapsBasic, MetaIsMergedIntoSortedValueArrays) {
    auto a = leaf("latency", "long");
    a.meta = json{{"unit", "ms"}, {"a", "1"}};
    auto b = leaf("latency", "long");
    b.meta = json{{"unit", "ns"}};
    auto r = caps({index("x", {a}), index("y", {b})}, fields({"latency"}));
    EXPECT_EQ(r["fields"]["latency"]["long"]["meta"],
              json::parse(R"({"a":["1"],"unit":["ms","ns"]})"));
}

TEST(FieldCapsIndexFilter, TimestampRangeDropsIndicesThatCannotMatch) {
    auto old_idx = index("old", {leaf("@timestamp", "date"), leaf("f", "keyword")});
    old_idx.timestamp_range =
        std::make_pair(std::int64_t{1500000000000}, std::int64_t{1510000000000}); // 2017
    auto new_idx = index("new", {leaf("@timestamp", "date"), leaf("f", "ip")});
    new_idx.timestamp_range =
        std::make_pair(std::int64_t{1690848000000}, std::int64_t{1690934400000}); // 2023-08
    auto empty = index("empty", {leaf("@timestamp", "date"), leaf("f", "long")});
    auto req = fields({"f"});
    req.index_filter = json::parse(R"({"range":{"@timestamp":{"gte":"2018"}}})");
    auto r = caps({old_idx, new_idx, empty}, req);
    EXPECT_EQ(r["indices"], json::array({"new"}));
    EXPECT_EQ(
        r["fields"]["f"],
        json::parse(
            R"({"ip":{"type":"ip","metadata_field":false,"searchable":true,"aggregatable":true}})"));
    req.index_filter = json::parse(R"({"range":{"@timestamp":{"lt":"2023-08-01"}}})");
    EXPECT_EQ(caps({old_idx, new_idx, empty}, req)["indices"], json::array({"old"}));
    req.index_filter = json::parse(R"({"match_all":{}})");
    EXPECT_EQ(caps({old_idx, new_idx, empty}, req)["indices"],
              json::array({"empty", "new", "old"}));
    req.index_filter = json::parse(R"({"term":{"f":"x"}})");
    EXPECT_FALSE(field_caps(std::vector<FieldCapsSource>{old_idx}, req));
}

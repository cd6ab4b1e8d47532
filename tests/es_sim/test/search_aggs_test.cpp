// Aggregations: terms (ES TermsAggregationBuilder / InternalTerms rendering), min, max,
// value_count, cardinality.

#include "search/search.hpp"
#include "search/testing/search_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using esmend::es_sim::search::testing::FakeCorpus;
using esmend::es_sim::search::testing::search_json;
using nlohmann::json;

namespace {

FakeCorpus hosts() {
    FakeCorpus c;
    const esmend::es_sim::search::testing::FieldTypes old_types{{"host.ip", "keyword"},
                                                                {"@timestamp", "date"},
                                                                {"n", "long"},
                                                                {"ok", "boolean"},
                                                                {"msg", "text"}};
    const esmend::es_sim::search::testing::FieldTypes new_types{{"host.ip", "ip"},
                                                                {"@timestamp", "date"},
                                                                {"n", "long"},
                                                                {"ok", "boolean"},
                                                                {"msg", "text"}};
    c.add_index("old", old_types);
    c.add_index("new", new_types);
    c.add("old", "1",
          R"({"host":{"ip":"10.0.0.1"},"@timestamp":"2023-08-01T00:00:00Z","n":5,"ok":true})");
    c.add("old", "2",
          R"({"host":{"ip":"10.0.0.1"},"@timestamp":"2023-08-02T00:00:00Z","n":[1,9],"ok":false})");
    c.add("old", "3", R"({"host":{"ip":"10.0.0.2"},"n":3})");
    c.add(
        "new", "4",
        R"({"host":{"ip":["10.0.0.3","10.0.0.3"]},"@timestamp":"2023-07-01T12:00:00Z","ok":true})");
    c.add("new", "5", R"({"host":{"ip":"10.0.0.1"},"msg":"m"})");
    c.add("new", "6", R"({})");
    return c;
}

json aggs_for(const std::string& aggs, const std::string& query = R"({"match_all":{}})") {
    auto r = search_json(hosts(), R"({"size":0,"query":)" + query + R"(,"aggs":)" + aggs + "}");
    EXPECT_TRUE(r) << (r ? "" : r.error().envelope().dump());
    return r ? (*r)["aggregations"] : json();
}

} // namespace

TEST(SearchAggs, TermsCountsDocumentsOrderedByCountThenKey) {
    auto a = aggs_for(R"({"ips":{"terms":{"field":"host.ip"}}})");
    EXPECT_EQ(a["ips"],
              json::parse(R"({"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[
        {"key":"10.0.0.1","doc_count":3},{"key":"10.0.0.2","doc_count":1},{"key":"10.0.0.3","doc_count":1}]})"));
}

TEST(SearchAggs, TermsSizeReportsTheRestAsSumOtherDocCount) {
    auto a = aggs_for(R"({"ips":{"terms":{"field":"host.ip","size":1}}})");
    EXPECT_EQ(a["ips"]["buckets"], json::parse(R"([{"key":"10.0.0.1","doc_count":3}])"));
    EXPECT_EQ(a["ips"]["sum_other_doc_count"], 2);
}

TEST(SearchAggs, TermsMissingAndOrder) {
    auto a = aggs_for(
        R"({"ips":{"terms":{"field":"host.ip","missing":"none","order":{"_key":"desc"}}}})");
    ASSERT_EQ(a["ips"]["buckets"].size(), 4U);
    EXPECT_EQ(a["ips"]["buckets"][0], (json{{"key", "none"}, {"doc_count", 1}}));
    EXPECT_EQ(a["ips"]["buckets"][3]["key"], "10.0.0.1");
    auto asc = aggs_for(R"({"ips":{"terms":{"field":"host.ip","order":{"_count":"asc"}}}})");
    EXPECT_EQ(asc["ips"]["buckets"][0]["key"], "10.0.0.2");
}

TEST(SearchAggs, TermsOnNumbersDatesAndBooleansUseTypedKeys) {
    auto n = aggs_for(R"({"n":{"terms":{"field":"n"}}})");
    EXPECT_EQ(n["n"]["buckets"][0], (json{{"key", 1}, {"doc_count", 1}}));
    auto b = aggs_for(R"({"ok":{"terms":{"field":"ok"}}})");
    EXPECT_EQ(b["ok"]["buckets"][0],
              (json{{"key", 1}, {"key_as_string", "true"}, {"doc_count", 2}}));
    EXPECT_EQ(b["ok"]["buckets"][1],
              (json{{"key", 0}, {"key_as_string", "false"}, {"doc_count", 1}}));
    auto d = aggs_for(R"({"d":{"terms":{"field":"@timestamp","size":1}}})");
    EXPECT_EQ(d["d"]["buckets"][0], (json{{"key", 1688212800000},
                                          {"key_as_string", "2023-07-01T12:00:00.000Z"},
                                          {"doc_count", 1}}));
}

TEST(SearchAggs, TermsWithSubAggregations) {
    auto a = aggs_for(
        R"({"ips":{"terms":{"field":"host.ip","size":1},"aggs":{"max_n":{"max":{"field":"n"}}}}})");
    EXPECT_EQ(a["ips"]["buckets"][0]["max_n"], (json{{"value", 9.0}}));
}

TEST(SearchAggs, MinMaxWithDateStrings) {
    auto a = aggs_for(
        R"({"lo":{"min":{"field":"@timestamp"}},"hi":{"max":{"field":"n"}},"none":{"min":{"field":"absent"}}})");
    EXPECT_EQ(a["lo"],
              (json{{"value", 1688212800000.0}, {"value_as_string", "2023-07-01T12:00:00.000Z"}}));
    EXPECT_EQ(a["hi"], (json{{"value", 9.0}}));
    EXPECT_EQ(a["none"], (json{{"value", nullptr}}));
}

TEST(SearchAggs, ValueCountCountsValuesAndCardinalityDistinctValues) {
    auto a = aggs_for(
        R"({"vc":{"value_count":{"field":"n"}},"card":{"cardinality":{"field":"host.ip"}}})");
    EXPECT_EQ(a["vc"], (json{{"value", 4}}));
    EXPECT_EQ(a["card"], (json{{"value", 3}}));
}

TEST(SearchAggs, AggregationsRunOnTheQueryMatches) {
    auto a = aggs_for(R"({"ips":{"terms":{"field":"host.ip"}}})", R"({"term":{"ok":true}})");
    EXPECT_EQ(
        a["ips"]["buckets"],
        json::parse(R"([{"key":"10.0.0.1","doc_count":1},{"key":"10.0.0.3","doc_count":1}])"));
}

TEST(SearchAggs, Errors) {
    auto unknown = search_json(hosts(), R"({"aggs":{"x":{"bogus":{"field":"n"}}}})");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().type, "parsing_exception");
    EXPECT_EQ(unknown.error().reason, "Unknown aggregation type [bogus]");
    auto text = search_json(hosts(), R"({"aggs":{"x":{"terms":{"field":"msg"}}}})");
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().type, "search_phase_execution_exception");
    EXPECT_THAT(text.error().caused_by->reason,
                ::testing::StartsWith("Fielddata is disabled on [msg] in [old]."));
    auto nofield = search_json(hosts(), R"({"aggs":{"x":{"terms":{}}}})");
    ASSERT_FALSE(nofield);
    EXPECT_EQ(nofield.error().reason,
              "Required one of fields [field, script], but none were specified.");
    auto size0 = search_json(hosts(), R"({"aggs":{"x":{"terms":{"field":"n","size":0}}}})");
    ASSERT_FALSE(size0);
    EXPECT_EQ(size0.error().reason, "[size] must be greater than 0. Found [0] in [x]");
}

TEST(SearchAggs, MetadataFieldsIndexAndId) {
    // Counting documents per backing index is a terms aggregation on _index.
    auto a = aggs_for(R"({"per_index":{"terms":{"field":"_index"}}})");
    EXPECT_EQ(a["per_index"]["buckets"],
              json::parse(R"([{"key":"new","doc_count":3},{"key":"old","doc_count":3}])"));
    auto id = search_json(hosts(), R"({"aggs":{"x":{"terms":{"field":"_id"}}}})");
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().caused_by->reason, "Fielddata access on the _id field is disallowed, you "
                                            "can re-enable it by updating the dynamic cluster "
                                            "setting: indices.id_field_data.enabled");
}

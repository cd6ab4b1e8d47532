// _source filtering (ES FetchSourceContext, XContentMapValues.filter) and track_total_hits
// (ES SearchSourceBuilder, TotalHits rendering).

#include "search/search.hpp"
#include "search/testing/search_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using esmend::es_sim::search::dump_response;
using esmend::es_sim::search::run_search;
using esmend::es_sim::search::SearchInput;
using esmend::es_sim::search::SourceMode;
using esmend::es_sim::search::testing::FakeCorpus;
using esmend::es_sim::search::testing::search_json;
using nlohmann::json;

namespace {

constexpr const char* k_source =
    R"({"z":1,"host":{"ip":"10.0.0.1","name":"h1","os":{"family":"linux"}},"tags":["a","b"],)"
    R"("events":[{"code":1,"msg":"x"},{"code":2}],"a.b":"dotted"})";

FakeCorpus one_doc() {
    FakeCorpus c;
    c.add_index("i", {{"z", "long"}});
    c.add("i", "1", k_source);
    return c;
}

json source_for(const std::string& body, const esmend::es_sim::search::Params& params = {}) {
    auto r = search_json(one_doc(), body, params);
    EXPECT_TRUE(r) << (r ? "" : r.error().envelope().dump());
    if (!r)
        return json();
    const auto& hit = (*r)["hits"]["hits"][0];
    return hit.contains("_source") ? hit["_source"] : json("<absent>");
}

FakeCorpus many(int n) {
    FakeCorpus c;
    c.add_index("i", {});
    for (int i = 0; i < n; ++i)
        c.add("i", std::to_string(i), "{}");
    return c;
}

json total_for(int docs, const std::string& body,
               const esmend::es_sim::search::Params& params = {}) {
    auto r = search_json(many(docs), body, params);
    EXPECT_TRUE(r) << (r ? "" : r.error().envelope().dump());
    if (!r)
        return json();
    return (*r)["hits"].contains("total") ? (*r)["hits"]["total"] : json("<absent>");
}

} // namespace

TEST(SearchSource, UnfilteredSourceIsTheStoredDocument) {
    EXPECT_EQ(source_for(""), json::parse(k_source));
}

TEST(SearchSource, RawModeReturnsTheOriginalBytesVerbatim) {
    FakeCorpus c;
    c.add_index("i", {});
    const std::string original = R"({ "b" : 1,  "a":[ 2 ,3]})";
    c.add("i", "1", original);
    SearchInput in;
    in.docs = c.views();
    in.source_mode = SourceMode::raw_bytes;
    in.now_millis = 0;
    auto r = run_search(in);
    ASSERT_TRUE(r);
    const std::string text = dump_response(*r);
    EXPECT_NE(text.find("\"_source\":" + original), std::string::npos) << text;
    EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded());
}

TEST(SearchSource, FalseDropsTheSource) {
    EXPECT_EQ(source_for(R"({"_source":false})"), "<absent>");
    EXPECT_EQ(source_for("", {{"_source", "false"}}), "<absent>");
}

TEST(SearchSource, IncludesSelectFieldsAndSubtrees) {
    EXPECT_EQ(source_for(R"({"_source":"host.ip"})"), json::parse(R"({"host":{"ip":"10.0.0.1"}})"));
    EXPECT_EQ(source_for(R"({"_source":["host"]})"),
              json::parse(R"({"host":{"ip":"10.0.0.1","name":"h1","os":{"family":"linux"}}})"));
    EXPECT_EQ(source_for(R"({"_source":{"includes":["host.o*","z"]}})"),
              json::parse(R"({"z":1,"host":{"os":{"family":"linux"}}})"));
    EXPECT_EQ(source_for(R"({"_source":["events.code"]})"),
              json::parse(R"({"events":[{"code":1},{"code":2}]})"));
    EXPECT_EQ(source_for(R"({"_source":["tags"]})"), json::parse(R"({"tags":["a","b"]})"));
    // A dotted key is matched by its full path.
    EXPECT_EQ(source_for(R"({"_source":["a"]})"), json::parse(R"({"a.b":"dotted"})"));
    EXPECT_EQ(source_for(R"({"_source":["nothing*"]})"), json::object());
}

TEST(SearchSource, ExcludesWinOverIncludes) {
    EXPECT_EQ(source_for(R"({"_source":{"excludes":["host.*","events","a.b","tags"]}})"),
              json::parse(R"({"z":1,"host":{}})"));
    EXPECT_EQ(source_for(R"({"_source":{"includes":["host"],"excludes":["host.os"]}})"),
              json::parse(R"({"host":{"ip":"10.0.0.1","name":"h1"}})"));
}

TEST(SearchSource, UrlParametersReplaceTheBodyChoice) {
    EXPECT_EQ(source_for(R"({"_source":false})", {{"_source_includes", "z"}}),
              json::parse(R"({"z":1})"));
    EXPECT_EQ(source_for("", {{"_source", "z,tags"}}), json::parse(R"({"z":1,"tags":["a","b"]})"));
    EXPECT_EQ(
        source_for("", {{"_source_includes", "host"}, {"_source_excludes", "host.name,host.os"}}),
        json::parse(R"({"host":{"ip":"10.0.0.1"}})"));
}

TEST(SearchTotalHits, DefaultCapsAtTenThousandWithGte) {
    EXPECT_EQ(total_for(10001, R"({"size":0})"), (json{{"value", 10000}, {"relation", "gte"}}));
    EXPECT_EQ(total_for(10000, R"({"size":0})"), (json{{"value", 10000}, {"relation", "eq"}}));
}

TEST(SearchTotalHits, TrueCountsExactlyAndFalseOmitsTotal) {
    EXPECT_EQ(total_for(10001, R"({"size":0,"track_total_hits":true})"),
              (json{{"value", 10001}, {"relation", "eq"}}));
    EXPECT_EQ(total_for(10001, R"({"size":0,"track_total_hits":-1})"),
              (json{{"value", 10001}, {"relation", "eq"}}));
    EXPECT_EQ(total_for(5, R"({"track_total_hits":false})"), "<absent>");
    EXPECT_EQ(total_for(5, "", {{"track_total_hits", "false"}}), "<absent>");
}

TEST(SearchTotalHits, IntegerSetsTheCap) {
    EXPECT_EQ(total_for(50, R"({"track_total_hits":20})"),
              (json{{"value", 20}, {"relation", "gte"}}));
    EXPECT_EQ(total_for(20, R"({"track_total_hits":20})"),
              (json{{"value", 20}, {"relation", "eq"}}));
    auto r = search_json(many(1), R"({"track_total_hits":-5})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[track_total_hits] parameter must be positive or equals to -1, got -5");
}

TEST(SearchTotalHits, RestTotalHitsAsIntRendersANumber) {
    EXPECT_EQ(total_for(10001, R"({"size":0})", {{"rest_total_hits_as_int", "true"}}), 10001);
    EXPECT_EQ(total_for(3, R"({"track_total_hits":false})", {{"rest_total_hits_as_int", "true"}}),
              -1);
    auto r =
        search_json(many(1), R"({"track_total_hits":100})", {{"rest_total_hits_as_int", "true"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "[rest_total_hits_as_int] cannot be used if the tracking of total "
                                "hits is not accurate, got 100");
}

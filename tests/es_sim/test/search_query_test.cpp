// Query DSL semantics of es-sim's search side (ES query builders' documented behaviour).

#include "search/search.hpp"
#include "search/testing/search_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using esmend::es_sim::search::run_count;
using esmend::es_sim::search::testing::FakeCorpus;
using esmend::es_sim::search::testing::hit_ids;
using esmend::es_sim::search::testing::search_json;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

namespace {

// Two backing indices with the host.ip conflict esmend repairs: keyword in the old one, ip in the
// new one.
FakeCorpus logs() {
    FakeCorpus c;
    c.add_index("old", {{"host.ip", "keyword"},
                        {"@timestamp", "date"},
                        {"status", "long"},
                        {"ok", "boolean"},
                        {"message", "text"},
                        {"tag", "keyword"},
                        {"bytes", "integer"},
                        {"ratio", "double"}});
    c.add_index("new", {{"host.ip", "ip"},
                        {"@timestamp", "date"},
                        {"status", "long"},
                        {"ok", "boolean"},
                        {"message", "text"},
                        {"tag", "keyword"},
                        {"bytes", "integer"},
                        {"ratio", "double"}});
    c.add(
        "old", "1",
        R"({"host":{"ip":"10.0.0.1"},"@timestamp":"2023-07-30T10:00:00Z","status":200,"ok":true,"message":"GET /index.html OK","tag":["a","b"],"bytes":10,"ratio":0.5})");
    c.add(
        "old", "2",
        R"({"host":{"ip":"10.0.0.2"},"@timestamp":"2023-07-31T23:59:59.999Z","status":404,"ok":false,"message":"not found","tag":"b","bytes":20})");
    c.add(
        "new", "3",
        R"({"host":{"ip":"10.1.2.3"},"@timestamp":"2023-08-01T00:00:00Z","status":500,"ok":false,"message":"Server ERROR","ratio":1.5})");
    c.add("new", "4",
          R"({"host":{"ip":"2001:db8::1"},"@timestamp":1690761600000,"status":200,"tag":"c"})");
    c.add("new", "5", R"({"status":"201"})");
    return c;
}

std::vector<std::string> ids_for(const std::string& query) {
    auto r = search_json(logs(), R"({"query":)" + query + "}");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().envelope().dump());
    return r ? hit_ids(*r) : std::vector<std::string>{};
}

json error_of(const std::string& body) {
    auto r = search_json(logs(), body);
    EXPECT_FALSE(r.has_value());
    return r ? json() : r.error().envelope();
}

} // namespace

TEST(SearchQuery, MatchAllMatchesEverythingWithScoreOne) {
    auto r = search_json(logs(), "");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("1", "2", "3", "4", "5"));
    EXPECT_EQ((*r)["hits"]["max_score"], 1.0);
    EXPECT_EQ((*r)["hits"]["hits"][0]["_score"], 1.0);
    EXPECT_EQ((*r)["hits"]["hits"][0]["_index"], "old");
    EXPECT_EQ((*r)["timed_out"], false);
}

TEST(SearchQuery, MatchNoneMatchesNothing) {
    auto r = search_json(logs(), R"({"query":{"match_none":{}}})");
    ASSERT_TRUE(r);
    EXPECT_TRUE((*r)["hits"]["hits"].empty());
    EXPECT_EQ((*r)["hits"]["total"], (json{{"value", 0}, {"relation", "eq"}}));
    EXPECT_TRUE((*r)["hits"]["max_score"].is_null());
}

TEST(SearchQuery, TermOnKeywordIsExactAndCaseSensitive) {
    EXPECT_THAT(ids_for(R"({"term":{"tag":"b"}})"), ElementsAre("1", "2"));
    EXPECT_THAT(ids_for(R"({"term":{"tag":"B"}})"), ElementsAre());
    EXPECT_THAT(ids_for(R"({"term":{"tag":{"value":"B","case_insensitive":true}}})"),
                ElementsAre("1", "2"));
}

TEST(SearchQuery, TermValueObjectFormCarriesBoost) {
    auto r = search_json(logs(), R"({"query":{"term":{"tag":{"value":"c","boost":2.5}}}})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("4"));
    EXPECT_EQ((*r)["hits"]["hits"][0]["_score"], 2.5);
}

TEST(SearchQuery, TermOnFieldWithTwoTypesUsesEachIndexType) {
    // keyword in "old" compares strings, ip in "new" compares addresses (2001:db8:0::1 ==
    // 2001:db8::1).
    EXPECT_THAT(ids_for(R"({"term":{"host.ip":"10.0.0.1"}})"), ElementsAre("1"));
    EXPECT_THAT(ids_for(R"({"term":{"host.ip":"2001:db8:0::1"}})"), ElementsAre("4"));
}

TEST(SearchQuery, TermOnIpAcceptsCidr) {
    // On the keyword index the CIDR string is just a string that matches nothing.
    EXPECT_THAT(ids_for(R"({"term":{"host.ip":"10.0.0.0/8"}})"), ElementsAre("3"));
    EXPECT_THAT(ids_for(R"({"term":{"host.ip":"2001:db8::/32"}})"), ElementsAre("4"));
}

TEST(SearchQuery, TermOnIpWithInvalidAddressIsAShardFailure) {
    auto e = error_of(R"({"query":{"term":{"host.ip":"not-an-ip"}}})");
    EXPECT_EQ(e["status"], 400);
    EXPECT_EQ(e["error"]["type"], "search_phase_execution_exception");
    EXPECT_EQ(e["error"]["root_cause"][0]["type"], "query_shard_exception");
    EXPECT_EQ(e["error"]["root_cause"][0]["reason"],
              "failed to create query: 'not-an-ip' is not an IP string literal.");
    EXPECT_EQ(e["error"]["root_cause"][0]["index"], "new");
}

TEST(SearchQuery, TermOnNumbersParsesPerFieldType) {
    EXPECT_THAT(ids_for(R"({"term":{"status":200}})"), ElementsAre("1", "4"));
    EXPECT_THAT(ids_for(R"({"term":{"status":"404"}})"), ElementsAre("2"));
    EXPECT_THAT(ids_for(R"({"term":{"status":"201"}})"), ElementsAre("5"));
    // NumberFieldMapper: a decimal part or an out-of-range value on an integral type matches
    // nothing.
    EXPECT_THAT(ids_for(R"({"term":{"status":200.5}})"), ElementsAre());
    EXPECT_THAT(ids_for(R"({"term":{"bytes":3000000000}})"), ElementsAre());
    EXPECT_THAT(ids_for(R"({"term":{"ratio":1.5}})"), ElementsAre("3"));
}

TEST(SearchQuery, TermWithNonNumericValueOnLongFailsLikeEs) {
    auto e = error_of(R"({"query":{"term":{"status":"abc"}}})");
    EXPECT_EQ(e["error"]["type"], "search_phase_execution_exception");
    EXPECT_EQ(e["error"]["reason"], "all shards failed");
    EXPECT_EQ(e["error"]["phase"], "query");
    EXPECT_EQ(e["error"]["caused_by"]["reason"],
              "failed to create query: For input string: \"abc\"");
    EXPECT_EQ(e["error"]["caused_by"]["caused_by"]["type"], "number_format_exception");
}

TEST(SearchQuery, TermOnBooleanAndDate) {
    EXPECT_THAT(ids_for(R"({"term":{"ok":true}})"), ElementsAre("1"));
    EXPECT_THAT(ids_for(R"({"term":{"ok":"false"}})"), ElementsAre("2", "3"));
    // A date term covers the whole unit given (ES DateFieldType.termQuery is a rounded range).
    EXPECT_THAT(ids_for(R"({"term":{"@timestamp":"2023-07-31"}})"), ElementsAre("2", "4"));
    EXPECT_THAT(ids_for(R"({"term":{"@timestamp":1690848000000}})"), ElementsAre("3"));
    auto e = error_of(R"({"query":{"term":{"ok":"yes"}}})");
    EXPECT_EQ(
        e["error"]["caused_by"]["reason"],
        "failed to create query: Can't parse boolean value [yes], expected [true] or [false]");
}

TEST(SearchQuery, TermOnTextMatchesAnalysedTokens) {
    EXPECT_THAT(ids_for(R"({"term":{"message":"error"}})"), ElementsAre("3"));
    EXPECT_THAT(ids_for(R"({"term":{"message":"ERROR"}})"), ElementsAre());
}

TEST(SearchQuery, TermsMatchesAnyValue) {
    EXPECT_THAT(ids_for(R"({"terms":{"status":[404,500]}})"), ElementsAre("2", "3"));
    EXPECT_THAT(ids_for(R"({"terms":{"tag":["a","c"]}})"), ElementsAre("1", "4"));
}

TEST(SearchQuery, RangeOnNumbers) {
    EXPECT_THAT(ids_for(R"({"range":{"status":{"gte":200,"lt":404}}})"),
                ElementsAre("1", "4", "5"));
    EXPECT_THAT(ids_for(R"({"range":{"status":{"gt":200,"lte":404}}})"), ElementsAre("2", "5"));
    EXPECT_THAT(ids_for(R"({"range":{"ratio":{"gt":0.5}}})"), ElementsAre("3"));
}

TEST(SearchQuery, RangeOnDatesWithRoundingAndDateMath) {
    // now = 2023-08-01T00:00:00Z; now-1d/d rounds down to 2023-07-31T00:00:00Z.
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gte":"now-1d/d"}}})"),
                UnorderedElementsAre("2", "3", "4"));
    // lte rounds up: "2023-07-31" includes the whole day, lt rounds down.
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"lte":"2023-07-31"}}})"),
                UnorderedElementsAre("1", "2", "4"));
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"lt":"2023-07-31"}}})"), ElementsAre("1"));
    // gt rounds up: strictly after the whole of 2023-07-31.
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gt":"2023-07-31"}}})"), ElementsAre("3"));
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gte":"2023"}}})"),
                UnorderedElementsAre("1", "2", "3", "4"));
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gte":"2023-07-30||+1d"}}})"),
                UnorderedElementsAre("2", "3", "4"));
}

TEST(SearchQuery, RangeOnDatesWithFormatAndEpochMillis) {
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gte":"01/08/2023","format":"dd/MM/yyyy"}}})"),
                ElementsAre("3"));
    EXPECT_THAT(ids_for(R"({"range":{"@timestamp":{"gte":1690848000000}}})"), ElementsAre("3"));
    auto e = error_of(R"({"query":{"range":{"@timestamp":{"gte":"yesterday"}}}})");
    EXPECT_EQ(e["error"]["type"], "search_phase_execution_exception");
    EXPECT_THAT(e["error"]["caused_by"]["reason"].get<std::string>(),
                ::testing::HasSubstr("failed to parse date field [yesterday] with format "
                                     "[strict_date_optional_time||epoch_millis]"));
}

TEST(SearchQuery, RangeOnIpsAndKeywords) {
    // Only the ip index compares addresses; on the keyword index the bounds compare as strings.
    EXPECT_THAT(ids_for(R"({"range":{"host.ip":{"gte":"10.0.0.2","lte":"10.255.255.255"}}})"),
                ElementsAre("2", "3"));
    EXPECT_THAT(ids_for(R"({"range":{"tag":{"gt":"a"}}})"), ElementsAre("1", "2", "4"));
}

TEST(SearchQuery, ExistsAndIds) {
    EXPECT_THAT(ids_for(R"({"exists":{"field":"ratio"}})"), ElementsAre("1", "3"));
    EXPECT_THAT(ids_for(R"({"exists":{"field":"nope"}})"), ElementsAre());
    EXPECT_THAT(ids_for(R"({"ids":{"values":["4","2","9"]}})"), ElementsAre("2", "4"));
}

TEST(SearchQuery, BoolCombinesClausesAndScores) {
    auto r = search_json(
        logs(),
        R"({"query":{"bool":{"must":[{"term":{"status":200}}],"should":[{"term":{"tag":"a"}}],
        "must_not":{"term":{"ok":false}},"filter":[{"exists":{"field":"status"}}]}}})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("1", "4"));
    // must + matching should: 2.0 for doc 1, 1.0 for doc 4; filter and must_not do not score.
    EXPECT_EQ((*r)["hits"]["hits"][0]["_score"], 2.0);
    EXPECT_EQ((*r)["hits"]["hits"][1]["_score"], 1.0);
    EXPECT_EQ((*r)["hits"]["max_score"], 2.0);
}

TEST(SearchQuery, BoolShouldDefaultsToOneWithoutMustOrFilter) {
    EXPECT_THAT(ids_for(R"({"bool":{"should":[{"term":{"tag":"a"}},{"term":{"tag":"c"}}]}})"),
                UnorderedElementsAre("1", "4"));
    // With a filter, should clauses become optional.
    EXPECT_THAT(
        ids_for(R"({"bool":{"filter":{"term":{"status":200}},"should":[{"term":{"tag":"zzz"}}]}})"),
        ElementsAre("1", "4"));
    EXPECT_THAT(
        ids_for(
            R"({"bool":{"should":[{"term":{"tag":"a"}},{"term":{"tag":"b"}}],"minimum_should_match":2}})"),
        ElementsAre("1"));
    EXPECT_THAT(
        ids_for(
            R"({"bool":{"should":[{"term":{"tag":"a"}},{"term":{"tag":"b"}}],"minimum_should_match":"50%"}})"),
        ElementsAre("1", "2"));
}

TEST(SearchQuery, FilterOnlyBoolScoresZero) {
    auto r = search_json(logs(), R"({"query":{"bool":{"filter":{"term":{"tag":"c"}}}}})");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["hits"]["hits"][0]["_score"], 0.0);
}

TEST(SearchQuery, UnknownQueryIsAParsingException) {
    auto e = error_of(R"({"query":{"bogus":{"f":1}}})");
    EXPECT_EQ(e["status"], 400);
    EXPECT_EQ(e["error"]["type"], "parsing_exception");
    EXPECT_EQ(e["error"]["reason"], "unknown query [bogus]");
    EXPECT_EQ(e["error"]["root_cause"][0]["type"], "parsing_exception");
}

TEST(SearchQuery, MalformedQueriesGiveEsParsingErrors) {
    // The request body arrives as nlohmann::json, whose keys are sorted: the first key in that
    // order is the one reported (ES names the first key in the document).
    EXPECT_EQ(error_of(R"({"query":{"match_all":{},"term":{"a":1}}})")["error"]["reason"],
              "[match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
    EXPECT_EQ(error_of(R"({"query":{"term":{"a":1,"b":2}}})")["error"]["reason"],
              "[term] query doesn't support multiple fields, found [a] and [b]");
    EXPECT_EQ(error_of(R"({"query":{"match_all":[]}})")["error"]["reason"],
              "[match_all] query malformed, no start_object after query name");
    EXPECT_EQ(error_of(R"({"query":{"bool":{"musts":[]}}})")["error"]["reason"],
              "[bool] query does not support [musts]");
    EXPECT_EQ(error_of(R"({"query":{"range":{"status":{"gte":1,"foo":2}}}})")["error"]["reason"],
              "[range] query does not support [foo]");
    EXPECT_EQ(error_of(R"({"query":{"match_all":{}},"bogus":{}})")["error"]["reason"],
              "Unknown key for a START_OBJECT in [bogus].");
}

TEST(SearchQuery, CountUsesTheSameEngine) {
    auto c = logs();
    json body = json::parse(R"({"query":{"range":{"status":{"gte":200,"lt":300}}}})");
    auto n = run_count(&body, c.views());
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 3);
    auto all = run_count(nullptr, c.views());
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, 5);
    json bad = json::parse(R"({"query":{"match_all":{}},"size":1})");
    auto e = run_count(&bad, c.views());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().type, "parsing_exception");
    EXPECT_EQ(e.error().reason, "request does not support [size]");
}

TEST(SearchQuery, TermsOnMetadataFields) {
    EXPECT_THAT(ids_for(R"({"term":{"_id":"3"}})"), ElementsAre("3"));
    EXPECT_THAT(ids_for(R"({"terms":{"_index":["old"]}})"), ElementsAre("1", "2"));
}

// Sorting, from/size, search_after and point-in-time paging (ES SearchSourceBuilder,
// FieldSortBuilder, SearchAfterBuilder, SearchRequest.rewrite for the PIT tiebreaker, es-apis.md
// §1.12).

#include "search/search.hpp"
#include "search/testing/search_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

using esmend::es_sim::DocView;
using esmend::es_sim::FieldValue;
using esmend::es_sim::search::run_search;
using esmend::es_sim::search::SearchCache;
using esmend::es_sim::search::SearchInput;
using esmend::es_sim::search::testing::FakeCorpus;
using esmend::es_sim::search::testing::hit_ids;
using esmend::es_sim::search::testing::search_json;
using nlohmann::json;
using ::testing::ElementsAre;

namespace {

FakeCorpus events() {
    FakeCorpus c;
    const esmend::es_sim::search::testing::FieldTypes types{
        {"@timestamp", "date"}, {"n", "long"}, {"name", "keyword"},
        {"msg", "text"},        {"ip", "ip"},  {"ok", "boolean"}};
    c.add_index("a", types);
    c.add_index("b", types);
    c.add(
        "a", "a1",
        R"({"@timestamp":"2023-08-01T00:00:03Z","n":3,"name":["m","z"],"msg":"x","ip":"10.0.0.10","ok":true})");
    c.add("a", "a2", R"({"@timestamp":"2023-08-01T00:00:01Z","n":1,"name":"b","ip":"10.0.0.9"})");
    c.add("a", "a3", R"({"@timestamp":"2023-08-01T00:00:02Z","name":"c","ok":false})");
    c.add("b", "b1", R"({"@timestamp":"2023-08-01T00:00:02Z","n":2,"name":"a"})");
    c.add("b", "b2", R"({"@timestamp":"2023-08-01T00:00:00Z","n":5})");
    return c;
}

json sort_error_of(const std::string& body, const esmend::es_sim::search::Params& params = {}) {
    auto r = search_json(events(), body, params);
    EXPECT_FALSE(r.has_value());
    return r ? json() : r.error().envelope();
}

} // namespace

TEST(SearchSort, FieldSortAscPutsMissingLastAndRendersLongMax) {
    auto r = search_json(events(), R"({"sort":[{"n":"asc"}]})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("a2", "b1", "a1", "b2", "a3"));
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"], json::array({1}));
    EXPECT_EQ((*r)["hits"]["hits"][4]["sort"],
              json::array({std::numeric_limits<std::int64_t>::max()}));
    // Sorted by a field: no scores.
    EXPECT_TRUE((*r)["hits"]["hits"][0]["_score"].is_null());
    EXPECT_TRUE((*r)["hits"]["max_score"].is_null());
}

TEST(SearchSort, DescKeepsMissingLastAndFirstMovesThem) {
    auto r = search_json(events(), R"({"sort":[{"n":{"order":"desc"}}]})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("b2", "a1", "b1", "a2", "a3"));
    EXPECT_EQ((*r)["hits"]["hits"][4]["sort"],
              json::array({std::numeric_limits<std::int64_t>::min()}));
    auto f = search_json(events(), R"({"sort":[{"n":{"order":"asc","missing":"_first"}}]})");
    ASSERT_TRUE(f);
    EXPECT_THAT(hit_ids(*f), ElementsAre("a3", "a2", "b1", "a1", "b2"));
}

TEST(SearchSort, DatesSortAsEpochMillisAndTiesBreakByShardThenDoc) {
    auto r = search_json(events(), R"({"sort":["@timestamp"]})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("b2", "a2", "a3", "b1", "a1"));
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"], json::array({1690848000000}));
}

TEST(SearchSort, KeywordsSortAsStringsUsingMinOrMaxOfMultiValues) {
    auto asc = search_json(events(), R"({"sort":[{"name":"asc"}]})");
    ASSERT_TRUE(asc);
    EXPECT_THAT(hit_ids(*asc), ElementsAre("b1", "a2", "a3", "a1", "b2"));
    EXPECT_EQ((*asc)["hits"]["hits"][3]["sort"], json::array({"m"}));
    EXPECT_TRUE((*asc)["hits"]["hits"][4]["sort"][0].is_null());
    auto desc = search_json(events(), R"({"sort":[{"name":"desc"}]})");
    ASSERT_TRUE(desc);
    EXPECT_THAT(hit_ids(*desc), ElementsAre("a1", "a3", "a2", "b1", "b2"));
    EXPECT_EQ((*desc)["hits"]["hits"][0]["sort"], json::array({"z"}));
}

TEST(SearchSort, IpsSortByAddressAndBooleansAsNumbers) {
    auto r = search_json(events(), R"({"query":{"exists":{"field":"ip"}},"sort":[{"ip":"asc"}]})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("a2", "a1")); // 10.0.0.9 < 10.0.0.10 as addresses
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"], json::array({"10.0.0.9"}));
    auto b = search_json(events(), R"({"query":{"exists":{"field":"ok"}},"sort":[{"ok":"desc"}]})");
    ASSERT_TRUE(b);
    EXPECT_EQ((*b)["hits"]["hits"][0]["sort"], json::array({1}));
}

TEST(SearchSort, ScoreAndDocSorts) {
    auto r = search_json(events(), R"({"sort":["_score",{"_doc":"desc"}]})");
    ASSERT_TRUE(r);
    // _doc is the doc id within each shard; equal ids tie-break by shard order.
    EXPECT_THAT(hit_ids(*r), ElementsAre("a3", "a2", "b2", "a1", "b1"));
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"], json::array({1.0, 2}));
    EXPECT_EQ((*r)["hits"]["hits"][0]["_score"], 1.0);
}

TEST(SearchSort, SortingOnTextIsTheFielddataError) {
    auto e = sort_error_of(R"({"sort":["msg"]})");
    EXPECT_EQ(e["status"], 400);
    EXPECT_EQ(e["error"]["type"], "search_phase_execution_exception");
    EXPECT_EQ(e["error"]["root_cause"][0]["type"], "illegal_argument_exception");
    EXPECT_EQ(e["error"]["root_cause"][0]["reason"],
              "Fielddata is disabled on [msg] in [a]. Text fields are not optimised for operations "
              "that require "
              "per-document field data like aggregations and sorting, so these operations are "
              "disabled by default. "
              "Please use a keyword field instead. Alternatively, set fielddata=true on [msg] in "
              "order to load field "
              "data by uninverting the inverted index. Note that this can use significant memory.");
}

TEST(SearchSort, UnmappedSortFieldFailsUnlessUnmappedTypeIsGiven) {
    auto e = sort_error_of(R"({"sort":["nope"]})");
    EXPECT_EQ(e["error"]["root_cause"][0]["type"], "query_shard_exception");
    EXPECT_EQ(e["error"]["root_cause"][0]["reason"],
              "No mapping found for [nope] in order to sort on");
    auto r = search_json(events(), R"({"sort":[{"nope":{"unmapped_type":"long"}}]})");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["hits"]["hits"].size(), 5U);
}

TEST(SearchSort, SortParameterOverridesTheBody) {
    auto r = search_json(events(), R"({"sort":["n"]})", {{"sort", "name:desc"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(hit_ids(*r).front(), "a1");
}

TEST(SearchPaging, FromAndSizeWithDefaultsOfZeroAndTen) {
    FakeCorpus c;
    c.add_index("i", {{"n", "long"}});
    for (int i = 0; i < 25; ++i)
        c.add("i", std::to_string(i), "{\"n\":" + std::to_string(i) + "}");
    auto r = search_json(c, R"({"sort":["n"]})");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["hits"]["hits"].size(), 10U);
    EXPECT_EQ((*r)["hits"]["total"]["value"], 25);
    auto p = search_json(c, R"({"sort":["n"],"from":20,"size":10})");
    ASSERT_TRUE(p);
    EXPECT_THAT(hit_ids(*p), ElementsAre("20", "21", "22", "23", "24"));
    auto q = search_json(c, "", {{"from", "3"}, {"size", "2"}});
    ASSERT_TRUE(q);
    EXPECT_THAT(hit_ids(*q), ElementsAre("3", "4"));
}

TEST(SearchPaging, ResultWindowTooLargeIsEsShardFailure) {
    auto e = sort_error_of(R"({"from":9995,"size":10})");
    EXPECT_EQ(e["status"], 400);
    const auto& err = e["error"];
    EXPECT_EQ(err["type"], "search_phase_execution_exception");
    EXPECT_EQ(err["reason"], "all shards failed");
    EXPECT_EQ(err["phase"], "query");
    EXPECT_EQ(err["grouped"], true);
    const std::string reason = "Result window is too large, from + size must be less than or equal "
                               "to: [10000] but was [10005]. See the "
                               "scroll api for a more efficient way to request large data sets. "
                               "This limit can be set by changing the "
                               "[index.max_result_window] index level setting.";
    EXPECT_EQ(err["root_cause"],
              json::array({{{"type", "illegal_argument_exception"}, {"reason", reason}}}));
    ASSERT_EQ(err["failed_shards"].size(), 2U);
    EXPECT_EQ(err["failed_shards"][0]["shard"], 0);
    EXPECT_EQ(err["failed_shards"][0]["index"], "a");
    EXPECT_EQ(err["failed_shards"][0]["reason"]["reason"], reason);
    EXPECT_EQ(err["caused_by"]["type"], "illegal_argument_exception");
    // Exactly at the window is allowed.
    EXPECT_TRUE(search_json(events(), R"({"from":9990,"size":10})"));
}

TEST(SearchPaging, SearchAfterWithoutPit) {
    auto r =
        search_json(events(), R"({"sort":[{"n":"asc"},{"name":"asc"}],"search_after":[2,"a"]})");
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("a1", "b2", "a3"));
    // Totals still count every match.
    EXPECT_EQ((*r)["hits"]["total"]["value"], 5);
    auto d = search_json(
        events(), R"({"sort":[{"@timestamp":"asc"}],"search_after":["2023-08-01T00:00:01Z"]})");
    ASSERT_TRUE(d);
    EXPECT_THAT(hit_ids(*d), ElementsAre("a3", "b1", "a1"));
}

TEST(SearchPaging, SearchAfterValidation) {
    EXPECT_EQ(
        sort_error_of(R"({"sort":["n"],"search_after":[1,2]})")["error"]["root_cause"][0]["reason"],
        "search_after has 2 value(s) but sort has 1.");
    EXPECT_EQ(sort_error_of(R"({"search_after":[1]})")["error"]["root_cause"][0]["reason"],
              "Sort must contain at least one field.");
    auto v = sort_error_of(R"({"sort":["n"],"search_after":[1],"from":5})");
    EXPECT_EQ(v["error"]["type"], "action_request_validation_exception");
    EXPECT_EQ(
        v["error"]["reason"],
        "Validation Failed: 1: [from] parameter must be set to 0 when [search_after] is used;");
}

TEST(SearchPaging, PitAddsShardDocTiebreakerToSortValues) {
    std::unique_ptr<SearchCache> cache;
    auto r = search_json(
        events(), R"({"pit":{"id":"x","keep_alive":"1m"},"sort":[{"@timestamp":"asc"}],"size":2})",
        {}, &cache);
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("b2", "a2"));
    // b2 is doc 1 of shard 1: (1 << 32) | 1.
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"], json::array({1690848000000, 4294967297}));
    EXPECT_EQ((*r)["hits"]["hits"][1]["sort"], json::array({1690848001000, 1}));
    EXPECT_NE(cache, nullptr);
    // Without sort there is no tiebreaker (SearchRequest.rewrite only adds it to sorted requests).
    std::unique_ptr<SearchCache> cache2;
    auto u = search_json(events(), R"({"pit":{"id":"x"}})", {}, &cache2);
    ASSERT_TRUE(u);
    EXPECT_FALSE((*u)["hits"]["hits"][0].contains("sort"));
}

TEST(SearchPaging, PitSearchAfterWithoutTiebreakerValueSkipsTheTiebreaker) {
    std::unique_ptr<SearchCache> cache;
    auto r = search_json(events(), R"({"pit":{"id":"x"},"sort":[{"n":"asc"}],"search_after":[2]})",
                         {}, &cache);
    ASSERT_TRUE(r);
    EXPECT_THAT(hit_ids(*r), ElementsAre("a1", "b2", "a3"));
    EXPECT_EQ((*r)["hits"]["hits"][0]["sort"].size(), 1U);
}

TEST(SearchPaging, PitPagesVisitEveryDocumentOnceWithTies) {
    FakeCorpus c;
    c.add_index("x", {{"t", "long"}});
    c.add_index("y", {{"t", "long"}});
    for (int i = 0; i < 40; ++i)
        c.add("x", "x" + std::to_string(i), "{\"t\":" + std::to_string(i % 3) + "}");
    for (int i = 0; i < 35; ++i)
        c.add("y", "y" + std::to_string(i), "{\"t\":" + std::to_string(i % 4) + "}");
    std::unique_ptr<SearchCache> cache;
    std::vector<std::string> seen;
    json after;
    for (int page = 0; page < 100; ++page) {
        json body = {{"pit", {{"id", "p"}}}, {"size", 7}, {"sort", json::array({{{"t", "desc"}}})}};
        if (!after.is_null())
            body["search_after"] = after;
        auto r = search_json(c, body.dump(), {}, &cache);
        ASSERT_TRUE(r) << r.error().envelope().dump();
        const auto& hits = (*r)["hits"]["hits"];
        if (hits.empty())
            break;
        for (const auto& h : hits)
            seen.push_back(h["_id"]);
        after = hits.back()["sort"];
        ASSERT_EQ(after.size(), 2U);
    }
    EXPECT_EQ(seen.size(), 75U);
    std::vector<std::string> unique = seen;
    std::sort(unique.begin(), unique.end());
    EXPECT_EQ(std::unique(unique.begin(), unique.end()), unique.end());
}

namespace {

// A minimal DocView counting value lookups, to prove paging through the cache does not re-read
// (or re-sort) the whole PIT.
class CountingDoc : public DocView {
public:
    CountingDoc(std::string index, std::int64_t t, std::int64_t* reads)
        : m_index(std::move(index)), m_id(std::to_string(t)), m_t(t), m_reads(reads) {
        m_source = "{\"t\":" + m_id + "}";
    }
    std::string_view index() const override { return m_index; }
    std::string_view id() const override { return m_id; }
    std::string_view source() const override { return m_source; }
    std::vector<FieldValue> values(std::string_view) const override {
        ++*m_reads;
        return {FieldValue{m_t}};
    }
    std::optional<std::string> field_type(std::string_view field) const override {
        if (field == "t")
            return "long";
        return std::nullopt;
    }

private:
    std::string m_index;
    std::string m_id;
    std::string m_source;
    std::int64_t m_t;
    std::int64_t* m_reads;
};

} // namespace

TEST(SearchPaging, LargePitPagesCostTheirPageNotTheIndex) {
    // An index 100 pages deep shows that a page costs its own hits, not the index; the
    // million-document figure is for scripts/bench, not for a sanitized test run.
    constexpr std::int64_t k_docs = 200'000;
    constexpr std::int64_t k_page = 2'000;
    std::int64_t reads = 0;
    std::vector<CountingDoc> docs;
    docs.reserve(static_cast<std::size_t>(k_docs));
    // Descending values in index order so the sort really reorders; doc i has t = k_docs - i.
    for (std::int64_t i = 0; i < k_docs; ++i)
        docs.emplace_back(i < k_docs / 2 ? "p0" : "p1", k_docs - i, &reads);
    SearchInput in;
    in.docs.reserve(docs.size());
    for (const auto& d : docs)
        in.docs.push_back(&d);
    std::unique_ptr<SearchCache> cache;
    in.cache = &cache;
    in.now_millis = 0;
    auto page = [&](const json& after) {
        json body = {{"pit", {{"id", "p"}}},
                     {"size", k_page},
                     {"sort", json::array({"t"})},
                     {"_source", false}};
        if (!after.is_null())
            body["search_after"] = after;
        in.body = &body;
        return run_search(in);
    };
    auto first = page(json());
    ASSERT_TRUE(first);
    EXPECT_GE(reads, k_docs); // the first page builds the cache from every document
    EXPECT_EQ((*first)["hits"]["total"], (json{{"value", 10000}, {"relation", "gte"}}));
    json after = (*first)["hits"]["hits"].back()["sort"];
    std::int64_t expected_next = k_page + 1;
    for (int n = 0; n < 3; ++n) {
        const std::int64_t before = reads;
        auto r = page(after);
        ASSERT_TRUE(r);
        EXPECT_LE(reads - before, k_page) << "a search_after page re-read the PIT";
        const auto& hits = (*r)["hits"]["hits"];
        ASSERT_EQ(hits.size(), static_cast<std::size_t>(k_page));
        EXPECT_EQ(hits.front()["sort"][0], expected_next);
        expected_next += k_page;
        after = hits.back()["sort"];
    }
    // Jump to the tail: t = k_docs - 5 is doc 5 of shard p0, so its _shard_doc is 5.
    const std::int64_t before = reads;
    auto tail = page(json::array({k_docs - 5, 5}));
    ASSERT_TRUE(tail);
    EXPECT_LE(reads - before, k_page);
    std::vector<std::string> last_five;
    for (std::int64_t id = k_docs - 4; id <= k_docs; ++id)
        last_five.push_back(std::to_string(id));
    EXPECT_EQ(hit_ids(*tail), last_five);
}

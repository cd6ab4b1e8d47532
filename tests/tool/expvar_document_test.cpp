// Documents shaped client-side must equal what the Golang integration's ingest pipelines produce:
// Elastic's pipeline-test fixtures (../shared/fixtures/golang-integration) are the oracle.
#include <tool/expvar_document.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

using namespace esmend::tool;
using nlohmann::json;

namespace {

std::string read_fixture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "missing fixture " << path;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string fixture(const std::string& ds, const std::string& suffix) {
    return read_fixture(std::string(ESMEND_SHARED_DIR) +
                        "/fixtures/golang-integration/data_stream/" + ds +
                        "/_dev/test/pipeline/test-" + ds + "-metrics.log" + suffix);
}

PollContext context(PreserveOriginal preserve = PreserveOriginal::yes) {
    PollContext c;
    c.service_address = "http://127.0.0.1:6060";
    c.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1672654196827LL));
    c.preserve_original = preserve;
    return c;
}

// Drops what esmend adds beyond the integration (pause statistics), leaving the pipeline's output.
json without_pause_stats(json golang_heap) {
    auto& pause = golang_heap["gc"]["pause"];
    for (const char* k : {"count", "sum", "max", "avg"})
        pause.erase(k);
    return golang_heap;
}

std::vector<std::uint64_t>
pause_ns(std::initializer_list<std::pair<std::size_t, std::uint64_t>> set) {
    std::vector<std::uint64_t> ring(256, 0);
    for (auto [i, v] : set)
        ring[i] = v;
    return ring;
}

} // namespace

TEST(ExpvarDocument, HeapMatchesIntegrationPipelineFixture) {
    const auto input = fixture("heap", "");
    const auto expected = json::parse(fixture("heap", "-expected.json"))["expected"][0];
    PauseTracker pauses;
    auto poll = shape_poll(input, context(), pauses);
    ASSERT_TRUE(poll) << poll.error().message;
    EXPECT_EQ(without_pause_stats(json::parse(poll->heap)["golang"]["heap"]),
              expected["golang"]["heap"]);
    EXPECT_EQ(json::parse(poll->heap)["ecs"], expected["ecs"]);
    for (const char* k : {"dataset", "kind", "module", "type", "original"}) {
        EXPECT_EQ(json::parse(poll->heap)["event"][k], expected["event"][k]) << k;
    }
    EXPECT_EQ(json::parse(poll->heap)["tags"][0], "preserve_original_event");
}

TEST(ExpvarDocument, ExpvarMatchesIntegrationPipelineFixture) {
    const auto input = fixture("expvar", "");
    const auto expected = json::parse(fixture("expvar", "-expected.json"))["expected"][0];
    PauseTracker pauses;
    auto poll = shape_poll(input, context(), pauses);
    ASSERT_TRUE(poll) << poll.error().message;
    EXPECT_EQ(json::parse(poll->expvar)["golang"]["expvar"], expected["golang"]["expvar"]);
    EXPECT_EQ(json::parse(poll->expvar)["ecs"], expected["ecs"]);
    for (const char* k : {"dataset", "kind", "module", "type", "original"}) {
        EXPECT_EQ(json::parse(poll->expvar)["event"][k], expected["event"][k]) << k;
    }
}

TEST(ExpvarDocument, Uint64ValuesStayExact) {
    // LastGC 1672654196827998027 > 2^53: a double would give ...998016.
    const auto input = fixture("expvar", "");
    PauseTracker pauses;
    auto poll = shape_poll(input, context(), pauses);
    ASSERT_TRUE(poll);
    const auto expvar = json::parse(poll->expvar);
    const auto& ns = expvar["golang"]["expvar"]["gc"]["last_finished"]["ns"];
    ASSERT_TRUE(ns.is_number_unsigned());
    EXPECT_EQ(ns.get<std::uint64_t>(), 1672654196827998027ULL);
    EXPECT_NE(poll->expvar.find("1672654196827998027"), std::string::npos);
}

TEST(ExpvarDocument, CustomVariablesGoUnderCustomAndMetadataFollowsIntegration) {
    const std::string body =
        R"({"cmdline":["./svc","-v"],"memstats":{"Sys":10,"NumGC":0,"PauseNs":[]},"requests":7,)"
        R"("load_factor":0.5,"build_version":"1.2.3","queues":{"ingest":3}})";
    PauseTracker pauses;
    auto poll = shape_poll(body, context(PreserveOriginal::no), pauses);
    ASSERT_TRUE(poll);
    const auto e = json::parse(poll->expvar);
    EXPECT_EQ(
        e["golang"]["expvar"]["custom"],
        json::parse(
            R"({"requests":7,"load_factor":0.5,"build_version":"1.2.3","queues":{"ingest":3}})"));
    EXPECT_EQ(e["golang"]["expvar"]["cmdline"], json::parse(R"(["./svc","-v"])"));
    EXPECT_FALSE(json::parse(poll->heap)["golang"]["heap"].contains("custom"))
        << "heap discards custom vars (remove json)";
    EXPECT_FALSE(e["event"].contains("original"));
    EXPECT_EQ(e["tags"], json::parse(R"(["forwarded","golang-expvar"])"));
    EXPECT_EQ(e["data_stream"],
              json::parse(R"({"type":"logs","dataset":"golang.expvar","namespace":"default"})"));
    EXPECT_EQ(e["service"]["address"], "http://127.0.0.1:6060");
    EXPECT_EQ(e["@timestamp"], "2023-01-02T10:09:56.827Z");
    EXPECT_FALSE(e.contains("host"));
}

TEST(ExpvarDocument, HostMetadataOnlyWhenGivenAndThenNotForwarded) {
    auto c = context(PreserveOriginal::no);
    c.host = HostMetadata{"web-1", {"10.0.0.5", "fe80::1"}};
    PauseTracker pauses;
    auto poll = shape_poll(R"({"memstats":{}})", c, pauses);
    ASSERT_TRUE(poll);
    EXPECT_EQ(json::parse(poll->heap)["host"]["ip"], json::parse(R"(["10.0.0.5","fe80::1"])"));
    EXPECT_EQ(json::parse(poll->heap)["tags"], json::parse(R"(["golang-heap"])"));
}

TEST(ExpvarDocument, RejectsBodiesWithoutMemstats) {
    PauseTracker pauses;
    EXPECT_FALSE(shape_poll("not json", context(), pauses));
    EXPECT_FALSE(shape_poll(R"({"cmdline":[]})", context(), pauses));
}

TEST(PauseTracker, FirstPollCoversCyclesSinceStartLikeMetricbeat) {
    PauseTracker t;
    auto s = t.observe(3, pause_ns({{0, 100}, {1, 300}, {2, 200}}));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->count, 3u);
    EXPECT_EQ(s->sum_ns, 600u);
    EXPECT_EQ(s->max_ns, 300u);
    EXPECT_EQ(s->avg_ns, 200u);
}

TEST(PauseTracker, LaterPollsCountOnlyNewCyclesAcrossTheRingWrap) {
    PauseTracker t;
    ASSERT_TRUE(t.observe(254, pause_ns({})));
    // Cycles 254, 255, 256, 257 sit at ring slots 254, 255, 0, 1.
    auto s = t.observe(258, pause_ns({{254, 10}, {255, 20}, {0, 30}, {1, 45}, {2, 999}}));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->count, 4u);
    EXPECT_EQ(s->sum_ns, 105u);
    EXPECT_EQ(s->max_ns, 45u);
    EXPECT_EQ(s->avg_ns, 26u) << "integer mean, as Metricbeat";
    EXPECT_FALSE(t.observe(258, pause_ns({{0, 1}}))) << "no new cycle, no stats";
}

TEST(PauseTracker, MoreThan256NewCyclesReportTheRing) {
    PauseTracker t;
    ASSERT_FALSE(t.observe(0, pause_ns({})));
    auto s = t.observe(1000, pause_ns({{7, 5}}));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->count, 256u);
    EXPECT_EQ(s->sum_ns, 5u);
}

TEST(PauseTracker, TargetRestartResetsBaseline) {
    PauseTracker t;
    (void)t.observe(500, pause_ns({}));
    // The process restarted: NumGC fell from 500 to 2. Both new cycles count.
    auto s = t.observe(2, pause_ns({{0, 7}, {1, 9}}));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->count, 2u);
    EXPECT_EQ(s->sum_ns, 16u);
}

// The documents are written as text, one pass over the body: what is copied must be JSON, so a
// body a parser refuses is refused, wherever the fault is.
TEST(ExpvarDocument, RejectsMalformedBodiesWhereverTheFaultIs) {
    PauseTracker pauses;
    const std::vector<std::string> bodies = {
        R"({"memstats":{},"x":01})", std::string(R"({"memstats":{},"s":"a)") + '\x01' + R"(b"})",
        R"({"memstats":{}} trailing)", R"({"memstats":{"Sys":1e}})", R"({"memstats":{}},)"};
    for (const auto& body : bodies) {
        const auto poll = shape_poll(body, context(), pauses);
        ASSERT_FALSE(poll) << body;
        EXPECT_NE(poll.error().message.find("not a JSON object"), std::string::npos)
            << poll.error().message;
    }
}

// esmend's pause statistics share golang.heap.gc.pause with the pipeline's gc.pause.total.ns: one
// object with all five.
TEST(ExpvarDocument, PauseStatisticsMergeWithThePipelinesPauseTotal) {
    std::string ring = "[7,9";
    for (int i = 2; i < 256; ++i)
        ring += ",0";
    ring += "]";
    const std::string body =
        R"({"memstats":{"NumGC":2,"PauseTotalNs":16,"PauseNs":)" + ring + R"(}})";
    PauseTracker pauses;
    const auto poll = shape_poll(body, context(PreserveOriginal::no), pauses);
    ASSERT_TRUE(poll) << poll.error().message;
    EXPECT_EQ(json::parse(poll->heap)["golang"]["heap"]["gc"],
              json::parse(R"({"total":{"count":2},"pause":{"total":{"ns":16},"count":2,)"
                          R"("sum":{"ns":16},"max":{"ns":9},"avg":{"ns":8}}})"));
}

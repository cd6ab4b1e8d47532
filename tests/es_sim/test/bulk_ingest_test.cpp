// Bulk ingest of many ~1 KB documents into a data stream: every document is accepted and counted.
// Speed and memory are measured by the benchmark (tests/es_sim/bench, run by scripts/bench), never
// here.
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(BulkIngest, TwentyThousandDocumentsInBulksOfFiveHundredAllCounted) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_index_template/logs",
                {{"index_patterns", {"logs-*-*"}},
                 {"data_stream", json::object()},
                 {"priority", 100},
                 {"template",
                  {{"mappings",
                    {{"properties", {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}}}}}}}}})
            .status,
        200);
    const std::string filler(900, 'x');
    for (int start = 0; start < 20000; start += 500) {
        std::string body;
        for (int i = start; i < start + 500; ++i) {
            body += R"({"create":{"_index":"logs-perf-default"}})"
                    "\n";
            body += R"({"@timestamp":"2024-01-01T00:00:00Z","host":{"ip":"10.0.0.)" +
                    std::to_string(i % 250) + R"("},"n":)" + std::to_string(i) + R"(,"message":")" +
                    filler + "\"}\n";
        }
        const auto r = sim.post_raw("/_bulk?filter_path=errors", body);
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.json["errors"], false) << r.body.substr(0, 500);
    }
    ASSERT_EQ(sim.post("/logs-perf-default/_refresh", json::object()).status, 200);
    EXPECT_EQ(sim.get("/logs-perf-default/_count").json["count"], 20000);
}

// Bulk ingest speed and memory. The quick test runs in every suite run with a loose floor; the 1M-doc
// test is DISABLED_ by default (run it with --gtest_also_run_disabled_tests) and prints docs/s and RSS.
#include "sim_test_support.hpp"

#include <chrono>
#include <fstream>

using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    return -1;
}

// Ingests `total` ~1 KB documents into a data stream in bulks of `per_bulk`; returns server-side docs/s
// (the sum of the responses' "took").
double ingest(Sim& sim, int total, int per_bulk) {
    const std::string filler(900, 'x');
    std::int64_t took_ms = 0;
    for (int start = 0; start < total; start += per_bulk) {
        std::string body;
        body.reserve(static_cast<std::size_t>(per_bulk) * 1100);
        for (int i = start; i < start + per_bulk && i < total; ++i) {
            body += R"({"create":{"_index":"logs-perf-default"}})" "\n";
            body += R"({"@timestamp":"2024-01-01T00:00:00Z","host":{"ip":"10.0.0.)" + std::to_string(i % 250) +
                    R"("},"n":)" + std::to_string(i) + R"(,"message":")" + filler + "\"}\n";
        }
        const auto r = sim.post_raw("/_bulk?filter_path=took,errors", body);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.json["errors"], false) << r.body.substr(0, 500);
        took_ms += r.json["took"].get<std::int64_t>();
    }
    return took_ms == 0 ? 0.0 : 1000.0 * total / static_cast<double>(took_ms);
}

void data_stream_template(Sim& sim) {
    ASSERT_EQ(sim.put("/_index_template/logs", {{"index_patterns", {"logs-*-*"}}, {"data_stream", json::object()}, {"priority", 100},
                                                {"template", {{"settings", {{"number_of_replicas", 0}}},
                                                              {"mappings", {{"properties", {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}},
                                                                                            {"message", {{"type", "keyword"}, {"ignore_above", 1024}}}}}}}}}}).status, 200);
}

} // namespace

TEST(BulkThroughput, TwentyThousandSmallDocs) {
    Sim sim;
    data_stream_template(sim);
    const double rate = ingest(sim, 20000, 2000);
    std::cout << "[ es-sim ] bulk ingest: " << static_cast<long>(rate) << " docs/s (server side, this build)\n";
    EXPECT_GT(rate, 2000.0);
    ASSERT_EQ(sim.post("/logs-perf-default/_refresh", json::object()).status, 200);
    EXPECT_EQ(sim.get("/logs-perf-default/_count").json["count"], 20000);
}

TEST(BulkThroughput, DISABLED_OneMillionDocsMemory) {
    const long before = rss_kib();
    Sim sim;
    data_stream_template(sim);
    const double rate = ingest(sim, 1000000, 5000);
    ASSERT_EQ(sim.post("/logs-perf-default/_refresh", json::object()).status, 200);
    EXPECT_EQ(sim.get("/logs-perf-default/_count").json["count"], 1000000);
    const long after = rss_kib();
    std::cout << "[ es-sim ] 1M docs: " << static_cast<long>(rate) << " docs/s, RSS grew by " << (after - before) / 1024
              << " MiB (total " << after / 1024 << " MiB)\n";
    EXPECT_LT(after - before, 2L * 1024 * 1024);
}

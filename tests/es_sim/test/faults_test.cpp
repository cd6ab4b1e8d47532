// Fault injection under /_sim/faults.
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Faults, FailNthReturnsEsRejectedExecutionBody) {
    Sim sim;
    ASSERT_EQ(
        sim.post("/_sim/faults", {{"fail_nth", json::array({{{"n", 2}, {"status", 429}}})}}).status,
        200);
    EXPECT_EQ(sim.get("/").status, 200);
    const auto r = sim.get("/");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.json["error"]["type"], "es_rejected_execution_exception");
    EXPECT_NE(r.json["error"]["reason"].get<std::string>().find("rejected execution of"),
              std::string::npos);
    EXPECT_EQ(r.json["status"], 429);
    EXPECT_EQ(sim.get("/").status, 200);
}

TEST(Faults, RatesAreDeterministicForASeed) {
    auto run = [] {
        Sim sim;
        EXPECT_EQ(
            sim.post("/_sim/faults", {{"seed", 7}, {"rate_429", 0.3}, {"rate_503", 0.2}}).status,
            200);
        std::vector<int> statuses;
        for (int i = 0; i < 40; ++i)
            statuses.push_back(sim.get("/").status);
        return statuses;
    };
    const auto a = run();
    EXPECT_EQ(a, run());
    EXPECT_NE(std::count(a.begin(), a.end(), 429), 0);
    EXPECT_NE(std::count(a.begin(), a.end(), 503), 0);
    EXPECT_NE(std::count(a.begin(), a.end(), 200), 0);
}

TEST(Faults, PathPatternsLimitTheFaults) {
    Sim sim;
    ASSERT_EQ(
        sim.post("/_sim/faults", {{"rate_503", 1.0}, {"paths", {"/_bulk", "/*/_bulk"}}}).status,
        200);
    EXPECT_EQ(sim.get("/").status, 200);
    const auto r = sim.post_raw("/_bulk", "{\"index\":{\"_index\":\"a\"}}\n{}\n");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json["error"]["type"], "cluster_block_exception");
}

TEST(Faults, DroppedConnectionFailsTheRequest) {
    Sim sim;
    ASSERT_EQ(sim.post("/_sim/faults", {{"rate_drop", 1.0}, {"paths", {"/"}}}).status, 200);
    const auto r = sim.get("/");
    EXPECT_FALSE(r.ok && r.status == 200 && r.json.is_object());
}

TEST(Faults, DeleteClearsFaultsAndBadConfigIsRejected) {
    Sim sim;
    ASSERT_EQ(sim.post("/_sim/faults", {{"rate_429", 1.0}}).status, 200);
    EXPECT_EQ(sim.get("/").status, 429);
    EXPECT_EQ(sim.del("/_sim/faults").status, 200);
    EXPECT_EQ(sim.get("/").status, 200);
    EXPECT_EQ(sim.post("/_sim/faults", {{"rate_429", 2.0}}).status, 400);
}

// The disk flood-stage watermark (es-apis.md §1.13, §0.2): above 95 % used, writes fail with 429
// cluster_block_exception (read_only_allow_delete); below the high watermark the block lifts.
#include "sim_test_support.hpp"

using esmend::es_sim::Options;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Disk, FloodStageBlocksWritesWith429AndReleasesBelowHighWatermark) {
    Options options;
    options.disk_total_bytes = 10000;
    Sim sim(options);
    const std::string filler(400, 'x');
    // 23 documents of ~410 bytes stay under 95 % of 10000 bytes.
    int i = 0;
    for (; i < 23; ++i)
        ASSERT_EQ(sim.put("/logs/_doc/" + std::to_string(i), {{"f", filler}}).status, 201) << i;
    // The next ones push usage over 95 %: the write that crosses it still lands (ES's monitor
    // acts afterwards); the one after is blocked.
    ASSERT_EQ(sim.put("/logs/_doc/23", {{"f", filler}}).status, 201);
    const auto blocked = sim.put("/logs/_doc/24", {{"f", filler}});
    ASSERT_EQ(blocked.status, 429) << blocked.body;
    EXPECT_EQ(blocked.json["error"]["type"], "cluster_block_exception");
    EXPECT_EQ(blocked.json["error"]["reason"],
              "index [logs] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage "
              "watermark, index has read-only-allow-delete block];");
    // Every index on the node gets the block, as ES's DiskThresholdMonitor does.
    const auto other = sim.put("/other/_doc/1", {{"f", 1}});
    EXPECT_EQ(other.status, 429) << other.body;
    EXPECT_EQ(sim.get("/logs/_settings")
                  .json["logs"]["settings"]["index"]["blocks"]["read_only_allow_delete"],
              "true");
    // Deleting the index frees space (read_only_allow_delete allows it); below 90 % the block
    // is released automatically (ES#42559).
    ASSERT_EQ(sim.del("/logs").status, 200);
    EXPECT_EQ(sim.put("/other/_doc/2", {{"f", 2}}).status, 201);
}

TEST(Disk, ReindexIntoAFullDiskFailsWithTheBlock) {
    Options options;
    options.disk_total_bytes = 20000;
    Sim sim(options);
    const std::string filler(400, 'y');
    std::string body;
    for (int i = 0; i < 30; ++i)
        body += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n{\"f\":\"" + filler + "\"}\n";
    ASSERT_EQ(sim.post_raw("/src/_bulk?refresh=true", body).status, 200);
    const auto r = sim.post(
        "/_reindex", {{"source", {{"index", "src"}, {"size", 5}}}, {"dest", {{"index", "dst"}}}});
    EXPECT_EQ(r.status, 429) << r.body;
    ASSERT_FALSE(r.json["failures"].empty());
    EXPECT_EQ(r.json["failures"][0]["cause"]["type"], "cluster_block_exception");
    EXPECT_EQ(r.json["failures"][0]["status"], 429);
    EXPECT_GT(r.json["created"].get<std::int64_t>(), 0);
    EXPECT_LT(r.json["created"].get<std::int64_t>(), 30);
}

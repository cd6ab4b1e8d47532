// Cluster health, _cat and node stats.
#include "sim_test_support.hpp"

using esmend::es_sim::Options;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(ClusterHealth, EmptyClusterIsGreenAndReplicasMakeItYellow) {
    Sim sim;
    auto h = sim.get("/_cluster/health");
    ASSERT_EQ(h.status, 200);
    EXPECT_EQ(h.json["status"], "green");
    EXPECT_EQ(h.json["number_of_nodes"], 1);
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    h = sim.get("/_cluster/health");
    EXPECT_EQ(h.json["status"], "yellow");
    EXPECT_EQ(h.json["unassigned_shards"], 1);
    EXPECT_EQ(h.json["active_shards_percent_as_number"], 50.0);
    ASSERT_EQ(sim.put("/b", {{"settings", {{"number_of_replicas", 0}}}}).status, 200);
    EXPECT_EQ(sim.get("/_cluster/health/b").json["status"], "green");
}

TEST(ClusterHealth, WaitForStatusTimesOutWith408) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    const auto h = sim.get("/_cluster/health?wait_for_status=green&timeout=100ms");
    EXPECT_EQ(h.status, 408);
    EXPECT_EQ(h.json["timed_out"], true);
    EXPECT_EQ(sim.get("/_cluster/health?wait_for_status=yellow&timeout=100ms").status, 200);
}

TEST(CatIndices, JsonValuesAreStringsAndHiddenIndicesNeedExpandWildcards) {
    Sim sim;
    ASSERT_EQ(sim.put("/visible", json::object()).status, 200);
    ASSERT_EQ(sim.put("/.hidden-one", {{"settings", {{"index.hidden", true}}}}).status, 200);
    ASSERT_EQ(
        sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "visible"}}}}, {{"a", 1}}}).status,
        200);
    auto r = sim.get("/_cat/indices?format=json&bytes=b");
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.json.size(), 1U);
    EXPECT_EQ(r.json[0]["index"], "visible");
    EXPECT_EQ(r.json[0]["docs.count"], "1");
    EXPECT_EQ(r.json[0]["pri"], "1");
    EXPECT_TRUE(r.json[0]["store.size"].is_string());
    EXPECT_EQ(r.json[0]["store.size"], "7");
    r = sim.get("/_cat/indices?format=json&expand_wildcards=all&h=index,docs.count&s=index:desc");
    ASSERT_EQ(r.json.size(), 2U);
    EXPECT_EQ(r.json[0], json({{"index", "visible"}, {"docs.count", "1"}}));
    EXPECT_EQ(r.json[1]["index"], ".hidden-one");
}

TEST(CatIndices, HumanSizesByDefault) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    std::string big(2000, 'x');
    ASSERT_EQ(
        sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "a"}}}}, {{"m", big}}}).status,
        200);
    const auto r = sim.get("/_cat/indices/a?format=json");
    EXPECT_EQ(r.json[0]["store.size"], "1.9kb");
}

TEST(CatAllocation, ReportsConfiguredDiskAgainstStoreSize) {
    Options o;
    o.disk_total_bytes = 1000;
    Sim sim(o);
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    ASSERT_EQ(
        sim.bulk("/_bulk", {{{"index", {{"_index", "a"}}}}, {{"m", std::string(92, 'x')}}}).status,
        200);
    const auto r = sim.get("/_cat/allocation?format=json&bytes=b");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json[0]["disk.total"], "1000");
    EXPECT_EQ(r.json[0]["disk.used"], "100");
    EXPECT_EQ(r.json[0]["disk.avail"], "900");
    EXPECT_EQ(r.json[0]["disk.percent"], "10");
    const auto fs = sim.get("/_nodes/stats/fs");
    ASSERT_EQ(fs.status, 200);
    const auto& node = fs.json["nodes"].begin().value();
    EXPECT_EQ(node["fs"]["total"]["total_in_bytes"], 1000);
    EXPECT_EQ(node["fs"]["total"]["available_in_bytes"], 900);
}

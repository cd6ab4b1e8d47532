// The task management API (es-apis.md §1.8): GET _tasks/{id}, the _tasks list, _cancel,
// _rethrottle, unknown tasks, and /_sim/restart forgetting running tasks.
#include "sim_test_support.hpp"

#include <chrono>
#include <thread>

using esmend::es_sim::Options;
using esmend::es_sim::testing::Http;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {

void load_tasks(Sim& sim, const std::string& index, int n) {
    std::string body;
    for (int i = 0; i < n; ++i)
        body += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n{\"n\":" + std::to_string(i) +
                "}\n";
    ASSERT_EQ(sim.post_raw("/" + index + "/_bulk?refresh=true", body).status, 200);
}

// Starts a slow reindex (10 docs per batch at `options.reindex_docs_per_second`) and returns its
// task id once its first batch is done.
std::string start_slow_reindex(Sim& sim) {
    const auto r =
        sim.post("/_reindex?wait_for_completion=false",
                 {{"source", {{"index", "src"}, {"size", 10}}}, {"dest", {{"index", "dst"}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    const auto id = r.json.value("task", "");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto t = sim.get("/_tasks/" + id);
        if (t.status == 200 && t.json["task"]["status"]["batches"].get<std::int64_t>() >= 1)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return id;
}

Options slow() {
    Options o;
    o.reindex_docs_per_second = 100; // 0.1 s per batch of 10
    return o;
}

} // namespace

TEST(Tasks, RunningReindexReportsStatusWithProgressFields) {
    Sim sim(slow());
    load_tasks(sim, "src", 100);
    const auto id = start_slow_reindex(sim);
    const auto t = sim.get("/_tasks/" + id);
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json["completed"], false);
    const auto& task = t.json["task"];
    EXPECT_EQ(
        task["node"].get<std::string>() + ":" + std::to_string(task["id"].get<std::int64_t>()), id);
    EXPECT_EQ(task["type"], "transport");
    EXPECT_EQ(task["action"], "indices:data/write/reindex");
    EXPECT_EQ(task["cancellable"], true);
    EXPECT_EQ(task["cancelled"], false);
    EXPECT_TRUE(task["running_time_in_nanos"].is_number());
    EXPECT_TRUE(task["start_time_in_millis"].is_number());
    for (const auto* key :
         {"total", "created", "updated", "batches", "version_conflicts", "deleted", "noops",
          "retries", "throttled_millis", "requests_per_second", "throttled_until_millis"})
        EXPECT_TRUE(task["status"].contains(key)) << key;
    EXPECT_EQ(task["status"]["total"], 100);
    EXPECT_GE(task["status"]["batches"].get<std::int64_t>(), 1);
    EXPECT_FALSE(t.json.contains("response"));
    ASSERT_EQ(sim.post("/_tasks/" + id + "/_cancel", json::object()).status, 200);
}

TEST(Tasks, ListFiltersByActionsAndShowsDetailsOnlyWhenDetailed) {
    Sim sim(slow());
    load_tasks(sim, "src", 100);
    const auto id = start_slow_reindex(sim);
    const auto plain = sim.get("/_tasks?actions=*reindex");
    ASSERT_EQ(plain.status, 200) << plain.body;
    ASSERT_EQ(plain.json["nodes"].size(), 1U);
    const auto& node = plain.json["nodes"].begin().value();
    EXPECT_TRUE(node.contains("name"));
    EXPECT_TRUE(node.contains("transport_address"));
    ASSERT_EQ(node["tasks"].size(), 1U) << plain.body;
    EXPECT_TRUE(node["tasks"].contains(id));
    EXPECT_FALSE(node["tasks"][id].contains("status"));
    EXPECT_FALSE(node["tasks"][id].contains("description"));
    const auto detailed = sim.get("/_tasks?actions=*reindex&detailed=true");
    const auto& dt = detailed.json["nodes"].begin().value()["tasks"][id];
    EXPECT_EQ(dt["description"], "reindex from [src] to [dst]");
    EXPECT_EQ(dt["status"]["total"], 100);
    // The list action sees itself (SPEC GetTaskResponseExample1), and filters apply to it too.
    const auto cluster = sim.get("/_tasks?actions=cluster:*");
    const auto& ct = cluster.json["nodes"].begin().value()["tasks"];
    EXPECT_EQ(ct.size(), 2U) << cluster.body;
    EXPECT_FALSE(ct.contains(id));
    const auto none = sim.get("/_tasks?actions=*reindex&group_by=none");
    ASSERT_EQ(none.json["tasks"].size(), 1U);
    EXPECT_EQ(none.json["tasks"][0]["action"], "indices:data/write/reindex");
    ASSERT_EQ(sim.post("/_tasks/" + id + "/_cancel", json::object()).status, 200);
}

TEST(Tasks, UnknownTaskIs404ResourceNotFound) {
    Sim sim;
    const auto node = sim.get("/_nodes/stats").json["nodes"].begin().key();
    const auto r = sim.get("/_tasks/" + node + ":4242");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "resource_not_found_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "task [" + node + ":4242] isn't running and hasn't stored its results");
    // No result was ever stored, so ES has no .tasks index yet (TransportGetTaskAction).
    EXPECT_EQ(r.json["error"]["caused_by"]["type"], "index_not_found_exception");
    EXPECT_EQ(r.json["error"]["caused_by"]["reason"], "no such index [.tasks]");
    const auto other = sim.get("/_tasks/otherNode:1");
    EXPECT_EQ(other.status, 404);
    const auto malformed = sim.get("/_tasks/nonsense");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.json["error"]["reason"], "malformed task id nonsense");
}

TEST(Tasks, CancelAndRethrottleOfUnknownTasksReportNodeFailures) {
    Sim sim;
    const auto node = sim.get("/_nodes/stats").json["nodes"].begin().key();
    const auto c = sim.post("/_tasks/" + node + ":999/_cancel", json::object());
    ASSERT_EQ(c.status, 200) << c.body;
    ASSERT_EQ(c.json["node_failures"].size(), 1U);
    EXPECT_EQ(c.json["node_failures"][0]["type"], "failed_node_exception");
    EXPECT_EQ(c.json["node_failures"][0]["caused_by"]["type"], "resource_not_found_exception");
    EXPECT_EQ(c.json["node_failures"][0]["caused_by"]["reason"],
              "task [" + node + ":999] is not found");
    // SPEC ReindexRethrottleResponseExample2.
    const auto rt = sim.post("/_reindex/non_existing_node:123/_rethrottle?requests_per_second=10",
                             json::object());
    ASSERT_EQ(rt.status, 200) << rt.body;
    EXPECT_EQ(rt.json["node_failures"][0]["reason"], "Failed node [non_existing_node]");
    EXPECT_EQ(rt.json["node_failures"][0]["node_id"], "non_existing_node");
    EXPECT_EQ(rt.json["node_failures"][0]["caused_by"]["type"], "no_such_node_exception");
    const auto missing = sim.post("/_reindex/" + node + ":1/_rethrottle", json::object());
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.json["error"]["reason"], "requests_per_second is a required parameter");
}

TEST(Tasks, SimRestartForgetsRunningTasksButKeepsDocuments) {
    Sim sim(slow());
    load_tasks(sim, "src", 100);
    const auto id = start_slow_reindex(sim);
    ASSERT_EQ(sim.get("/_tasks/" + id).json["completed"], false);
    const auto r = sim.post("/_sim/restart", json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto after = sim.get("/_tasks/" + id);
    EXPECT_EQ(after.status, 404) << after.body;
    EXPECT_EQ(after.json["error"]["type"], "resource_not_found_exception");
    // The batches written before the restart stay, and the source is intact.
    sim.post("/dst/_refresh", json::object());
    const auto copied = sim.get("/dst/_count").json["count"].get<std::int64_t>();
    EXPECT_GE(copied, 10);
    EXPECT_LT(copied, 100);
    EXPECT_EQ(sim.get("/src/_count").json["count"], 100);
    // Nothing is written any more.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    sim.post("/dst/_refresh", json::object());
    EXPECT_EQ(sim.get("/dst/_count").json["count"], copied);
    EXPECT_TRUE(sim.get("/_tasks?actions=*reindex").json["nodes"].begin().value()["tasks"].empty());
}

TEST(Tasks, StoredResultsSurviveRestart) {
    Sim sim;
    load_tasks(sim, "src", 5);
    const auto r = sim.post("/_reindex?wait_for_completion=false",
                            {{"source", {{"index", "src"}}}, {"dest", {{"index", "dst"}}}});
    const auto id = r.json["task"].get<std::string>();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline &&
           !sim.get("/_tasks/" + id).json.value("completed", false))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(sim.post("/_sim/restart", json::object()).status, 200);
    const auto t = sim.get("/_tasks/" + id);
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json["response"]["created"], 5);
}

TEST(Tasks, FailedAsyncReindexStoresTheError) {
    Sim sim;
    const auto r = sim.post("/_reindex?wait_for_completion=false",
                            {{"source", {{"index", "missing"}}}, {"dest", {{"index", "dst"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto t = sim.get("/_tasks/" + r.json["task"].get<std::string>());
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json["completed"], true);
    EXPECT_EQ(t.json["error"]["type"], "index_not_found_exception");
    EXPECT_FALSE(t.json.contains("response"));
}

TEST(Tasks, GetWithWaitForCompletionBlocksUntilDone) {
    Sim sim(slow());
    load_tasks(sim, "src", 30);
    const auto id = start_slow_reindex(sim);
    const auto t = sim.get("/_tasks/" + id + "?wait_for_completion=true&timeout=20s");
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json["completed"], true);
    EXPECT_EQ(t.json["response"]["created"], 30);
}

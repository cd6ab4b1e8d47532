// _reindex (es-apis.md §1.7): synchronous and task responses, conflicts, failures, source and
// dest options, slicing, throttling, cancellation and progress of a large reindex.
#include "sim_test_support.hpp"

#include <chrono>
#include <thread>

using esmend::es_sim::Options;
using esmend::es_sim::testing::Http;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {

// Bulk-loads `n` small documents with ids 0..n-1 into `index` and refreshes it.
void load(Sim& sim, const std::string& index, int n, int first = 0) {
    constexpr int k_chunk = 20000;
    for (int start = first; start < first + n; start += k_chunk) {
        std::string body;
        for (int i = start; i < std::min(first + n, start + k_chunk); ++i) {
            body += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n";
            body += R"({"n":)" + std::to_string(i) + R"(,"tag":")" + (i % 2 == 0 ? "even" : "odd") +
                    "\"}\n";
        }
        const auto r = sim.post_raw("/" + index + "/_bulk", body);
        ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
        ASSERT_FALSE(r.json["errors"].get<bool>()) << r.body.substr(0, 300);
    }
    ASSERT_EQ(sim.post("/" + index + "/_refresh", json::object()).status, 200);
}

std::int64_t count(Sim& sim, const std::string& index) {
    sim.post("/" + index + "/_refresh", json::object());
    const auto r = sim.get("/" + index + "/_count");
    return r.json.value("count", std::int64_t{-1});
}

// Polls GET _tasks/{id} until it is completed (bounded).
Http wait_task(Sim& sim, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    Http r;
    while (std::chrono::steady_clock::now() < deadline) {
        r = sim.get("/_tasks/" + id);
        if (r.status != 200 || r.json.value("completed", false))
            return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "task " << id << " did not complete";
    return r;
}

} // namespace

TEST(Reindex, SynchronousResponseHasEveryDocumentedField) {
    Sim sim;
    load(sim, "src", 25);
    const auto r = sim.post("/_reindex?refresh=true", {{"source", {{"index", "src"}, {"size", 10}}},
                                                       {"dest", {{"index", "dst"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    // SPEC ReindexResponse.ts.
    for (const auto* key : {"took", "timed_out", "total", "created", "updated", "deleted",
                            "batches", "version_conflicts", "noops", "retries", "throttled_millis",
                            "requests_per_second", "throttled_until_millis", "failures"})
        EXPECT_TRUE(r.json.contains(key)) << key << " in " << r.body;
    EXPECT_EQ(r.json["total"], 25);
    EXPECT_EQ(r.json["created"], 25);
    EXPECT_EQ(r.json["updated"], 0);
    EXPECT_EQ(r.json["batches"], 3);
    EXPECT_EQ(r.json["timed_out"], false);
    EXPECT_EQ(r.json["requests_per_second"], -1.0);
    EXPECT_EQ(r.json["retries"], json({{"bulk", 0}, {"search", 0}}));
    EXPECT_TRUE(r.json["failures"].empty());
    EXPECT_FALSE(r.json.contains("slices"));
    EXPECT_EQ(count(sim, "dst"), 25);
    // A second run with the default op_type index updates every document.
    const auto again =
        sim.post("/_reindex", {{"source", {{"index", "src"}}}, {"dest", {{"index", "dst"}}}});
    EXPECT_EQ(again.json["updated"], 25);
    EXPECT_EQ(again.json["created"], 0);
    EXPECT_EQ(sim.get("/dst/_doc/3").json["_source"], json({{"n", 3}, {"tag", "odd"}}));
}

TEST(Reindex, WaitForCompletionFalseReturnsOnlyTheTaskAndStoresTheResult) {
    Sim sim;
    load(sim, "src", 10);
    const auto r = sim.post("/_reindex?wait_for_completion=false",
                            {{"source", {{"index", "src"}}}, {"dest", {{"index", "dst"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    // YAML reindex/10_basic.yml: match {task: '/.+:\d+/'}, is_false created.
    ASSERT_EQ(r.json.size(), 1U) << r.body;
    const auto id = r.json["task"].get<std::string>();
    EXPECT_NE(id.find(':'), std::string::npos);
    const auto done = wait_task(sim, id);
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.json["completed"], true);
    EXPECT_EQ(done.json["task"]["action"], "indices:data/write/reindex");
    EXPECT_EQ(done.json["task"]["description"], "reindex from [src] to [dst]");
    EXPECT_EQ(done.json["task"]["status"]["created"], 10);
    EXPECT_EQ(done.json["response"]["created"], 10);
    EXPECT_TRUE(done.json["response"]["failures"].empty());
    // Stored results stay readable (task persistence in .tasks).
    EXPECT_EQ(sim.get("/_tasks/" + id).json["completed"], true);
}

TEST(Reindex, VersionConflictsAbortWith409OrAreCountedWithProceed) {
    Sim sim;
    load(sim, "src", 5);
    ASSERT_EQ(sim.put("/dest/_doc/1", {{"n", 100}}).status, 201);
    // ES YAML reindex/10_basic.yml: op_type create over an existing id.
    const auto abort =
        sim.post("/_reindex", {{"source", {{"index", "src"}}},
                               {"dest", {{"index", "dest"}, {"op_type", "create"}}}});
    ASSERT_EQ(abort.status, 409) << abort.body;
    ASSERT_EQ(abort.json["failures"].size(), 1U);
    const auto& f = abort.json["failures"][0];
    EXPECT_EQ(f["index"], "dest");
    EXPECT_EQ(f["id"], "1");
    EXPECT_EQ(f["status"], 409);
    EXPECT_EQ(f["cause"]["type"], "version_conflict_engine_exception");
    EXPECT_EQ(f["cause"]["reason"],
              "[1]: version conflict, document already exists (current version [1])");
    EXPECT_EQ(f["cause"]["shard"], "0");
    EXPECT_EQ(abort.json["version_conflicts"], 1);
    EXPECT_EQ(abort.json["created"], 4); // the rest of the batch is written
    const auto proceed =
        sim.post("/_reindex", {{"conflicts", "proceed"},
                               {"source", {{"index", "src"}}},
                               {"dest", {{"index", "dest"}, {"op_type", "create"}}}});
    ASSERT_EQ(proceed.status, 200) << proceed.body;
    EXPECT_EQ(proceed.json["version_conflicts"], 5);
    EXPECT_EQ(proceed.json["created"], 0);
    EXPECT_TRUE(proceed.json["failures"].empty());
    EXPECT_EQ(sim.get("/dest/_doc/1").json["_source"]["n"], 100);
}

TEST(Reindex, ScriptIsRefusedWithAClearError) {
    Sim sim;
    load(sim, "src", 1);
    const auto r = sim.post("/_reindex", {{"source", {{"index", "src"}}},
                                          {"dest", {{"index", "dst"}}},
                                          {"script", {{"source", "ctx._source.x = 1"}}}});
    EXPECT_EQ(r.status, 501);
    EXPECT_EQ(r.json["error"]["type"], "es_sim_unsupported_exception");
    EXPECT_NE(r.json["error"]["reason"].get<std::string>().find("script"), std::string::npos);
    EXPECT_EQ(sim.head("/dst").status, 404);
}

TEST(Reindex, RequestValidationMatchesElasticsearch) {
    Sim sim;
    load(sim, "src", 1);
    struct Case {
        std::string path;
        json body;
        int status;
        std::string type;
        std::string reason;
    };
    const std::vector<Case> cases = {
        // ReindexRequest.validate.
        {"/_reindex",
         {{"source", json::object()}, {"dest", {{"index", "d"}}}},
         400,
         "action_request_validation_exception",
         "Validation Failed: 1: use _all if you really want to copy from all existing indexes;"},
        {"/_reindex",
         {{"source", {{"index", "src"}}}, {"dest", json::object()}},
         400,
         "action_request_validation_exception",
         "Validation Failed: 1: index must be specified;"},
        {"/_reindex",
         {{"source", {{"index", "src"}}}, {"dest", {{"index", "src"}}}},
         400,
         "action_request_validation_exception",
         "Validation Failed: 1: reindex cannot write into an index its reading from [src];"},
        {"/_reindex",
         {{"source", {{"index", "src"}, {"_source", false}}}, {"dest", {{"index", "d"}}}},
         400,
         "action_request_validation_exception",
         "Validation Failed: 1: _source:false is not supported in this context;"},
        // AbstractBulkByScrollRequest.setConflicts.
        {"/_reindex",
         {{"conflicts", "maybe"}, {"source", {{"index", "src"}}}, {"dest", {{"index", "d"}}}},
         400,
         "illegal_argument_exception",
         "conflicts may only be \"proceed\" or \"abort\" but was [maybe]"},
        {"/_reindex?slices=0",
         {{"source", {{"index", "src"}}}, {"dest", {{"index", "d"}}}},
         400,
         "illegal_argument_exception",
         "[slices] must be a positive integer or the string \"auto\", but was [0]"},
        {"/_reindex?requests_per_second=0",
         {{"source", {{"index", "src"}}}, {"dest", {{"index", "d"}}}},
         400,
         "illegal_argument_exception",
         "[requests_per_second] must be a float greater than 0. Use -1 to disable throttling."},
        // ReindexValidator.checkRemoteWhitelist with an empty whitelist.
        {"/_reindex",
         {{"source", {{"index", "src"}, {"remote", {{"host", "http://otherhost:9200"}}}}},
          {"dest", {{"index", "d"}}}},
         400,
         "illegal_argument_exception",
         "[otherhost:9200] not whitelisted in reindex.remote.whitelist"},
        {"/_reindex",
         {{"source", {{"index", "missing"}}}, {"dest", {{"index", "d"}}}},
         404,
         "index_not_found_exception",
         "no such index [missing]"},
        {"/_reindex",
         {{"source", {{"index", "src"}}}, {"dest", {{"index", "d"}}}, {"foo", 1}},
         400,
         "x_content_parse_exception",
         "[1:23] [reindex] unknown field [foo]"},
    };
    for (const auto& c : cases) {
        const auto r = sim.post(c.path, c.body);
        EXPECT_EQ(r.status, c.status) << c.body.dump() << " -> " << r.body;
        EXPECT_EQ(r.json["error"]["type"], c.type) << r.body;
        EXPECT_EQ(r.json["error"]["reason"], c.reason) << r.body;
    }
}

TEST(Reindex, SourceQueryMaxDocsSourceFilteringAndSeveralIndices) {
    Sim sim;
    load(sim, "a", 20);
    load(sim, "b", 10, 100);
    // Several indices as a comma list, a query and _source filtering.
    const auto r =
        sim.post("/_reindex?refresh=true", {{"source",
                                             {{"index", "a,b"},
                                              {"query", {{"term", {{"tag.keyword", "even"}}}}},
                                              {"_source", json::array({"n"})}}},
                                            {"dest", {{"index", "evens"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["total"], 15);
    EXPECT_EQ(count(sim, "evens"), 15);
    EXPECT_EQ(sim.get("/evens/_doc/104").json["_source"], json({{"n", 104}}));
    // max_docs in the body, and an index pattern.
    const auto m = sim.post("/_reindex", {{"max_docs", 7},
                                          {"source", {{"index", json::array({"a*"})}}},
                                          {"dest", {{"index", "seven"}}}});
    ASSERT_EQ(m.status, 200) << m.body;
    EXPECT_EQ(m.json["total"], 7);
    EXPECT_EQ(count(sim, "seven"), 7);
}

TEST(Reindex, ManualAndAutomaticSlicesCoverEveryDocumentOnce) {
    Sim sim;
    load(sim, "src", 40);
    std::int64_t created = 0;
    for (int id = 0; id < 2; ++id) {
        const auto r = sim.post(
            "/_reindex", {{"source", {{"index", "src"}, {"slice", {{"id", id}, {"max", 2}}}}},
                          {"dest", {{"index", "sliced"}}}});
        ASSERT_EQ(r.status, 200) << r.body;
        created += r.json["created"].get<std::int64_t>();
        EXPECT_GT(r.json["created"].get<std::int64_t>(), 0);
    }
    EXPECT_EQ(created, 40);
    EXPECT_EQ(count(sim, "sliced"), 40);
    const auto s = sim.post("/_reindex?slices=3",
                            {{"source", {{"index", "src"}}}, {"dest", {{"index", "three"}}}});
    ASSERT_EQ(s.status, 200) << s.body;
    EXPECT_EQ(s.json["created"], 40);
    ASSERT_EQ(s.json["slices"].size(), 3U);
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(s.json["slices"][i]["slice_id"], i);
        sum += s.json["slices"][i]["created"].get<std::int64_t>();
    }
    EXPECT_EQ(sum, 40);
    // slices=auto: one per shard, and es-sim's indices have one.
    const auto a = sim.post("/_reindex?slices=auto",
                            {{"source", {{"index", "src"}}}, {"dest", {{"index", "auto"}}}});
    EXPECT_EQ(a.json["created"], 40);
    EXPECT_FALSE(a.json.contains("slices"));
}

TEST(Reindex, ExternalVersionTypeKeepsTheSourceVersion) {
    Sim sim;
    ASSERT_EQ(sim.put("/src/_doc/1", {{"v", 1}}).status, 201);
    ASSERT_EQ(sim.put("/src/_doc/1", {{"v", 2}}).status, 200);
    ASSERT_EQ(sim.put("/src/_doc/2?refresh=true", {{"v", 1}}).status, 201);
    ASSERT_EQ(sim.put("/dst/_doc/2", {{"v", 0}}).status, 201);
    ASSERT_EQ(sim.put("/dst/_doc/2", {{"v", 0}}).status, 200); // version 2 > source's 1
    const auto r =
        sim.post("/_reindex", {{"conflicts", "proceed"},
                               {"source", {{"index", "src"}}},
                               {"dest", {{"index", "dst"}, {"version_type", "external"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["created"], 1);
    EXPECT_EQ(r.json["version_conflicts"], 1);
    EXPECT_EQ(sim.get("/dst/_doc/1").json["_version"], 2);
    EXPECT_EQ(sim.get("/dst/_doc/2").json["_source"]["v"], 0);
}

TEST(Reindex, DestinationPipelineRuns) {
    Sim sim;
    load(sim, "src", 3);
    ASSERT_EQ(
        sim.put("/_ingest/pipeline/mark",
                {{"processors", json::array({{{"set", {{"field", "marked"}, {"value", true}}}}})}})
            .status,
        200);
    const auto r = sim.post("/_reindex", {{"source", {{"index", "src"}}},
                                          {"dest", {{"index", "dst"}, {"pipeline", "mark"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(sim.get("/dst/_doc/2").json["_source"]["marked"], true);
}

TEST(Reindex, BadIpIntoDataStreamAbortsAtThatBatchKeepingEarlierBatches) {
    Sim sim;
    ASSERT_EQ(sim.put("/_index_template/logs-ip",
                      {{"index_patterns", {"logs-ip-*"}},
                       {"data_stream", json::object()},
                       {"template",
                        {{"mappings",
                          {{"properties",
                            {{"@timestamp", {{"type", "date"}}},
                             {"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}}}}}}}}})
                  .status,
              200);
    std::string body;
    for (int i = 0; i < 30; ++i) {
        const std::string ip = i == 17 ? "not-an-ip" : "10.0.0." + std::to_string(i);
        body += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n";
        body += R"({"@timestamp":"2024-01-01T00:00:00Z","host":{"ip":")" + ip + "\"}}\n";
    }
    ASSERT_EQ(sim.post_raw("/temp/_bulk?refresh=true", body).status, 200);
    // Without op_type create, every write into a data stream fails (es-apis.md §5.2).
    const auto index_op = sim.post("/_reindex", {{"source", {{"index", "temp"}, {"size", 10}}},
                                                 {"dest", {{"index", "logs-ip-default"}}}});
    EXPECT_EQ(index_op.status, 400) << index_op.body;
    EXPECT_EQ(index_op.json["failures"][0]["cause"]["reason"],
              "only write ops with an op_type of create are allowed in data streams");

    const auto r =
        sim.post("/_reindex", {{"source", {{"index", "temp"}, {"size", 10}}},
                               {"dest", {{"index", "logs-ip-default"}, {"op_type", "create"}}}});
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["batches"], 2);
    EXPECT_EQ(r.json["created"], 19); // batch 1, and batch 2 but the bad document
    ASSERT_EQ(r.json["failures"].size(), 1U);
    const auto& f = r.json["failures"][0];
    EXPECT_EQ(f["id"], "17");
    EXPECT_EQ(f["status"], 400);
    EXPECT_TRUE(f["index"].get<std::string>().starts_with(".ds-logs-ip-default-")) << f;
    EXPECT_EQ(f["cause"]["type"], "document_parsing_exception");
    EXPECT_EQ(f["cause"]["caused_by"]["type"], "illegal_argument_exception");
    EXPECT_EQ(f["cause"]["caused_by"]["reason"], "'not-an-ip' is not an IP string literal.");
    EXPECT_EQ(count(sim, "logs-ip-default"), 19); // the third batch never ran
}

TEST(Reindex, HundredThousandDocumentsObservedAtProgressPoints) {
    Options options;
    options.reindex_docs_per_second = 80000; // ~1.25 s of simulated work
    Sim sim(options);
    load(sim, "big", 100000);
    const auto r =
        sim.post("/_reindex?wait_for_completion=false",
                 {{"source", {{"index", "big"}, {"size", 2000}}}, {"dest", {{"index", "copy"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto id = r.json["task"].get<std::string>();
    std::vector<std::int64_t> progress;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    Http t;
    while (std::chrono::steady_clock::now() < deadline) {
        t = sim.get("/_tasks/" + id);
        ASSERT_EQ(t.status, 200) << t.body;
        if (t.json["completed"].get<bool>())
            break;
        const auto& st = t.json["task"]["status"];
        // BulkByScrollTask.Status.total is 0 until the first search batch has come back (ES
        // WorkerBulkByScrollTaskState.setTotal), so a poll may land before it is known.
        if (st["total"] != 0) {
            EXPECT_EQ(st["total"], 100000);
        }
        const auto created = st["created"].get<std::int64_t>();
        if (created > 0 && created < 100000 && (progress.empty() || created > progress.back()))
            progress.push_back(created);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(t.json["completed"].get<bool>()) << t.body;
    EXPECT_GE(progress.size(), 3U) << "progress points seen: " << progress.size();
    EXPECT_EQ(t.json["response"]["created"], 100000);
    EXPECT_EQ(t.json["response"]["batches"], 50);
    EXPECT_EQ(count(sim, "copy"), 100000);
}

TEST(Reindex, CancelStopsTheTaskByUserRequest) {
    Options options;
    options.reindex_docs_per_second = 200;
    Sim sim(options);
    load(sim, "src", 200);
    const auto r =
        sim.post("/_reindex?wait_for_completion=false",
                 {{"source", {{"index", "src"}, {"size", 10}}}, {"dest", {{"index", "dst"}}}});
    const auto id = r.json["task"].get<std::string>();
    // Wait for the first batch, then cancel.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline &&
           sim.get("/_tasks/" + id).json["task"]["status"]["batches"].get<std::int64_t>() < 1)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto c = sim.post("/_tasks/" + id + "/_cancel", json::object());
    ASSERT_EQ(c.status, 200) << c.body;
    EXPECT_TRUE(c.json["nodes"].begin().value()["tasks"].contains(id)) << c.body;
    const auto done = wait_task(sim, id);
    EXPECT_EQ(done.json["completed"], true);
    // es-apis.md §1.8 (KB Upgrade Assistant checks this exact text).
    EXPECT_EQ(done.json["task"]["status"]["canceled"], "by user request");
    EXPECT_EQ(done.json["response"]["canceled"], "by user request");
    EXPECT_LT(done.json["response"]["created"].get<std::int64_t>(), 200);
    EXPECT_EQ(count(sim, "dst"), done.json["response"]["created"].get<std::int64_t>());
}

TEST(Reindex, RequestsPerSecondThrottlesAndRethrottleSpeedsUp) {
    Sim sim;
    load(sim, "src", 40);
    // 10 docs per batch at 20 docs/s: each batch is followed by a 0.5 s wait.
    const auto started = std::chrono::steady_clock::now();
    const auto r =
        sim.post("/_reindex?wait_for_completion=false&requests_per_second=20",
                 {{"source", {{"index", "src"}, {"size", 10}}}, {"dest", {{"index", "dst"}}}});
    const auto id = r.json["task"].get<std::string>();
    Http t;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        t = sim.get("/_tasks/" + id);
        if (t.json["task"]["status"]["batches"].get<std::int64_t>() >= 2)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto& st = t.json["task"]["status"];
    EXPECT_EQ(st["requests_per_second"], 20.0);
    EXPECT_GE(st["throttled_millis"].get<std::int64_t>(), 500);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(450));
    // Unthrottle: the pending wait is rescheduled at once (ReindexRethrottleRequestExample1).
    const auto rt =
        sim.post("/_reindex/" + id + "/_rethrottle?requests_per_second=-1", json::object());
    ASSERT_EQ(rt.status, 200) << rt.body;
    EXPECT_EQ(rt.json["nodes"].begin().value()["tasks"][id]["status"]["requests_per_second"], -1.0);
    const auto done = wait_task(sim, id);
    EXPECT_EQ(done.json["response"]["created"], 40);
    EXPECT_EQ(done.json["response"]["requests_per_second"], -1.0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1900));
}

TEST(Reindex, SynchronousReindexIsAlsoARunningTask) {
    Options options;
    options.reindex_docs_per_second = 100;
    Sim sim(options);
    load(sim, "src", 60);
    // The synchronous request runs on its own connection; this one watches the task list.
    Http sync;
    std::thread runner([&] {
        sync = sim.post("/_reindex", {{"source", {{"index", "src"}, {"size", 10}}},
                                      {"dest", {{"index", "dst"}}}});
    });
    bool seen = false;
    httplib::Client c("127.0.0.1", std::stoi(sim.url().substr(sim.url().rfind(':') + 1)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!seen && std::chrono::steady_clock::now() < deadline) {
        auto res = c.Get("/_tasks?actions=*reindex");
        if (res) {
            const auto j = json::parse(res->body, nullptr, false);
            for (const auto& [node, n] : j["nodes"].items())
                seen = seen || !n["tasks"].empty();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    runner.join();
    EXPECT_TRUE(seen);
    EXPECT_EQ(sync.status, 200);
    EXPECT_EQ(sync.json["created"], 60);
}

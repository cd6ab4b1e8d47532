// esmend ingest end to end: the real Go program (tests/expvar_target), es-sim in-process, and the
// esmend binary or the Collector. Nothing may be lost or duplicated, whatever the cluster does.
#include <es_client/curl_transport.hpp>
#include <es_client/http_poller.hpp>
#include <es_client/retrying_transport.hpp>
#include <playbooks/control_index.hpp>
#include <tool/collector.hpp>

#include "support/background_process.hpp"
#include "support/es_sim_fixture.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <set>
#include <thread>

using namespace esmend;
using namespace esmend::test;
using es_client::Method;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string k_heap_stream = "logs-golang.heap-default";
const std::string k_expvar = "logs-golang.expvar-default";

std::map<std::string, std::string> env_for(const EsSim& sim) {
    return {{"ELASTICSEARCH_HOSTS", sim.url()},
            {"ESMEND_CONFIG", ""},
            {"XDG_CONFIG_HOME", "/nonexistent"},
            {"ELASTICSEARCH_USERNAME", ""},
            {"ELASTICSEARCH_PASSWORD", ""}};
}

std::string http_get(const std::string& base, const std::string& path) {
    httplib::Client client(base);
    auto r = client.Get(path.c_str());
    return r ? r->body : std::string();
}

json search(EsSim& sim, const std::string& target, json body) {
    sim.call(Method::post, "/" + target + "/_refresh");
    return sim.call(Method::post, "/" + target + "/_search", &body);
}

std::vector<json> heap_docs_by_time(EsSim& sim) {
    auto r = search(sim, k_heap_stream,
                    {{"size", 100}, {"sort", json::array({{{"@timestamp", "asc"}}})}});
    std::vector<json> out;
    for (const auto& h : r["hits"]["hits"])
        out.push_back(h["_source"]);
    return out;
}

std::unique_ptr<tool::Collector> collector_for(es_client::Elasticsearch& es, const TempDir& dir,
                                               es_client::Clock& clock) {
    tool::CollectorOptions o;
    o.spool_dir = dir.path() / "spool";
    o.dead_letter_file = dir.path() / "dead-letter.ndjson";
    auto c = tool::Collector::create(es, o, clock, nullptr);
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
}

std::string capture(int i) {
    return R"({"cmdline":["./svc"],"memstats":{"HeapAlloc":)" + std::to_string(1000 + i) +
           R"(,"NumGC":0,"PauseNs":[]},"requests":)" + std::to_string(i) + "}";
}

} // namespace

TEST(Ingest, IndexesHeapAndExpvarFromRealGoProgram) {
    EsSim sim;
    sim.install_golang_assets();
    BackgroundProcess go({ESMEND_EXPVAR_TARGET, "-listen", "127.0.0.1:0"});
    http_get(go.first_line(), "/gc"); // so that LastGC is set
    TempDir dir;
    auto r = run_process({ESMEND_BINARY, "ingest", "--json", "--once", "--target", go.first_line(),
                          "--spool-dir", dir.file("spool"), "--dead-letter", dir.file("dl.ndjson")},
                         env_for(sim));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = json::parse(r.out);
    EXPECT_EQ(summary["stats"]["indexed"], 2);
    EXPECT_EQ(sim.count(k_heap_stream), 1);
    EXPECT_EQ(sim.count(k_expvar), 1);

    const auto heap = search(sim, k_heap_stream, {{"size", 1}})["hits"]["hits"][0]["_source"];
    EXPECT_GT(heap["golang"]["heap"]["allocations"]["object"]["bytes"].get<std::int64_t>(), 0);
    EXPECT_EQ(heap["golang"]["heap"]["cmdline"][0], ESMEND_EXPVAR_TARGET);
    EXPECT_EQ(heap["service"]["address"], go.first_line());
    EXPECT_FALSE(heap["event"]["ingested"].is_null()) << "stamped by esmend's pipeline";
    const auto expvar = search(sim, k_expvar, {{"size", 1}})["hits"]["hits"][0]["_source"];
    const auto& custom = expvar["golang"]["expvar"]["custom"];
    EXPECT_EQ(custom["build_version"], "1.4.2");
    EXPECT_EQ(custom["load_factor"], 0.75);
    EXPECT_EQ(custom["queues"]["ingest"], 3);
    EXPECT_TRUE(custom["requests"].is_number_integer());
    EXPECT_TRUE(custom["uptime_seconds"].is_number_integer());
    EXPECT_GT(expvar["golang"]["expvar"]["gc"]["last_finished"]["ns"].get<std::uint64_t>(), 0u);

    // Custom strings map as keyword through strings_as_keyword, as in Fleet.
    const auto mapping = sim.call(Method::get, "/" + k_expvar + "/_mapping");
    const auto& props =
        mapping.begin()
            .value()["mappings"]["properties"]["golang"]["properties"]["expvar"]["properties"];
    EXPECT_EQ(props["custom"]["properties"]["build_version"]["type"], "keyword");
}

TEST(Ingest, PauseStatsFollowCollectionsAndSurviveTargetRestart) {
    EsSim sim;
    sim.install_golang_assets();
    TempDir dir;
    es_client::SystemClock clock;
    auto collector = collector_for(sim.es(), dir, clock);
    auto go = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{ESMEND_EXPVAR_TARGET, "-listen", "127.0.0.1:0"});
    const std::string url = go->first_line();
    auto poll = [&] {
        const auto body = http_get(url, "/debug/vars");
        ASSERT_TRUE(collector->accept(body, url, std::chrono::system_clock::now(),
                                      tool::Collector::IdFrom::timestamp));
        ASSERT_TRUE(collector->flush());
        std::this_thread::sleep_for(5ms); // distinct millisecond timestamps
    };
    poll();
    http_get(url, "/alloc?mb=1&gc=3");
    poll();
    // The target restarts on the same port: NumGC starts again from zero.
    go.reset();
    const auto port = url.substr(url.rfind(':') + 1);
    go = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{ESMEND_EXPVAR_TARGET, "-listen", "127.0.0.1:" + port});
    http_get(url, "/gc");
    http_get(url, "/gc");
    poll();

    const auto docs = heap_docs_by_time(sim);
    ASSERT_EQ(docs.size(), 3u);
    const auto total = [](const json& d) {
        return d["golang"]["heap"]["gc"]["total"]["count"].get<std::int64_t>();
    };
    const auto pause_count = [](const json& d) {
        return d["golang"]["heap"]["gc"]["pause"].value("count", std::int64_t{0});
    };
    EXPECT_GE(total(docs[1]) - total(docs[0]), 3);
    EXPECT_EQ(pause_count(docs[1]), total(docs[1]) - total(docs[0]))
        << "only the cycles since the previous poll";
    EXPECT_GE(total(docs[2]), 2);
    EXPECT_EQ(pause_count(docs[2]), total(docs[2]))
        << "after a restart every cycle of the new process counts";
    const auto& pause = docs[1]["golang"]["heap"]["gc"]["pause"];
    EXPECT_GE(pause["max"]["ns"].get<std::int64_t>(), pause["avg"]["ns"].get<std::int64_t>());
    EXPECT_EQ(pause["sum"]["ns"].get<std::int64_t>() / pause_count(docs[1]),
              pause["avg"]["ns"].get<std::int64_t>());
}

TEST(Ingest, NothingLostOrDuplicatedUnder429StormAndDroppedConnections) {
    EsSim sim;
    sim.install_golang_assets();
    const json faults = {
        {"seed", 7}, {"rate_429", 0.4}, {"rate_drop", 0.15}, {"paths", {"/_bulk"}}};
    sim.call(Method::post, "/_sim/faults", &faults);
    TempDir dir;
    std::string captures;
    for (int i = 0; i < 120; ++i)
        captures += capture(i) + "\n";
    const auto file = dir.write("captures.ndjson", captures);
    const std::vector<std::string> args = {ESMEND_BINARY,
                                           "ingest",
                                           "--json",
                                           "--from-file",
                                           file,
                                           "--batch-size",
                                           "10",
                                           "--retries",
                                           "12",
                                           "--max-backoff",
                                           "0.05",
                                           "--spool-dir",
                                           dir.file("spool"),
                                           "--dead-letter",
                                           dir.file("dl.ndjson")};
    auto r = run_process(args, env_for(sim));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("retrying"), std::string::npos) << "the storm really happened";
    sim.call(Method::del, "/_sim/faults");
    for (const auto& ds : {k_heap_stream, k_expvar}) {
        const auto ids = sim.ids(ds);
        EXPECT_EQ(ids.size(), 120u) << ds;
        EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 120u)
            << ds << ": duplicates";
    }
    // Replaying the same captures stores nothing twice: the ids come from the bodies.
    auto again = run_process(args, env_for(sim));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(json::parse(again.out)["stats"]["already_stored"], 240);
    EXPECT_EQ(sim.count(k_heap_stream), 120);
}

TEST(Ingest, SpoolsWhileClusterIsDownAndDrainsAfterwards) {
    TempDir dir;
    es_client::SystemClock clock;
    {
        // A cluster that is not there: every document must land in the spool.
        es_client::TransportOptions t;
        t.hosts = {
            *es_client::parse_base_url("http://127.0.0.1:" + std::to_string(unused_port()), 9200)};
        es_client::Elasticsearch down(
            std::shared_ptr<es_client::Transport>(std::move(*es_client::CurlTransport::create(t))));
        auto collector = collector_for(down, dir, clock);
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(collector->accept(capture(i), "http://svc:6060",
                                          std::chrono::system_clock::now() + i * 1ms,
                                          tool::Collector::IdFrom::timestamp));
        }
        ASSERT_TRUE(collector->flush());
        EXPECT_EQ(collector->stats().spooled, 6u);
        EXPECT_EQ(collector->spooled_now(), 6u);
    }
    EsSim sim;
    sim.install_golang_assets();
    auto collector = collector_for(sim.es(), dir, clock);
    EXPECT_EQ(collector->spooled_now(), 6u) << "the spool survives the process";
    ASSERT_TRUE(collector->accept(capture(9), "http://svc:6060",
                                  std::chrono::system_clock::now() + 10ms,
                                  tool::Collector::IdFrom::timestamp));
    ASSERT_TRUE(collector->flush());
    EXPECT_EQ(collector->spooled_now(), 0u);
    EXPECT_EQ(sim.count(k_heap_stream), 4);
    EXPECT_EQ(sim.count(k_expvar), 4);
    // The spooled documents went first: they carry the older timestamps.
    const auto docs = heap_docs_by_time(sim);
    EXPECT_EQ(docs.back()["golang"]["heap"]["allocations"]["object"]["bytes"], 1009);
}

TEST(Ingest, PausedStreamIsSpooledUntilTheMarkerIsCleared) {
    EsSim sim;
    sim.install_golang_assets();
    TempDir dir;
    es_client::SystemClock clock;
    auto collector = collector_for(sim.es(), dir, clock);
    ASSERT_TRUE(
        playbooks::set_pause(sim.es(), {k_heap_stream, "repair test", "2026-01-01T00:00:00.000Z"}));
    ASSERT_TRUE(collector->accept(capture(1), "http://svc:6060", std::chrono::system_clock::now(),
                                  tool::Collector::IdFrom::timestamp));
    ASSERT_TRUE(collector->flush());
    EXPECT_EQ(sim.count(k_expvar), 1) << "only the paused stream waits";
    EXPECT_EQ(sim.call(Method::get, "/_data_stream/" + k_heap_stream + "*")["data_streams"].size(),
              0u)
        << "nothing written to the paused stream";
    EXPECT_EQ(collector->spooled_now(), 1u);
    ASSERT_TRUE(playbooks::clear_pause(sim.es(), k_heap_stream));
    ASSERT_TRUE(collector->flush());
    EXPECT_EQ(sim.count(k_heap_stream), 1);
    EXPECT_EQ(collector->spooled_now(), 0u);
}

TEST(Ingest, MappingErrorGoesToDeadLetterNeverDropped) {
    EsSim sim;
    sim.install_golang_assets();
    // The user's @custom template maps a custom var as long; the program publishes a string.
    const auto custom =
        json::parse(R"({"template":{"mappings":{"properties":{"golang":{"properties":{"expvar":{
        "properties":{"custom":{"properties":{"build_version":{"type":"long"}}}}}}}}}}})");
    sim.call(Method::put, "/_component_template/logs-golang.expvar@custom", &custom);
    TempDir dir;
    es_client::SystemClock clock;
    auto collector = collector_for(sim.es(), dir, clock);
    const std::string body = R"({"memstats":{"Sys":1},"build_version":"1.4.2"})";
    ASSERT_TRUE(collector->accept(body, "http://svc:6060", std::chrono::system_clock::now(),
                                  tool::Collector::IdFrom::timestamp));
    ASSERT_TRUE(collector->flush());
    EXPECT_EQ(collector->stats().dead_lettered, 1u);
    EXPECT_EQ(sim.count(k_heap_stream), 1);
    std::ifstream in(dir.file("dead-letter.ndjson"));
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const auto dl = json::parse(line);
    EXPECT_EQ(dl["index"], k_expvar);
    EXPECT_EQ(dl["status"], 400);
    EXPECT_EQ(dl["error"]["type"], "document_parsing_exception");
    EXPECT_EQ(dl["document"]["golang"]["expvar"]["custom"]["build_version"], "1.4.2");
}

// systemd's control-group kill and coreutils `timeout` deliver SIGTERM to the process and to its
// group, so one stop request can arrive twice; only a second Ctrl-C (SIGINT) may end the process.
TEST(Ingest, RepeatedSigtermIsOneStopRequest) {
    EsSim sim;
    sim.install_golang_assets();
    BackgroundProcess go({ESMEND_EXPVAR_TARGET, "-listen", "127.0.0.1:0"});
    TempDir dir;
    const std::string script =
        std::string{"\""} + ESMEND_BINARY +
        "\" ingest --json --period 200ms --target \"$1\" --spool-dir \"$2\" & "
        "pid=$!; sleep 1.5; kill -TERM $pid; kill -TERM $pid; wait $pid";
    auto r = run_process({"/bin/sh", "-c", script, "sh", go.first_line(), dir.file("spool")},
                         env_for(sim));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stats = json::parse(r.out)["stats"];
    EXPECT_EQ(sim.count(k_heap_stream), stats["polls_ok"].get<int>());
    EXPECT_EQ(stats["spooled_now"], 0);
}

TEST(Ingest, SigtermFlushesAndExitsZero) {
    EsSim sim;
    sim.install_golang_assets();
    BackgroundProcess go({ESMEND_EXPVAR_TARGET, "-listen", "127.0.0.1:0"});
    TempDir dir;
    auto r = run_process({"/usr/bin/timeout", "--preserve-status", "-s", "TERM", "2", ESMEND_BINARY,
                          "ingest", "--json", "--period", "200ms", "--target", go.first_line(),
                          "--spool-dir", dir.file("spool"), "--dead-letter", dir.file("dl.ndjson")},
                         env_for(sim));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stats = json::parse(r.out)["stats"];
    EXPECT_GE(stats["polls_ok"].get<int>(), 3);
    EXPECT_EQ(sim.count(k_heap_stream), stats["polls_ok"].get<int>());
    EXPECT_EQ(stats["spooled_now"], 0);
}

// Issue #5: a delivery runs on its own thread while the next documents are shaped. flush_async()
// hands the batch over and returns before Elasticsearch has answered (es-sim holds every _bulk for
// 2 s here); the next flush_async() waits for it, and flush() ends the last one. Nothing is lost
// or counted twice.
TEST(Ingest, AsyncDeliveryOverlapsShapingAndLosesNothing) {
    EsSim sim;
    sim.install_golang_assets();
    const json faults = {{"latency_ms", 2000}, {"paths", {"/_bulk"}}};
    sim.call(Method::post, "/_sim/faults", &faults);
    TempDir dir;
    es_client::SystemClock clock;
    auto collector = collector_for(sim.es(), dir, clock);
    const auto at = std::chrono::system_clock::now();
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(collector->accept(capture(i), "http://svc:6060", at + i * 1ms,
                                      tool::Collector::IdFrom::timestamp));
    ASSERT_TRUE(collector->flush_async());
    EXPECT_EQ(collector->queued(), 0u);
    EXPECT_EQ(collector->stats().indexed, 0u) << "flush_async returned before the answer";
    // Shaped while the first batch is on its way.
    for (int i = 3; i < 5; ++i)
        ASSERT_TRUE(collector->accept(capture(i), "http://svc:6060", at + i * 1ms,
                                      tool::Collector::IdFrom::timestamp));
    ASSERT_TRUE(collector->flush_async()); // waits for the first, sends the second
    EXPECT_EQ(collector->stats().indexed, 6u);
    ASSERT_TRUE(collector->flush());
    sim.call(Method::del, "/_sim/faults");
    EXPECT_EQ(collector->stats().indexed, 10u);
    EXPECT_EQ(collector->stats().polls_ok, 5u);
    EXPECT_EQ(sim.count(k_heap_stream), 5);
    EXPECT_EQ(sim.count(k_expvar), 5);
}

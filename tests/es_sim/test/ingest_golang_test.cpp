// The Golang integration's ingest pipelines run on its own pipeline-test inputs, compared with
// the package's *-expected.json (shared/fixtures/golang-integration). The pipelines below are the
// package's data, converted from YAML to JSON without changes:
//   elastic/integrations:packages/golang/data_stream/{heap,expvar}/elasticsearch/ingest_pipeline/
//   default.yml@6366e43 (package 1.6.0; summarised in shared/reference/golang-integration.md §2.3).
// elastic-package feeds each line of a .log pipeline-test file as {"message": line}; the
// expected files show tags ["preserve_original_event"], so the test config adds that tag.

#include "ingest/ingest.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace esmend::es_sim::ingest {
namespace {

using nlohmann::json;

const std::string k_fixtures = std::string(ESMEND_SHARED_DIR) + "/fixtures/golang-integration/data_stream/";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The script processor and pipeline on_failure shared by both pipelines.
json common_tail() {
    return json::parse(R"JSON({"script":{"description":"Drops null/empty values recursively.","lang":"painless",
      "source":"boolean drop(Object o) {\n  if (o == null || o == \"\") {\n    return true;\n  } else if (o instanceof Map) {\n    ((Map) o).values().removeIf(v -> drop(v));\n    return (((Map) o).size() == 0);\n  } else if (o instanceof List) {\n    ((List) o).removeIf(v -> drop(v));\n    return (((List) o).length == 0);\n  }\n  return false;\n}\ndrop(ctx);\n"}})JSON");
}

json pipeline_for(const std::string& dataset, const std::vector<std::pair<std::string, std::string>>& renames,
                  bool expvar) {
    json procs = json::array();
    procs.push_back({{"set", {{"field", "ecs.version"}, {"value", "8.11.0"}}}});
    procs.push_back({{"set", {{"field", "event.dataset"}, {"value", "golang." + dataset}}}});
    procs.push_back({{"set", {{"field", "event.type"}, {"value", json::array({"info"})}}}});
    procs.push_back({{"set", {{"field", "event.kind"}, {"value", "metric"}}}});
    procs.push_back({{"set", {{"field", "event.module"}, {"value", "golang"}}}});
    procs.push_back({{"rename",
                      {{"field", "message"}, {"target_field", "event.original"}, {"ignore_missing", true},
                       {"if", "ctx.event?.original == null"}}}});
    procs.push_back(json::parse(R"({"json":{"field":"event.original","target_field":"json","on_failure":[
        {"append":{"field":"error.message","value":"{{{_ingest.on_failure_message}}}"}}]}})"));
    for (const auto& [from, to] : renames) {
        procs.push_back({{"rename", {{"field", from}, {"target_field", "golang." + dataset + "." + to}, {"ignore_missing", true}}}});
    }
    procs.push_back({{"remove",
                      {{"field", "event.original"},
                       {"if", "ctx.tags == null || !(ctx.tags.contains('preserve_original_event'))"},
                       {"ignore_missing", true}}}});
    if (expvar) {
        procs.push_back({{"remove", {{"field", json::array({"json.memstats"})}, {"ignore_missing", true}}}});
        procs.push_back({{"rename", {{"field", "json"}, {"target_field", "golang.expvar.custom"}, {"ignore_missing", true}}}});
    } else {
        procs.push_back({{"remove", {{"field", json::array({"json"})}, {"ignore_missing", true}}}});
    }
    procs.push_back(common_tail());
    return json{{"description", "Pipeline for parsing Golang " + dataset + " metrics."},
                {"processors", procs},
                {"on_failure", json::parse(R"([{"set":{"field":"error.message","value":"{{{_ingest.on_failure_message}}}"}},
                    {"append":{"field":"event.kind","value":"pipeline_error","allow_duplicates":false}}])")}};
}

json heap_pipeline() {
    return pipeline_for("heap",
                        {{"json.memstats.HeapInuse", "allocations.active.bytes"},
                         {"json.memstats.Frees", "allocations.frees.count"},
                         {"json.memstats.HeapIdle", "allocations.idle.bytes"},
                         {"json.memstats.HeapAlloc", "allocations.object.bytes"},
                         {"json.memstats.HeapObjects", "allocations.object.count"},
                         {"json.memstats.TotalAlloc", "allocations.total.bytes"},
                         {"json.cmdline", "cmdline"},
                         {"json.memstats.GCCPUFraction", "gc.cpu_fraction"},
                         {"json.memstats.NextGC", "gc.next_gc_limit"},
                         {"json.memstats.NumGC", "gc.total.count"},
                         {"json.memstats.PauseTotalNs", "gc.pause.total.ns"},
                         {"json.memstats.Mallocs", "mallocs.count"},
                         {"json.memstats.HeapReleased", "system.released.bytes"},
                         {"json.memstats.StackSys", "system.stack.bytes"},
                         {"json.memstats.HeapSys", "system.total.bytes"}},
                        false);
}

json expvar_pipeline() {
    return pipeline_for("expvar",
                        {{"json.memstats.BuckHashSys", "buck_hash_sys.bytes"},
                         {"json.cmdline", "cmdline"},
                         {"json.memstats.LastGC", "gc.last_finished.ns"},
                         {"json.memstats.NumForcedGC", "gc.forced"},
                         {"json.memstats.GCSys", "gc.metadata.memory.bytes"},
                         {"json.memstats.MCacheInuse", "mcache.allocated.bytes"},
                         {"json.memstats.MCacheSys", "mcache.obtained.bytes"},
                         {"json.memstats.MSpanInuse", "mspan.allocated.bytes"},
                         {"json.memstats.MSpanSys", "mspan.obtained.bytes"},
                         {"json.memstats.OtherSys", "obtained.miscellaneous.bytes"},
                         {"json.memstats.Sys", "obtained.total.bytes"},
                         {"json.memstats.Lookups", "pointer.lookups"},
                         {"json.memstats.StackInuse", "stack.bytes"}},
                        true);
}

std::expected<IngestDocument, EsError> ingest(const json& pipeline, const json& source) {
    IngestDocument doc;
    doc.source = source;
    doc.index = "logs-golang-default";
    doc.id = "1";
    doc.ingest_timestamp_millis = 1700000000000;
    auto r = run_pipeline("logs-golang-1.6.0", doc, [&](std::string_view) { return &pipeline; });
    if (!r) return std::unexpected(r.error());
    return doc;
}

void check_pipeline_test(const json& pipeline, const std::string& stream) {
    ASSERT_TRUE(validate_pipeline(pipeline, "logs-golang." + stream + "-1.6.0").has_value());
    const std::string dir = k_fixtures + stream + "/_dev/test/pipeline/test-" + stream + "-metrics.log";
    const std::string line = read_file(dir);
    ASSERT_FALSE(line.empty()) << dir;
    const json expected = json::parse(read_file(dir + "-expected.json"), nullptr, false);
    ASSERT_FALSE(expected.is_discarded());
    auto r = ingest(pipeline, json{{"message", line}, {"tags", json::array({"preserve_original_event"})}});
    ASSERT_TRUE(r.has_value()) << r.error().cause_json().dump();
    EXPECT_EQ(r->source, expected["expected"][0]) << r->source.dump(1);
}

TEST(IngestGolang, HeapPipelineMatchesPackageExpectation) { check_pipeline_test(heap_pipeline(), "heap"); }

TEST(IngestGolang, ExpvarPipelineMatchesPackageExpectation) { check_pipeline_test(expvar_pipeline(), "expvar"); }

TEST(IngestGolang, OriginalRemovedWithoutPreserveTagAndCustomVarsKept) {
    auto r = ingest(expvar_pipeline(),
                    json{{"message", R"({"cmdline":["./t"],"memstats":{"Sys":5},"requests":3,"empty":""})"}});
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->source["event"].contains("original"));
    EXPECT_EQ(r->source["golang"]["expvar"]["custom"], (json{{"requests", 3}}));
    EXPECT_EQ(r->source["golang"]["expvar"]["obtained"]["total"]["bytes"], 5);
}

TEST(IngestGolang, InvalidJsonIsRecordedByTheJsonProcessorHandler) {
    auto r = ingest(heap_pipeline(), json{{"message", "not json"}});
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->source["error"]["message"].is_array());
    EXPECT_EQ(r->source["error"]["message"].size(), 1U);
    EXPECT_EQ(r->source["event"]["kind"], "metric");
    EXPECT_FALSE(r->source.contains("golang"));
}

} // namespace
} // namespace esmend::es_sim::ingest

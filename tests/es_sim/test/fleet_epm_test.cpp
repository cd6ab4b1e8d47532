// es-sim's Fleet EPM: installing golang 0.4.0 / 1.6.0 into the ES side the way Fleet does, and
// the rollover Fleet falls back to when the new mappings cannot be put on the write index
// (es-apis.md §2.3, KB template.ts updateCurrentWriteIndices).
#include "sim_test_support.hpp"

#include <gtest/gtest.h>

namespace esmend::es_sim::testing {
namespace {

using nlohmann::json;

json event(const std::string& ds, const std::string& ts) {
    return json{{"@timestamp", ts},
                {"message", R"({"cmdline":["./app"],"memstats":{"HeapAlloc":1,"NumForcedGC":2}})"},
                {"data_stream", {{"type", "logs"}, {"dataset", ds}, {"namespace", "default"}}},
                {"host", {{"ip", json::array({"10.0.0.1", "fe80::1"})}}}};
}

// host.ip's mapped type in one concrete index ("" when unmapped).
std::string host_ip_type(Sim& sim, const std::string& index) {
    auto m = sim.get("/" + index + "/_mapping");
    auto& ip = m.json[index]["mappings"]["properties"]["host"]["properties"]["ip"];
    return ip.is_object() ? ip.value("type", "") : "";
}

TEST(FleetEpm, GetPackageBeforeInstallIsNotInstalled) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/fleet/epm/packages/golang");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["item"]["status"], "not_installed");
    EXPECT_FALSE(r.json["item"].contains("installationInfo"));
}

TEST(FleetEpm, InstallWritesFleetAssetsIntoEs) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["_meta"]["install_source"], "registry");
    std::set<std::pair<std::string, std::string>> items;
    for (const auto& i : r.json["items"])
        items.emplace(i["id"], i["type"]);
    for (const std::string ds : {"heap", "expvar"}) {
        const std::string base = "logs-golang." + ds;
        EXPECT_TRUE(items.contains({base, "index_template"}));
        EXPECT_TRUE(items.contains({base + "@package", "component_template"}));
        EXPECT_TRUE(items.contains({base + "@custom", "component_template"}));
        EXPECT_TRUE(items.contains({base + "-1.6.0", "ingest_pipeline"}));

        const auto t = sim.get("/_index_template/" + base);
        ASSERT_EQ(t.status, 200) << t.body;
        const auto& it = t.json["index_templates"][0]["index_template"];
        EXPECT_EQ(it["priority"], 200);
        EXPECT_EQ(it["index_patterns"], json::array({base + "-*"}));
        EXPECT_TRUE(it.contains("data_stream"));
        EXPECT_EQ(it["_meta"]["managed_by"], "fleet");
        EXPECT_EQ(it["_meta"]["package"]["name"], "golang");
        EXPECT_EQ(it["_meta"]["package"]["version"], "1.6.0");
        EXPECT_EQ(it["composed_of"],
                  json::array({base + "@package", base + "@custom", ".fleet_globals-1"}));
        EXPECT_EQ(sim.get("/_component_template/" + base + "@package").status, 200);
        EXPECT_EQ(sim.get("/_component_template/" + base + "@custom").status, 200);
        EXPECT_EQ(sim.get("/_ingest/pipeline/" + base + "-1.6.0").status, 200);
    }
    const auto globals = sim.get("/_component_template/.fleet_globals-1");
    ASSERT_EQ(globals.status, 200);
    const auto& mappings =
        globals.json["component_templates"][0]["component_template"]["template"]["mappings"];
    EXPECT_EQ(mappings["dynamic_templates"][0]["strings_as_keyword"]["mapping"]["type"], "keyword");
    EXPECT_EQ(mappings["date_detection"], false);

    const auto info = kb.get("/api/fleet/epm/packages/golang");
    EXPECT_EQ(info.json["item"]["status"], "installed");
    EXPECT_EQ(info.json["item"]["version"], "1.6.0");
    EXPECT_EQ(info.json["item"]["installationInfo"]["version"], "1.6.0");
}

// KB registry fetchInfo -> PackageNotFoundError -> 404 (handlers.ts).
TEST(FleetEpm, UnknownVersionIs404) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.post("/api/fleet/epm/packages/golang/9.9.9", {{"force", true}});
    ASSERT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(
        r.json,
        (json{{"statusCode", 404}, {"error", "Not Found"}, {"message", "golang@9.9.9 not found"}}));
    EXPECT_EQ(sim.get("/_index_template/logs-golang.heap").status, 404);
}

TEST(FleetEpm, UnknownBodyKeyIsConfigSchemaError) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"forse", true}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["message"], "[request body.forse]: definition for this key is missing");
}

TEST(FleetEpm, HostIpIsKeywordUnder040AndIpUnder160) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/0.4.0", json::object()).status, 200);
    auto w = sim.post("/logs-golang.heap-default/_doc?op_type=create&refresh=true",
                      event("golang.heap", "2026-01-01T00:00:00.000Z"));
    ASSERT_EQ(w.status, 201) << w.body;
    EXPECT_EQ(host_ip_type(sim, w.json["_index"]), "keyword");
    // The 0.4.0 pipeline ran: renamed the heap stats, dropped the raw message.
    auto doc = sim.get("/logs-golang.heap-default/_search");
    const auto& src = doc.json["hits"]["hits"][0]["_source"];
    EXPECT_EQ(src["golang"]["heap"]["allocations"]["object"]["bytes"], 1);
    EXPECT_EQ(src["ecs"]["version"], "8.5.1");
    EXPECT_FALSE(src.contains("message"));
}

// es-apis.md §2.3 / §5.7: a reinstall of 1.6.0 over 0.4.0 rolls the stream over (PUT _mapping
// keyword -> ip fails) and leaves the old generation as keyword: the conflict stays.
TEST(FleetEpm, Reinstall160Over040RollsOverAndKeepsTheConflict) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/0.4.0", {{"force", true}}).status, 200);
    for (const std::string ds : {"heap", "expvar"}) {
        auto w = sim.post("/logs-golang." + ds + "-default/_doc?op_type=create",
                          event("golang." + ds, "2026-01-01T00:00:00.000Z"));
        ASSERT_EQ(w.status, 201) << w.body;
    }
    auto before = sim.get("/_data_stream/logs-golang.heap-default");
    ASSERT_EQ(before.json["data_streams"][0]["generation"], 1);
    const std::string gen1 = before.json["data_streams"][0]["indices"][0]["index_name"];

    const auto r = kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}});
    ASSERT_EQ(r.status, 200) << r.body;

    for (const std::string ds : {"heap", "expvar"}) {
        auto after = sim.get("/_data_stream/logs-golang." + ds + "-default");
        ASSERT_EQ(after.json["data_streams"][0]["generation"], 2) << after.body;
        ASSERT_EQ(after.json["data_streams"][0]["indices"].size(), 2U);
        auto w = sim.post("/logs-golang." + ds + "-default/_doc?op_type=create&refresh=true",
                          event("golang." + ds, "2026-01-02T00:00:00.000Z"));
        ASSERT_EQ(w.status, 201) << w.body;
        EXPECT_EQ(w.json["_index"], after.json["data_streams"][0]["indices"][1]["index_name"]);
    }
    auto caps = sim.get("/logs-golang.*/_field_caps?fields=host.ip");
    ASSERT_EQ(caps.status, 200) << caps.body;
    const auto& host_ip = caps.json["fields"]["host.ip"];
    ASSERT_TRUE(host_ip.contains("keyword")) << caps.body;
    ASSERT_TRUE(host_ip.contains("ip")) << caps.body;
    EXPECT_EQ(host_ip["keyword"]["indices"].size(), 2U);
    EXPECT_EQ(host_ip["ip"]["indices"].size(), 2U);
    EXPECT_NE(
        std::find(host_ip["keyword"]["indices"].begin(), host_ip["keyword"]["indices"].end(), gen1),
        host_ip["keyword"]["indices"].end());
    // The upgrade replaced the 0.4.0 pipelines with the 1.6.0 ones.
    EXPECT_EQ(sim.get("/_ingest/pipeline/logs-golang.heap-0.4.0").status, 404);
    EXPECT_EQ(sim.get("/_ingest/pipeline/logs-golang.heap-1.6.0").status, 200);
}

// Fleet puts the new mappings on the write index and does not roll over when that works: with no
// document yet, data_stream.dataset (constant_keyword) has no value, and the put succeeds.
TEST(FleetEpm, ForceReinstallOfTheSameVersionDoesNotRollOverAnEmptyStream) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}}).status, 200);
    ASSERT_EQ(sim.call("PUT", "/_data_stream/logs-golang.heap-default").status, 200);
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}}).status, 200);
    EXPECT_EQ(
        sim.get("/_data_stream/logs-golang.heap-default").json["data_streams"][0]["generation"], 1);
}

// ES#102829 / KB#178528: once a document has set the value of a constant_keyword field that the
// template leaves without one (data_stream.dataset), ES refuses the template's mappings on the
// write index ("Cannot update parameter [value] from [golang.heap] to [null]"), so Fleet rolls
// the data stream over even when reinstalling the same version.
TEST(FleetEpm, ForceReinstallRollsOverOnceAConstantKeywordValueIsSet_ES102829) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}}).status, 200);
    ASSERT_EQ(sim.post("/logs-golang.heap-default/_doc?op_type=create",
                       event("golang.heap", "2026-01-01T00:00:00.000Z"))
                  .status,
              201);
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}}).status, 200);
    EXPECT_EQ(
        sim.get("/_data_stream/logs-golang.heap-default").json["data_streams"][0]["generation"], 2);
}

TEST(FleetEpm, SkipDataStreamRolloverReportsTheMappingFailure) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/0.4.0", json::object()).status, 200);
    ASSERT_EQ(sim.post("/logs-golang.heap-default/_doc?op_type=create",
                       event("golang.heap", "2026-01-01T00:00:00.000Z"))
                  .status,
              201);
    const auto r = kb.post("/api/fleet/epm/packages/golang/1.6.0?skipDataStreamRollover=true",
                           {{"force", true}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(
        sim.get("/_data_stream/logs-golang.heap-default").json["data_streams"][0]["generation"], 1);
}

TEST(FleetEpm, DowngradeWithoutForceIsRefused) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    ASSERT_EQ(kb.post("/api/fleet/epm/packages/golang/1.6.0", json::object()).status, 200);
    const auto r = kb.post("/api/fleet/epm/packages/golang/0.4.0", json::object());
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(kb.get("/api/fleet/epm/packages/golang").json["item"]["version"], "1.6.0");
}

} // namespace
} // namespace esmend::es_sim::testing

// The host-ip-conflict scenario: the state of a cluster hit by the golang host.ip conflict
// (es-apis.md §5.1): generation 1 keyword, generation 2 ip after Fleet's rollover, and nginx ip.
#include "sim_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace esmend::es_sim::testing {
namespace {

using nlohmann::json;

Options conflict_scenario(std::int64_t docs) {
    Options o = with_kibana();
    o.scenario = "host-ip-conflict";
    o.scenario_docs = docs;
    o.agent_period_ms = 3'600'000; // keep the agent's writes out of the counts
    return o;
}

std::vector<std::string> scenario_backing(Sim& sim, const std::string& ds) {
    std::vector<std::string> out;
    auto r = sim.get("/_data_stream/" + ds);
    EXPECT_EQ(r.status, 200) << ds << ": " << r.body;
    for (const auto& i : r.json["data_streams"][0]["indices"])
        out.push_back(i["index_name"]);
    return out;
}

std::vector<std::string> sorted(const json& list) {
    std::vector<std::string> out;
    for (const auto& v : list)
        out.push_back(v);
    std::sort(out.begin(), out.end());
    return out;
}

TEST(Scenario, HostIpConflictFieldCapsShowsExactlyTheExpectedConflict) {
    Sim sim(conflict_scenario(200));
    const auto heap = scenario_backing(sim, "logs-golang.heap-default");
    const auto expvar = scenario_backing(sim, "logs-golang.expvar-default");
    const auto nginx = scenario_backing(sim, "logs-nginx.access-default");
    ASSERT_EQ(heap.size(), 2U);
    ASSERT_EQ(expvar.size(), 2U);
    ASSERT_EQ(nginx.size(), 1U);
    EXPECT_TRUE(heap[0].ends_with("-000001"));
    EXPECT_TRUE(heap[1].ends_with("-000002"));

    const auto caps = sim.get("/logs-*/_field_caps?fields=host.ip");
    ASSERT_EQ(caps.status, 200) << caps.body;
    const auto& host_ip = caps.json["fields"]["host.ip"];
    ASSERT_EQ(host_ip.size(), 2U) << caps.body;
    std::vector<std::string> keyword = {heap[0], expvar[0]};
    std::vector<std::string> ip = {heap[1], expvar[1], nginx[0]};
    std::sort(keyword.begin(), keyword.end());
    std::sort(ip.begin(), ip.end());
    EXPECT_EQ(sorted(host_ip["keyword"]["indices"]), keyword);
    EXPECT_EQ(sorted(host_ip["ip"]["indices"]), ip);
}

TEST(Scenario, GenerationsHoldTheDocumentsSpreadOverDays) {
    Sim sim(conflict_scenario(200));
    const auto heap = scenario_backing(sim, "logs-golang.heap-default");
    EXPECT_EQ(sim.get("/" + heap[0] + "/_count").json["count"], 200);
    EXPECT_EQ(sim.get("/" + heap[1] + "/_count").json["count"], 5);
    EXPECT_EQ(sim.get("/logs-golang.expvar-default/_count").json["count"], 205);
    // Generation 1 spans several days.
    const auto r =
        sim.post("/" + heap[0] + "/_search", {{"size", 0},
                                              {"aggs",
                                               {{"min", {{"min", {{"field", "@timestamp"}}}}},
                                                {"max", {{"max", {{"field", "@timestamp"}}}}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const double span = r.json["aggregations"]["max"]["value"].get<double>() -
                        r.json["aggregations"]["min"]["value"].get<double>();
    EXPECT_GE(span, 4.0 * 24 * 3600 * 1000);
    // The appended documents are searchable like indexed ones.
    const auto term = sim.post("/" + heap[0] + "/_search",
                               {{"query", {{"term", {{"host.ip", "10.0.2.15"}}}}}, {"size", 0}});
    EXPECT_EQ(term.json["hits"]["total"]["value"], 200);
}

TEST(Scenario, FleetShowsGolang160InstalledAndTheEnabledPolicy) {
    Sim sim(conflict_scenario(10));
    KibanaClient kb(sim.server().kibana_url());
    EXPECT_EQ(kb.get("/api/fleet/epm/packages/golang").json["item"]["version"], "1.6.0");
    const auto list =
        kb.get("/api/fleet/package_policies?kuery=ingest-package-policies.package.name:golang&"
               "format=simplified");
    ASSERT_EQ(list.json["total"], 1) << list.body;
    EXPECT_EQ(list.json["items"][0]["inputs"]["Golang-httpjson"]["enabled"], true);
    EXPECT_EQ(list.json["items"][0]["package"]["version"], "1.6.0");
}

TEST(Scenario, UnknownScenarioFailsToStart) {
    Options o;
    o.scenario = "nope";
    Server server(o);
    const auto started = server.start();
    ASSERT_FALSE(started.has_value());
    EXPECT_NE(started.error().find("unknown scenario"), std::string::npos);
}

} // namespace
} // namespace esmend::es_sim::testing

// The simulated Elastic Agent: while the golang policy's input is enabled it indexes one heap and
// one expvar event per period; disabling the input stops it within a period, enabling resumes.
#include "sim_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace esmend::es_sim::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// host.ip's mapped type in one concrete index ("" when unmapped).
std::string agent_host_ip_type(Sim& sim, const std::string& index) {
    auto m = sim.get("/" + index + "/_mapping");
    auto& ip = m.json[index]["mappings"]["properties"]["host"]["properties"]["ip"];
    return ip.is_object() ? ip.value("type", "") : "";
}

std::int64_t agent_count(Sim& sim, const std::string& target) {
    const auto r = sim.get("/" + target + "/_count");
    return r.status == 200 ? r.json.value("count", std::int64_t{0}) : 0;
}

// Polls until pred holds or the deadline passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

void set_input(KibanaClient& kb, const std::string& id, bool enabled) {
    json item = kb.get("/api/fleet/package_policies/" + id).json["item"];
    for (const char* key :
         {"id", "revision", "created_at", "created_by", "updated_at", "updated_by", "version"})
        item.erase(key);
    for (auto& input : item["inputs"]) {
        input["enabled"] = enabled;
        for (auto& s : input["streams"])
            s["enabled"] = enabled;
    }
    const auto r = kb.put("/api/fleet/package_policies/" + id, item);
    ASSERT_EQ(r.status, 200) << r.body;
}

TEST(Agent, WritesHeapAndExpvarWhileEnabledAndStopsWhenDisabled) {
    Options o = with_kibana();
    o.agent_period_ms = 50;
    Sim sim(o);
    KibanaClient kb(sim.server().kibana_url());
    // No policy yet: nothing is written.
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(sim.get("/_data_stream/logs-golang.*").json["data_streams"].size(), 0U);

    const auto created =
        kb.post("/api/fleet/package_policies",
                {{"name", "golang-1"},
                 {"namespace", "default"},
                 {"package", {{"name", "golang"}, {"title", "Golang"}, {"version", "1.6.0"}}}});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id = created.json["item"]["id"];
    ASSERT_TRUE(eventually([&] {
        return agent_count(sim, "logs-golang.heap-default") >= 3 &&
               agent_count(sim, "logs-golang.expvar-default") >= 3;
    }));

    // The agent's events went through the 1.6.0 pipeline and carry host.ip as a v4/v6 list.
    auto hit = sim.get("/logs-golang.heap-default/_search?size=1");
    const auto& src = hit.json["hits"]["hits"][0]["_source"];
    EXPECT_EQ(src["host"]["ip"], json::array({"10.0.2.15", "fe80::a00:27ff:fe4e:66a1"}));
    EXPECT_TRUE(src["golang"]["heap"]["allocations"]["object"].contains("bytes")) << src.dump();
    EXPECT_EQ(src["event"]["dataset"], "golang.heap");
    EXPECT_EQ(agent_host_ip_type(sim, hit.json["hits"]["hits"][0]["_index"]), "ip");

    set_input(kb, id, false);
    // Within one period the writes stop: after a settling period the count stays put.
    std::this_thread::sleep_for(120ms);
    const auto stopped = agent_count(sim, "logs-golang.heap-default");
    std::this_thread::sleep_for(250ms);
    EXPECT_EQ(agent_count(sim, "logs-golang.heap-default"), stopped);
    EXPECT_EQ(agent_count(sim, "logs-golang.expvar-default"),
              agent_count(sim, "logs-golang.expvar-default"));

    set_input(kb, id, true);
    EXPECT_TRUE(
        eventually([&] { return agent_count(sim, "logs-golang.heap-default") >= stopped + 2; }));
}

TEST(Agent, DisabledStreamAloneStopsOnlyThatStream) {
    Options o = with_kibana();
    o.agent_period_ms = 50;
    Sim sim(o);
    KibanaClient kb(sim.server().kibana_url());
    const auto created = kb.post(
        "/api/fleet/package_policies",
        {{"name", "golang-1"},
         {"package", {{"name", "golang"}, {"version", "1.6.0"}}},
         {"inputs",
          {{"Golang-httpjson", {{"streams", {{"golang.expvar", {{"enabled", false}}}}}}}}}});
    ASSERT_EQ(created.status, 200) << created.body;
    ASSERT_TRUE(eventually([&] { return agent_count(sim, "logs-golang.heap-default") >= 3; }));
    EXPECT_EQ(sim.get("/_data_stream/logs-golang.expvar-default").status, 404);
}

} // namespace
} // namespace esmend::es_sim::testing

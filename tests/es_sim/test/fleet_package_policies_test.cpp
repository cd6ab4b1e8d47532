// es-sim's Fleet package policies: list with kuery, get, full-body PUT in the legacy and the
// simplified formats, with the documented pitfalls (es-apis.md §2.2, §5.12; KB#112995,
// KB PR#139420).
#include "sim_test_support.hpp"

#include <gtest/gtest.h>

namespace esmend::es_sim::testing {
namespace {

using nlohmann::json;

Options quiet_agent() {
    Options o = with_kibana();
    o.agent_period_ms = 3'600'000; // the agent stays out of these tests
    return o;
}

std::string create_golang_policy(KibanaClient& kb) {
    const auto r =
        kb.post("/api/fleet/package_policies",
                {{"name", "golang-1"},
                 {"namespace", "default"},
                 {"package", {{"name", "golang"}, {"title", "Golang"}, {"version", "1.6.0"}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json["item"].value("id", "");
}

const json& golang_input(const json& item) {
    for (const auto& i : item["inputs"])
        if (i["type"] == "httpjson" && i["policy_template"] == "Golang")
            return i;
    static const json k_none;
    return k_none;
}

TEST(FleetPackagePolicies, ListWithKueryAndGetLegacy) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    auto r = kb.get("/api/fleet/package_policies?perPage=100&page=1&kuery=ingest-package-policies."
                    "package.name:golang");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["total"], 1);
    ASSERT_EQ(r.json["items"].size(), 1U);
    EXPECT_EQ(r.json["items"][0]["id"], id);
    EXPECT_EQ(kb.get("/api/fleet/package_policies?kuery=ingest-package-policies.package.name:nginx")
                  .json["total"],
              0);

    r = kb.get("/api/fleet/package_policies/" + id);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto& input = golang_input(r.json["item"]);
    ASSERT_FALSE(input.is_null()) << r.body;
    EXPECT_EQ(input["enabled"], true);
    std::set<std::string> datasets;
    for (const auto& s : input["streams"])
        datasets.insert(s["data_stream"]["dataset"].get<std::string>());
    EXPECT_EQ(datasets, (std::set<std::string>{"golang.heap", "golang.expvar"}));
    EXPECT_EQ(r.json["item"]["revision"], 1);
    EXPECT_EQ(kb.get("/api/fleet/package_policies/nope").status, 404);
}

TEST(FleetPackagePolicies, SimplifiedGetKeysInputsByTemplateAndType) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    const auto r = kb.get("/api/fleet/package_policies/" + id + "?format=simplified");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto& inputs = r.json["item"]["inputs"];
    ASSERT_TRUE(inputs.contains("Golang-httpjson")) << r.body;
    EXPECT_EQ(inputs["Golang-httpjson"]["enabled"], true);
    EXPECT_TRUE(inputs["Golang-httpjson"]["streams"].contains("golang.heap"));
    EXPECT_TRUE(inputs["Golang-httpjson"]["streams"].contains("golang.expvar"));
    EXPECT_EQ(inputs["Golang-httpjson"]["vars"]["hostname"], "http://localhost:6060");
    EXPECT_EQ(kb.get("/api/fleet/package_policies/" + id + "?format=weird").status, 400);
}

TEST(FleetPackagePolicies, UnknownQueryParameterIsRejected) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/fleet/package_policies?perpage=10");
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["message"], "[request query.perpage]: definition for this key is missing");
}

// KB#112995: the legacy PUT body must not carry the read-only keys a GET returns.
TEST(FleetPackagePolicies, LegacyPutRejectsReadOnlyKeys) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    json item = kb.get("/api/fleet/package_policies/" + id).json["item"];
    auto r = kb.put("/api/fleet/package_policies/" + id, item);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["error"], "Bad Request");
    EXPECT_NE(r.json["message"].get<std::string>().find("definition for this key is missing"),
              std::string::npos);
    for (const char* key :
         {"id", "revision", "created_at", "created_by", "updated_at", "updated_by", "version"})
        item.erase(key);
    r = kb.put("/api/fleet/package_policies/" + id, item);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["item"]["revision"], 2);
}

TEST(FleetPackagePolicies, LegacyPutDisablesTheInputAndItsStreams) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    json item = kb.get("/api/fleet/package_policies/" + id).json["item"];
    for (const char* key :
         {"id", "revision", "created_at", "created_by", "updated_at", "updated_by", "version"})
        item.erase(key);
    for (auto& input : item["inputs"]) {
        input["enabled"] = false;
        for (auto& s : input["streams"])
            s["enabled"] = false;
    }
    ASSERT_EQ(kb.put("/api/fleet/package_policies/" + id, item).status, 200);
    const auto r = kb.get("/api/fleet/package_policies/" + id + "?format=simplified");
    EXPECT_EQ(r.json["item"]["inputs"]["Golang-httpjson"]["enabled"], false);
    EXPECT_EQ(r.json["item"]["inputs"]["Golang-httpjson"]["streams"]["golang.heap"]["enabled"],
              false);
}

// es-apis.md §2.2: the simplified converter starts from package defaults, so an input left out
// of the PUT body reverts to its default (enabled) and vars not sent revert to defaults.
TEST(FleetPackagePolicies, SimplifiedPutOmittedInputRevertsToDefault) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    json simplified =
        kb.get("/api/fleet/package_policies/" + id + "?format=simplified").json["item"];
    simplified["inputs"]["Golang-httpjson"]["enabled"] = false;
    simplified["inputs"]["Golang-httpjson"]["vars"]["hostname"] = "http://go-app:6060";
    auto r = kb.put("/api/fleet/package_policies/" + id + "?format=simplified", simplified);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["item"]["inputs"]["Golang-httpjson"]["enabled"], false);
    EXPECT_EQ(r.json["item"]["inputs"]["Golang-httpjson"]["vars"]["hostname"],
              "http://go-app:6060");

    // The pitfall: a body without the input (and without its vars) puts the defaults back.
    json partial = {{"name", "golang-1"},
                    {"namespace", "default"},
                    {"package", {{"name", "golang"}, {"version", "1.6.0"}}},
                    {"inputs", json::object()}};
    r = kb.put("/api/fleet/package_policies/" + id, partial);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto& input = golang_input(r.json["item"]);
    EXPECT_EQ(input["enabled"], true);
    EXPECT_EQ(input["vars"]["hostname"]["value"], "http://localhost:6060");
    EXPECT_EQ(r.json["item"]["revision"], 3);
}

TEST(FleetPackagePolicies, SimplifiedPutUnknownInputIsRejected) {
    Sim sim(quiet_agent());
    KibanaClient kb(sim.server().kibana_url());
    const auto id = create_golang_policy(kb);
    const auto r = kb.put("/api/fleet/package_policies/" + id,
                          {{"name", "golang-1"},
                           {"package", {{"name", "golang"}, {"version", "1.6.0"}}},
                           {"inputs", {{"golang-httpjson", {{"enabled", false}}}}}});
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["message"], "Input not found: golang-httpjson");
}

} // namespace
} // namespace esmend::es_sim::testing

// The install playbook's decisions, from observations alone (no cluster).
#include <assets/assets.hpp>
#include <playbooks/install.hpp>

#include <gtest/gtest.h>

using namespace esmend;
using namespace esmend::playbooks;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;

namespace {

json definition(const std::string& name) {
    return json::parse(assets::find(name)->json);
}

// Every asset installed exactly as esmend ships it.
json all_installed() {
    json o = json::object();
    for (const auto& a : assets::all())
        o[std::string(a.name)] = json::parse(a.json);
    return o;
}

json none_installed() {
    json o = json::object();
    for (const auto& a : assets::all())
        o[std::string(a.name)] = nullptr;
    return o;
}

json outcome(const Decision& d, const std::string& name) {
    for (const auto& o : d.facts) {
        if (o["name"] == name)
            return o;
    }
    return nullptr;
}

} // namespace

TEST(InstallDecision, FreshClusterCreatesEveryAssetInDependencyOrder) {
    const auto d = decide_assets(none_installed(), {});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), assets::all().size());
    // Component templates, then the pipeline, then index templates (which reference both).
    std::vector<std::string> paths;
    for (const auto& a : d.actions) {
        EXPECT_EQ(a.method, Method::put);
        paths.push_back(a.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{
                         "/_component_template/logs-golang.expvar@custom",
                         "/_component_template/logs-golang.expvar@package",
                         "/_component_template/logs-golang.heap@custom",
                         "/_component_template/logs-golang.heap@package",
                         "/_ingest/pipeline/logs-golang-1.6.0-esmend",
                         "/_index_template/logs-golang.expvar",
                         "/_index_template/logs-golang.heap",
                     }));
    EXPECT_EQ(d.actions[3].body, definition("logs-golang.heap@package"));
}

TEST(InstallDecision, EverythingAtTheSameVersionIsDone) {
    const auto d = decide_assets(all_installed(), {});
    EXPECT_EQ(d.kind, Decision::Kind::done);
    EXPECT_EQ(outcome(d, "logs-golang.heap")["result"], "unchanged");
    EXPECT_EQ(outcome(d, "logs-golang.heap@custom")["result"], "kept");
}

TEST(InstallDecision, AnOlderVersionIsUpgraded) {
    auto observed = all_installed();
    observed["logs-golang.heap"]["version"] = 150;
    const auto d = decide_assets(observed, {});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].path, "/_index_template/logs-golang.heap");
    EXPECT_EQ(d.actions[0].summary, "upgrade index template logs-golang.heap (version 150 -> 160)");
    EXPECT_EQ(outcome(d, "logs-golang.heap")["installed_version"], 150);
}

TEST(InstallDecision, ANewerVersionIsNeverDowngradedWithoutForce) {
    auto observed = all_installed();
    observed["logs-golang.heap@package"]["version"] = 999;
    observed["logs-golang.expvar"]["version"] = 100; // would be upgraded, but nothing may change
    const auto refused = decide_assets(observed, {});
    ASSERT_EQ(refused.kind, Decision::Kind::fail);
    EXPECT_TRUE(refused.actions.empty());
    EXPECT_EQ(refused.error->kind, ErrorKind::conflict);
    EXPECT_NE(refused.error->message.find("newer"), std::string::npos);
    EXPECT_EQ(outcome(refused, "logs-golang.heap@package")["result"], "refused");

    const auto forced = decide_assets(observed, {{}, Force::yes});
    ASSERT_EQ(forced.kind, Decision::Kind::act);
    EXPECT_EQ(forced.actions.size(), 2U);
}

TEST(InstallDecision, FleetManagedAssetsAreRefusedWithTheFleetWay) {
    auto observed = none_installed();
    observed["logs-golang.heap"] = {{"index_patterns", {"logs-golang.heap-*"}},
                                    {"version", 1},
                                    {"_meta", {{"managed_by", "fleet"}, {"managed", true}}}};
    const auto d = decide_assets(observed, {});
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_TRUE(d.actions.empty()); // not even the missing component templates
    EXPECT_NE(d.error->message.find("--via-fleet"), std::string::npos);
    EXPECT_NE(d.error->message.find("Reinstall"), std::string::npos);
    EXPECT_EQ(outcome(d, "logs-golang.heap")["reason"], "managed by Fleet");

    const auto forced = decide_assets(observed, {{}, Force::yes});
    ASSERT_EQ(forced.kind, Decision::Kind::act);
    EXPECT_EQ(outcome(forced, "logs-golang.heap")["result"], "upgrade");
}

TEST(InstallDecision, AForeignAssetIsRefusedWithoutForce) {
    auto observed = all_installed();
    observed["logs-golang-1.6.0-esmend"] = {{"processors", json::array()}};
    const auto d = decide_assets(observed, {});
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(outcome(d, "logs-golang-1.6.0-esmend")["reason"], "not managed by esmend");
}

TEST(InstallDecision, AnExistingCustomTemplateIsNeverOverwrittenEvenWithForce) {
    auto observed = all_installed();
    observed["logs-golang.heap@custom"] = {
        {"template", {{"settings", {{"index", {{"number_of_replicas", "2"}}}}}}}};
    const auto d = decide_assets(observed, {{}, Force::yes});
    EXPECT_EQ(d.kind, Decision::Kind::done);
    EXPECT_EQ(outcome(d, "logs-golang.heap@custom")["result"], "kept");
}

TEST(InstallDataStreams, MissingStreamsAreCreated) {
    const auto d = decide_data_streams(json{{"logs-golang.heap-prod", nullptr}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].method, Method::put);
    EXPECT_EQ(d.actions[0].path, "/_data_stream/logs-golang.heap-prod");
}

TEST(InstallDataStreams, AChangedFieldTypeRollsTheStreamOverAndNamesTheField) {
    auto mappings = definition("logs-golang.heap@package")["template"]["mappings"];
    mappings["properties"]["host"]["properties"]["ip"] = {{"type", "keyword"},
                                                          {"ignore_above", 1024}};
    const json observed = {{"logs-golang.heap-default",
                            {{"dataset", "heap"},
                             {"write_index", ".ds-logs-golang.heap-default-2026.01.01-000001"},
                             {"indices", {".ds-logs-golang.heap-default-2026.01.01-000001"}},
                             {"mappings", mappings}}}};
    const auto d = decide_data_streams(observed);
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].method, Method::post);
    EXPECT_EQ(d.actions[0].path, "/logs-golang.heap-default/_rollover");
    const auto o = d.facts[0];
    EXPECT_EQ(o["result"], "rollover");
    EXPECT_EQ(o["changed_fields"],
              (json{{{"field", "host.ip"}, {"from", "keyword"}, {"to", "ip"}}}));
    EXPECT_EQ(o["old_backing_indices"][0], ".ds-logs-golang.heap-default-2026.01.01-000001");
    EXPECT_NE(o["advice"].get<std::string>().find("esmend repair"), std::string::npos);
}

TEST(InstallDataStreams, NewFieldsOnlyArePutOnTheWriteIndex) {
    auto mappings = definition("logs-golang.heap@package")["template"]["mappings"];
    mappings["properties"]["golang"]["properties"]["heap"]["properties"].erase("gc");
    const json observed = {{"logs-golang.heap-default",
                            {{"dataset", "heap"}, {"write_index", "w"}, {"mappings", mappings}}}};
    const auto d = decide_data_streams(observed);
    ASSERT_EQ(d.kind, Decision::Kind::act);
    EXPECT_EQ(d.actions[0].path, "/logs-golang.heap-default/_mapping?write_index_only=true");
    EXPECT_EQ(d.facts[0]["result"], "update_mapping");
}

TEST(InstallDataStreams, AMatchingWriteIndexIsUpToDateWhateverElseItHolds) {
    auto mappings = definition("logs-golang.expvar@package")["template"]["mappings"];
    mappings["properties"]["labels"] = {{"properties", {{"team", {{"type", "keyword"}}}}}};
    const json observed = {{"logs-golang.expvar-default",
                            {{"dataset", "expvar"}, {"write_index", "w"}, {"mappings", mappings}}}};
    const auto d = decide_data_streams(observed);
    EXPECT_EQ(d.kind, Decision::Kind::done);
    EXPECT_EQ(d.facts[0]["result"], "unchanged");
}

TEST(InstallDataStreams, FlattenSeesObjectsLeavesAndSkipsMultiFields) {
    const json mappings = {
        {"properties",
         {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}},
          {"message", {{"type", "text"}, {"fields", {{"raw", {{"type", "keyword"}}}}}}}}}};
    const auto flat = flatten_mapping_types(mappings);
    EXPECT_EQ(flat, (std::vector<std::pair<std::string, std::string>>{
                        {"host", "object"}, {"host.ip", "ip"}, {"message", "text"}}));
}

TEST(InstallNamespace, FleetsRulesApply) {
    EXPECT_EQ(namespace_problem("default"), "");
    EXPECT_EQ(namespace_problem("prod_eu1"), "");
    EXPECT_NE(namespace_problem(""), "");
    EXPECT_NE(namespace_problem("Prod"), "");
    EXPECT_NE(namespace_problem("prod-eu"), ""); // '-' separates the naming scheme's parts
    EXPECT_NE(namespace_problem("a b"), "");
    EXPECT_NE(namespace_problem("a*"), "");
    EXPECT_NE(namespace_problem(std::string(101, 'a')), "");
}

TEST(FleetReinstall, ReinstallsTheInstalledVersionExplicitly) {
    const json observed = {
        {"item",
         {{"name", "golang"},
          {"version", "1.7.0"}, // the latest available; installationInfo has what is installed
          {"status", "installed"},
          {"installationInfo", {{"version", "1.6.0"}, {"install_status", "installed"}}}}}};
    const auto d = decide_fleet_reinstall(json::object(), observed);
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].service, Service::kibana);
    EXPECT_EQ(d.actions[0].method, Method::post);
    EXPECT_EQ(d.actions[0].path, "/api/fleet/epm/packages/golang/1.6.0");
    EXPECT_EQ(d.actions[0].body, (json{{"force", true}}));
    EXPECT_EQ(d.actions[0].capture, "fleet_install");
    // Once the install answered, the step is done.
    EXPECT_EQ(decide_fleet_reinstall(json{{"fleet_install", json::object()}}, observed).kind,
              Decision::Kind::done);
}

TEST(FleetReinstall, Kibana7ResponseShapeIsRead) {
    const json observed = {{"response", {{"status", "installed"}, {"version", "0.4.0"}}}};
    const auto d = decide_fleet_reinstall(json::object(), observed);
    ASSERT_EQ(d.kind, Decision::Kind::act);
    EXPECT_EQ(d.actions[0].path, "/api/fleet/epm/packages/golang/0.4.0");
}

TEST(FleetReinstall, NotInstalledThroughFleetIsAClearFailure) {
    const json observed = {{"item", {{"status", "not_installed"}, {"version", "1.6.0"}}}};
    const auto d = decide_fleet_reinstall(json::object(), observed);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.error->message.find("not installed"), std::string::npos);
}

// esmend install end to end: the esmend binary against es-sim.
#include <assets/assets.hpp>

#include "support/es_sim_fixture.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace esmend;
using namespace esmend::test;
using es_client::Method;
using nlohmann::json;

namespace {

std::map<std::string, std::string> install_env(const EsSim& sim) {
    return {{"ELASTICSEARCH_HOSTS", sim.url()},  {"ESMEND_CONFIG", ""},
            {"XDG_CONFIG_HOME", "/nonexistent"}, {"KIBANA_HOST", ""},
            {"ELASTICSEARCH_USERNAME", ""},      {"ELASTICSEARCH_PASSWORD", ""}};
}

ProcessResult install(const EsSim& sim, std::vector<std::string> args) {
    std::vector<std::string> argv{ESMEND_BINARY, "install"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, install_env(sim));
}

json install_json(const ProcessResult& r) {
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
}

std::vector<std::string> results_of(const json& facts) {
    std::vector<std::string> out;
    for (const auto& o : facts)
        out.push_back(o["name"].get<std::string>() + "=" + o["result"].get<std::string>());
    return out;
}

bool install_exists(EsSim& sim, const std::string& path) {
    auto found = sim.es().find(path);
    return found && found->has_value();
}

// The type of a field in an index's mapping ("host.ip" -> mappings.properties.host.properties.ip).
std::string field_type(EsSim& sim, const std::string& index, const std::string& dotted) {
    auto mapping = sim.call(Method::get, "/" + index + "/_mapping");
    json node = mapping[index]["mappings"];
    std::stringstream parts(dotted);
    std::string part;
    while (std::getline(parts, part, '.'))
        node = node["properties"][part];
    return node.value("type", "");
}

} // namespace

TEST(Install, InstallsEverythingThenASecondRunChangesNothing) {
    EsSim sim;
    auto first = install(sim, {"--json", "--namespace", "default,prod"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const auto j = install_json(first);
    EXPECT_EQ(j["changed"], true);
    EXPECT_EQ(j["assets_requests"].size(), assets::all().size());
    for (const auto& a : assets::all()) {
        EXPECT_TRUE(
            install_exists(sim, std::string(assets::api_prefix(a.kind)) + std::string(a.name)))
            << a.name;
    }
    for (const auto* ds : {"logs-golang.heap-default", "logs-golang.expvar-default",
                           "logs-golang.heap-prod", "logs-golang.expvar-prod"}) {
        EXPECT_TRUE(install_exists(sim, std::string("/_data_stream/") + ds)) << ds;
    }
    // The created stream takes esmend's template: host.ip is ip (ECS).
    const auto streams = sim.call(Method::get, "/_data_stream/logs-golang.heap-default");
    EXPECT_EQ(streams["data_streams"][0]["template"], "logs-golang.heap");

    auto second = install(sim, {"--json", "--namespace", "default,prod"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    const auto again = install_json(second);
    EXPECT_EQ(again["changed"], false);
    EXPECT_TRUE(again["assets_requests"].empty());
    EXPECT_TRUE(again["data_streams_requests"].empty());
    for (const auto& o : again["assets"])
        EXPECT_TRUE(o["result"] == "unchanged" || o["result"] == "kept") << o.dump();

    auto human = install(sim, {"--namespace", "default"});
    ASSERT_EQ(human.exit_code, 0);
    EXPECT_NE(human.out.find("nothing to do"), std::string::npos) << human.out;
}

TEST(Install, UpgradesAnOlderEsmendVersion) {
    EsSim sim;
    sim.install_golang_assets();
    auto older = json::parse(assets::find("logs-golang.heap")->json);
    older["version"] = 150;
    sim.call(Method::put, "/_index_template/logs-golang.heap", &older);
    auto r = install(sim, {"--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = install_json(r);
    EXPECT_EQ(j["assets_requests"].size(), 1U);
    const auto now = sim.call(Method::get, "/_index_template/logs-golang.heap");
    EXPECT_EQ(now["index_templates"][0]["index_template"]["version"], 160);
}

TEST(Install, RefusesFleetManagedAssetsAndChangesNothing) {
    EsSim sim;
    const json fleet = {
        {"index_patterns", {"logs-golang.heap-*"}},
        {"priority", 200},
        {"data_stream", json::object()},
        {"version", 1},
        {"_meta", {{"managed_by", "fleet"}, {"managed", true}, {"package", {{"name", "golang"}}}}}};
    sim.call(Method::put, "/_index_template/logs-golang.heap", &fleet);
    auto r = install(sim, {"--namespace", "default"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("REFUSED: managed by Fleet"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("--via-fleet"), std::string::npos) << r.err;
    // Nothing half-done: not even the component templates that were missing.
    EXPECT_FALSE(install_exists(sim, "/_component_template/logs-golang.heap@package"));
    EXPECT_FALSE(install_exists(sim, "/_data_stream/logs-golang.heap-default"));
    const auto still = sim.call(Method::get, "/_index_template/logs-golang.heap");
    EXPECT_EQ(still["index_templates"][0]["index_template"]["_meta"]["managed_by"], "fleet");

    auto forced = install(sim, {"--json", "--force"});
    ASSERT_EQ(forced.exit_code, 0) << forced.err;
    const auto taken = sim.call(Method::get, "/_index_template/logs-golang.heap");
    EXPECT_EQ(taken["index_templates"][0]["index_template"]["_meta"]["managed_by"], "esmend");
}

TEST(Install, NeverDowngradesWithoutForce) {
    EsSim sim;
    sim.install_golang_assets();
    auto newer = json::parse(assets::find("logs-golang.expvar@package")->json);
    newer["version"] = 170;
    sim.call(Method::put, "/_component_template/logs-golang.expvar@package", &newer);
    auto r = install(sim, {"--json"});
    EXPECT_EQ(r.exit_code, 1);
    const auto j = install_json(r);
    EXPECT_EQ(j["error"]["kind"], "conflict");
    EXPECT_EQ(j["changed"], false);
    auto forced = install(sim, {"--json", "--force"});
    ASSERT_EQ(forced.exit_code, 0) << forced.err;
    const auto now = sim.call(Method::get, "/_component_template/logs-golang.expvar@package");
    EXPECT_EQ(now["component_templates"][0]["component_template"]["version"], 160);
}

TEST(Install, RollsOverAStreamWhoseFieldChangesTypeAndNamesTheField) {
    EsSim sim;
    // An older install whose template let host.ip become keyword (as golang 0.4.0 did).
    const json old_template = {
        {"index_patterns", {"logs-golang.heap-*"}},
        {"priority", 200},
        {"data_stream", json::object()},
        {"version", 40},
        {"_meta", {{"managed_by", "esmend"}}},
        {"template",
         {{"mappings",
           {{"dynamic_templates",
             {{{"strings_as_keyword",
                {{"match_mapping_type", "string"},
                 {"mapping", {{"type", "keyword"}, {"ignore_above", 1024}}}}}}}}}}}}};
    sim.call(Method::put, "/_index_template/logs-golang.heap", &old_template);
    const json doc = {{"@timestamp", "2026-11-20T10:00:00.000Z"}, {"host", {{"ip", "10.1.2.3"}}}};
    sim.call(Method::post, "/logs-golang.heap-default/_doc?op_type=create&refresh=true", &doc);
    const auto before = sim.call(Method::get, "/_data_stream/logs-golang.heap-default");
    const std::string old_index = before["data_streams"][0]["indices"][0]["index_name"];
    ASSERT_EQ(field_type(sim, old_index, "host.ip"), "keyword");

    auto r = install(sim, {"--json", "--namespace", "default"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = install_json(r);
    json heap;
    for (const auto& o : j["data_streams"]) {
        if (o["name"] == "logs-golang.heap-default")
            heap = o;
    }
    ASSERT_EQ(heap["result"], "rollover") << j.dump(2);
    EXPECT_EQ(heap["changed_fields"],
              (json{{{"field", "host.ip"}, {"from", "keyword"}, {"to", "ip"}}}));
    EXPECT_EQ(heap["old_backing_indices"], json{old_index});

    const auto after = sim.call(Method::get, "/_data_stream/logs-golang.heap-default");
    const auto& indices = after["data_streams"][0]["indices"];
    ASSERT_EQ(indices.size(), 2U);
    EXPECT_EQ(field_type(sim, indices[1]["index_name"], "host.ip"), "ip");
    EXPECT_EQ(field_type(sim, old_index, "host.ip"), "keyword"); // needs esmend repair
    EXPECT_EQ(sim.count("logs-golang.heap-default"), 1);

    // The human form says what changed and what is left to do.
    auto again = install(sim, {"--namespace", "default"});
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
}

TEST(Install, DryRunPrintsTheGoldenPlanAndChangesNothing) {
    EsSim sim;
    auto r = install(sim, {"--dry-run", "--namespace", "default"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string golden_path =
        std::string(ESMEND_SOURCE_DIR) + "/tests/tool/golden/install_dry_run.txt";
    if (std::getenv("ESMEND_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(golden_path) << r.out;
    }
    std::ifstream golden(golden_path);
    ASSERT_TRUE(golden.good()) << golden_path;
    std::stringstream expected;
    expected << golden.rdbuf();
    EXPECT_EQ(r.out, expected.str());
    for (const auto& a : assets::all()) {
        EXPECT_FALSE(
            install_exists(sim, std::string(assets::api_prefix(a.kind)) + std::string(a.name)));
    }
    EXPECT_FALSE(install_exists(sim, "/_data_stream/logs-golang.heap-default"));

    auto j = install(sim, {"--dry-run", "--json", "--namespace", "default"});
    ASSERT_EQ(j.exit_code, 0);
    const auto plan = install_json(j);
    EXPECT_EQ(plan["dry_run"], true);
    EXPECT_EQ(results_of(plan["data_streams"]),
              (std::vector<std::string>{"logs-golang.expvar-default=create",
                                        "logs-golang.heap-default=create"}));
}

TEST(Install, BadNamespaceIsAUsageErrorBeforeAnyRequest) {
    EsSim sim;
    auto r = install(sim, {"--namespace", "default,Prod-EU"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("Prod-EU"), std::string::npos) << r.err;
    EXPECT_FALSE(install_exists(sim, "/_component_template/logs-golang.heap@package"));
}

TEST(Install, ViaFleetWithoutKibanaIsAUsageError) {
    EsSim sim;
    auto r = install(sim, {"--via-fleet"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("KIBANA_HOST"), std::string::npos) << r.err;
}

// esmend audit end to end: the esmend binary against es-sim's host.ip scenario (issue #6).
#include "support/es_sim_fixture.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace esmend;
using namespace esmend::test;
using es_client::Method;
using nlohmann::json;

namespace {

// es-sim pre-loaded as an affected cluster looks (es-sim --scenario host-ip-conflict): golang
// 0.4.0 then 1.6.0 through Fleet, so logs-golang.* have host.ip keyword in generation 1 and ip in
// generation 2, plus logs-nginx.access-default with host.ip ip.
es_sim::Options audit_scenario(const std::string& version = "8.19") {
    es_sim::Options o;
    o.version = version;
    o.kibana_port = 0;
    o.scenario = "host-ip-conflict";
    o.scenario_docs = 50;
    o.agent_period_ms = 60'000; // the agent keeps quiet during the test
    return o;
}

ProcessResult audit(const EsSim& sim, std::vector<std::string> args, bool with_kibana = true) {
    std::vector<std::string> argv{ESMEND_BINARY, "audit"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {{"ELASTICSEARCH_HOSTS", sim.url()},
                              {"KIBANA_HOST", with_kibana ? sim.kibana_url() : ""},
                              {"ESMEND_CONFIG", ""},
                              {"XDG_CONFIG_HOME", "/nonexistent"},
                              {"ELASTICSEARCH_USERNAME", ""},
                              {"ELASTICSEARCH_PASSWORD", ""},
                              {"COLUMNS", "200"}});
}

json audit_json(const ProcessResult& r) {
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
}

const json* target_titled(const json& report, const std::string& title) {
    for (const auto& t : report["targets"])
        if (t["title"] == title)
            return &t;
    return nullptr;
}

const json* conflict_on(const json& target, const std::string& field) {
    for (const auto& c : target["conflicts"])
        if (c["field"] == field)
            return &c;
    return nullptr;
}

std::vector<std::string> repaired_streams(const json& report) {
    std::vector<std::string> out;
    for (const auto& r : report["repairs"])
        out.push_back(r["data_stream"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

// Issue #6: which fields conflict, in which backing indices, why, and the fix; exit 1 when found.
TEST(Audit, FindsTheHostIpConflictInTheLogsDataViewAndPlansTheRepair) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--json"});
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = audit_json(r);
    const auto* logs = target_titled(report, "logs-*");
    ASSERT_NE(logs, nullptr) << report.dump(2);
    EXPECT_EQ((*logs)["data_view"]["id"], "logs-*");
    const auto* host_ip = conflict_on(*logs, "host.ip");
    ASSERT_NE(host_ip, nullptr) << logs->dump(2);
    std::map<std::string, json> by_type;
    for (const auto& t : (*host_ip)["types"])
        by_type[t["type"].get<std::string>()] = t;
    ASSERT_EQ(by_type.size(), 2U) << host_ip->dump(2);
    // keyword only in the golang streams' first generations; ip in their second ones and nginx.
    for (const auto& index : by_type["keyword"]["indices"])
        EXPECT_TRUE(index.get<std::string>().starts_with(".ds-logs-golang.")) << index;
    EXPECT_EQ(by_type["keyword"]["indices"].size(), 2U);
    EXPECT_EQ(by_type["ip"]["indices"].size(), 3U);
    EXPECT_EQ(by_type["keyword"]["kibana_type"], "string");
    EXPECT_EQ(by_type["ip"]["kibana_type"], "ip");
    // The cause per data stream: the template now says ip, the old backing index says keyword.
    for (const auto& ds : (*host_ip)["data_streams"]) {
        if (!ds["data_stream"].get<std::string>().starts_with("logs-golang."))
            continue;
        EXPECT_EQ(ds["verdict"], "repairable") << ds;
        EXPECT_EQ(ds["template_type"], "ip") << ds;
        EXPECT_EQ(ds["package"]["name"], "golang") << ds;
        EXPECT_EQ(ds["disagreeing_indices"].size(), 1U) << ds;
    }
    EXPECT_EQ(repaired_streams(report),
              (std::vector<std::string>{"logs-golang.expvar-default", "logs-golang.heap-default"}));
    for (const auto& repair : report["repairs"]) {
        EXPECT_EQ(repair["command"], "esmend repair --data-stream " +
                                         repair["data_stream"].get<std::string>() +
                                         " --field host.ip");
        EXPECT_GT(repair["docs"].get<std::int64_t>(), 50) << repair;
        EXPECT_TRUE(repair["disk"]["enough"].get<bool>()) << repair;
        // 8.19 has _data_stream/_modify: the online strategy is what auto picks (issue #8).
        EXPECT_EQ(repair["recommended_strategy"], "online") << repair;
    }
    EXPECT_GE(report["summary"]["conflicting_fields"].get<int>(), 1);
    EXPECT_EQ(report["summary"]["repairable_data_streams"], 2);
}

TEST(Audit, HumanOutputNamesTheFieldTheIndicesAndTheCommand) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--data-view", "logs-*"});
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("host.ip"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("keyword (string)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("repairable"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("esmend repair --data-stream logs-golang.heap-default --field host.ip"),
              std::string::npos)
        << r.out;
    // Only the data view asked for.
    EXPECT_EQ(r.out.find("metrics-*"), std::string::npos) << r.out;
}

// An index pattern with an exclusion, as Kibana data view titles allow (no Kibana needed).
TEST(Audit, PatternWithAnExclusionLeavesTheExcludedStreamOut) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--json", "--pattern", "logs-*,-logs-golang.expvar-*"}, false);
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = audit_json(r);
    EXPECT_EQ(repaired_streams(report), (std::vector<std::string>{"logs-golang.heap-default"}));
    EXPECT_EQ(report["targets"][0]["data_view"], nullptr);
}

TEST(Audit, NoConflictExitsZero) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--json", "--pattern", "logs-nginx.*"}, false);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = audit_json(r);
    EXPECT_TRUE(report["targets"][0]["conflicts"].empty()) << report.dump(2);
    EXPECT_TRUE(report["repairs"].empty());
}

TEST(Audit, PatternMatchingNothingIsReportedNotCalledClean) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--pattern", "nothing-here-*"}, false);
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("nothing-here-*"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("matches no"), std::string::npos) << r.out << r.err;
}

TEST(Audit, UnknownDataViewIsAnErrorNamingTheKnownOnes) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--data-view", "traces-*"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.exit_code == 1, false) << "exit 1 means conflicts found";
    EXPECT_NE(r.err.find("traces-*"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("logs-*"), std::string::npos) << r.err;
}

TEST(Audit, WithoutKibanaAndWithoutAPatternIsAUsageError) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {}, false);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--pattern"), std::string::npos) << r.err;
}

// 7.x Kibana has no data views API: the audit lists index patterns through saved objects.
TEST(Audit, Kibana717IndexPatternsAreAudited) {
    EsSim sim(audit_scenario("7.17"));
    const auto r = audit(sim, {"--json"});
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = audit_json(r);
    ASSERT_NE(target_titled(report, "logs-*"), nullptr) << report.dump(2);
    EXPECT_NE(conflict_on(*target_titled(report, "logs-*"), "host.ip"), nullptr);
}

// The audit changes nothing: the indices, their documents and mappings are the same afterwards,
// and esmend created nothing of its own (no control index).
TEST(Audit, ChangesNothingInTheCluster) {
    EsSim sim(audit_scenario());
    const auto before_indices = sim.call(
        Method::get, "/_cat/indices?format=json&expand_wildcards=all&h=index,docs.count&s=index");
    const auto before_mappings = sim.call(Method::get, "/_all/_mapping?expand_wildcards=all");
    const auto before_templates = sim.call(Method::get, "/_index_template");
    ASSERT_EQ(audit(sim, {"--json"}).exit_code, 1);
    EXPECT_EQ(sim.call(Method::get,
                       "/_cat/indices?format=json&expand_wildcards=all&h=index,docs.count&s=index"),
              before_indices);
    EXPECT_EQ(sim.call(Method::get, "/_all/_mapping?expand_wildcards=all"), before_mappings);
    EXPECT_EQ(sim.call(Method::get, "/_index_template"), before_templates);
    auto control = sim.es().find("/esmend-control");
    ASSERT_TRUE(control);
    EXPECT_FALSE(control->has_value());
}

// --format console: the repair's requests in Dev Tools syntax, planned on the read-only
// connection (a write would be refused before it is sent), and nothing changes.
TEST(Audit, FormatConsolePrintsTheRepairRequestsAndChangesNothing) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--data-view", "logs-*", "--format", "console"});
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    for (const auto* ds : {"logs-golang.heap-default", "logs-golang.expvar-default"}) {
        EXPECT_NE(r.out.find(std::string("DELETE _data_stream/") + ds), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(std::string("esmend repair --data-stream ") + ds), std::string::npos);
    }
    EXPECT_NE(r.out.find("POST _reindex?wait_for_completion=false"), std::string::npos);
    EXPECT_NE(r.out.find("POST kbn:/api/fleet/epm/packages/golang/1.6.0"), std::string::npos);
    EXPECT_EQ(r.out.find("logs-nginx.access-default"), std::string::npos) << r.out;
    EXPECT_TRUE(sim.es().find("/_data_stream/logs-golang.heap-default")->has_value());
    EXPECT_FALSE(sim.es().find("/esmend-control")->has_value());
}

// Fleet's metrics-* data view matches nothing in the scenario: reported with no indices, not an
// error (data views may be created before their data, allowNoIndex).
TEST(Audit, ADataViewMatchingNothingIsReportedEmpty) {
    EsSim sim(audit_scenario());
    const auto r = audit(sim, {"--json", "--data-view", "metrics-*"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = audit_json(r);
    EXPECT_EQ(report["targets"][0]["indices"], 0);
    EXPECT_TRUE(report["targets"][0]["conflicts"].empty());
}

// Issue #8: on a cluster that never upgraded golang 0.4.0 (host.ip keyword everywhere, as its
// template leaves it to dynamic mapping), the golang streams are repairable: golang 1.6.0 maps
// host.ip as ip, and the online repair installs it first. Before 7.16 only the offline playbook
// exists, which reinstalls the template as it is, so the plan says to upgrade first.
TEST(Audit, AnOldGolangPackageMakesItsStreamsRepairableWithTheTemplateFirst) {
    for (const std::string version : {"8.19", "7.15.2"}) {
        auto options = audit_scenario(version);
        options.scenario = "host-ip-not-upgraded";
        EsSim sim(options);
        const auto r = audit(sim, {"--pattern", "logs-*", "--json"}, false);
        ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
        const auto report = audit_json(r);
        const auto* host_ip = conflict_on(report["targets"][0], "host.ip");
        ASSERT_NE(host_ip, nullptr) << report.dump(2);
        for (const auto& ds : (*host_ip)["data_streams"]) {
            if (!ds["data_stream"].get<std::string>().starts_with("logs-golang."))
                continue;
            EXPECT_EQ(ds["verdict"], "repairable") << ds;
            EXPECT_EQ(ds["template_type"], "") << ds;
            EXPECT_EQ(ds["template_fix"]["type"], "ip") << ds;
            EXPECT_EQ(ds["package"]["version"], "0.4.0") << ds;
        }
        EXPECT_EQ(repaired_streams(report), (std::vector<std::string>{"logs-golang.expvar-default",
                                                                      "logs-golang.heap-default"}));
        for (const auto& repair : report["repairs"]) {
            EXPECT_TRUE(repair["template_fix"].get<bool>()) << repair;
            EXPECT_EQ(repair.contains("first"), version == "7.15.2") << version << repair;
        }
    }
}

// The esmend binary end to end: exit codes, --json purity, env vars, secrets.
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using esmend::test::ProcessResult;
using esmend::test::run_process;
using esmend::test::TestServer;

namespace {

// Each test runs without any ambient configuration of the machine.
std::map<std::string, std::string> clean_env(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"ELASTICSEARCH_HOSTS", ""},    {"ELASTICSEARCH_USERNAME", ""},
        {"ELASTICSEARCH_PASSWORD", ""}, {"ELASTICSEARCH_API_KEY", ""},
        {"ELASTIC_CLOUD_ID", ""},       {"KIBANA_HOST", ""},
        {"ESMEND_CONFIG", ""},          {"XDG_CONFIG_HOME", "/nonexistent"}};
    for (auto& [k, v] : extra)
        env[k] = v;
    return env;
}

ProcessResult run_esmend(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), ESMEND_BINARY);
    return run_process(args, clean_env(std::move(env)));
}

// A small stand-in for an ES node: GET / and _cluster/health, as in the spec examples.
void serve_cluster(TestServer& server, const std::string& version = "8.19.0") {
    esmend::test::serve_es_root(server.server(), version);
    server.server().Get("/_cluster/health", [](const httplib::Request&, httplib::Response& res) {
        res.set_header("X-elastic-product", "Elasticsearch");
        res.set_content(
            R"({"cluster_name":"test-cluster","status":"green","timed_out":false,"number_of_nodes":3,)"
            R"("number_of_data_nodes":3,"active_primary_shards":10,"active_shards":20,)"
            R"("unassigned_shards":0,"active_shards_percent_as_number":100.0})",
            "application/json");
    });
}

} // namespace

TEST(Cli, VersionPrintsAndJsonIsPure) {
    auto human = run_esmend({"version"});
    EXPECT_EQ(human.exit_code, 0);
    EXPECT_NE(human.out.find("esmend "), std::string::npos);
    auto as_json = run_esmend({"--json", "version"});
    EXPECT_EQ(as_json.exit_code, 0);
    auto parsed = nlohmann::json::parse(as_json.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << as_json.out;
    EXPECT_TRUE(parsed.contains("version"));
}

TEST(Cli, InfoShowsVersionHealthAndStrategies) {
    TestServer server;
    serve_cluster(server);
    server.start();
    auto r = run_esmend({"info", "--es-url", server.url()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("8.19.0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("green"), std::string::npos);
    EXPECT_NE(r.out.find("test-cluster"), std::string::npos);
    EXPECT_NE(r.out.find("offline, online"), std::string::npos);
}

TEST(Cli, InfoJsonPutsOnlyJsonOnStdout) {
    TestServer server;
    serve_cluster(server, "7.15.2");
    server.start();
    // Options may follow the subcommand; -vv makes stderr busy, which must not reach stdout.
    auto r = run_esmend({"info", "--es-url", server.url(), "--json", "-vv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "stdout is not JSON:\n" << r.out;
    EXPECT_EQ(j["version"]["number"], "7.15.2");
    EXPECT_EQ(j["health"]["status"], "green");
    EXPECT_EQ(j["cluster"]["uuid"], "uuid-123");
    EXPECT_EQ(j["repair_strategies"][0]["available"], true);
    EXPECT_EQ(j["repair_strategies"][1]["available"], false) << "online needs 7.16";
    EXPECT_TRUE(j["kibana"].is_null());
    EXPECT_FALSE(r.err.empty()) << "logs went to stderr";
}

TEST(Cli, InfoTakesHostsFromElasticsearchHostsAndFailsOver) {
    TestServer server;
    serve_cluster(server);
    server.start();
    const std::string dead = "http://127.0.0.1:" + std::to_string(esmend::test::unused_port());
    auto r = run_esmend({"info", "--json"}, {{"ELASTICSEARCH_HOSTS", dead + "," + server.url()}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["health"]["status"], "green");
}

TEST(Cli, InfoReportsKibanaWhenConfigured) {
    TestServer server;
    serve_cluster(server);
    std::string xsrf;
    server.server().Get("/kb/api/status", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            R"({"name":"kb","version":{"number":"8.19.0"},"status":{"overall":{"level":"available"}}})",
            "application/json");
    });
    server.start();
    auto ok = run_esmend(
        {"info", "--json", "--es-url", server.url(), "--kibana-url", server.url() + "/kb"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    auto j = nlohmann::json::parse(ok.out);
    EXPECT_EQ(j["kibana"]["reachable"], true);
    EXPECT_EQ(j["kibana"]["status"], "available");

    const std::string dead = "http://127.0.0.1:" + std::to_string(esmend::test::unused_port());
    auto down = run_esmend(
        {"info", "--json", "--retries", "0", "--es-url", server.url(), "--kibana-url", dead});
    EXPECT_EQ(down.exit_code, 1);
    EXPECT_EQ(nlohmann::json::parse(down.out)["kibana"]["reachable"], false);
}

TEST(Cli, UnreachableClusterExitsOneWithJsonError) {
    const std::string dead = "http://127.0.0.1:" + std::to_string(esmend::test::unused_port());
    auto r = run_esmend({"--json", "info", "--es-url", dead, "--retries", "0"});
    EXPECT_EQ(r.exit_code, 1);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j["error"]["kind"], "transport");
}

TEST(Cli, UsageAndConfigErrorsExitTwo) {
    EXPECT_EQ(run_esmend({}).exit_code, 2);
    EXPECT_EQ(run_esmend({"info", "--no-such-flag"}).exit_code, 2);
    EXPECT_EQ(run_esmend({"info", "--user", "elastic"}).exit_code, 2)
        << "a user without a password";
    EXPECT_EQ(run_esmend({"info", "--es-url", "ftp://x"}).exit_code, 2);
    EXPECT_EQ(run_esmend({"info", "--api-key", "a:b", "--bearer", "t"}).exit_code, 2);
    EXPECT_EQ(run_esmend({"--help"}).exit_code, 0);
}

TEST(Cli, SecretsNeverReachStdoutOrStderr) {
    TestServer server;
    server.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.status = 401;
        res.set_content(
            R"({"error":{"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/]"},"status":401})",
            "application/json");
    });
    server.start();
    const std::string password = "Sup3r-Secret-Pw";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"info", "-vv", "--es-url", server.url(), "--user", "elastic"},
             {"info", "-vv", "--json", "--es-url", server.url(), "--user", "elastic"}}) {
        auto r = run_esmend(args, {{"ELASTICSEARCH_PASSWORD", password}});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("security_exception"), std::string::npos) << r.err;
        for (const auto& text : {r.out, r.err}) {
            EXPECT_EQ(text.find(password), std::string::npos) << text;
            EXPECT_EQ(text.find("ZWxhc3RpYzpTdXAzci1TZWNyZXQtUHc"), std::string::npos) << text;
        }
    }
}

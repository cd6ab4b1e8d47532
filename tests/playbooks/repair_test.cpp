// The repair playbook's decisions, from observations alone (no cluster).
#include <playbooks/repair.hpp>

#include <gtest/gtest.h>

using namespace esmend;
using namespace esmend::playbooks;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;

namespace {

RepairParams params() {
    RepairParams p;
    p.data_stream = "logs-golang.heap-default";
    p.field = "host.ip";
    p.run_id = "r1";
    return p;
}

json ip_mapping(const std::string& type) {
    return {
        {"mappings", {{"properties", {{"host", {{"properties", {{"ip", {{"type", type}}}}}}}}}}}};
}

// What preflight observes on the host.ip scenario: generation 1 keyword, generation 2 and the
// template ip, a Fleet-managed template, plenty of disk.
json scenario_observation() {
    return {
        {"kibana", true},
        {"health", "yellow"},
        {"data_stream", {{"name", "logs-golang.heap-default"}, {"template", "logs-golang.heap"}}},
        {"mappings",
         {{".ds-logs-golang.heap-default-2026.11.01-000001", ip_mapping("keyword")},
          {".ds-logs-golang.heap-default-2026.11.08-000002", ip_mapping("ip")}}},
        {"simulated", {{"settings", json::object()}, {"mappings", ip_mapping("ip")["mappings"]}}},
        {"template_definition", {{"index_patterns", {"logs-golang.heap-*"}}}},
        {"template_meta",
         {{"managed_by", "fleet"}, {"package", {{"name", "golang"}, {"version", "1.6.0"}}}}},
        {"docs", 1000},
        {"store_bytes", 1'000'000},
        {"disk", {{"available_bytes", 50'000'000'000LL}, {"total_bytes", 100'000'000'000LL}}}};
}

json policy(const std::string& id, bool input, bool heap, bool expvar) {
    return {{"id", id},
            {"name", "golang-" + id},
            {"revision", 3},
            {"namespace", "default"},
            {"policy_id", "agent-policy"},
            {"package", {{"name", "golang"}, {"version", "1.6.0"}}},
            {"inputs",
             {{{"type", "httpjson"},
               {"policy_template", "Golang"},
               {"enabled", input},
               {"streams",
                {{{"data_stream", {{"dataset", "golang.heap"}}}, {"enabled", heap}},
                 {{"data_stream", {{"dataset", "golang.expvar"}}}, {"enabled", expvar}}}}}}}};
}

Action start_copy() {
    return Action{playbooks::Service::elasticsearch,
                  Method::post,
                  "/_reindex?wait_for_completion=false&slices=auto",
                  json{{"source", {{"index", "a"}}}, {"dest", {{"index", "b"}}}},
                  "reindex a into b",
                  "copy_task"};
}

} // namespace

TEST(RepairPreflight, TheScenarioIsRepairableAndTheFactsNameTheCause) {
    const auto d = decide_preflight(params(), json::object(), scenario_observation());
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_EQ(d.facts["target_type"], "ip");
    EXPECT_EQ(d.facts["disagreeing"],
              (json::array({{{"index", ".ds-logs-golang.heap-default-2026.11.01-000001"},
                             {"type", "keyword"}}})));
    EXPECT_EQ(d.facts["fleet"], true);
    EXPECT_EQ(d.facts["package"]["version"], "1.6.0");
    EXPECT_EQ(d.facts["temp_index"], "esmend-tmp-logs-golang.heap-default-r1");
}

TEST(RepairPreflight, NoDisagreeingIndexFinishesTheRunWithoutChanges) {
    auto obs = scenario_observation();
    obs["mappings"].erase(".ds-logs-golang.heap-default-2026.11.01-000001");
    const auto d = decide_preflight(params(), json::object(), obs);
    EXPECT_EQ(d.kind, Decision::Kind::finish) << d.message;
    EXPECT_NE(d.message.find("nothing to repair"), std::string::npos);
}

TEST(RepairPreflight, AMissingDataStreamFails) {
    auto obs = scenario_observation();
    obs["data_stream"] = nullptr;
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("does not exist"), std::string::npos);
}

// A template that still maps the field the old way: reinstalling would not help.
TEST(RepairPreflight, ATemplateThatDoesNotMapTheFieldStopsBeforeAnyChange) {
    auto obs = scenario_observation();
    obs["simulated"]["mappings"] = json::object();
    obs["template_meta"]["package"]["name"] = "other"; // esmend bundles no template of it
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("upgrade the package first"), std::string::npos) << d.message;
}

// golang 1.6.0's own template maps host.ip as ip: one that does not was edited, and the offline
// playbook's Fleet reinstall of 1.6.0 puts it back (its reinstall step checks the result).
TEST(RepairPreflight, AnEditedGolangTemplateIsRepairedByTheReinstall) {
    auto obs = scenario_observation();
    obs["simulated"]["mappings"] = json::object();
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_EQ(d.facts["target_type"], "ip");
    EXPECT_EQ(d.facts["template_fix"]["version"], "1.6.0");
}

// Issue #7, privileges: the snapshot before the repair needs cluster create_snapshot
// (es-apis.md §1.11); without it the preflight stops, unless --no-snapshot skips the snapshot.
TEST(RepairPreflight, ASnapshotWithoutCreateSnapshotIsRefusedUnlessSkipped) {
    auto obs = scenario_observation();
    obs["repositories"] = {"backups"};
    obs["snapshot_privileges"] = {{"username", "ops"},
                                  {"has_all_requested", false},
                                  {"cluster", {{"create_snapshot", false}}}};
    auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::config);
    EXPECT_NE(d.error->message.find("ops lacks cluster:create_snapshot"), std::string::npos)
        << d.error->message;
    EXPECT_NE(d.error->message.find("--no-snapshot"), std::string::npos);

    RepairParams skip = params();
    skip.no_snapshot = true;
    d = decide_preflight(skip, json::object(), obs);
    EXPECT_EQ(d.kind, Decision::Kind::done) << d.message;
    obs["snapshot_privileges"]["has_all_requested"] = true;
    d = decide_preflight(params(), json::object(), obs);
    EXPECT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_EQ(d.facts["snapshot"]["repository"], "backups");
}

TEST(RepairPreflight, TimeSeriesStreamsAreRefused) {
    auto obs = scenario_observation();
    obs["simulated"]["settings"] = {{"index", {{"mode", "time_series"}}}};
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("TSDS"), std::string::npos);
}

TEST(RepairPreflight, AFleetTemplateNeedsKibana) {
    auto obs = scenario_observation();
    obs["kibana"] = false;
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::config);
    EXPECT_NE(d.message.find("KIBANA_HOST"), std::string::npos);
}

TEST(RepairPreflight, NotEnoughDiskForTheCopyFails) {
    auto obs = scenario_observation();
    obs["disk"] = {{"available_bytes", 6'000'000}, {"total_bytes", 100'000'000}};
    obs["store_bytes"] = 2'000'000; // 94 % used + 2 % copy > 95 %
    const auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("not enough disk"), std::string::npos) << d.message;
}

TEST(RepairPreflight, ARedClusterFails) {
    auto obs = scenario_observation();
    obs["health"] = "red";
    EXPECT_EQ(decide_preflight(params(), json::object(), obs).kind, Decision::Kind::fail);
}

// es-apis.md §2.2: the input and every stream off, in the legacy body without read-only keys.
TEST(RepairCollection, PauseTurnsTheGolangInputAndItsStreamsOff) {
    const json policies = {policy("p1", true, true, true), policy("p2", false, false, false)};
    const auto d = decide_collection(policies, false, json::object());
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U); // p2 is already off
    const auto& a = d.actions[0];
    EXPECT_EQ(a.service, playbooks::Service::kibana);
    EXPECT_EQ(a.method, Method::put);
    EXPECT_EQ(a.path, "/api/fleet/package_policies/p1");
    EXPECT_FALSE(a.body->contains("id"));
    EXPECT_FALSE(a.body->contains("revision"));
    const auto& input = (*a.body)["inputs"][0];
    EXPECT_EQ(input["enabled"], false);
    EXPECT_EQ(input["streams"][0]["enabled"], false);
    EXPECT_EQ(input["streams"][1]["enabled"], false);
}

// Resuming restores exactly what was running: p1 had only heap on, p2 was off and stays off.
TEST(RepairCollection, ResumeRestoresEachPolicyAsItWas) {
    const json paused = {policy("p1", false, false, false), policy("p2", false, false, false)};
    const json remembered =
        json::array({{{"id", "p1"},
                      {"input", true},
                      {"streams", {{"golang.heap", true}, {"golang.expvar", false}}}},
                     {{"id", "p2"},
                      {"input", false},
                      {"streams", {{"golang.heap", false}, {"golang.expvar", false}}}}});
    const auto d = decide_collection(paused, true, remembered);
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    const auto& input = (*d.actions[0].body)["inputs"][0];
    EXPECT_EQ(input["enabled"], true);
    EXPECT_EQ(input["streams"][0]["enabled"], true);
    EXPECT_EQ(input["streams"][1]["enabled"], false);
    // Once restored there is nothing left to do.
    const json restored = {policy("p1", true, true, false), policy("p2", false, false, false)};
    EXPECT_EQ(decide_collection(restored, true, remembered).kind, Decision::Kind::done);
}

TEST(RepairReindex, StartsTheTaskAndCapturesItsId) {
    const auto d = decide_reindex(start_copy(), std::chrono::milliseconds(500), json::object(),
                                  json::object());
    ASSERT_EQ(d.kind, Decision::Kind::act);
    EXPECT_EQ(d.actions[0].capture, "copy_task");
    EXPECT_EQ(d.actions[0].path, "/_reindex?wait_for_completion=false&slices=auto");
}

TEST(RepairReindex, ARunningTaskIsPolledWithItsProgress) {
    const json state = {{"copy_task", {{"task", "n:1"}}}};
    const json obs = {
        {"task",
         {{"completed", false}, {"task", {{"status", {{"total", 200}, {"created", 50}}}}}}}};
    const auto d = decide_reindex(start_copy(), std::chrono::milliseconds(500), state, obs);
    ASSERT_EQ(d.kind, Decision::Kind::wait);
    EXPECT_EQ(d.wait_for, std::chrono::milliseconds(500));
    EXPECT_NE(d.message.find("50/200 (25%)"), std::string::npos) << d.message;
    ASSERT_TRUE(d.progress.has_value());
    EXPECT_EQ(d.progress->done, 50);
    EXPECT_EQ(d.progress->total, 200);
}

// es-apis.md §1.8: after a node restart the task is gone with no result; the copy starts again
// (op_type create + conflicts proceed skip what is already there).
TEST(RepairReindex, AVanishedTaskIsStartedAgain) {
    const json state = {{"copy_task", {{"task", "n:1"}}}};
    const auto d = decide_reindex(start_copy(), std::chrono::milliseconds(500), state,
                                  json{{"task", nullptr}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    EXPECT_EQ(d.actions[0].capture, "copy_task");
    EXPECT_NE(d.actions[0].summary.find("again"), std::string::npos);
}

TEST(RepairReindex, FailuresStopTheRunNamingTheDocuments) {
    const json state = {{"copy_task", {{"task", "n:1"}}}};
    const json obs = {{"task",
                       {{"completed", true},
                        {"task", {{"status", json::object()}}},
                        {"response",
                         {{"created", 19},
                          {"failures",
                           {{{"id", "17"},
                             {"cause",
                              {{"type", "document_parsing_exception"},
                               {"reason", "failed to parse field"}}}}}}}}}}};
    const auto d = decide_reindex(start_copy(), std::chrono::milliseconds(500), state, obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("17: document_parsing_exception"), std::string::npos) << d.message;
}

TEST(RepairReindex, ACancelledTaskIsReportedAsCancelled) {
    const json state = {{"copy_task", {{"task", "n:1"}}}};
    const json obs = {{"task",
                       {{"completed", true},
                        {"task", {{"status", {{"canceled", "by user request"}}}}},
                        {"response", {{"canceled", "by user request"}}}}}};
    const auto d = decide_reindex(start_copy(), std::chrono::milliseconds(500), state, obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::cancelled);
}

TEST(RepairReindex, ACompletedTaskIsDone) {
    const json state = {{"copy_task", {{"task", "n:1"}}}};
    const json obs = {{"task",
                       {{"completed", true},
                        {"task", {{"status", json::object()}}},
                        {"response", {{"created", 200}, {"failures", json::array()}}}}}};
    EXPECT_EQ(decide_reindex(start_copy(), std::chrono::milliseconds(500), state, obs).kind,
              Decision::Kind::done);
}

// The copy back and documents the new mapping rejects (issue #7, "--on-bad-doc stop|dead-letter").
namespace {

Action start_back() {
    return Action{playbooks::Service::elasticsearch,
                  Method::post,
                  "/_reindex?wait_for_completion=false&slices=auto",
                  json{{"source", {{"index", "esmend-tmp-x"}}}, {"dest", {{"index", "ds"}}}},
                  "reindex esmend-tmp-x into ds",
                  "back_task"};
}

json rejected_back(json dead_letters = json::array()) {
    return {{"task",
             {{"completed", true},
              {"task", {{"status", json::object()}}},
              {"response",
               {{"created", 998},
                {"failures",
                 {{{"id", "bad-1"},
                   {"cause",
                    {{"type", "document_parsing_exception"},
                     {"reason", "failed to parse field [host.ip] of type [ip]"}}}}}}}}}},
            {"rejected",
             {{"bad-1", {{"@timestamp", "2026-11-20T10:00:00Z"}, {"host", {{"ip", "bogus"}}}}}}},
            {"dead_letters", std::move(dead_letters)},
            {"dead_letter_exists", false}};
}

} // namespace

TEST(RepairCopyBack, RejectedDocumentsStopTheRunByDefaultAndSayHowToGoOn) {
    const json state = {{"back_task", {{"task", "n:2"}}}};
    const auto d = decide_copy_back(start_back(), params(), state, rejected_back());
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("bad-1: document_parsing_exception"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("--on-bad-doc dead-letter"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("esmend-dead-letter-logs-golang.heap-default-r1"), std::string::npos);
}

TEST(RepairCopyBack, DeadLetterKeepsTheOriginalSourceAndStartsAgainWithoutIt) {
    auto p = params();
    p.on_bad_doc = "dead-letter";
    const json state = {{"back_task", {{"task", "n:2"}}}};
    const auto d = decide_copy_back(start_back(), p, state, rejected_back());
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 3U);
    EXPECT_EQ(d.actions[0].method, Method::put);
    EXPECT_EQ(d.actions[0].path, "/esmend-dead-letter-logs-golang.heap-default-r1");
    EXPECT_EQ((*d.actions[0].body)["mappings"]["dynamic"], false);
    EXPECT_EQ(d.actions[1].path,
              "/esmend-dead-letter-logs-golang.heap-default-r1/_create/bad-1?refresh=true");
    const json& letter = *d.actions[1].body;
    EXPECT_EQ(letter["document"]["source"]["host"]["ip"], "bogus");
    EXPECT_EQ(letter["document"]["id"], "bad-1");
    EXPECT_EQ(letter["error"]["type"], "document_parsing_exception");
    EXPECT_EQ(letter["@timestamp"], "2026-11-20T10:00:00Z");
    EXPECT_EQ(d.actions[2].capture, "back_task");
    EXPECT_EQ((*d.actions[2].body)["source"]["query"]["bool"]["must_not"][0]["ids"]["values"],
              json::array({"bad-1"}));
}

// Killed after the dead letter was written: the resumed run does not write it again, and every
// (re)start of the copy leaves it out.
TEST(RepairCopyBack, DeadLetteredDocumentsAreNotWrittenTwiceAndStayExcluded) {
    auto p = params();
    p.on_bad_doc = "dead-letter";
    const json state = {{"back_task", {{"task", "n:2"}}}};
    json obs = rejected_back(json::array({"bad-1"}));
    obs["dead_letter_exists"] = true;
    const auto again = decide_copy_back(start_back(), p, state, obs);
    ASSERT_EQ(again.kind, Decision::Kind::act);
    ASSERT_EQ(again.actions.size(), 1U);
    EXPECT_EQ(again.actions[0].capture, "back_task");

    // A vanished task is restarted without the dead letters too.
    const json gone = {{"task", nullptr}, {"dead_letters", json::array({"bad-1"})}};
    const auto restarted = decide_copy_back(start_back(), p, state, gone);
    ASSERT_EQ(restarted.kind, Decision::Kind::act);
    EXPECT_EQ(
        (*restarted.actions[0].body)["source"]["query"]["bool"]["must_not"][0]["ids"]["values"],
        json::array({"bad-1"}));
}

TEST(RepairCopyBack, ARejectedDocumentMissingFromTheCopyFailsWithoutChanges) {
    auto p = params();
    p.on_bad_doc = "dead-letter";
    json obs = rejected_back();
    obs["rejected"] = json::object();
    const auto d = decide_copy_back(start_back(), p, {{"back_task", {{"task", "n:2"}}}}, obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_TRUE(d.actions.empty());
}

// The snapshot before the repair (issue #7, preflight: "--snapshot-repo R; --no-snapshot skips
// it"; es-apis.md §1.11).
TEST(RepairSnapshot, TheOnlyRegisteredRepositoryIsUsedAndNoneMeansNoSnapshot) {
    auto obs = scenario_observation();
    obs["repositories"] = json::array({"backups"});
    auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_EQ(d.facts["snapshot"],
              (json{{"repository", "backups"}, {"name", "esmend-logs-golang.heap-default-r1"}}));

    obs["repositories"] = json::array();
    d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_TRUE(d.facts["snapshot"].is_null());

    auto p = params();
    p.no_snapshot = true;
    obs["repositories"] = json::array({"backups"});
    d = decide_preflight(p, json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_TRUE(d.facts["snapshot"].is_null());
}

TEST(RepairSnapshot, SeveralRepositoriesOrAnUnknownOneAreTheOperatorsToSettle) {
    auto obs = scenario_observation();
    obs["repositories"] = json::array({"a", "b"});
    auto d = decide_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::config);
    EXPECT_NE(d.message.find("--snapshot-repo"), std::string::npos) << d.message;

    auto p = params();
    p.snapshot_repo = "b";
    d = decide_preflight(p, json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    EXPECT_EQ(d.facts["snapshot"]["repository"], "b");

    p.snapshot_repo = "c";
    d = decide_preflight(p, json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.message.find("not registered (registered: a, b)"), std::string::npos) << d.message;
}

TEST(RepairSnapshot, TakenThenPolledUntilSuccess) {
    const json state = {
        {"facts",
         {{"preflight", {{"snapshot", {{"repository", "backups"}, {"name", "esmend-ds-r1"}}}}}}}};
    auto d = decide_snapshot(params(), state, json{{"snapshot", nullptr}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    EXPECT_EQ(d.actions[0].path, "/_snapshot/backups/esmend-ds-r1?wait_for_completion=false");
    EXPECT_EQ((*d.actions[0].body)["indices"], "logs-golang.heap-default");
    EXPECT_EQ((*d.actions[0].body)["include_global_state"], false);

    d = decide_snapshot(params(), state, json{{"snapshot", {{"state", "IN_PROGRESS"}}}});
    EXPECT_EQ(d.kind, Decision::Kind::wait);
    d = decide_snapshot(params(), state,
                        json{{"snapshot", {{"state", "SUCCESS"}, {"indices", {"a", "b"}}}}});
    EXPECT_EQ(d.kind, Decision::Kind::done);
    EXPECT_NE(d.message.find("2 indices"), std::string::npos) << d.message;
    d = decide_snapshot(params(), state, json{{"snapshot", {{"state", "PARTIAL"}}}});
    EXPECT_EQ(d.kind, Decision::Kind::fail);

    // Without a repository the step changes nothing.
    d = decide_snapshot(params(), json::object(), json::object());
    EXPECT_EQ(d.kind, Decision::Kind::done);
    EXPECT_TRUE(d.actions.empty());
}

// ---- The online strategy (issue #8) ----

namespace {

const std::string k_old = ".ds-logs-golang.heap-default-2026.11.01-000001";
const std::string k_write = ".ds-logs-golang.heap-default-2026.11.08-000002";

json online_observation(bool modify) {
    json obs = scenario_observation();
    obs["version"] = {{"number", modify ? "8.19.0" : "7.15.2"}, {"modify_data_stream", modify}};
    obs["data_stream"]["indices"] = {{{"index_name", k_old}}, {{"index_name", k_write}}};
    obs["index_stats"] = {{k_old, {{"bytes", 600'000}}}, {k_write, {{"bytes", 400'000}}}};
    return obs;
}

// A run state after the preflight (one index to rewrite) and the given completed steps.
json online_state(const std::vector<std::string>& completed) {
    RepairParams p = params();
    const Decision pre = decide_online_preflight(p, json::object(), online_observation(true));
    json state = {{"facts", {{"preflight", pre.facts}}}, {"completed", {"preflight"}}};
    for (const auto& step : completed)
        state["completed"].push_back(step);
    state["facts"]["block_1"] = {{"original", {{"lifecycle_name", "logs"}}}};
    return state;
}

} // namespace

TEST(RepairOnlinePreflight, BelowSevenSixteenIsRefusedWithTheReason) {
    const Decision d = decide_online_preflight(params(), json::object(), online_observation(false));
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::config);
    EXPECT_NE(d.error->message.find("7.16.0"), std::string::npos) << d.error->message;
    EXPECT_NE(d.error->message.find("7.15.2"), std::string::npos) << d.error->message;
    EXPECT_NE(d.error->message.find("--strategy offline"), std::string::npos) << d.error->message;
}

TEST(RepairOnlinePreflight, OnlyTheDisagreeingIndicesAreRewrittenOldestFirst) {
    const Decision d = decide_online_preflight(params(), json::object(), online_observation(true));
    ASSERT_EQ(d.kind, Decision::Kind::done) << d.message;
    ASSERT_EQ(d.facts["rewrite"].size(), 1U);
    EXPECT_EQ(d.facts["rewrite"][0]["index"], k_old);
    EXPECT_EQ(d.facts["rewrite"][0]["new_index"],
              "esmend-r1-ds-logs-golang.heap-default-2026.11.01-000001");
    EXPECT_EQ(d.facts["write_index"], k_write);
    EXPECT_EQ(online_step_names(1).size(), 13U);
}

TEST(RepairOnlinePreflight, TheLargestIndexMustFitOnDisk) {
    json obs = online_observation(true);
    obs["disk"] = {{"available_bytes", 5'500'000}, {"total_bytes", 100'000'000}};
    obs["index_stats"][k_old]["bytes"] = 1'000'000;
    const Decision d = decide_online_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.error->message.find("not enough disk"), std::string::npos) << d.error->message;
}

TEST(RepairOnlineSwap, NothingIsSwappedBeforeTheCopyIsVerified) {
    const json obs = {{"indices", {k_old, k_write}}, {"lifecycle_name", ""}};
    const Decision d = decide_swap(params(), 1, online_state({}), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.error->message.find("not verified"), std::string::npos);
}

TEST(RepairOnlineSwap, OneAtomicModifyThenTheLifecyclePolicy) {
    const json state = online_state({"verify_1"});
    const std::string fixed = "esmend-r1-ds-logs-golang.heap-default-2026.11.01-000001";
    Decision d = decide_swap(params(), 1, state, {{"indices", {k_old, k_write}}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 2U);
    EXPECT_EQ(d.actions[0].path, "/_data_stream/_modify");
    const json& actions = (*d.actions[0].body)["actions"];
    ASSERT_EQ(actions.size(), 2U);
    EXPECT_EQ(actions[0]["remove_backing_index"]["index"], k_old);
    EXPECT_EQ(actions[1]["add_backing_index"]["index"], fixed);
    EXPECT_EQ(d.actions[1].path, "/" + fixed + "/_settings");
    EXPECT_EQ((*d.actions[1].body)["index.lifecycle.name"], "logs");

    // Swapped, but killed before the policy was set: only the policy is left to do.
    d = decide_swap(params(), 1, state, {{"indices", {fixed, k_write}}, {"lifecycle_name", ""}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].path, "/" + fixed + "/_settings");
    d = decide_swap(params(), 1, state,
                    {{"indices", {fixed, k_write}}, {"lifecycle_name", "logs"}});
    EXPECT_EQ(d.kind, Decision::Kind::done);
    // Neither in the stream: something else changed it; never guess.
    d = decide_swap(params(), 1, state, {{"indices", {k_write}}});
    EXPECT_EQ(d.kind, Decision::Kind::fail);
}

TEST(RepairOnlineUndo, ForgettingUnswappedUnitsKeepsSwappedOnes) {
    json state = online_state({"block_1", "create_1", "copy_1"});
    state["copy_task_1"] = {{"task", "node:1"}};
    json undone = forget_unswapped(state);
    EXPECT_EQ(undone["completed"], json::array({"preflight"}));
    EXPECT_FALSE(undone.contains("copy_task_1"));
    EXPECT_FALSE(undone["facts"].contains("block_1"));

    json swapped =
        online_state({"block_1", "create_1", "copy_1", "settings_1", "verify_1", "swap_1"});
    EXPECT_EQ(forget_unswapped(swapped), swapped);
}

// ---- The template step (issue #8: "make sure the current template maps the field correctly,
// reinstall or upgrade if needed") ----

namespace {

// golang 0.4.0 through Fleet: its template does not map host.ip, which strings_as_keyword made
// keyword in every backing index (es-sim's host-ip-not-upgraded scenario).
json not_upgraded_observation() {
    json obs = online_observation(true);
    obs["mappings"][k_write] = ip_mapping("keyword");
    obs["simulated"]["mappings"] = json{{"properties", {{"message", {{"type", "text"}}}}}};
    obs["template_meta"]["package"]["version"] = "0.4.0";
    return obs;
}

json after_preflight(const json& observation) {
    const Decision pre = decide_online_preflight(params(), json::object(), observation);
    EXPECT_EQ(pre.kind, Decision::Kind::done) << pre.message;
    return {{"facts", {{"preflight", pre.facts}}}, {"completed", {"preflight"}}};
}

} // namespace

TEST(RepairOnlineTemplate, AnOldGolangPackageIsUpgradedToTheBundledVersionThroughFleet) {
    const json state = after_preflight(not_upgraded_observation());
    const json& pre = state["facts"]["preflight"];
    EXPECT_EQ(pre["target_type"], "ip"); // from esmend's bundled 1.6.0 assets
    EXPECT_EQ(pre["template_fix"]["via"], "fleet");
    EXPECT_EQ(pre["template_fix"]["from_version"], "0.4.0");
    EXPECT_EQ(pre["template_fix"]["version"], "1.6.0");
    EXPECT_EQ(pre["rewrite"].size(), 2U); // the write index too: the rollover makes it old

    Decision d = decide_template(params(), state, {{"type", nullptr}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    ASSERT_EQ(d.actions.size(), 1U);
    EXPECT_EQ(d.actions[0].service, Service::kibana);
    EXPECT_EQ(d.actions[0].path, "/api/fleet/epm/packages/golang/1.6.0");
    EXPECT_EQ(*d.actions[0].body, (json{{"force", true}}));
    EXPECT_NE(d.actions[0].summary.find("upgrade golang 0.4.0 to 1.6.0"), std::string::npos);

    EXPECT_EQ(decide_template(params(), state, {{"type", "ip"}}).kind, Decision::Kind::done);
    // Installed, and the simulated mapping is still wrong: something overrides it.
    json installed = state;
    installed["template_fix"] = {{"items", json::array()}};
    d = decide_template(params(), installed, {{"type", "keyword"}});
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.error->message.find("@custom"), std::string::npos) << d.error->message;
}

TEST(RepairOnlineTemplate, AFleetTemplateToFixNeedsKibana) {
    json obs = not_upgraded_observation();
    obs["kibana"] = false;
    const Decision d = decide_online_preflight(params(), json::object(), obs);
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_EQ(d.error->kind, ErrorKind::config);
    EXPECT_NE(d.error->message.find("KIBANA_HOST"), std::string::npos) << d.error->message;
}

TEST(RepairOnlineTemplate, TheOfflineRepairRefusesAndNamesTheUpgradeAndTheOnlineStrategy) {
    const Decision d = decide_preflight(params(), json::object(), not_upgraded_observation());
    ASSERT_EQ(d.kind, Decision::Kind::fail);
    EXPECT_NE(d.error->message.find("upgrade golang 0.4.0 to 1.6.0"), std::string::npos)
        << d.error->message;
    EXPECT_NE(d.error->message.find("--strategy online"), std::string::npos);
}

TEST(RepairOnlineTemplate, AnEsmendTemplateMappingKeywordGetsEsmendsAssets) {
    json obs = not_upgraded_observation();
    obs["template_meta"] = {{"managed_by", "esmend"},
                            {"package", {{"name", "golang"}, {"version", "1.6.0"}}}};
    obs["simulated"]["mappings"] = ip_mapping("keyword")["mappings"];
    const json state = after_preflight(obs);
    EXPECT_EQ(state["facts"]["preflight"]["template_fix"]["via"], "esmend");
    EXPECT_EQ(state["facts"]["preflight"]["template_fix"]["type"], "keyword");

    // An older esmend @package (version 1): upgraded, with the rest of esmend's assets.
    json assets = json::object();
    assets["logs-golang.heap@package"] = {{"version", 1}, {"_meta", {{"managed_by", "esmend"}}}};
    Decision d = decide_template(params(), state, {{"type", "keyword"}, {"assets", assets}});
    ASSERT_EQ(d.kind, Decision::Kind::act);
    const auto upgrade = std::find_if(d.actions.begin(), d.actions.end(), [](const Action& a) {
        return a.path == "/_component_template/logs-golang.heap@package";
    });
    ASSERT_NE(upgrade, d.actions.end());
    EXPECT_NE(upgrade->summary.find("version 1 ->"), std::string::npos) << upgrade->summary;
    EXPECT_EQ(d.actions.back().capture, "template_fix");

    // A Fleet-managed asset in the way is refused, as `esmend install` refuses it.
    assets["logs-golang.heap@package"]["_meta"]["managed_by"] = "fleet";
    d = decide_template(params(), state, {{"type", "keyword"}, {"assets", assets}});
    EXPECT_EQ(d.kind, Decision::Kind::fail);
}

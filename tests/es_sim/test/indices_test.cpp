// Index endpoints: create/get/exists/delete, _mapping, _settings, blocks, refresh, stats, aliases.
#include "sim_test_support.hpp"

using esmend::es_sim::Options;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Indices, CreateGetExistsDelete) {
    Sim sim;
    auto r = sim.put("/logs", {{"settings", {{"number_of_replicas", 0}}},
                               {"mappings", {{"properties", {{"msg", {{"type", "keyword"}}}}}}},
                               {"aliases", {{"logs-alias", json::object()}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json,
              json({{"acknowledged", true}, {"shards_acknowledged", true}, {"index", "logs"}}));
    EXPECT_EQ(sim.head("/logs").status, 200);
    r = sim.get("/logs");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["logs"]["settings"]["index"]["number_of_replicas"], "0");
    EXPECT_EQ(r.json["logs"]["mappings"]["properties"]["msg"]["type"], "keyword");
    EXPECT_TRUE(r.json["logs"]["aliases"].contains("logs-alias"));
    EXPECT_EQ(sim.del("/logs").status, 200);
    EXPECT_EQ(sim.head("/logs").status, 404);
}

TEST(Indices, CreateExistingIsResourceAlreadyExists) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    const auto r = sim.put("/a", json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "resource_already_exists_exception");
    EXPECT_TRUE(r.json["error"]["reason"].get<std::string>().starts_with("index [a/"));
}

TEST(Indices, InvalidNamesAreRejectedAsEsDoes) {
    Sim sim;
    auto r = sim.put("/Upper", json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "invalid_index_name_exception");
    EXPECT_EQ(r.json["error"]["reason"], "Invalid index name [Upper], must be lowercase");
    r = sim.put("/_under", json::object());
    EXPECT_EQ(r.json["error"]["reason"],
              "Invalid index name [_under], must not start with '_', '-', or '+'");
    r = sim.put("/a%23b", json::object());
    EXPECT_EQ(r.json["error"]["reason"], "Invalid index name [a#b], must not contain '#'");
}

TEST(Indices, UnknownSettingAndUnknownBodyKeyAreRejected) {
    Sim sim;
    auto r = sim.put("/a", {{"settings", {{"index.nope", 1}}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "unknown setting [index.nope] please check that any "
                                         "required plugins are installed, or check the "
                                         "breaking changes documentation for removed settings");
    r = sim.put("/a", {{"setting", json::object()}});
    EXPECT_EQ(r.json["error"]["type"], "parse_exception");
    EXPECT_EQ(r.json["error"]["reason"], "unknown key [setting] for create index");
}

TEST(Indices, MissingIndexIs404IndexNotFound) {
    Sim sim;
    const auto r = sim.get("/missing");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "index_not_found_exception");
    EXPECT_EQ(r.json["error"]["reason"], "no such index [missing]");
    EXPECT_EQ(r.json["error"]["resource.id"], "missing");
    EXPECT_EQ(r.json["error"]["index_uuid"], "_na_");
}

TEST(Indices, WildcardDeleteRefusedIn8AllowedIn717) {
    Sim sim;
    ASSERT_EQ(sim.put("/a1", json::object()).status, 200);
    auto r = sim.del("/a*");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "Wildcard expressions or all indices are not allowed");
    Options o;
    o.version = "7.17";
    Sim old(o);
    ASSERT_EQ(old.put("/a1", json::object()).status, 200);
    ASSERT_EQ(old.put("/.a2", {{"settings", {{"index.hidden", true}}}}).status, 200);
    EXPECT_EQ(old.del("/a*").status, 200);
    EXPECT_EQ(old.head("/a1").status, 404);
    EXPECT_EQ(old.head("/.a2").status, 200);
}

TEST(Indices, PutMappingMergesAndRefusesTypeChange) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/a", {{"mappings", {{"properties", {{"ip", {{"type", "keyword"}}}}}}}}).status,
        200);
    EXPECT_EQ(sim.put("/a/_mapping", {{"properties", {{"other", {{"type", "long"}}}}}}).status,
              200);
    auto r = sim.get("/a/_mapping");
    EXPECT_EQ(r.json["a"]["mappings"]["properties"]["other"]["type"], "long");
    r = sim.put("/a/_mapping", {{"properties", {{"ip", {{"type", "ip"}}}}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "mapper [ip] cannot be changed from type [keyword] to [ip]");
}

TEST(Indices, SettingsGetPutAndNonDynamicRefused) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    EXPECT_EQ(sim.put("/a/_settings",
                      {{"index", {{"number_of_replicas", 0}, {"refresh_interval", "-1"}}}})
                  .status,
              200);
    auto r = sim.get("/a/_settings?flat_settings=true");
    EXPECT_EQ(r.json["a"]["settings"]["index.number_of_replicas"], "0");
    EXPECT_EQ(r.json["a"]["settings"]["index.refresh_interval"], "-1");
    r = sim.put("/a/_settings", {{"index.codec", "best_compression"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.json["error"]["reason"].get<std::string>().starts_with(
        "Can't update non dynamic settings [[index.codec]] for open indices [[a/"))
        << r.body;
    r = sim.get("/a/_settings/index.number_*");
    EXPECT_EQ(r.json["a"]["settings"]["index"].size(), 2U);
}

TEST(Indices, WriteBlockGivesClusterBlockException) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    auto r = sim.put("/a/_block/write", json::object());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["indices"][0], json({{"name", "a"}, {"blocked", true}}));
    r = sim.put("/a/_doc/1", {{"x", 1}});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json["error"]["type"], "cluster_block_exception");
    EXPECT_EQ(r.json["error"]["reason"], "index [a] blocked by: [FORBIDDEN/8/index write (api)];");
    r = sim.bulk("/_bulk", {{{"index", {{"_index", "a"}}}}, {{"x", 1}}});
    EXPECT_EQ(r.json["items"][0]["index"]["status"], 403);
    EXPECT_EQ(sim.put("/a/_settings", {{"index.blocks.write", false}}).status, 200);
    EXPECT_EQ(sim.put("/a/_doc/1", {{"x", 1}}).status, 201);
}

TEST(Indices, CountSeesWritesOnlyAfterRefresh) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", {{"settings", {{"refresh_interval", "-1"}}}}).status, 200);
    ASSERT_EQ(sim.put("/a/_doc/1", {{"x", 1}}).status, 201);
    EXPECT_EQ(sim.get("/a/_count").json["count"], 0);
    // GET by id is realtime.
    EXPECT_EQ(sim.get("/a/_doc/1").json["found"], true);
    auto r = sim.post("/a/_refresh", json::object());
    EXPECT_EQ(r.json["_shards"]["successful"], 1);
    EXPECT_EQ(sim.get("/a/_count").json["count"], 1);
    ASSERT_EQ(sim.put("/a/_doc/2?refresh=true", {{"x", 2}}).status, 201);
    EXPECT_EQ(sim.get("/a/_count").json["count"], 2);
}

TEST(Indices, PeriodicRefreshMakesWritesVisible) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", {{"settings", {{"refresh_interval", "50ms"}}}}).status, 200);
    ASSERT_EQ(sim.put("/a/_doc/1", {{"x", 1}}).status, 201);
    int count = 0;
    for (int i = 0; i < 100 && count == 0; ++i) {
        count = sim.get("/a/_count").json["count"].get<int>();
        if (count == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(count, 1);
}

TEST(Indices, StatsReportDocsAndStore) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    ASSERT_EQ(sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "a"}}}},
                                               {{"x", 1}},
                                               {{"index", {{"_index", "a"}}}},
                                               {{"x", 2}}})
                  .status,
              200);
    const auto r = sim.get("/a/_stats");
    EXPECT_EQ(r.json["indices"]["a"]["primaries"]["docs"]["count"], 2);
    EXPECT_EQ(r.json["_all"]["primaries"]["store"]["size_in_bytes"], 14);
}

TEST(Indices, AliasesGetExistsUpdate) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    auto r = sim.post("/_aliases",
                      {{"actions", json::array({{{"add", {{"index", "a"}, {"alias", "al"}}}}})}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(sim.head("/_alias/al").status, 200);
    EXPECT_EQ(sim.get("/_alias/al").json, json({{"a", {{"aliases", {{"al", json::object()}}}}}}));
    r = sim.get("/_alias/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json, json({{"error", "alias [nope] missing"}, {"status", 404}}));
    EXPECT_EQ(
        sim.post("/_aliases",
                 {{"actions", json::array({{{"remove", {{"index", "a"}, {"alias", "al"}}}}})}})
            .status,
        200);
    EXPECT_EQ(sim.head("/_alias/al").status, 404);
}

// Component and composable index templates.
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Templates, HighestPriorityTemplateWinsAndComponentsComposeInOrder) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_component_template/c1",
                {{"template", {{"mappings", {{"properties", {{"f", {{"type", "keyword"}}}}}}}}}})
            .status,
        200);
    ASSERT_EQ(sim.put("/_component_template/c2",
                      {{"template", {{"mappings", {{"properties", {{"f", {{"type", "long"}}}}}}}}}})
                  .status,
              200);
    ASSERT_EQ(
        sim.put("/_index_template/low", {{"index_patterns", {"app-*"}},
                                         {"priority", 1},
                                         {"template", {{"settings", {{"number_of_replicas", 0}}}}}})
            .status,
        200);
    auto r =
        sim.put("/_index_template/high",
                {{"index_patterns", {"app-x*"}}, {"priority", 5}, {"composed_of", {"c1", "c2"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(sim.put("/app-x1", json::object()).status, 200);
    ASSERT_EQ(sim.put("/app-y1", json::object()).status, 200);
    r = sim.get("/app-x1,app-y1");
    EXPECT_EQ(r.json["app-x1"]["mappings"]["properties"]["f"]["type"], "long");
    EXPECT_EQ(r.json["app-x1"]["settings"]["index"]["number_of_replicas"], "1");
    EXPECT_EQ(r.json["app-y1"]["settings"]["index"]["number_of_replicas"], "0");
}

TEST(Templates, OverlappingPatternsAtSamePriorityAreRejected) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_index_template/t1", {{"index_patterns", {"t1-*"}}, {"priority", 10}}).status,
        200);
    const auto r = sim.put("/_index_template/t2", {{"index_patterns", {"t1-*"}}, {"priority", 10}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "index template [t2] has index patterns [t1-*] matching "
                                         "patterns from existing templates [t1] with "
                                         "patterns (t1 => [t1-*]) that have the same priority "
                                         "[10], multiple index templates may not match "
                                         "during index creation, please use a different priority");
    EXPECT_EQ(
        sim.put("/_index_template/t3", {{"index_patterns", {"t1-a*"}}, {"priority", 11}}).status,
        200);
    EXPECT_EQ(
        sim.put("/_index_template/t4", {{"index_patterns", {"zz-*"}}, {"priority", 10}}).status,
        200);
}

TEST(Templates, MissingComponentNeedsIgnoreMissing) {
    Sim sim;
    auto r =
        sim.put("/_index_template/t", {{"index_patterns", {"t-*"}}, {"composed_of", {"nope"}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "invalid_index_template_exception");
    EXPECT_EQ(r.json["error"]["reason"], "index_template [t] invalid, cause [index template [t] "
                                         "specifies component templates [nope] that do not exist]");
    r = sim.put("/_index_template/t", {{"index_patterns", {"t-*"}},
                                       {"composed_of", {"nope"}},
                                       {"ignore_missing_component_templates", {"nope"}}});
    EXPECT_EQ(r.status, 200);
}

TEST(Templates, UnknownFieldAndMissingPatterns) {
    Sim sim;
    auto r = sim.call("PUT", "/_index_template/bad1", R"({"index_patterns":["b-*"],"foo":1})");
    EXPECT_EQ(r.json["error"]["type"], "x_content_parse_exception");
    EXPECT_EQ(r.json["error"]["reason"], "[1:27] [index_template] unknown field [foo]");
    r = sim.put("/_index_template/bad2", json::object());
    EXPECT_EQ(r.json["error"]["reason"], "Required [index_patterns]");
}

TEST(Templates, GetHeadDelete) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_component_template/c", {{"template", json::object()}, {"version", 3}}).status,
        200);
    ASSERT_EQ(sim.put("/_index_template/t", {{"index_patterns", {"t-*"}},
                                             {"composed_of", {"c"}},
                                             {"version", 2},
                                             {"_meta", {{"k", "v"}}}})
                  .status,
              200);
    auto r = sim.get("/_index_template/t");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["index_templates"][0]["name"], "t");
    EXPECT_EQ(r.json["index_templates"][0]["index_template"]["version"], 2);
    EXPECT_EQ(sim.get("/_component_template/c")
                  .json["component_templates"][0]["component_template"]["version"],
              3);
    EXPECT_EQ(sim.head("/_index_template/t").status, 200);
    EXPECT_EQ(sim.head("/_component_template/c").status, 200);
    r = sim.get("/_index_template/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["reason"], "index template matching [nope] not found");
    EXPECT_EQ(sim.get("/_index_template/nope*").json["index_templates"], json::array());
    r = sim.del("/_component_template/c");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "component templates [c] cannot be removed as they are "
                                         "still in use by index templates [t]");
    EXPECT_EQ(sim.del("/_index_template/t").status, 200);
    r = sim.del("/_index_template/t");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "index_template_missing_exception");
    EXPECT_EQ(r.json["error"]["reason"], "index_template [t] missing");
    EXPECT_EQ(sim.del("/_component_template/c").status, 200);
}

TEST(Templates, SimulateIndexShowsResolvedTemplateAndOverlaps) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_index_template/a", {{"index_patterns", {"my-index-*"}}, {"priority", 1}}).status,
        200);
    ASSERT_EQ(sim.put("/_index_template/b",
                      {{"index_patterns", {"my-*"}},
                       {"priority", 2},
                       {"template",
                        {{"settings", {{"number_of_shards", 2}}},
                         {"mappings", {{"properties", {{"@timestamp", {{"type", "date"}}}}}}}}}})
                  .status,
              200);
    auto r = sim.post("/_index_template/_simulate_index/my-index-000001", json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["template"]["settings"]["index"]["number_of_shards"], "2");
    EXPECT_EQ(r.json["template"]["mappings"]["properties"]["@timestamp"]["type"], "date");
    EXPECT_EQ(r.json["template"]["aliases"], json::object());
    EXPECT_EQ(r.json["overlapping"],
              json::array({{{"name", "a"}, {"index_patterns", {"my-index-*"}}}}));
    r = sim.post("/_index_template/_simulate/b", json::object());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["template"]["settings"]["index"]["number_of_shards"], "2");
    EXPECT_EQ(r.json["overlapping"][0]["name"], "a");
}

TEST(Templates, IndexMatchingADataStreamTemplateCannotBeCreated) {
    Sim sim;
    ASSERT_EQ(sim.put("/_index_template/ds",
                      {{"index_patterns", {"logs-*-*"}}, {"data_stream", json::object()}})
                  .status,
              200);
    const auto r = sim.put("/logs-a-b", json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "cannot create index with name [logs-a-b], because it "
                                         "matches with template [ds] that creates data "
                                         "streams only, use create data stream api instead");
}

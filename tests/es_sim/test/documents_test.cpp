// Document endpoints: _bulk, single-document APIs, _mget, dynamic templates and parsing errors.
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Bulk, MissingTrailingNewlineIsRejected) {
    Sim sim;
    const auto r = sim.post_raw("/_bulk", "{\"index\":{\"_index\":\"a\"}}\n{\"x\":1}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(r.json["error"]["reason"], "The bulk request must be terminated by a newline [\\n]");
}

TEST(Bulk, MalformedActionsAreRejected) {
    Sim sim;
    auto r = sim.post_raw("/_bulk", "{\"upsert\":{\"_index\":\"a\"}}\n{}\n");
    EXPECT_EQ(r.json["error"]["reason"], "Malformed action/metadata line [1], expected one of "
                                         "[create, delete, index, update] but found [upsert]");
    r = sim.post_raw("/_bulk", "{\"index\":{\"_index\":\"a\",\"bogus\":1}}\n{}\n");
    EXPECT_EQ(r.json["error"]["reason"],
              "Action/metadata line [1] contains an unknown parameter [bogus]");
}

TEST(Bulk, ItemsInRequestOrderWithPerItemErrors) {
    Sim sim;
    auto r = sim.bulk("/_bulk", {{{"index", {{"_index", "test"}, {"_id", "1"}}}},
                                 {{"field1", "value1"}},
                                 {{"delete", {{"_index", "test"}, {"_id", "2"}}}},
                                 {{"create", {{"_index", "test"}, {"_id", "3"}}}},
                                 {{"field1", "value3"}},
                                 {{"create", {{"_index", "test"}, {"_id", "3"}}}},
                                 {{"field1", "again"}},
                                 {{"update", {{"_id", "1"}, {"_index", "test"}}}},
                                 {{"doc", {{"field2", "value2"}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["errors"], true);
    const auto& items = r.json["items"];
    ASSERT_EQ(items.size(), 5U);
    EXPECT_EQ(items[0]["index"]["result"], "created");
    EXPECT_EQ(items[0]["index"]["status"], 201);
    EXPECT_EQ(items[1]["delete"]["result"], "not_found");
    EXPECT_EQ(items[1]["delete"]["status"], 404);
    EXPECT_EQ(items[2]["create"]["status"], 201);
    EXPECT_EQ(items[3]["create"]["status"], 409);
    EXPECT_EQ(items[3]["create"]["error"]["type"], "version_conflict_engine_exception");
    EXPECT_EQ(items[3]["create"]["error"]["reason"],
              "[3]: version conflict, document already exists (current version [1])");
    EXPECT_EQ(items[4]["update"]["result"], "updated");
    EXPECT_EQ(items[4]["update"]["_version"], 2);
    const auto doc = sim.get("/test/_doc/1");
    EXPECT_EQ(doc.json["_source"], json({{"field1", "value1"}, {"field2", "value2"}}));
}

TEST(Bulk, FilterPathOnItemErrors) {
    Sim sim;
    auto r =
        sim.bulk("/_bulk?filter_path=items.*.error", {{{"create", {{"_index", "a"}, {"_id", "1"}}}},
                                                      {{"x", 1}},
                                                      {{"create", {{"_index", "a"}, {"_id", "1"}}}},
                                                      {{"x", 1}}});
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.json["items"].size(), 1U);
    EXPECT_EQ(r.json["items"][0]["create"]["error"]["type"], "version_conflict_engine_exception");
    r = sim.bulk("/_bulk?filter_path=took,errors", {{{"index", {{"_index", "a"}}}}, {{"x", 2}}});
    EXPECT_EQ(r.json.size(), 2U);
    EXPECT_EQ(r.json["errors"], false);
}

TEST(Documents, SingleDocumentLifecycle) {
    Sim sim;
    auto r = sim.put("/a/_create/1", {{"x", 1}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json["result"], "created");
    r = sim.put("/a/_create/1", {{"x", 1}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.json["error"]["reason"],
              "[1]: version conflict, document already exists (current version [1])");
    r = sim.put("/a/_doc/1", {{"x", 2}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json["result"], "updated");
    r = sim.get("/a/_doc/1");
    EXPECT_EQ(r.json["found"], true);
    EXPECT_EQ(r.json["_version"], 2);
    EXPECT_EQ(r.json["_source"], json({{"x", 2}}));
    r = sim.post("/a/_update/1", {{"doc", {{"y", 3}}}});
    EXPECT_EQ(r.json["result"], "updated");
    r = sim.post("/a/_update/404", {{"doc", {{"y", 3}}}});
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "document_missing_exception");
    EXPECT_EQ(sim.del("/a/_doc/1").json["result"], "deleted");
    r = sim.get("/a/_doc/1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json, json({{"_index", "a"}, {"_id", "1"}, {"found", false}}));
    r = sim.post("/a/_doc", {{"auto", true}});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.json["_id"].get<std::string>().size(), 20U);
    r = sim.post("/_mget", {{"docs", json::array({{{"_index", "a"}, {"_id", r.json["_id"]}},
                                                  {{"_index", "a"}, {"_id", "zz"}}})}});
    EXPECT_EQ(r.json["docs"][0]["found"], true);
    EXPECT_EQ(r.json["docs"][1]["found"], false);
}

TEST(Documents, HostIpDynamicTemplatesAndInvalidIp) {
    Sim sim;
    // strings_as_keyword first: host.ip becomes keyword.
    ASSERT_EQ(sim.put("/kw", {{"mappings",
                               {{"dynamic_templates",
                                 json::array({{{"strings_as_keyword",
                                                {{"match_mapping_type", "string"},
                                                 {"mapping", {{"type", "keyword"}}}}}}})}}}})
                  .status,
              200);
    // A *.ip path template: host.ip becomes ip.
    ASSERT_EQ(
        sim.put("/ipx",
                {{"mappings",
                  {{"dynamic_templates",
                    json::array({{{"ips", {{"path_match", "*.ip"}, {"mapping", {{"type", "ip"}}}}}},
                                 {{"strings_as_keyword",
                                   {{"match_mapping_type", "string"},
                                    {"mapping", {{"type", "keyword"}}}}}}})}}}})
            .status,
        200);
    const json doc = {{"host", {{"ip", "10.0.0.1"}}}};
    ASSERT_EQ(sim.put("/kw/_doc/1", doc).status, 201);
    ASSERT_EQ(sim.put("/ipx/_doc/1", doc).status, 201);
    EXPECT_EQ(sim.get("/kw/_mapping")
                  .json["kw"]["mappings"]["properties"]["host"]["properties"]["ip"]["type"],
              "keyword");
    EXPECT_EQ(sim.get("/ipx/_mapping")
                  .json["ipx"]["mappings"]["properties"]["host"]["properties"]["ip"]["type"],
              "ip");
    const auto r = sim.bulk("/_bulk", {{{"index", {{"_index", "ipx"}, {"_id", "8"}}}},
                                       {{"host", {{"ip", "not-an-ip"}}}}});
    ASSERT_EQ(r.status, 200);
    const auto& e = r.json["items"][0]["index"]["error"];
    EXPECT_EQ(r.json["items"][0]["index"]["status"], 400);
    EXPECT_EQ(e["type"], "document_parsing_exception");
    EXPECT_EQ(e["reason"], "[1:15] failed to parse field [host.ip] of type [ip] in document with "
                           "id '8'. Preview of field's value: 'not-an-ip'");
    EXPECT_EQ(e["caused_by"]["type"], "illegal_argument_exception");
    EXPECT_EQ(e["caused_by"]["reason"], "'not-an-ip' is not an IP string literal.");
}

TEST(Documents, UnknownPipelineFailsTheWrite) {
    Sim sim;
    const auto r = sim.put("/a/_doc/1?pipeline=nope", {{"x", 1}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "pipeline with id [nope] does not exist");
}

TEST(Documents, DefaultPipelineRunsAndCanReroute) {
    Sim sim;
    ASSERT_EQ(
        sim.put("/_ingest/pipeline/p",
                {{"processors", json::array({{{"set", {{"field", "tagged"}, {"value", "yes"}}}}})}})
            .status,
        200);
    ASSERT_EQ(sim.put("/_ingest/pipeline/move",
                      {{"processors",
                        json::array({{{"set", {{"field", "_index"}, {"value", "moved"}}}}})}})
                  .status,
              200);
    ASSERT_EQ(sim.put("/a", {{"settings", {{"index.default_pipeline", "p"}}}}).status, 200);
    ASSERT_EQ(sim.put("/a/_doc/1", {{"x", 1}}).status, 201);
    EXPECT_EQ(sim.get("/a/_doc/1").json["_source"]["tagged"], "yes");
    const auto r = sim.put("/a/_doc/2?pipeline=move", {{"x", 1}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json["_index"], "moved");
    EXPECT_EQ(sim.get("/moved/_doc/2").json["found"], true);
    EXPECT_EQ(sim.get("/_ingest/pipeline/p").json["p"]["processors"][0]["set"]["field"], "tagged");
    EXPECT_EQ(sim.get("/_ingest/pipeline/none").status, 404);
    EXPECT_EQ(sim.del("/_ingest/pipeline/p").status, 200);
    EXPECT_EQ(sim.del("/_ingest/pipeline/p").status, 404);
}

// Data streams: creation, writes, rollover, _modify, stats and deletion.
#include "sim_test_support.hpp"

#include <regex>

using esmend::es_sim::Options;
using esmend::es_sim::testing::ds_template;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(DataStreams, FirstCreateWriteAutoCreatesWithBackingIndexName) {
    Sim sim;
    ds_template(sim);
    auto r = sim.bulk("/_bulk", {{{"create", {{"_index", "logs-app-default"}}}},
                                 {{"@timestamp", "2024-01-01T00:00:00Z"}, {"m", "x"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["errors"], false) << r.body;
    const auto backing = r.json["items"][0]["create"]["_index"].get<std::string>();
    EXPECT_TRUE(std::regex_match(backing,
                                 std::regex(R"(\.ds-logs-app-default-\d{4}\.\d{2}\.\d{2}-000001)")))
        << backing;
    r = sim.get("/_data_stream/logs-app-default");
    ASSERT_EQ(r.status, 200);
    const auto& ds = r.json["data_streams"][0];
    EXPECT_EQ(ds["name"], "logs-app-default");
    EXPECT_EQ(ds["timestamp_field"]["name"], "@timestamp");
    EXPECT_EQ(ds["indices"][0]["index_name"], backing);
    EXPECT_EQ(ds["generation"], 1);
    EXPECT_EQ(ds["template"], "logs");
    EXPECT_EQ(ds["status"], "GREEN");
    // Backing indices are hidden, but a wildcard that matches the (visible) data stream expands to
    // them.
    EXPECT_EQ(sim.get("/_cat/indices?format=json").json.size(), 1U);
    EXPECT_EQ(sim.get("/_cat/indices/.ds-*?format=json").json.size(), 1U);
    EXPECT_EQ(sim.get("/_cat/indices/other*?format=json").json.size(), 0U);
    EXPECT_EQ(sim.get("/_settings?flat_settings=true").json[backing]["settings"]["index.hidden"],
              "true");
}

TEST(DataStreams, OnlyCreateOpsAndTimestampRequired) {
    Sim sim;
    ds_template(sim);
    ASSERT_EQ(sim.put("/_data_stream/logs-a-b", json::object()).status, 200);
    auto r = sim.bulk("/_bulk", {{{"index", {{"_index", "logs-a-b"}}}},
                                 {{"@timestamp", "2024-01-01T00:00:00Z"}},
                                 {{"create", {{"_index", "logs-a-b"}}}},
                                 {{"m", "no timestamp"}}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["errors"], true);
    EXPECT_EQ(r.json["items"][0]["index"]["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(r.json["items"][0]["index"]["error"]["reason"],
              "only write ops with an op_type of create are allowed in data streams");
    const auto& e = r.json["items"][1]["create"]["error"];
    EXPECT_EQ(e["type"], "document_parsing_exception");
    EXPECT_NE(
        e["reason"].get<std::string>().find("data stream timestamp field [@timestamp] is missing"),
        std::string::npos);
    EXPECT_EQ(e["caused_by"]["reason"], "data stream timestamp field [@timestamp] is missing");
    r = sim.put("/logs-a-b/_doc/1", {{"@timestamp", "2024-01-01T00:00:00Z"}});
    EXPECT_EQ(r.status, 400);
}

TEST(DataStreams, CreateErrors) {
    Sim sim;
    auto r = sim.put("/_data_stream/logs-x-y", json::object());
    EXPECT_EQ(r.json["error"]["reason"],
              "no matching index template found for data stream [logs-x-y]");
    ds_template(sim);
    ASSERT_EQ(sim.put("/_data_stream/logs-x-y", json::object()).status, 200);
    r = sim.put("/_data_stream/logs-x-y", json::object());
    EXPECT_EQ(r.json["error"]["type"], "resource_already_exists_exception");
    EXPECT_EQ(r.json["error"]["reason"], "data_stream [logs-x-y] already exists");
    r = sim.put("/_data_stream/logs-x%23y", json::object());
    EXPECT_EQ(r.json["error"]["reason"], "data_stream [logs-x#y] must not contain '#'");
    EXPECT_EQ(sim.get("/_data_stream/nope").status, 404);
    EXPECT_EQ(sim.get("/_data_stream/nope*").json, json({{"data_streams", json::array()}}));
}

TEST(DataStreams, RolloverTakesTheCurrentTemplateMappings) {
    Sim sim;
    ds_template(sim, "keyword");
    ASSERT_EQ(sim.put("/_data_stream/logs-golang-default", json::object()).status, 200);
    ds_template(sim, "ip");
    auto r = sim.post("/logs-golang-default/_rollover", json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["rolled_over"], true);
    EXPECT_EQ(r.json["acknowledged"], true);
    EXPECT_EQ(r.json["dry_run"], false);
    const auto old_index = r.json["old_index"].get<std::string>();
    const auto new_index = r.json["new_index"].get<std::string>();
    EXPECT_TRUE(new_index.ends_with("-000002"));
    const auto m = sim.get("/logs-golang-default/_mapping");
    EXPECT_EQ(m.json[old_index]["mappings"]["properties"]["host"]["properties"]["ip"]["type"],
              "keyword");
    EXPECT_EQ(m.json[new_index]["mappings"]["properties"]["host"]["properties"]["ip"]["type"],
              "ip");
    const auto ds = sim.get("/_data_stream/logs-golang-default").json["data_streams"][0];
    EXPECT_EQ(ds["generation"], 2);
    EXPECT_EQ(ds["indices"].back()["index_name"], new_index);
    // The write index cannot be deleted; an older backing index can.
    auto d = sim.del("/" + new_index);
    EXPECT_EQ(d.status, 400);
    EXPECT_EQ(
        d.json["error"]["reason"],
        "index [" + new_index +
            "] is the write index for data stream [logs-golang-default] and cannot be deleted");
    EXPECT_EQ(sim.del("/" + old_index).status, 200);
}

TEST(DataStreams, ModifyEnforcesConstraints) {
    Sim sim;
    ds_template(sim);
    ASSERT_EQ(sim.put("/_data_stream/logs-m-default", json::object()).status, 200);
    const auto write = sim.get("/_data_stream/logs-m-default")
                           .json["data_streams"][0]["indices"][0]["index_name"]
                           .get<std::string>();
    auto modify = [&](const std::string& action, const std::string& index) {
        return sim.post(
            "/_data_stream/_modify",
            {{"actions",
              json::array({{{action, {{"data_stream", "logs-m-default"}, {"index", index}}}}})}});
    };
    auto r = modify("remove_backing_index", write);
    EXPECT_EQ(r.json["error"]["reason"],
              "cannot remove backing index [" + write +
                  "] of data stream [logs-m-default] because it is the write index");
    ASSERT_EQ(sim.put("/plain", json::object()).status, 200);
    r = modify("add_backing_index", "plain");
    EXPECT_EQ(r.json["error"]["reason"],
              "backing index [plain] must have mappings for a timestamp field");
    ASSERT_EQ(
        sim.put("/fixed", {{"mappings", {{"properties", {{"@timestamp", {{"type", "date"}}}}}}},
                           {"aliases", {{"al", json::object()}}}})
            .status,
        200);
    r = modify("add_backing_index", "fixed");
    EXPECT_EQ(r.json["error"]["reason"], "cannot add index [fixed] to data stream [logs-m-default] "
                                         "until its alias(es) [al] are removed");
    ASSERT_EQ(
        sim.post("/_aliases",
                 {{"actions", json::array({{{"remove", {{"index", "fixed"}, {"alias", "al"}}}}})}})
            .status,
        200);
    r = modify("add_backing_index", "fixed");
    ASSERT_EQ(r.status, 200) << r.body;
    auto ds = sim.get("/_data_stream/logs-m-default").json["data_streams"][0];
    EXPECT_EQ(ds["indices"][0]["index_name"], "fixed");
    EXPECT_EQ(ds["generation"], 2);
    EXPECT_EQ(
        sim.get("/fixed/_settings?flat_settings=true").json["fixed"]["settings"]["index.hidden"],
        "true");
    r = modify("remove_backing_index", "fixed");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(
        sim.get("/fixed/_settings?flat_settings=true").json["fixed"]["settings"]["index.hidden"],
        "false");
    r = sim.post(
        "/_data_stream/_modify",
        {{"actions",
          json::array({{{"add_backing_index", {{"data_stream", "nope"}, {"index", "fixed"}}}}})}});
    EXPECT_EQ(r.json["error"]["reason"], "data stream [nope] not found");
}

TEST(DataStreams, StatsAndDeleteRemovesBackingIndices) {
    Sim sim;
    ds_template(sim);
    ASSERT_EQ(sim.bulk("/_bulk?refresh=true", {{{"create", {{"_index", "logs-s-default"}}}},
                                               {{"@timestamp", "2020-12-09T11:07:08.000Z"}}})
                  .status,
              200);
    auto r = sim.get("/_data_stream/logs-s-default/_stats");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["data_stream_count"], 1);
    EXPECT_EQ(r.json["backing_indices"], 1);
    EXPECT_EQ(r.json["data_streams"][0]["maximum_timestamp"], 1607512028000);
    EXPECT_GT(r.json["total_store_size_bytes"].get<std::int64_t>(), 0);
    const auto backing = sim.get("/_data_stream/logs-s-default")
                             .json["data_streams"][0]["indices"][0]["index_name"]
                             .get<std::string>();
    EXPECT_EQ(sim.del("/_data_stream/logs-s-default").status, 200);
    EXPECT_EQ(sim.head("/" + backing).status, 404);
    r = sim.del("/_index_template/logs");
    EXPECT_EQ(r.status, 200);
}

TEST(DataStreams, TemplateInUseCannotBeDeleted) {
    Sim sim;
    ds_template(sim);
    ASSERT_EQ(sim.put("/_data_stream/logs-u-default", json::object()).status, 200);
    const auto r = sim.del("/_index_template/logs");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "unable to remove composable templates [logs] as they are "
                                         "in use by a data streams [logs-u-default]");
}

TEST(DataStreams, RequireDataStreamRefusesPlainIndex) {
    Sim sim;
    ASSERT_EQ(sim.put("/plain", json::object()).status, 200);
    const auto r = sim.bulk("/_bulk?require_data_stream=true",
                            {{{"create", {{"_index", "plain"}}}}, {{"a", 1}}});
    EXPECT_EQ(r.json["errors"], true);
    EXPECT_EQ(r.json["items"][0]["create"]["status"], 400);
}

// _data_stream/_modify exists since 7.16.0 (SPEC IndicesModifyDataStreamRequest.ts
// @availability). On 7.15 _data_stream/{name} has no POST, and ES's RestController
// (tryAllHandlers) falls through to the next matching path with a POST handler, 7.x's
// {index}/{type} index API, which refuses the index name.
TEST(DataStreams, ModifyDoesNotExistBeforeSevenSixteen) {
    Options old;
    old.version = "7.15.2";
    Sim sim(old);
    auto r = sim.post("/_data_stream/_modify", {{"actions", json::array()}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "invalid_index_name_exception") << r.body;
    Options supported;
    supported.version = "7.17";
    Sim sim717(supported);
    EXPECT_EQ(sim717.post("/_data_stream/_modify", {{"actions", json::array()}}).status, 200);
}

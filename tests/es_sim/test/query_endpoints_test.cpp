// _search, _count, point in time and _field_caps as endpoints (visibility, PIT freezing, targets).
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(SearchEndpoint, SearchWithAndWithoutIndex) {
    Sim sim;
    ASSERT_EQ(sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "a"}, {"_id", "1"}}}},
                                               {{"n", 1}},
                                               {{"index", {{"_index", "b"}, {"_id", "2"}}}},
                                               {{"n", 2}}})
                  .status,
              200);
    auto r = sim.get("/a/_search");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["hits"]["total"]["value"], 1);
    EXPECT_EQ(r.json["_shards"]["total"], 1);
    r = sim.post("/_search", {{"query", {{"match_all", json::object()}}}});
    EXPECT_EQ(r.json["hits"]["total"]["value"], 2);
    EXPECT_EQ(sim.post("/_count", {{"query", {{"term", {{"n", 2}}}}}}).json["count"], 1);
    EXPECT_EQ(sim.get("/missing/_search").status, 404);
}

TEST(SearchEndpoint, PointInTimeFreezesTheVisibleDocuments) {
    Sim sim;
    ASSERT_EQ(
        sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "a"}, {"_id", "1"}}}}, {{"n", 1}}})
            .status,
        200);
    auto pit = sim.post("/a/_pit?keep_alive=1m", json::object());
    ASSERT_EQ(pit.status, 200) << pit.body;
    const auto id = pit.json["id"].get<std::string>();
    ASSERT_EQ(sim.bulk("/_bulk?refresh=true", {{{"index", {{"_index", "a"}, {"_id", "2"}}}},
                                               {{"n", 2}},
                                               {{"delete", {{"_index", "a"}, {"_id", "1"}}}}})
                  .status,
              200);
    auto r = sim.post("/_search", {{"pit", {{"id", id}, {"keep_alive", "1m"}}},
                                   {"sort", json::array({{{"n", "asc"}}})}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["hits"]["total"]["value"], 1);
    EXPECT_EQ(r.json["hits"]["hits"][0]["_id"], "1");
    EXPECT_EQ(r.json["pit_id"], id);
    EXPECT_EQ(sim.get("/a/_count").json["count"], 1);
    r = sim.post("/a/_search", {{"pit", {{"id", id}}}});
    EXPECT_EQ(r.status, 400);
    r = sim.del("/_pit", json({{"id", id}}).dump());
    EXPECT_EQ(r.json, json({{"succeeded", true}, {"num_freed", 1}}));
    r = sim.del("/_pit", json({{"id", id}}).dump());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["num_freed"], 0);
    EXPECT_EQ(sim.post("/_search", {{"pit", {{"id", id}}}}).status, 404);
}

TEST(SearchEndpoint, OpenPitNeedsKeepAlive) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    EXPECT_EQ(sim.post("/a/_pit", json::object()).status, 400);
}

TEST(FieldCapsEndpoint, ShowsKeywordIpConflictAcrossBackingIndices) {
    Sim sim;
    auto tmpl = [&](const std::string& type) {
        return sim.put(
            "/_index_template/logs",
            {{"index_patterns", {"logs-*-*"}},
             {"priority", 100},
             {"data_stream", json::object()},
             {"template",
              {{"mappings",
                {{"properties", {{"host", {{"properties", {{"ip", {{"type", type}}}}}}}}}}}}}});
    };
    ASSERT_EQ(tmpl("keyword").status, 200);
    ASSERT_EQ(sim.bulk("/_bulk",
                       {{{"create", {{"_index", "logs-golang.heap-default"}}}},
                        {{"@timestamp", "2023-08-01T00:00:00Z"}, {"host", {{"ip", "10.0.0.1"}}}}})
                  .status,
              200);
    ASSERT_EQ(tmpl("ip").status, 200);
    ASSERT_EQ(sim.post("/logs-golang.heap-default/_rollover", json::object()).status, 200);
    ASSERT_EQ(sim.put("/logs-test-x", json::object()).status,
              400); // matches the data stream template
    const auto ds =
        sim.get("/_data_stream/logs-golang.heap-default").json["data_streams"][0]["indices"];
    const auto first = ds[0]["index_name"].get<std::string>();
    const auto second = ds[1]["index_name"].get<std::string>();
    auto r = sim.get("/logs-*/_field_caps?fields=host.ip");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["indices"], json::array({first, second}));
    EXPECT_EQ(r.json["fields"]["host.ip"]["keyword"]["indices"], json::array({first}));
    EXPECT_EQ(r.json["fields"]["host.ip"]["ip"]["indices"], json::array({second}));
    r = sim.post("/logs-*,-logs-golang*/_field_caps?fields=host.ip", json::object());
    EXPECT_EQ(r.json["indices"], json::array());
    r = sim.get("/nope/_field_caps?fields=*");
    EXPECT_EQ(r.status, 404);
    r = sim.get("/nope/_field_caps?fields=*&ignore_unavailable=true");
    EXPECT_EQ(r.status, 200);
}

// The HTTP layer: root info, product header, ES's routing errors, parameter strictness, filter_path
// and running several servers side by side.
#include "filter_path.hpp"
#include "sim_test_support.hpp"

using esmend::es_sim::Options;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

TEST(Server, RootInfoHasTheShapeOfRootNodeInfoResponseExample1) {
    Sim sim;
    const auto r = sim.get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-elastic-product"), "Elasticsearch");
    EXPECT_TRUE(r.json["name"].is_string());
    EXPECT_TRUE(r.json["cluster_name"].is_string());
    EXPECT_TRUE(r.json["cluster_uuid"].is_string());
    EXPECT_EQ(r.json["version"]["number"], "8.19.0");
    EXPECT_EQ(r.json["version"]["build_flavor"], "default");
    EXPECT_EQ(r.json["tagline"], "You Know, for Search");
}

TEST(Server, Version717ReportsA717Number) {
    Options o;
    o.version = "7.17";
    Sim sim(o);
    const auto r = sim.get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.json["version"]["number"].get<std::string>().starts_with("7.17."));
}

TEST(Server, EveryResponseCarriesTheProductHeaderEvenErrors) {
    Sim sim;
    EXPECT_EQ(sim.get("/_nope/x/y").header("X-elastic-product"), "Elasticsearch");
    EXPECT_EQ(sim.get("/missing-index/_search").header("X-elastic-product"), "Elasticsearch");
    EXPECT_EQ(sim.head("/").header("X-elastic-product"), "Elasticsearch");
}

TEST(Server, UnknownEndpointIsABareStringErrorWith400) {
    Sim sim;
    const auto r = sim.get("/_cluster/nothing/here?pretty");
    EXPECT_EQ(r.status, 400);
    // ES RestController.handleBadRequest: {"error": "..."} with the uri including its query string.
    EXPECT_EQ(
        r.json,
        json({{"error",
               "no handler found for uri [/_cluster/nothing/here?pretty] and method [GET]"}}));
}

TEST(Server, KnownPathWithWrongMethodIs405WithAllowHeader) {
    Sim sim;
    const auto r = sim.call("PUT", "/_cluster/health", "{}");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.json["error"],
              "Incorrect HTTP method for uri [/_cluster/health] and method [PUT], allowed: [GET]");
    EXPECT_EQ(r.json["status"], 405);
    EXPECT_EQ(r.header("Allow"), "GET");
}

TEST(Server, UnknownQueryParameterIsRejectedWithSuggestion) {
    Sim sim;
    auto r = sim.get("/_cluster/health?timout=1s");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(r.json["error"]["reason"], "request [/_cluster/health] contains unrecognized "
                                         "parameter: [timout] -> did you mean [timeout]?");
    // Every candidate within Lucene's similarity > 0.5, best first, ties by name.
    r = sim.get("/_cluster/health?wait_for_statuss=green");
    EXPECT_EQ(r.json["error"]["reason"],
              "request [/_cluster/health] contains unrecognized parameter: [wait_for_statuss] -> "
              "did you mean any of "
              "[wait_for_status, wait_for_events, wait_for_nodes, wait_for_active_shards]?");
    EXPECT_EQ(r.json["error"]["root_cause"][0]["type"], "illegal_argument_exception");
}

TEST(Server, SeveralUnknownParametersUsePluralForm) {
    Sim sim;
    const auto r = sim.get("/_cluster/health?zzz=1&yyy=2");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"],
              "request [/_cluster/health] contains unrecognized parameters: [yyy], [zzz]");
}

TEST(Server, GlobalParametersAreAlwaysAccepted) {
    Sim sim;
    EXPECT_EQ(sim.get("/?pretty&human=true&error_trace=false&filter_path=name").status, 200);
}

TEST(Server, PingIsHeadSlash) {
    Sim sim;
    EXPECT_EQ(sim.head("/").status, 200);
}

TEST(Server, FilterPathKeepsOnlyRequestedKeys) {
    Sim sim;
    const auto r = sim.get("/?filter_path=version.number,tagline");
    EXPECT_EQ(r.json,
              json({{"version", {{"number", "8.19.0"}}}, {"tagline", "You Know, for Search"}}));
}

TEST(FilterPath, WildcardsArraysAndExclusions) {
    const json bulk = {
        {"took", 3},
        {"errors", true},
        {"items",
         json::array({{{"index", {{"_id", "1"}, {"status", 201}}}},
                      {{"create", {{"_id", "2"}, {"status", 400}, {"error", {{"type", "x"}}}}}}})}};
    EXPECT_EQ(esmend::es_sim::apply_filter_path(bulk, "items.*.error"),
              json({{"items", json::array({{{"create", {{"error", {{"type", "x"}}}}}}})}}));
    EXPECT_EQ(esmend::es_sim::apply_filter_path(bulk, "took,errors"),
              json({{"took", 3}, {"errors", true}}));
    EXPECT_EQ(esmend::es_sim::apply_filter_path(bulk, "**.status").dump(),
              json({{"items", json::array({{{"index", {{"status", 201}}}},
                                           {{"create", {{"status", 400}}}}})}})
                  .dump());
    EXPECT_EQ(esmend::es_sim::apply_filter_path(bulk, "-items"),
              json({{"took", 3}, {"errors", true}}));
    EXPECT_EQ(esmend::es_sim::apply_filter_path(json({{"a", 1}}), "nothing"), json::object());
}

TEST(Server, SeveralServersRunSideBySide) {
    Sim a;
    Sim b;
    ASSERT_NE(a.url(), b.url());
    EXPECT_EQ(a.put("/only-in-a", json::object()).status, 200);
    EXPECT_EQ(a.head("/only-in-a").status, 200);
    EXPECT_EQ(b.head("/only-in-a").status, 404);
}

TEST(Server, OversizedBodyIs413) {
    Options o;
    o.max_content_length = 1024;
    Sim sim(o);
    const auto r = sim.post_raw("/_bulk", std::string(4096, ' ') + "\n");
    EXPECT_EQ(r.status, 413);
}

TEST(Server, SimResetAndStateDescribeTheStore) {
    Sim sim;
    ASSERT_EQ(sim.put("/a", json::object()).status, 200);
    auto state = sim.get("/_sim/state");
    ASSERT_EQ(state.status, 200);
    EXPECT_TRUE(state.json["indices"].contains("a"));
    EXPECT_EQ(sim.post("/_sim/reset", json::object()).status, 200);
    state = sim.get("/_sim/state");
    EXPECT_FALSE(state.json["indices"].contains("a"));
}

TEST(Server, UserSpecsParse) {
    auto u = esmend::es_sim::parse_user_spec("alice:s3:cret:read_only");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->name, "alice");
    EXPECT_EQ(u->password, "s3:cret");
    EXPECT_EQ(u->role, esmend::es_sim::Role::read_only);
    EXPECT_FALSE(esmend::es_sim::parse_user_spec("bob:pw:king").has_value());
    EXPECT_FALSE(esmend::es_sim::parse_api_key_spec("nocolon").has_value());
}

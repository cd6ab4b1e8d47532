// es-sim's Kibana port: /api/status, the common rules (auth as on the ES side, kbn-xsrf on
// non-GET requests, Kibana's {statusCode, error, message} errors) and data views (es-apis.md
// §2.1, §2.4).
#include "sim_test_support.hpp"

#include <gtest/gtest.h>

namespace esmend::es_sim::testing {
namespace {

TEST(KibanaServer, OffByDefault) {
    Sim sim;
    EXPECT_TRUE(sim.server().kibana_url().empty());
}

TEST(KibanaServer, StatusReportsTheEsVersionAvailable) {
    Sim sim(with_kibana());
    ASSERT_TRUE(sim.server().kibana_url().starts_with("http://127.0.0.1:"));
    EXPECT_NE(sim.server().kibana_url(), sim.url());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/status");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["version"]["number"], "8.19.0");
    EXPECT_EQ(r.json["status"]["overall"]["level"], "available");
}

TEST(KibanaServer, Status717UsesTheLegacyStateFormat) {
    Options o = with_kibana();
    o.version = "7.17";
    Sim sim(o);
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/status");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["version"]["number"], "7.17.28");
    EXPECT_EQ(r.json["status"]["overall"]["state"], "green");
}

// Kibana core lifecycle_handlers.ts createXsrfPostAuthHandler.
TEST(KibanaServer, NonGetWithoutKbnXsrfIs400) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.call("POST", "/api/fleet/epm/packages/golang/1.6.0", R"({"force":true})",
                           KibanaClient::Xsrf::omit);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json, (nlohmann::json{{"statusCode", 400},
                                      {"error", "Bad Request"},
                                      {"message", "Request must contain a kbn-xsrf header."}}));
    // Nothing was installed.
    EXPECT_EQ(kb.get("/api/fleet/epm/packages/golang").json["item"]["status"], "not_installed");
    EXPECT_EQ(sim.get("/_index_template/logs-golang.heap").status, 404);
}

TEST(KibanaServer, UnknownRouteIsKibana404Shape) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/no_such_api");
    ASSERT_EQ(r.status, 404);
    EXPECT_EQ(r.json, (nlohmann::json{
                          {"statusCode", 404}, {"error", "Not Found"}, {"message", "Not Found"}}));
}

TEST(KibanaServer, InvalidJsonBodyIsHapiPayloadError) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.call("POST", "/api/fleet/epm/packages/golang/1.6.0", "{not json");
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["message"], "Invalid request payload JSON format");
}

Options secured_kibana() {
    Options o = with_kibana();
    o.users = {User{"elastic", "pw", Role::superuser}, User{"viewer", "pw", Role::read_only},
               User{"nobody", "pw", Role::no_access}};
    return o;
}

TEST(KibanaServer, AuthIsTheEsSideUsers) {
    Sim sim(secured_kibana());
    KibanaClient anonymous(sim.server().kibana_url());
    auto r = anonymous.get("/api/status");
    ASSERT_EQ(r.status, 401);
    EXPECT_EQ(r.json["error"], "Unauthorized");
    EXPECT_EQ(r.json["statusCode"], 401);

    KibanaClient wrong(sim.server().kibana_url());
    wrong.auth("elastic", "nope");
    r = wrong.get("/api/status");
    ASSERT_EQ(r.status, 401);
    EXPECT_NE(r.json["message"].get<std::string>().find(
                  "unable to authenticate user [elastic] for REST request "
                  "[/_security/_authenticate]"),
              std::string::npos)
        << r.body;

    KibanaClient ok(sim.server().kibana_url());
    ok.auth("elastic", "pw");
    EXPECT_EQ(ok.get("/api/status").status, 200);
    EXPECT_EQ(ok.get("/api/data_views").status, 200);
}

TEST(KibanaServer, AuthComesBeforeXsrf) {
    Sim sim(secured_kibana());
    KibanaClient anonymous(sim.server().kibana_url());
    const auto r = anonymous.call("POST", "/api/fleet/epm/packages/golang/1.6.0", "{}",
                                  KibanaClient::Xsrf::omit);
    EXPECT_EQ(r.status, 401);
}

TEST(KibanaServer, ViewerReadsButCannotInstall) {
    Sim sim(secured_kibana());
    KibanaClient viewer(sim.server().kibana_url());
    viewer.auth("viewer", "pw");
    EXPECT_EQ(viewer.get("/api/fleet/epm/packages/golang").status, 200);
    const auto r = viewer.post("/api/fleet/epm/packages/golang/1.6.0", {{"force", true}});
    ASSERT_EQ(r.status, 403);
    EXPECT_EQ(r.json["error"], "Forbidden");
    KibanaClient nobody(sim.server().kibana_url());
    nobody.auth("nobody", "pw");
    EXPECT_EQ(nobody.get("/api/data_views").status, 403);
}

// es-apis.md §2.4; Fleet's setup creates logs-* and metrics-* (KB index_pattern/install.ts).
TEST(KibanaDataViews, ListsLogsAndMetricsWithTitleNameAndId) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    const auto r = kb.get("/api/data_views");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json["data_view"].size(), 2U);
    std::set<std::string> titles;
    for (const auto& v : r.json["data_view"]) {
        EXPECT_TRUE(v.contains("id"));
        EXPECT_TRUE(v.contains("name"));
        titles.insert(v["title"].get<std::string>());
    }
    EXPECT_EQ(titles, (std::set<std::string>{"logs-*", "metrics-*"}));
}

TEST(KibanaDataViews, GetOneAndMissingIs404) {
    Sim sim(with_kibana());
    KibanaClient kb(sim.server().kibana_url());
    auto r = kb.get("/api/data_views/data_view/logs-*");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["data_view"]["title"], "logs-*");
    EXPECT_EQ(r.json["data_view"]["id"], "logs-*");
    EXPECT_EQ(r.json["data_view"]["timeFieldName"], "@timestamp");
    r = kb.get("/api/data_views/data_view/nope");
    ASSERT_EQ(r.status, 404);
    EXPECT_EQ(r.json["message"], "Saved object [index-pattern/nope] not found");
    // Spaces prefix.
    EXPECT_EQ(kb.get("/s/default/api/data_views/data_view/metrics-*").status, 200);
}

// es-apis.md §2.4: before 8.0 there is no data views API; index patterns are saved objects,
// listed with GET /api/saved_objects/_find?type=index-pattern.
TEST(KibanaDataViews, Kibana717ListsIndexPatternsAsSavedObjects) {
    Options o = with_kibana();
    o.version = "7.17";
    Sim sim(o);
    KibanaClient kb(sim.server().kibana_url());
    EXPECT_EQ(kb.get("/api/data_views").status, 404);
    const auto r = kb.get("/api/saved_objects/_find?type=index-pattern&fields=title&per_page=1000");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["total"], 2);
    EXPECT_EQ(r.json["per_page"], 1000);
    std::vector<std::string> titles;
    for (const auto& so : r.json["saved_objects"]) {
        EXPECT_EQ(so["type"], "index-pattern");
        titles.push_back(so["attributes"]["title"].get<std::string>());
    }
    EXPECT_EQ(titles, (std::vector<std::string>{"logs-*", "metrics-*"}));
    EXPECT_EQ(kb.get("/api/saved_objects/_find?type=dashboard").json["total"], 0);
    EXPECT_EQ(kb.get("/api/saved_objects/_find").status, 400);
}

} // namespace
} // namespace esmend::es_sim::testing

#include <es_client/curl_transport.hpp>
#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>

#include "support/test_server.hpp"

#include <gtest/gtest.h>

using namespace esmend::es_client;
using esmend::test::TestServer;

namespace {
std::shared_ptr<Transport> transport(const TestServer& s) {
    TransportOptions o;
    o.hosts = {*parse_base_url(s.url(), 9200)};
    return std::shared_ptr<Transport>(std::move(*CurlTransport::create(std::move(o))));
}
} // namespace

TEST(Elasticsearch, InfoReadsRootAndChecksProductHeader) {
    TestServer server;
    esmend::test::serve_es_root(server.server(), "7.17.25");
    server.start();
    Elasticsearch es(transport(server));
    auto info = es.info();
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->cluster_name, "test-cluster");
    EXPECT_EQ(info->cluster_uuid, "uuid-123");
    EXPECT_EQ(info->version, (Version{7, 17, 25}));
    EXPECT_EQ(info->build_flavor, "default");
}

TEST(Elasticsearch, InfoRefusesServerWithoutProductHeader) {
    TestServer server;
    server.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"version":{"number":"8.19.0"}})", "application/json");
    });
    server.start();
    auto info = Elasticsearch(transport(server)).info();
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().kind, ErrorKind::state);
    EXPECT_NE(info.error().message.find("X-elastic-product"), std::string::npos);
}

TEST(Elasticsearch, HealthParsesSpecExample) {
    TestServer server;
    // SPEC cluster/health/examples/response/ClusterHealthResponseExample1.yaml (es-apis.md §1.2).
    server.server().Get("/_cluster/health", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            R"({"cluster_name":"testcluster","status":"yellow","timed_out":false,"number_of_nodes":1,)"
            R"("number_of_data_nodes":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,)"
            R"("initializing_shards":0,"unassigned_shards":1,"delayed_unassigned_shards":0,)"
            R"("number_of_pending_tasks":0,"number_of_in_flight_fetch":0,)"
            R"("task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":50.0})",
            "application/json");
    });
    server.start();
    auto h = Elasticsearch(transport(server)).health();
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, "yellow");
    EXPECT_EQ(h->unassigned_shards, 1);
    EXPECT_DOUBLE_EQ(h->active_shards_percent, 50.0);
}

TEST(Elasticsearch, CallTurnsErrorStatusIntoTypedError) {
    TestServer server;
    server.server().Get("/missing/_mapping", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content(
            R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [missing]"}],)"
            R"("type":"index_not_found_exception","reason":"no such index [missing]"},"status":404})",
            "application/json");
    });
    server.start();
    auto r = Elasticsearch(transport(server)).call(Method::get, "/missing/_mapping");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::es);
    EXPECT_EQ(r.error().http_status, 404);
    EXPECT_EQ(r.error().es_type, "index_not_found_exception");
}

TEST(Elasticsearch, MalformedJsonIsParseError) {
    TestServer server;
    server.server().Get("/x", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{not json", "application/json");
    });
    server.start();
    auto r = Elasticsearch(transport(server)).call(Method::get, "/x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::parse);
}

TEST(Kibana, StatusReads8xAnd7xShapesAndSendsXsrfOnWrites) {
    TestServer server;
    std::string xsrf = "unset";
    server.server().Get("/api/status", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            R"({"name":"kb","version":{"number":"8.19.0"},"status":{"overall":{"level":"available"}}})",
            "application/json");
    });
    server.server().Post("/api/thing", [&](const httplib::Request& req, httplib::Response& res) {
        xsrf = req.get_header_value("kbn-xsrf");
        res.set_content("{}", "application/json");
    });
    server.server().Get("/7x/api/status", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            R"({"name":"kb","version":{"number":"7.17.25"},"status":{"overall":{"state":"green"}}})",
            "application/json");
    });
    server.start();
    Kibana kibana(transport(server));
    auto s = kibana.status();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->version, "8.19.0");
    EXPECT_EQ(s->level, "available");
    ASSERT_TRUE(kibana.call(Method::post, "/api/thing"));
    EXPECT_FALSE(xsrf.empty());

    TransportOptions o;
    o.hosts = {*parse_base_url(server.url() + "/7x", 5601)};
    Kibana old(std::shared_ptr<Transport>(std::move(*CurlTransport::create(std::move(o)))));
    auto s7 = old.status();
    ASSERT_TRUE(s7);
    EXPECT_EQ(s7->level, "green");
}

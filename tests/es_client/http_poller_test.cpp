// Concurrent polling on one thread, with kept-alive connections across rounds.
#include <es_client/http_poller.hpp>

#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace esmend::es_client;
using esmend::test::TestServer;
using namespace std::chrono_literals;

namespace {

PollTarget target(const std::string& url, const std::string& path = "/debug/vars") {
    PollTarget t;
    t.base = *parse_base_url(url, 6060);
    t.path = path;
    t.timeout = 3000ms;
    return t;
}

void serve_vars(TestServer& s, const std::string& body) {
    s.server().Get("/debug/vars", [body](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json; charset=utf-8");
    });
}

} // namespace

TEST(HttpPoller, ReturnsOneOutcomePerTargetInOrder) {
    TestServer a;
    TestServer b;
    serve_vars(a, R"({"n":1})");
    serve_vars(b, R"({"n":2})");
    a.start();
    b.start();
    const std::string dead = "http://127.0.0.1:" + std::to_string(esmend::test::unused_port());
    auto poller = HttpPoller::create(
        {target(a.url()), target(dead), target(b.url()), target(b.url(), "/nope")});
    ASSERT_TRUE(poller);
    auto out = (*poller)->poll_all();
    ASSERT_EQ(out.size(), 4u);
    ASSERT_TRUE(out[0].response);
    EXPECT_EQ(out[0].response->body, R"({"n":1})");
    ASSERT_FALSE(out[1].response);
    EXPECT_EQ(out[1].response.error().kind, ErrorKind::transport);
    EXPECT_EQ(out[2].response->body, R"({"n":2})");
    EXPECT_EQ(out[3].response->status, 404);
}

TEST(HttpPoller, FetchesTargetsConcurrently) {
    // Each handler waits until both requests have arrived: a sequential poller would leave the
    // first handler waiting alone until its deadline.
    std::atomic<int> arrived{0};
    std::atomic<int> saw_both{0};
    const auto handler = [&](const httplib::Request&, httplib::Response& res) {
        ++arrived;
        for (int i = 0; i < 200 && arrived.load() < 2; ++i)
            std::this_thread::sleep_for(10ms);
        if (arrived.load() >= 2)
            ++saw_both;
        res.set_content("{}", "application/json");
    };
    TestServer a;
    TestServer b;
    a.server().Get("/debug/vars", handler);
    b.server().Get("/debug/vars", handler);
    a.start();
    b.start();
    auto poller = HttpPoller::create({target(a.url()), target(b.url())});
    ASSERT_TRUE(poller);
    auto out = (*poller)->poll_all();
    ASSERT_TRUE(out[0].response && out[1].response);
    EXPECT_EQ(saw_both.load(), 2);
}

TEST(HttpPoller, ReusesEachTargetsConnectionAcrossRounds) {
    TestServer a;
    serve_vars(a, "{}");
    a.start();
    auto poller = HttpPoller::create({target(a.url())});
    ASSERT_TRUE(poller);
    for (int round = 0; round < 5; ++round)
        ASSERT_TRUE((*poller)->poll_all()[0].response);
    EXPECT_EQ(a.requests(), 5u);
    EXPECT_EQ(a.connections(), 1u);
}

TEST(HttpPoller, SendsBasicAuthToTargetsThatNeedIt) {
    TestServer a;
    std::string auth;
    a.server().Get("/debug/vars", [&](const httplib::Request& req, httplib::Response& res) {
        auth = req.get_header_value("Authorization");
        res.set_content("{}", "application/json");
    });
    a.start();
    auto t = target(a.url());
    t.credentials = Credentials::basic("go", "pw");
    auto poller = HttpPoller::create({t});
    ASSERT_TRUE(poller);
    ASSERT_TRUE((*poller)->poll_all()[0].response);
    EXPECT_EQ(auth, "Basic Z286cHc=");
}

TEST(HttpPoller, SlowTargetTimesOutWithoutHoldingUpOthers) {
    TestServer slow;
    slow.server().Get("/debug/vars", [](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(1500ms);
        res.set_content("{}", "application/json");
    });
    TestServer fast;
    serve_vars(fast, "{}");
    slow.start();
    fast.start();
    auto s = target(slow.url());
    s.timeout = 200ms;
    auto poller = HttpPoller::create({s, target(fast.url())});
    ASSERT_TRUE(poller);
    auto out = (*poller)->poll_all();
    ASSERT_FALSE(out[0].response);
    EXPECT_EQ(out[0].response.error().kind, ErrorKind::timeout);
    EXPECT_TRUE(out[1].response);
}

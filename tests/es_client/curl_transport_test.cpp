// The libcurl transport against real HTTP servers on 127.0.0.1.
#include <es_client/curl_transport.hpp>
#include <es_client/retrying_transport.hpp>

#include "support/log_capture.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <thread>

using namespace esmend::es_client;
using esmend::test::TestServer;
using namespace std::chrono_literals;

namespace {

BaseUrl url_of(const TestServer& s) {
    return *parse_base_url(s.url(), 9200);
}

std::unique_ptr<CurlTransport> transport_for(std::vector<BaseUrl> hosts, Credentials c = {},
                                             Compression compression = Compression::off) {
    TransportOptions o;
    o.hosts = std::move(hosts);
    o.credentials = std::move(c);
    o.compress_requests = compression;
    o.request_timeout = 5000ms;
    o.connect_timeout = 2000ms;
    return std::move(*CurlTransport::create(std::move(o)));
}

std::string gunzip(const std::string& data) {
    z_stream s{};
    inflateInit2(&s, 15 + 16);
    std::string out(1 << 20, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    s.avail_in = static_cast<uInt>(data.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    inflate(&s, Z_FINISH);
    out.resize(s.total_out);
    inflateEnd(&s);
    return out;
}

} // namespace

TEST(CurlTransport, SendsEachMethodWithBodyAndReturnsEveryStatus) {
    TestServer server;
    std::string seen;
    server.server().Put("/idx", [&](const httplib::Request& req, httplib::Response& res) {
        seen = req.method + " " + req.body + " " + req.get_header_value("Content-Type");
        res.status = 200;
        res.set_content(R"({"acknowledged":true})", "application/json");
    });
    server.server().Delete("/idx", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content(
            R"({"error":{"type":"index_not_found_exception","reason":"no such index [idx]"},"status":404})",
            "application/json");
    });
    server.server().Get("/idx",
                        [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
    server.start();
    auto t = transport_for({url_of(server)});

    auto put = make_request(Method::put, "/idx", R"({"settings":{}})");
    auto r = t->perform(put);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(seen, R"(PUT {"settings":{}} application/json)");
    EXPECT_EQ(r->body, R"({"acknowledged":true})");

    auto d = t->perform(make_request(Method::del, "/idx"));
    ASSERT_TRUE(d) << "a 404 is a response, not a transport error";
    EXPECT_EQ(d->status, 404);

    auto h = t->perform(make_request(Method::head, "/idx"));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    EXPECT_TRUE(h->body.empty());
}

TEST(CurlTransport, ReusesOneConnectionForSequentialRequests) {
    TestServer server;
    server.server().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{}", "application/json");
    });
    server.start();
    auto t = transport_for({url_of(server)});
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(t->perform(make_request(Method::get, "/ping"))->status, 200);
    EXPECT_EQ(server.requests(), 10u);
    EXPECT_EQ(server.connections(), 1u);
}

TEST(CurlTransport, SendsEachAuthorizationScheme) {
    TestServer server;
    std::string header;
    server.server().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
        header = req.get_header_value("Authorization");
        res.set_content("{}", "application/json");
    });
    server.start();
    ASSERT_TRUE(
        transport_for({url_of(server)}, Credentials::basic("elastic", "changeme"))->perform({}));
    EXPECT_EQ(header, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
    ASSERT_TRUE(transport_for({url_of(server)}, Credentials::api_key("id:key"))->perform({}));
    EXPECT_EQ(header, "ApiKey aWQ6a2V5");
    ASSERT_TRUE(transport_for({url_of(server)}, Credentials::bearer("tok"))->perform({}));
    EXPECT_EQ(header, "Bearer tok");
    ASSERT_TRUE(transport_for({url_of(server)})->perform({}));
    EXPECT_EQ(header, "");
}

TEST(CurlTransport, GzipsRequestBodiesWhenAsked) {
    TestServer server;
    std::string encoding;
    std::string raw;
    std::size_t wire_length = 0;
    // A raw content reader sees the body before httplib would decode it.
    server.server().Post("/_bulk", [&](const httplib::Request& req, httplib::Response& res,
                                       const httplib::ContentReader& reader) {
        encoding = req.get_header_value("Content-Encoding");
        wire_length = std::stoul(req.get_header_value("Content-Length"));
        reader([&](const char* data, size_t len) {
            raw.append(data, len);
            return true;
        });
        res.set_content("{}", "application/json");
    });
    server.start();
    const std::string body(5000, 'x');
    auto t = transport_for({url_of(server)}, {}, Compression::gzip);
    auto req = make_request(Method::post, "/_bulk", body);
    ASSERT_EQ(t->perform(req)->status, 200);
    EXPECT_EQ(encoding, "gzip");
    EXPECT_LT(wire_length, body.size() / 10) << "what went over the wire is compressed";
    // httplib hands the reader the decoded bytes when it can; either way they must be the body.
    EXPECT_EQ(raw.size() == body.size() ? raw : gunzip(raw), body);
}

TEST(CurlTransport, DecompressesGzipResponses) {
    TestServer server;
    const std::string payload = R"({"hits":")" + std::string(4000, 'a') + R"("})";
    server.server().Get("/big", [&](const httplib::Request& req, httplib::Response& res) {
        // Only what ES compresses with (http.compression: gzip, deflate), never br or zstd.
        EXPECT_EQ(req.get_header_value("Accept-Encoding"), "gzip, deflate");
        z_stream s{};
        deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        std::string out(deflateBound(&s, static_cast<uLong>(payload.size())), '\0');
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
        s.avail_in = static_cast<uInt>(payload.size());
        s.next_out = reinterpret_cast<Bytef*>(out.data());
        s.avail_out = static_cast<uInt>(out.size());
        deflate(&s, Z_FINISH);
        out.resize(s.total_out);
        deflateEnd(&s);
        res.set_header("Content-Encoding", "gzip");
        res.set_content(out, "application/json");
    });
    server.start();
    auto r = transport_for({url_of(server)})->perform(make_request(Method::get, "/big"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, payload);
}

TEST(CurlTransport, RequestTimeoutIsTimeoutKind) {
    TestServer server;
    server.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(1500ms);
        res.set_content("{}", "application/json");
    });
    server.start();
    auto t = transport_for({url_of(server)});
    auto req = make_request(Method::get, "/slow");
    req.timeout = 200ms;
    const auto started = std::chrono::steady_clock::now();
    auto r = t->perform(req);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::timeout);
    EXPECT_FALSE(r.error().retryable) << "a request timeout may have been processed: not retried";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1400ms);
}

TEST(CurlTransport, FailsOverFromRefusedHostToTheNext) {
    TestServer server;
    esmend::test::serve_es_root(server.server());
    server.start();
    const auto dead =
        *parse_base_url("http://127.0.0.1:" + std::to_string(esmend::test::unused_port()), 9200);
    auto t = transport_for({dead, url_of(server)});
    esmend::test::LogCapture logs;
    for (int i = 0; i < 4; ++i) {
        auto r = t->perform(make_request(Method::get, "/"));
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->host, server.url());
    }
    EXPECT_NE(logs.text().find("failing over to " + server.url()), std::string::npos);
}

TEST(CurlTransport, RoundRobinsAcrossHealthyHosts) {
    TestServer a;
    TestServer b;
    esmend::test::serve_es_root(a.server());
    esmend::test::serve_es_root(b.server());
    a.start();
    b.start();
    auto t = transport_for({url_of(a), url_of(b)});
    for (int i = 0; i < 6; ++i)
        ASSERT_TRUE(t->perform(make_request(Method::get, "/")));
    EXPECT_EQ(a.requests(), 3u);
    EXPECT_EQ(b.requests(), 3u);
}

TEST(CurlTransport, AllHostsRefusedIsRetryableTransportError) {
    const auto dead =
        *parse_base_url("http://127.0.0.1:" + std::to_string(esmend::test::unused_port()), 9200);
    auto r = transport_for({dead})->perform(make_request(Method::get, "/"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::transport);
    EXPECT_TRUE(r.error().retryable);
    EXPECT_NE(r.error().message.find("cannot connect to http://127.0.0.1"), std::string::npos);
}

TEST(CurlTransport, TakesProxyFromEnvironmentAsCurlDoes) {
    // The proxy receives the absolute-form request for a host that does not exist here.
    TestServer proxy;
    std::string target;
    proxy.server().set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
        target = req.target;
        res.status = 200;
        res.set_content("{}", "application/json");
    });
    proxy.start();
    ::setenv("http_proxy", proxy.url().c_str(), 1);
    ::unsetenv("no_proxy");
    ::unsetenv("NO_PROXY");
    auto upstream = *parse_base_url("http://es.example.invalid:9200", 9200);
    auto r = transport_for({upstream})->perform(make_request(Method::get, "/_cluster/health"));
    ::unsetenv("http_proxy");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(target, "http://es.example.invalid:9200/_cluster/health");
}

TEST(CurlTransport, RetryingTransportRecoversFromServer503s) {
    TestServer server;
    int calls = 0;
    server.server().Get("/_cluster/health", [&](const httplib::Request&, httplib::Response& res) {
        res.status = ++calls < 3 ? 503 : 200;
        res.set_content("{}", "application/json");
    });
    server.start();
    SystemClock clock;
    RetryOptions o;
    o.initial_backoff = 10ms;
    RetryingTransport t(std::shared_ptr<Transport>(transport_for({url_of(server)})), o, clock,
                        [] { return 0.5; });
    auto r = t.perform(make_request(Method::get, "/_cluster/health"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 3);
}

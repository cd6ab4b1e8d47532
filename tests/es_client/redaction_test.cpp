// Secrets never appear in logs or error messages. Logs are captured at trace level, the most
// verbose esmend has, through every path that logs: success, retries, failover, auth failures.
#include <es_client/curl_transport.hpp>
#include <es_client/elasticsearch.hpp>
#include <es_client/retrying_transport.hpp>

#include "support/log_capture.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

using namespace esmend::es_client;
using namespace esmend::test;
using namespace std::chrono_literals;

namespace {

const std::string k_password = "Pa55w0rd-do-not-log";
const std::string k_api_key = "keyid:ApiKeySecret-do-not-log";
const std::string k_token = "BearerToken-do-not-log";

void expect_no_secret(const std::string& text) {
    for (const std::string& secret :
         {k_password, std::string("ApiKeySecret-do-not-log"), base64_encode(k_api_key), k_token,
          base64_encode("elastic:" + k_password)}) {
        EXPECT_EQ(text.find(secret), std::string::npos)
            << "secret '" << secret << "' leaked into:\n"
            << text;
    }
}

class FastClock final : public Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return {}; }
    bool sleep_for(std::chrono::milliseconds, const Cancellation*) override { return true; }
};

} // namespace

TEST(Redaction, NoSecretInLogsOrErrorsAcrossRetriesFailoverAndAuthFailures) {
    TestServer server;
    int calls = 0;
    server.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
        // 503 first (a retry), then 401 as ES answers bad credentials.
        if (++calls == 1) {
            res.status = 503;
            return;
        }
        res.status = 401;
        res.set_header("WWW-Authenticate", R"(Basic realm="security" charset="UTF-8")");
        res.set_content(
            R"({"error":{"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/]"},"status":401})",
            "application/json");
    });
    server.start();
    const auto dead = *parse_base_url("http://127.0.0.1:" + std::to_string(unused_port()), 9200);
    const auto live = *parse_base_url(server.url(), 9200);
    std::string errors;
    LogCapture logs;
    for (const auto& credentials :
         {Credentials::basic("elastic", k_password), Credentials::api_key(k_api_key),
          Credentials::bearer(k_token)}) {
        calls = 0;
        TransportOptions o;
        o.hosts = {dead, live};
        o.credentials = credentials;
        FastClock clock;
        auto retrying = std::make_shared<RetryingTransport>(
            std::shared_ptr<Transport>(std::move(*CurlTransport::create(std::move(o)))),
            RetryOptions{}, clock, [] { return 0.5; });
        Elasticsearch es(retrying);
        auto info = es.info();
        ASSERT_FALSE(info);
        EXPECT_EQ(info.error().http_status, 401);
        errors += info.error().describe() + "\n" + info.error().message + "\n" +
                  credentials.describe() + "\n";
    }
    const auto text = logs.text();
    EXPECT_NE(text.find("Authorization: [redacted]"), std::string::npos)
        << "trace logging of headers ran";
    EXPECT_NE(text.find("failing over"), std::string::npos);
    EXPECT_NE(text.find("retrying"), std::string::npos);
    expect_no_secret(text);
    expect_no_secret(errors);
}

TEST(Redaction, UrlCredentialsNeverReachDisplayOrErrors) {
    auto url = parse_base_url(
        "http://elastic:" + k_password + "@127.0.0.1:" + std::to_string(unused_port()), 9200);
    ASSERT_TRUE(url);
    expect_no_secret(url->str());
    TransportOptions o;
    o.hosts = {*url};
    o.credentials = Credentials::basic(url->user, url->password);
    LogCapture logs;
    auto r = (*CurlTransport::create(std::move(o)))->perform(make_request(Method::get, "/"));
    ASSERT_FALSE(r);
    expect_no_secret(r.error().message);
    expect_no_secret(logs.text());
}

// HTTPS against a server whose certificate openssl makes during the test run.
#include <es_client/curl_transport.hpp>

#include "support/certificates.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

using namespace esmend::es_client;
using namespace esmend::test;
using namespace std::chrono_literals;

namespace {

class Tls : public ::testing::Test {
protected:
    void SetUp() override { pki = make_test_pki(dir); }

    Result<HttpResponse> get(TestServer& server, TlsOptions tls) {
        TransportOptions o;
        o.hosts = {*parse_base_url(server.url(), 9200)};
        o.tls = std::move(tls);
        o.request_timeout = 5000ms;
        auto t = CurlTransport::create(std::move(o));
        if (!t)
            return std::unexpected(t.error());
        return (*t)->perform(make_request(Method::get, "/"));
    }

    TempDir dir;
    TestPki pki;
};

void serve_ok(TestServer& server) {
    server.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{}", "application/json");
    });
    server.start();
}

} // namespace

TEST_F(Tls, VerifiesServerAgainstGivenCa) {
    TestServer server(TlsFiles{pki.server_cert, pki.server_key, ""});
    serve_ok(server);
    TlsOptions tls;
    tls.ca_file = pki.ca_cert;
    auto r = get(server, tls);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
}

TEST_F(Tls, RefusesUnknownCaWithoutRetryAndWithHint) {
    TestServer server(TlsFiles{pki.server_cert, pki.server_key, ""});
    serve_ok(server);
    auto r = get(server, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::transport);
    EXPECT_FALSE(r.error().retryable);
    EXPECT_NE(r.error().message.find("--ca-cert"), std::string::npos);
}

TEST_F(Tls, InsecureSkipsVerificationOnlyWhenAsked) {
    TestServer server(TlsFiles{pki.server_cert, pki.server_key, ""});
    serve_ok(server);
    TlsOptions tls;
    tls.verify = TlsVerify::none;
    auto r = get(server, tls);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
}

TEST_F(Tls, PresentsClientCertificateForMutualTls) {
    TestServer server(TlsFiles{pki.server_cert, pki.server_key, pki.ca_cert});
    serve_ok(server);
    TlsOptions with_cert;
    with_cert.ca_file = pki.ca_cert;
    with_cert.client_cert = pki.client_cert;
    with_cert.client_key = pki.client_key;
    auto ok = get(server, with_cert);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->status, 200);

    TlsOptions without_cert;
    without_cert.ca_file = pki.ca_cert;
    EXPECT_FALSE(get(server, without_cert));
}

TEST_F(Tls, ClientCertificateNeedsItsKey) {
    TransportOptions o;
    o.hosts = {*parse_base_url("https://127.0.0.1:9200", 9200)};
    o.tls.client_cert = pki.client_cert;
    auto t = CurlTransport::create(std::move(o));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::config);
}

#include <es_client/url.hpp>

#include <gtest/gtest.h>

using namespace esmend::es_client;

TEST(ParseBaseUrl, DefaultsSchemeAndPort) {
    auto u = parse_base_url("localhost", 9200);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->str(), "http://localhost:9200");
}

TEST(ParseBaseUrl, SplitsCredentialsOffTheUrl) {
    auto u = parse_base_url("https://elastic:s3cr%40t@es.example.com:9243/proxy/", 9200);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->user, "elastic");
    EXPECT_EQ(u->password, "s3cr@t");
    EXPECT_EQ(u->str(), "https://es.example.com:9243/proxy");
    EXPECT_EQ(u->str().find("s3cr"), std::string::npos);
}

TEST(ParseBaseUrl, KeepsIpv6Brackets) {
    auto u = parse_base_url("http://[::1]:9201", 9200);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "[::1]");
    EXPECT_EQ(u->port, 9201);
}

TEST(ParseBaseUrl, RejectsBadInputWithoutEchoingIt) {
    auto u = parse_base_url("ftp://user:hunter2@host", 9200);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().kind, ErrorKind::config);
    EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos);
    EXPECT_FALSE(parse_base_url("http://host:99999", 9200));
    EXPECT_FALSE(parse_base_url("http://:9200", 9200));
}

TEST(SplitHostList, AcceptsCommaListAndJsonArrayForm) {
    EXPECT_EQ(split_host_list("http://a:9200, http://b:9200"),
              (std::vector<std::string>{"http://a:9200", "http://b:9200"}));
    // The form Kibana's and the Beats' containers take in ELASTICSEARCH_HOSTS.
    EXPECT_EQ(split_host_list(R"(["http://es01:9200","http://es02:9200"])"),
              (std::vector<std::string>{"http://es01:9200", "http://es02:9200"}));
    EXPECT_TRUE(split_host_list("  ").empty());
}

TEST(UrlEncode, EncodesReservedCharacters) {
    EXPECT_EQ(url_encode("logs-*,-logs-test*"), "logs-%2A%2C-logs-test%2A");
    EXPECT_EQ(url_encode("a b/c"), "a%20b%2Fc");
}

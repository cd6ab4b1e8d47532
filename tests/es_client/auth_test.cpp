// Credentials and Cloud IDs, es-apis.md §1.14.
#include <es_client/auth.hpp>

#include <gtest/gtest.h>

using namespace esmend::es_client;

TEST(Credentials, BasicHeaderIsBase64OfUserColonPassword) {
    EXPECT_EQ(Credentials::basic("elastic", "changeme").authorization(),
              "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
}

TEST(Credentials, ApiKeyAcceptsIdColonKeyAndEncodesIt) {
    EXPECT_EQ(Credentials::api_key("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").authorization(),
              "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
}

TEST(Credentials, ApiKeyAcceptsEncodedFormAsIs) {
    EXPECT_EQ(Credentials::api_key("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==")
                  .authorization(),
              "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
}

TEST(Credentials, BearerAndNone) {
    EXPECT_EQ(Credentials::bearer("tok").authorization(), "Bearer tok");
    EXPECT_EQ(Credentials{}.authorization(), "");
}

TEST(Credentials, DescribeNeverShowsTheSecret) {
    EXPECT_EQ(Credentials::basic("elastic", "changeme").describe(), "basic auth as elastic");
    EXPECT_EQ(Credentials::api_key("id:secretkey").describe().find("secretkey"), std::string::npos);
    EXPECT_EQ(Credentials::bearer("tok3n").describe().find("tok3n"), std::string::npos);
}

TEST(Base64, RoundTripsAndAcceptsUrlSafeAlphabet) {
    for (const std::string s : {"", "a", "ab", "abc", "abcd", "\xff\xfe\x00x"}) {
        auto back = base64_decode(base64_encode(s));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, s);
    }
    EXPECT_EQ(*base64_decode("-_8"), *base64_decode("+/8"));
    EXPECT_FALSE(base64_decode("abc$"));
}

TEST(DecodeCloudId, DefaultsToPort443) {
    // label:base64("us-central1.gcp.cloud.es.io$abc123$def456")
    const std::string id =
        "my-deployment:" + base64_encode("us-central1.gcp.cloud.es.io$abc123$def456");
    auto e = decode_cloud_id(id);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->elasticsearch_url, "https://abc123.us-central1.gcp.cloud.es.io:443");
    EXPECT_EQ(e->kibana_url, "https://def456.us-central1.gcp.cloud.es.io:443");
}

TEST(DecodeCloudId, HostPortAppliesToBothAndComponentPortsOverride) {
    auto a = decode_cloud_id("x:" + base64_encode("example.com:9243$es$kb"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->elasticsearch_url, "https://es.example.com:9243");
    EXPECT_EQ(a->kibana_url, "https://kb.example.com:9243");
    auto b = decode_cloud_id("x:" + base64_encode("example.com:9243$es:9200$kb:5601"));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->elasticsearch_url, "https://es.example.com:9200");
    EXPECT_EQ(b->kibana_url, "https://kb.example.com:5601");
}

TEST(DecodeCloudId, LabelMayContainColonsAndIsOptional) {
    auto a = decode_cloud_id("dep:with:colons:" + base64_encode("h.io$e$k"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->elasticsearch_url, "https://e.h.io:443");
    auto b = decode_cloud_id(base64_encode("h.io$e$k"));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->kibana_url, "https://k.h.io:443");
}

TEST(DecodeCloudId, RejectsMalformedIds) {
    EXPECT_FALSE(decode_cloud_id("label:"));
    EXPECT_FALSE(decode_cloud_id("label:%%%"));
    EXPECT_FALSE(decode_cloud_id("label:" + base64_encode("only-host")));
    EXPECT_FALSE(decode_cloud_id("label:" + base64_encode("h.io:notaport$e$k")));
    EXPECT_EQ(decode_cloud_id("label:" + base64_encode("h$e")).error().kind, ErrorKind::config);
}

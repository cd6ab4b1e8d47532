// Dev Tools console rendering of planned requests, and the redaction of what it shows.
#include <tool/console_format.hpp>

#include <gtest/gtest.h>

using namespace esmend;
using nlohmann::json;

TEST(ConsoleFormat, ElasticsearchPathsLoseTheSlashKibanaPathsGetTheKbnPrefix) {
    playbooks::Action es{playbooks::Service::elasticsearch,
                         es_client::Method::del,
                         "/_data_stream/logs-a-default",
                         std::nullopt,
                         "delete it",
                         {}};
    EXPECT_EQ(tool::console_block(es), "# delete it\nDELETE _data_stream/logs-a-default");
    playbooks::Action kbn{playbooks::Service::kibana,
                          es_client::Method::post,
                          "/api/fleet/epm/packages/golang/1.6.0",
                          json{{"force", true}},
                          "",
                          {}};
    EXPECT_EQ(tool::console_request(kbn),
              "POST kbn:/api/fleet/epm/packages/golang/1.6.0\n{\n  \"force\": true\n}");
}

// A package policy body carries its password vars' values: shown redacted, sent as they are.
TEST(ConsoleFormat, SecretsInBodiesAreRedactedInTheOutputOnly) {
    const json body = {{"inputs",
                        {{{"vars",
                           {{"password", {{"type", "password"}, {"value", "hunter2"}}},
                            {"username", {{"type", "text"}, {"value", "metrics"}}}}}}}},
                       {"api_key", "abc:def"},
                       {"nested", {{"Authorization", "Basic eHg6eXk="}}}};
    playbooks::Action put{playbooks::Service::kibana,
                          es_client::Method::put,
                          "/api/fleet/package_policies/p1",
                          body,
                          "pause",
                          {}};
    const auto text = tool::console_request(put);
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_EQ(text.find("abc:def"), std::string::npos) << text;
    EXPECT_EQ(text.find("eHg6eXk="), std::string::npos) << text;
    EXPECT_NE(text.find("metrics"), std::string::npos) << text;
    const auto j = tool::action_json(put);
    EXPECT_EQ(j["body"]["inputs"][0]["vars"]["password"]["value"], "<redacted>");
    EXPECT_EQ((*put.body)["inputs"][0]["vars"]["password"]["value"], "hunter2");
}

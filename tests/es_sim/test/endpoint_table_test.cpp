// The embedded endpoint tables: no drift from the shared rest-api-spec, and ES-like routing.
#include "endpoint_table.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using esmend::es_sim::EndpointTable;
using esmend::es_sim::SimVersion;

namespace {
std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void expect_same(const EndpointTable& a, const EndpointTable& b) {
    ASSERT_EQ(a.endpoints().size(), b.endpoints().size());
    for (const auto& [name, e] : a.endpoints()) {
        ASSERT_TRUE(b.endpoints().contains(name)) << name;
        const auto& f = b.endpoints().at(name);
        EXPECT_EQ(e.params, f.params) << name;
        ASSERT_EQ(e.paths.size(), f.paths.size()) << name;
        for (std::size_t i = 0; i < e.paths.size(); ++i) {
            EXPECT_EQ(e.paths[i].pattern, f.paths[i].pattern) << name;
            EXPECT_EQ(e.paths[i].methods, f.paths[i].methods) << name;
        }
    }
}
} // namespace

TEST(EndpointTable, GeneratedTablesMatchRestApiSpec) {
    for (const std::string version : {"8.19", "7.17"}) {
        auto committed = EndpointTable::parse(
            read(std::string(ES_SIM_SPEC_DIR) + "/endpoints-" + version + ".json"));
        ASSERT_TRUE(committed.has_value()) << version;
        auto fresh = EndpointTable::from_rest_api_spec_dir(std::string(ESMEND_SHARED_DIR) +
                                                           "/fixtures/rest-api-spec/" + version);
        ASSERT_TRUE(fresh.has_value()) << fresh.error();
        expect_same(*committed, *fresh);
    }
}

TEST(EndpointTable, LiteralSegmentsWinOverParts) {
    const auto& table = EndpointTable::for_version(SimVersion{});
    auto r = table.route("GET", "/_data_stream/_stats");
    ASSERT_TRUE(r.match.has_value());
    EXPECT_EQ(r.match->endpoint->name, "indices.data_streams_stats");
    r = table.route("GET", "/logs-x/_doc/1");
    ASSERT_TRUE(r.match.has_value());
    EXPECT_EQ(r.match->endpoint->name, "get");
    EXPECT_EQ(r.match->parts.at("index"), "logs-x");
    EXPECT_EQ(r.match->parts.at("id"), "1");
}

TEST(EndpointTable, MethodMismatchListsAllowedMethods) {
    const auto& table = EndpointTable::for_version(SimVersion{});
    auto r = table.route("DELETE", "/_cluster/health");
    EXPECT_FALSE(r.match.has_value());
    EXPECT_EQ(r.allowed_methods, (std::set<std::string>{"GET"}));
    // As in ES's PathTrie, a {part} pattern that has the method is still a candidate: DELETE /_bulk
    // reaches indices.delete (which then rejects the index name).
    r = table.route("DELETE", "/_bulk");
    ASSERT_TRUE(r.match.has_value());
    EXPECT_EQ(r.match->endpoint->name, "indices.delete");
}

TEST(EndpointTable, Version717LacksLaterEndpoints) {
    const auto& t7 = EndpointTable::for_version(SimVersion{7, 17, 28});
    const auto& t8 = EndpointTable::for_version(SimVersion{});
    EXPECT_FALSE(t7.endpoints().contains("indices.create_from"));
    EXPECT_TRUE(t8.endpoints().contains("indices.create_from"));
}

TEST(EndpointTable, UnrecognizedMessageRanksSuggestions) {
    const std::set<std::string> supported = {"timeout", "master_timeout", "wait_for_active_shards"};
    EXPECT_EQ(esmend::es_sim::unrecognized_params_message("/x", {"timeout"}, supported), "");
    EXPECT_EQ(esmend::es_sim::unrecognized_params_message("/x", {"timout"}, supported),
              "request [/x] contains unrecognized parameter: [timout] -> did you mean [timeout]?");
    EXPECT_EQ(esmend::es_sim::unrecognized_params_message("/x", {"qqqqqqqq"}, supported),
              "request [/x] contains unrecognized parameter: [qqqqqqqq]");
}

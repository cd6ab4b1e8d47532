// ReadOnlyTransport: reads pass, writes never reach the cluster.
#include <es_client/read_only_transport.hpp>

#include <gtest/gtest.h>

using namespace esmend::es_client;

namespace {

class Recorder final : public Transport {
public:
    Result<HttpResponse> perform(const HttpRequest& request) override {
        sent.push_back(std::string(to_string(request.method)) + " " + request.path);
        HttpResponse response;
        response.status = 200;
        response.body = "{}";
        return response;
    }
    std::vector<std::string> sent;
};

} // namespace

TEST(ReadOnlyTransport, LetsReadsAndTheNamedReadOnlyPostsThrough) {
    auto inner = std::make_shared<Recorder>();
    ReadOnlyTransport ro(inner, {"_field_caps", "_count", "_index_template/_simulate_index"});
    EXPECT_TRUE(ro.perform(make_request(Method::get, "/_data_stream/logs-*")));
    EXPECT_TRUE(ro.perform(make_request(Method::head, "/logs-x")));
    EXPECT_TRUE(ro.perform(make_request(Method::post, "/logs-*/_field_caps?fields=host.ip")));
    EXPECT_TRUE(ro.perform(make_request(Method::post, "/logs-x/_count")));
    EXPECT_TRUE(ro.perform(
        make_request(Method::post, "/_index_template/_simulate_index/logs-golang.heap-default")));
    EXPECT_EQ(inner->sent.size(), 5U);
}

TEST(ReadOnlyTransport, RefusesEveryWriteBeforeItIsSent) {
    auto inner = std::make_shared<Recorder>();
    ReadOnlyTransport ro(inner, {"_field_caps", "_count"});
    for (const auto& request :
         {make_request(Method::put, "/_index_template/x", "{}"),
          make_request(Method::del, "/_data_stream/logs-golang.heap-default"),
          make_request(Method::post, "/_reindex", "{}"),
          make_request(Method::post, "/logs-x/_rollover"),
          make_request(Method::post, "/logs-x/_doc", "{}"),
          // A name that merely contains an allowed endpoint is not that endpoint.
          make_request(Method::post, "/_field_caps_evil/_doc", "{}")}) {
        const auto r = ro.perform(request);
        ASSERT_FALSE(r.has_value()) << request.path;
        EXPECT_EQ(r.error().kind, ErrorKind::state);
        EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
    }
    EXPECT_TRUE(inner->sent.empty());
}

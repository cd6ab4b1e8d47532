// Parsing the error envelopes shown in ../shared/reference/es-apis.md §0.1/§0.2 and §2.1.
#include <es_client/error.hpp>
#include <es_client/http.hpp>

#include <gtest/gtest.h>

using namespace esmend::es_client;

namespace {
HttpResponse response(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}
} // namespace

TEST(ErrorFromResponse, ParsesIndexNotFoundEnvelope) {
    // es-apis.md §0.1, the 404 envelope.
    const auto e = error_from_response(
        response(
            404,
            R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]",)"
            R"("index":"x","resource.type":"index_or_alias","resource.id":"x","index_uuid":"_na_"}],)"
            R"("type":"index_not_found_exception","reason":"no such index [x]","index":"x",)"
            R"("resource.type":"index_or_alias","resource.id":"x","index_uuid":"_na_"},"status":404})"),
        Service::elasticsearch);
    EXPECT_EQ(e.kind, ErrorKind::es);
    EXPECT_EQ(e.http_status, 404);
    EXPECT_EQ(e.es_type, "index_not_found_exception");
    EXPECT_EQ(e.es_reason, "no such index [x]");
    ASSERT_EQ(e.root_cause.size(), 1u);
    EXPECT_EQ(e.root_cause[0].type, "index_not_found_exception");
    EXPECT_TRUE(e.has_type("index_not_found_exception"));
    EXPECT_FALSE(e.retryable);
}

TEST(ErrorFromResponse, FollowsCausedByChainOfDocumentParsingException) {
    // es-apis.md §0.2 "Invalid IP in an ip field" (8.x form, ES PR#92646).
    const auto e = error_from_response(
        response(
            400,
            R"({"error":{"root_cause":[{"type":"document_parsing_exception",)"
            R"("reason":"[1:45] failed to parse field [host.ip] of type [ip] in document with id '8'. )"
            R"(Preview of field's value: 'not-an-ip'"}],"type":"document_parsing_exception",)"
            R"("reason":"[1:45] failed to parse field [host.ip] of type [ip] in document with id '8'. )"
            R"(Preview of field's value: 'not-an-ip'","caused_by":{"type":"illegal_argument_exception",)"
            R"("reason":"'not-an-ip' is not an IP string literal."}},"status":400})"),
        Service::elasticsearch);
    EXPECT_EQ(e.es_type, "document_parsing_exception");
    ASSERT_EQ(e.caused_by.size(), 1u);
    EXPECT_EQ(e.caused_by[0].type, "illegal_argument_exception");
    EXPECT_EQ(e.caused_by[0].reason, "'not-an-ip' is not an IP string literal.");
    EXPECT_TRUE(e.has_type("illegal_argument_exception"));
    EXPECT_NE(e.describe().find("not an IP string literal"), std::string::npos);
}

TEST(ErrorFromResponse, AcceptsPlainStringErrorOfRoutingLevelFailures) {
    // es-apis.md §0.1: `error` can be a plain string.
    const auto e = error_from_response(
        response(
            400,
            R"({"error":"no handler found for uri [/_cat/nope] and method [GET]","status":400})"),
        Service::elasticsearch);
    EXPECT_EQ(e.kind, ErrorKind::es);
    EXPECT_TRUE(e.es_type.empty());
    EXPECT_EQ(e.es_reason, "no handler found for uri [/_cat/nope] and method [GET]");
}

TEST(ErrorFromResponse, VersionConflictIsConflictKind) {
    // es-apis.md §0.2, op_type=create on an existing _id.
    const auto e = error_from_response(
        response(
            409,
            R"({"error":{"type":"version_conflict_engine_exception",)"
            R"j("reason":"[1]: version conflict, document already exists (current version [1])"},"status":409})j"),
        Service::elasticsearch);
    EXPECT_EQ(e.kind, ErrorKind::conflict);
    EXPECT_EQ(e.es_type, "version_conflict_engine_exception");
}

TEST(ErrorFromResponse, ParsesKibanaEnvelope) {
    // es-apis.md §2.1.
    const auto e = error_from_response(
        response(
            400,
            R"({"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."})"),
        Service::kibana);
    EXPECT_EQ(e.kind, ErrorKind::kibana);
    EXPECT_EQ(e.kibana_error, "Bad Request");
    EXPECT_NE(e.message.find("Request must contain a kbn-xsrf header."), std::string::npos);
}

TEST(ErrorFromResponse, NonJsonBodyIsHttpKind) {
    const auto e =
        error_from_response(response(502, "<html>Bad Gateway</html>"), Service::elasticsearch);
    EXPECT_EQ(e.kind, ErrorKind::http);
    EXPECT_EQ(e.http_status, 502);
    EXPECT_NE(e.message.find("502"), std::string::npos);
}

TEST(ErrorFromResponse, SecurityExceptionKeepsType) {
    const auto e = error_from_response(
        response(
            401,
            R"({"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials for REST request [/]"}],)"
            R"("type":"security_exception","reason":"missing authentication credentials for REST request [/]"},"status":401})"),
        Service::elasticsearch);
    EXPECT_EQ(e.es_type, "security_exception");
    EXPECT_EQ(e.http_status, 401);
}

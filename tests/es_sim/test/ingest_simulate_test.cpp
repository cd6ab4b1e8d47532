// Tests for POST _ingest/pipeline/_simulate as es-sim answers it (ES SimulatePipelineRequest,
// SimulateDocumentBaseResult, SimulateProcessorResult, WriteableIngestDocument).

#include "ingest/ingest.hpp"

#include <gtest/gtest.h>

namespace esmend::es_sim::ingest {
namespace {

using nlohmann::json;

const PipelineLookup k_none = [](std::string_view) -> const json* { return nullptr; };

TEST(IngestSimulate, InlinePipelineResponseShape) {
    auto body = json::parse(
        R"({"pipeline":{"description":"_description","processors":[{"set":{"field":"field2","value":"_value"}}]},
        "docs":[{"_index":"index","_id":"id","_source":{"foo":"bar"}},{"_source":{"foo":"rab"}}]})");
    auto r = simulate(body, std::nullopt, false, k_none);
    ASSERT_TRUE(r.has_value());
    const json& docs = (*r)["docs"];
    ASSERT_EQ(docs.size(), 2U);
    const json& d0 = docs[0]["doc"];
    EXPECT_EQ(d0["_index"], "index");
    EXPECT_EQ(d0["_id"], "id");
    EXPECT_EQ(d0["_version"], "-3");
    EXPECT_EQ(d0["_source"], (json{{"field2", "_value"}, {"foo", "bar"}}));
    ASSERT_TRUE(d0["_ingest"]["timestamp"].is_string());
    // strict_date_optional_time with milliseconds: yyyy-MM-ddTHH:mm:ss.SSSZ.
    const std::string ts = d0["_ingest"]["timestamp"].get<std::string>();
    ASSERT_EQ(ts.size(), 24U) << ts;
    EXPECT_EQ(ts[10], 'T');
    EXPECT_EQ(ts[19], '.');
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_FALSE(d0["_ingest"].contains("pipeline"));
    EXPECT_EQ(docs[1]["doc"]["_index"], "_index");
    EXPECT_EQ(docs[1]["doc"]["_id"], "_id");
}

TEST(IngestSimulate, ErrorsPerDocument) {
    auto body =
        json::parse(R"({"pipeline":{"processors":[{"rename":{"field":"a","target_field":"b"}}]},
        "docs":[{"_source":{"a":1}},{"_source":{}}]})");
    auto r = simulate(body, std::nullopt, false, k_none);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["docs"][0]["doc"]["_source"], (json{{"b", 1}}));
    const json& err = (*r)["docs"][1]["error"];
    EXPECT_EQ(err["type"], "illegal_argument_exception");
    EXPECT_EQ(err["reason"], "field [a] doesn't exist");
    EXPECT_EQ(err["root_cause"][0]["type"], "illegal_argument_exception");
}

TEST(IngestSimulate, StoredPipelineAndMissingPipeline) {
    const json stored =
        json::parse(R"({"processors":[{"set":{"field":"p","value":"{{_ingest.pipeline}}"}}]})");
    PipelineLookup lookup = [&](std::string_view id) -> const json* {
        return id == "mine" ? &stored : nullptr;
    };
    auto r =
        simulate(json::parse(R"({"docs":[{"_source":{}}]})"), std::string("mine"), false, lookup);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["docs"][0]["doc"]["_source"]["p"], "mine");
    auto missing =
        simulate(json::parse(R"({"docs":[{"_source":{}}]})"), std::string("nope"), false, lookup);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().reason, "pipeline [nope] does not exist");
}

TEST(IngestSimulate, RequestValidation) {
    auto nopipe = simulate(json::parse(R"({"docs":[]})"), std::nullopt, false, k_none);
    ASSERT_FALSE(nopipe.has_value());
    EXPECT_EQ(nopipe.error().reason, "[pipeline] required property is missing");
    auto nodocs =
        simulate(json::parse(R"({"pipeline":{"processors":[]}})"), std::nullopt, false, k_none);
    ASSERT_FALSE(nodocs.has_value());
    EXPECT_EQ(nodocs.error().reason, "[docs] required property is missing");
    auto nosrc = simulate(json::parse(R"({"pipeline":{"processors":[]},"docs":[{"_id":"x"}]})"),
                          std::nullopt, false, k_none);
    ASSERT_FALSE(nosrc.has_value());
    EXPECT_EQ(nosrc.error().reason, "[_source] required property is missing");
    auto badpipe = simulate(json::parse(R"({"pipeline":{"processors":[{"nope":{}}]},"docs":[]})"),
                            std::nullopt, false, k_none);
    ASSERT_FALSE(badpipe.has_value());
    EXPECT_EQ(badpipe.error().reason, "No processor type exists with name [nope]");
}

TEST(IngestSimulate, VerboseProcessorResults) {
    auto body = json::parse(R"({"pipeline":{"processors":[
        {"set":{"field":"a","value":1,"tag":"first"}},
        {"set":{"field":"b","value":2,"if":"ctx.a == 2"}},
        {"rename":{"field":"zz","target_field":"y","ignore_failure":true}},
        {"rename":{"field":"zz","target_field":"y","description":"fails"}}]},
        "docs":[{"_source":{}}]})");
    auto r = simulate(body, std::nullopt, true, k_none);
    ASSERT_TRUE(r.has_value());
    const json& results = (*r)["docs"][0]["processor_results"];
    ASSERT_EQ(results.size(), 4U) << results.dump();
    EXPECT_EQ(results[0]["processor_type"], "set");
    EXPECT_EQ(results[0]["status"], "success");
    EXPECT_EQ(results[0]["tag"], "first");
    EXPECT_EQ(results[0]["doc"]["_source"], (json{{"a", 1}}));
    EXPECT_EQ(results[0]["doc"]["_ingest"]["pipeline"], "_simulate_pipeline");
    EXPECT_EQ(results[1]["status"], "skipped");
    EXPECT_EQ(results[1]["if"], (json{{"condition", "ctx.a == 2"}, {"result", false}}));
    EXPECT_FALSE(results[1].contains("doc"));
    EXPECT_EQ(results[2]["status"], "error_ignored");
    EXPECT_EQ(results[2]["ignored_error"]["error"]["reason"], "field [zz] doesn't exist");
    EXPECT_TRUE(results[2].contains("doc"));
    EXPECT_EQ(results[3]["status"], "error");
    EXPECT_EQ(results[3]["description"], "fails");
    EXPECT_EQ(results[3]["error"]["type"], "illegal_argument_exception");
    EXPECT_FALSE(results[3].contains("doc"));
}

TEST(IngestSimulate, VerboseDropAndPipelineProcessor) {
    const json inner = json::parse(R"({"processors":[{"set":{"field":"i","value":1}}]})");
    PipelineLookup lookup = [&](std::string_view id) -> const json* {
        return id == "inner" ? &inner : nullptr;
    };
    auto body = json::parse(
        R"({"pipeline":{"processors":[{"pipeline":{"name":"inner"}},{"drop":{}}]},"docs":[{"_source":{}}]})");
    auto r = simulate(body, std::nullopt, true, lookup);
    ASSERT_TRUE(r.has_value());
    const json& results = (*r)["docs"][0]["processor_results"];
    ASSERT_EQ(results.size(), 3U) << results.dump();
    EXPECT_EQ(results[0]["processor_type"], "pipeline");
    EXPECT_EQ(results[0]["status"], "success");
    EXPECT_EQ(results[1]["doc"]["_ingest"]["pipeline"], "inner");
    EXPECT_EQ(results[2]["status"], "dropped");
}

} // namespace
} // namespace esmend::es_sim::ingest

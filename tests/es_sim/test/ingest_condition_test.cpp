// Tests for the Painless subset of processor "if" conditions (ingest/painless_condition.hpp):
// what it evaluates, and that anything else is refused when the pipeline is stored.

#include "ingest/ingest.hpp"
#include "ingest/painless_condition.hpp"

#include <gtest/gtest.h>

namespace esmend::es_sim::ingest {
namespace {

using nlohmann::json;

bool eval(const char* condition, const json& ctx) {
    auto c = Condition::compile(condition);
    EXPECT_TRUE(c.has_value()) << condition << ": " << (c ? "" : c.error().caused_by->reason);
    if (!c)
        return false;
    auto r = c->evaluate(ctx);
    EXPECT_TRUE(r.has_value()) << condition << ": " << (r ? "" : r.error().cause_json().dump());
    return r && *r;
}

TEST(IngestCondition, NullSafeAccessAndComparisons) {
    const json ctx{{"event", {{"original", "x"}, {"n", 5}}},
                   {"tags", json::array({"a", "preserve_original_event"})},
                   {"s", "Hello"},
                   {"m", json::object()},
                   {"f", 1.5},
                   {"z", nullptr}};
    EXPECT_FALSE(eval("ctx.event?.original == null", ctx));
    EXPECT_TRUE(eval("ctx.other?.original == null", ctx));
    EXPECT_TRUE(eval("ctx?.event?.n > 4 && ctx.event.n <= 5", ctx));
    EXPECT_TRUE(eval("ctx.event.original == 'x' || false", ctx));
    EXPECT_TRUE(eval("ctx.event.original != \"y\"", ctx));
    EXPECT_TRUE(eval("!(ctx.tags.contains('nope'))", ctx));
    EXPECT_TRUE(
        eval("ctx.tags == null || !(ctx.tags.contains('preserve_original_event')) == false", ctx));
    EXPECT_TRUE(
        eval("ctx.tags instanceof List && ctx.m instanceof Map && ctx.s instanceof String", ctx));
    EXPECT_TRUE(
        eval("ctx.s.startsWith('He') && ctx.s.endsWith('lo') && ctx.s.contains('ll')", ctx));
    EXPECT_TRUE(eval("ctx.m.isEmpty() && ctx.tags.size() == 2 && !ctx.s.isEmpty()", ctx));
    EXPECT_TRUE(eval("ctx['event']['n'] == 5 && ctx.tags[1] == 'preserve_original_event'", ctx));
    EXPECT_TRUE(eval("ctx.f == 1.5 && ctx.event.n == 5.0 && ctx.f < 2", ctx));
    EXPECT_TRUE(eval("return ctx.z == null;", ctx));
}

TEST(IngestCondition, RuntimeErrorsAreScriptExceptions) {
    auto c = Condition::compile("ctx.missing.field == 1");
    ASSERT_TRUE(c.has_value());
    auto r = c->evaluate(json::object());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().type, "script_exception");
    EXPECT_EQ(r.error().reason, "runtime error");
    ASSERT_TRUE(r.error().caused_by);
    EXPECT_EQ(r.error().caused_by->type, "null_pointer_exception");

    auto nonbool = Condition::compile("ctx.a");
    ASSERT_TRUE(nonbool.has_value());
    EXPECT_FALSE(nonbool->evaluate(json{{"a", 1}}).has_value());
}

TEST(IngestCondition, UnsupportedConstructsFailAtPut) {
    for (const char* src :
         {"def x = ctx.a; return x != null", "ctx.a =~ /foo/", "ctx.a.b.each { it }",
          "ctx.a.matches('x')", "params.x == 1", "ctx.a + 1 > 2", "ctx.a ? true : false"}) {
        json def{{"processors",
                  json::array({json{{"set", {{"field", "x"}, {"value", 1}, {"if", src}}}}})}};
        auto r = validate_pipeline(def, "p");
        ASSERT_FALSE(r.has_value()) << src;
        EXPECT_EQ(r.error().type, "script_exception") << src;
        EXPECT_EQ(r.error().reason, "compile error") << src;
        EXPECT_EQ(r.error().extra["lang"], "painless");
        ASSERT_TRUE(r.error().caused_by);
        EXPECT_NE(
            r.error().caused_by->reason.find("es-sim does not support the Painless construct"),
            std::string::npos)
            << src;
    }
}

TEST(IngestCondition, FalseConditionSkipsProcessor) {
    json def =
        json::parse(R"({"processors":[{"set":{"field":"a","value":1,"if":"ctx.b == 'yes'"}}]})");
    IngestDocument doc;
    doc.source = json{{"b", "no"}};
    auto r = run_pipeline("p", doc, [&](std::string_view) { return &def; });
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(doc.source.contains("a"));
    doc.source = json{{"b", "yes"}};
    ASSERT_TRUE(run_pipeline("p", doc, [&](std::string_view) { return &def; }).has_value());
    EXPECT_EQ(doc.source["a"], 1);
}

TEST(IngestCondition, ConditionRuntimeErrorFailsTheDocument) {
    json def =
        json::parse(R"({"processors":[{"set":{"field":"a","value":1,"if":"ctx.x.y == 1"}}]})");
    IngestDocument doc;
    doc.source = json::object();
    auto r = run_pipeline("p", doc, [&](std::string_view) { return &def; });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().type, "script_exception");
}

} // namespace
} // namespace esmend::es_sim::ingest

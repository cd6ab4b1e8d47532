// Unit tests for es-sim's ingest processors, conditions and pipeline semantics. Each expected
// text is ES's (the ES class or test named beside it).

#include "ingest/ingest.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace esmend::es_sim::ingest {
namespace {

using nlohmann::json;

struct Store {
    std::map<std::string, json, std::less<>> pipelines;
    PipelineLookup lookup() const {
        return [this](std::string_view id) -> const json* {
            auto it = pipelines.find(id);
            return it == pipelines.end() ? nullptr : &it->second;
        };
    }
};

// Runs `processors` as pipeline "p" over `source`; returns the doc or the bulk-item error.
std::expected<IngestDocument, EsError> run(const json& processors, const json& source,
                                           Store store = {}, const json& on_failure = nullptr) {
    json def{{"processors", processors}};
    if (!on_failure.is_null())
        def["on_failure"] = on_failure;
    if (auto ok = validate_pipeline(def, "p"); !ok)
        return std::unexpected(ok.error());
    store.pipelines["p"] = def;
    IngestDocument doc;
    doc.source = source;
    doc.index = "idx";
    doc.id = "1";
    doc.ingest_timestamp_millis = 1700000000123;
    auto r = run_pipeline("p", doc, store.lookup());
    if (!r)
        return std::unexpected(r.error());
    return doc;
}

json src(const std::expected<IngestDocument, EsError>& r) {
    return r ? r->source : json(r.error().cause_json());
}

TEST(IngestSet, SetsValueWithTemplates) {
    auto r = run(json::parse(R"([{"set":{"field":"a.b","value":"{{x}}-{{{y}}}"}}])"),
                 json{{"x", "q\""}, {"y", "r\""}});
    ASSERT_TRUE(r.has_value());
    // ES's mustache encoder for ingest templates JSON-escapes {{ }} and leaves {{{ }}} raw.
    EXPECT_EQ(r->source["a"]["b"], "q\\\"-r\"");
}

TEST(IngestSet, MediaTypeSelectsTheTemplateEncoder) {
    auto r = run(json::parse(R"([{"set":{"field":"p","value":"{{x}}","media_type":"text/plain"}},
        {"set":{"field":"u","value":"{{x}}","media_type":"application/x-www-form-urlencoded"}}])"),
                 json{{"x", "a \"b\"&c"}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["p"], "a \"b\"&c");
    EXPECT_EQ(r->source["u"], "a+%22b%22%26c");
    auto bad = validate_pipeline(json::parse(
        R"({"processors":[{"set":{"field":"a","value":"x","media_type":"text/html"}}]})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason,
              "[media_type] property does not contain a supported media type [text/html]");
}

TEST(IngestSet, IngestTimestampRendersAsZonedDateTimeString) {
    auto r = run(json::parse(R"([{"set":{"field":"t","value":"{{_ingest.timestamp}}"}}])"),
                 json::object());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["t"], "2023-11-14T22:13:20.123Z");
}

TEST(IngestSet, OverrideFalseKeepsExistingValue) {
    auto r = run(
        json::parse(
            R"([{"set":{"field":"a","value":2,"override":false}},{"set":{"field":"b","value":2,"override":false}}])"),
        json{{"a", 1}, {"b", nullptr}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["a"], 1);
    EXPECT_EQ(r->source["b"], 2);
}

TEST(IngestSet, CopyFromAndIgnoreEmptyValue) {
    auto r = run(
        json::parse(
            R"([{"set":{"field":"c","copy_from":"a.b"}},{"set":{"field":"d","value":"{{missing}}","ignore_empty_value":true}}])"),
        json{{"a", {{"b", json::array({1, 2})}}}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["c"], json::array({1, 2}));
    EXPECT_FALSE(r->source.contains("d"));
}

TEST(IngestSet, ValueAndCopyFromTogetherIsRejected) {
    auto ok = validate_pipeline(
        json::parse(R"({"processors":[{"set":{"field":"a","value":1,"copy_from":"b"}}]})"));
    ASSERT_FALSE(ok.has_value());
    EXPECT_EQ(ok.error().type, "parse_exception");
    EXPECT_EQ(ok.error().reason,
              "[copy_from] cannot set both `copy_from` and `value` in the same processor");
}

TEST(IngestRename, MovesFieldAndFailsOnMissingOrExistingTarget) {
    auto r = run(json::parse(R"([{"rename":{"field":"a.b","target_field":"c"}}])"),
                 json{{"a", {{"b", 1}}}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source, (json{{"a", json::object()}, {"c", 1}}));

    auto missing =
        run(json::parse(R"([{"rename":{"field":"x","target_field":"c"}}])"), json::object());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().type, "illegal_argument_exception");
    EXPECT_EQ(missing.error().reason, "field [x] doesn't exist");
    EXPECT_EQ(missing.error().status, 400);

    auto exists = run(json::parse(R"([{"rename":{"field":"a","target_field":"c"}}])"),
                      json{{"a", 1}, {"c", 2}});
    ASSERT_FALSE(exists.has_value());
    EXPECT_EQ(exists.error().reason, "field [c] already exists");

    auto over = run(json::parse(R"([{"rename":{"field":"a","target_field":"c","override":true}}])"),
                    json{{"a", 1}, {"c", 2}});
    ASSERT_TRUE(over.has_value());
    EXPECT_EQ(over->source, (json{{"c", 1}}));

    auto ignored =
        run(json::parse(R"([{"rename":{"field":"x","target_field":"c","ignore_missing":true}}])"),
            json{{"a", 1}});
    ASSERT_TRUE(ignored.has_value());
    EXPECT_EQ(ignored->source, (json{{"a", 1}}));
}

TEST(IngestRemove, RemovesListOfFieldsAndHonoursIgnoreMissing) {
    auto r = run(json::parse(R"([{"remove":{"field":["a","b.c"]}}])"),
                 json{{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source, (json{{"b", {{"d", 3}}}}));
    auto missing = run(json::parse(R"([{"remove":{"field":"zz"}}])"), json::object());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().reason, "field [zz] not present as part of path [zz]");
    auto ignored =
        run(json::parse(R"([{"remove":{"field":"zz","ignore_missing":true}}])"), json{{"a", 1}});
    EXPECT_TRUE(ignored.has_value());
    auto kept = run(json::parse(R"([{"remove":{"keep":["b.c"]}}])"),
                    json{{"a", 1}, {"b", {{"c", {{"x", 1}}}, {"d", 3}}}});
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->source, (json{{"b", {{"c", {{"x", 1}}}}}}));
    auto both =
        validate_pipeline(json::parse(R"({"processors":[{"remove":{"field":"a","keep":["b"]}}]})"));
    ASSERT_FALSE(both.has_value());
    EXPECT_EQ(both.error().reason, "[keep] and [field] cannot both be used in the same processor");
}

TEST(IngestAppend, AppendsAndDeduplicates) {
    auto r = run(
        json::parse(
            R"([{"append":{"field":"t","value":["a","b"]}},{"append":{"field":"t","value":"a","allow_duplicates":false}},
        {"append":{"field":"s","value":"y"}},{"append":{"field":"k","value":"x","allow_duplicates":false}}])"),
        json{{"s", "x"}, {"k", "x"}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["t"], json::array({"a", "b"}));
    EXPECT_EQ(r->source["s"], json::array({"x", "y"}));
    // Nothing new to append leaves a scalar untouched (ES appendValues returns the original).
    EXPECT_EQ(r->source["k"], "x");
}

TEST(IngestConvert, ConvertsTypesAndReportsEsErrors) {
    auto r = run(
        json::parse(
            R"([{"convert":{"field":"i","type":"integer"}},{"convert":{"field":"f","type":"float"}},
        {"convert":{"field":"b","type":"boolean"}},{"convert":{"field":"n","type":"string","target_field":"ns"}},
        {"convert":{"field":"a","type":"auto"}},{"convert":{"field":"l","type":"long"}},{"convert":{"field":"ip","type":"ip"}}])"),
        json{{"i", "42"},
             {"f", "1.5"},
             {"b", "TRUE"},
             {"n", 1.0},
             {"a", "7"},
             {"l", json::array({"1", "2"})},
             {"ip", "::1"}});
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["i"], 42);
    EXPECT_EQ(r->source["f"], 1.5);
    EXPECT_EQ(r->source["b"], true);
    EXPECT_EQ(r->source["ns"], "1.0");
    EXPECT_EQ(r->source["a"], 7);
    EXPECT_EQ(r->source["l"], json::array({1, 2}));

    auto bad =
        run(json::parse(R"([{"convert":{"field":"i","type":"integer"}}])"), json{{"i", "abc"}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason, "unable to convert [abc] to integer");
    ASSERT_TRUE(bad.error().caused_by);
    EXPECT_EQ(bad.error().caused_by->type, "number_format_exception");
    EXPECT_EQ(bad.error().caused_by->reason, "For input string: \"abc\"");

    auto badb =
        run(json::parse(R"([{"convert":{"field":"b","type":"boolean"}}])"), json{{"b", "yes"}});
    ASSERT_FALSE(badb.has_value());
    EXPECT_EQ(badb.error().reason, "[yes] is not a boolean value, cannot convert to boolean");
    auto badip =
        run(json::parse(R"([{"convert":{"field":"b","type":"ip"}}])"), json{{"b", "1.2.3"}});
    ASSERT_FALSE(badip.has_value());
    // ES ConvertProcessor IP: InetAddresses.forString.
    EXPECT_EQ(badip.error().reason, "'1.2.3' is not an IP string literal.");

    auto badtype =
        validate_pipeline(json::parse(R"({"processors":[{"convert":{"field":"a","type":"x"}}]})"));
    ASSERT_FALSE(badtype.has_value());
    EXPECT_EQ(badtype.error().reason, "[type] type [x] not supported, cannot convert field.");
}

TEST(IngestDate, ParsesFormatsAndWritesTimestamp) {
    auto r = run(json::parse(R"([{"date":{"field":"d","formats":["dd/MM/yyyy HH:mm:ss","ISO8601"]}},
        {"date":{"field":"u","formats":["UNIX"],"target_field":"u2"}},{"date":{"field":"m","formats":["UNIX_MS"],"target_field":"m2","output_format":"yyyy-MM-dd"}},
        {"date":{"field":"z","formats":["ISO8601"],"target_field":"z2","timezone":"+02:00"}},
        {"date":{"field":"t","formats":["TAI64N"],"target_field":"t2"}}])"),
                 json{{"d", "2016-06-12T10:11:12.5+01:00"},
                      {"u", "1500000000.5"},
                      {"m", 1500000000000},
                      {"z", "2016-06-12T10:00:00"},
                      {"t", "@4000000050d506482dbdf024"}});
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["@timestamp"], "2016-06-12T09:11:12.500Z");
    EXPECT_EQ(r->source["u2"], "2017-07-14T02:40:00.500Z");
    EXPECT_EQ(r->source["m2"], "2017-07-14");
    EXPECT_EQ(r->source["z2"], "2016-06-12T10:00:00.000+02:00");
    EXPECT_EQ(r->source["t2"], "2012-12-22T01:00:46.767Z");

    auto bad = run(json::parse(R"([{"date":{"field":"d","formats":["yyyy-MM-dd"]}}])"),
                   json{{"d", "nope"}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().type, "illegal_argument_exception");
    EXPECT_EQ(bad.error().reason, "unable to parse date [nope]");
    ASSERT_TRUE(bad.error().caused_by);
    EXPECT_EQ(bad.error().caused_by->type, "date_time_parse_exception");

    // ES resolves the timezone per document: an unknown zone fails the document, not the PUT.
    auto zone =
        run(json::parse(R"([{"date":{"field":"d","formats":["ISO8601"],"timezone":"Not/AZone"}}])"),
            json{{"d", "2020-01-01"}});
    ASSERT_FALSE(zone.has_value());
    EXPECT_EQ(zone.error().reason, "unable to parse date [2020-01-01]");
    auto alternatives =
        run(json::parse(R"([{"date":{"field":"d","formats":["8yyyy/MM/dd||epoch_millis"]}}])"),
            json{{"d", "0"}});
    ASSERT_TRUE(alternatives.has_value());
    EXPECT_EQ(alternatives->source["@timestamp"], "1970-01-01T00:00:00.000Z");
}

TEST(IngestJson, ParsesIntoTargetOrRoot) {
    auto r = run(
        json::parse(
            R"([{"json":{"field":"m","target_field":"j"}},{"json":{"field":"n","add_to_root":true,"add_to_root_conflict_strategy":"merge"}}])"),
        json{{"m", R"({"a":[1,2],"big":1672654196827998027})"},
             {"n", R"({"o":{"x":1}})"},
             {"o", {{"y", 2}}}});
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["j"]["big"].get<std::uint64_t>(), 1672654196827998027ULL);
    EXPECT_EQ(r->source["o"], (json{{"x", 1}, {"y", 2}}));
    auto bad = validate_pipeline(json::parse(
        R"({"processors":[{"json":{"field":"a","target_field":"b","add_to_root":true}}]})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason,
              "[target_field] Cannot set a target field while also setting `add_to_root` to true");
    auto trailing = run(json::parse(R"([{"json":{"field":"m"}}])"), json{{"m", "123 \"foo\""}});
    ASSERT_FALSE(trailing.has_value());
    EXPECT_EQ(
        trailing.error().reason,
        "The input 123 \"foo\" is not valid JSON and the strict_json_parsing parameter is true");
    auto lenient = run(json::parse(R"([{"json":{"field":"m","strict_json_parsing":false}}])"),
                       json{{"m", "123 \"foo\""}});
    ASSERT_TRUE(lenient.has_value());
    EXPECT_EQ(lenient->source["m"], 123);
}

TEST(IngestStrings, CaseTrimAndSplit) {
    auto r = run(
        json::parse(
            R"([{"lowercase":{"field":"a"}},{"uppercase":{"field":"b","target_field":"B"}},{"trim":{"field":"c"}},
        {"split":{"field":"d","separator":"\\s*,\\s*"}},{"split":{"field":"e","separator":",","preserve_trailing":true}}])"),
        json{{"a", "AbC"},
             {"b", json::array({"x", "y"})},
             {"c", "  z \t"},
             {"d", "1 , 2,3,,"},
             {"e", "1,,"}});
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["a"], "abc");
    EXPECT_EQ(r->source["B"], json::array({"X", "Y"}));
    EXPECT_EQ(r->source["c"], "z");
    EXPECT_EQ(r->source["d"], json::array({"1", "2", "3"}));
    EXPECT_EQ(r->source["e"], json::array({"1", "", ""}));
    auto bad = run(json::parse(R"([{"lowercase":{"field":"a"}}])"), json{{"a", 1}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason,
              "field [a] of type [java.lang.Integer] cannot be cast to [java.lang.String]");
}

TEST(IngestDotExpander, ExpandsOneOrAllDottedFields) {
    auto r =
        run(json::parse(R"([{"dot_expander":{"field":"a.b"}}])"), json{{"a.b", 1}, {"c.d", 2}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source, (json{{"a", {{"b", 1}}}, {"c.d", 2}}));
    auto under = run(json::parse(R"([{"dot_expander":{"field":"x.y","path":"p"}}])"),
                     json{{"p", {{"x.y", 1}}}});
    ASSERT_TRUE(under.has_value()) << src(under).dump();
    EXPECT_EQ(under->source, (json{{"p", {{"x", {{"y", 1}}}}}}));
    auto all =
        run(json::parse(R"([{"dot_expander":{"field":"*"}}])"), json{{"a.b", 1}, {"c.d", 2}});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->source, (json{{"a", {{"b", 1}}}, {"c", {{"d", 2}}}}));
    auto bad =
        validate_pipeline(json::parse(R"({"processors":[{"dot_expander":{"field":"ab"}}]})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason, "[field] field does not contain a dot and is not a wildcard");
    auto value_parent =
        run(json::parse(R"([{"dot_expander":{"field":"a.b"}}])"), json{{"a.b", 1}, {"a", "x"}});
    ASSERT_FALSE(value_parent.has_value());
    EXPECT_EQ(value_parent.error().reason,
              "cannot expand [a.b], because [a] is not an object field, but a value field");
    auto merged = run(json::parse(R"([{"dot_expander":{"field":"a.b"}}])"),
                      json{{"a.b", 1}, {"a", {{"b", 2}}}});
    ASSERT_TRUE(merged.has_value());
    EXPECT_EQ(merged->source, (json{{"a", {{"b", json::array({2, 1})}}}}));
}

TEST(IngestFieldPaths, ArrayIndexAndMetadataAccess) {
    auto r = run(
        json::parse(
            R"([{"set":{"field":"x","copy_from":"a.1.b"}},{"set":{"field":"_index","value":"other"}},
        {"set":{"field":"i","value":"{{_index}}/{{_id}}"}}])"),
        json{{"a", json::array({json{{"b", 1}}, json{{"b", 2}}})}});
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["x"], 2);
    EXPECT_EQ(r->index, "other");
    EXPECT_EQ(r->source["i"], "other/1");
    EXPECT_FALSE(r->source.contains("_index"));
    auto null_parent =
        run(json::parse(R"([{"set":{"field":"n.x.y","value":1}}])"), json{{"n", nullptr}});
    ASSERT_FALSE(null_parent.has_value());
    EXPECT_EQ(null_parent.error().reason, "cannot resolve [x] from null as part of path [n.x.y]");
    auto scalar_parent =
        run(json::parse(R"([{"set":{"field":"s.x","value":1}}])"), json{{"s", "str"}});
    ASSERT_FALSE(scalar_parent.has_value());
    EXPECT_EQ(scalar_parent.error().reason,
              "cannot set [x] with parent object of type [java.lang.String] as part of path [s.x]");
    auto oob = run(json::parse(R"([{"set":{"field":"x","copy_from":"a.5"}}])"),
                   json{{"a", json::array({1})}});
    ASSERT_FALSE(oob.has_value());
    EXPECT_EQ(oob.error().reason,
              "[5] is out of bounds for array with length [1] as part of path [a.5]");
}

TEST(IngestFail, FailProcessorGivesStatus500) {
    auto r = run(json::parse(R"([{"fail":{"message":"bad {{a}}"}}])"), json{{"a", "x"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().type, "fail_processor_exception");
    EXPECT_EQ(r.error().reason, "bad x");
    EXPECT_EQ(r.error().status, 500);
}

TEST(IngestDrop, DropMarksDocument) {
    auto r = run(json::parse(R"([{"drop":{"if":"ctx.a == 1"}}])"), json{{"a", 1}});
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->dropped);
}

TEST(IngestOnFailure, ProcessorLevelHandlerSeesFailureMetadata) {
    auto r = run(json::parse(R"([{"rename":{"field":"x","target_field":"y","tag":"t1","on_failure":[
        {"set":{"field":"m","value":"{{{_ingest.on_failure_message}}}|{{_ingest.on_failure_processor_type}}|{{_ingest.on_failure_processor_tag}}"}}]}},
        {"set":{"field":"after","value":true}}])"),
                 json::object());
    ASSERT_TRUE(r.has_value()) << src(r).dump();
    EXPECT_EQ(r->source["m"], "field [x] doesn't exist|rename|t1");
    EXPECT_EQ(r->source["after"], true);
}

TEST(IngestOnFailure, PipelineLevelHandlerStopsProcessing) {
    auto r = run(
        json::parse(
            R"([{"convert":{"field":"a","type":"integer"}},{"set":{"field":"after","value":true}}])"),
        json{{"a", "abc"}}, {},
        json::parse(
            R"([{"set":{"field":"error.message","value":"{{{_ingest.on_failure_message}}}"}}])"));
    ASSERT_TRUE(r.has_value());
    // getRootCause(): the innermost cause's message.
    EXPECT_EQ(r->source["error"]["message"], "For input string: \"abc\"");
    EXPECT_FALSE(r->source.contains("after"));
}

TEST(IngestOnFailure, IgnoreFailureContinues) {
    auto r = run(
        json::parse(
            R"([{"rename":{"field":"x","target_field":"y","ignore_failure":true}},{"set":{"field":"ok","value":1}}])"),
        json::object());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["ok"], 1);
}

TEST(IngestOnFailure, EmptyOnFailureListIsRejected) {
    auto bad = validate_pipeline(
        json::parse(R"({"processors":[{"set":{"field":"a","value":1,"on_failure":[]}}]})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason, "[on_failure] processors list cannot be empty");
    auto badp = validate_pipeline(json::parse(R"({"processors":[],"on_failure":[]})"), "mine");
    ASSERT_FALSE(badp.has_value());
    EXPECT_EQ(badp.error().reason,
              "pipeline [mine] cannot have an empty on_failure option defined");
}

TEST(IngestPipelineProcessor, RunsNestedPipelineAndDetectsCycles) {
    Store s;
    s.pipelines["inner"] =
        json::parse(R"({"processors":[{"set":{"field":"inner","value":"{{_ingest.pipeline}}"}}]})");
    auto r = run(json::parse(R"([{"pipeline":{"name":"inner"}}])"), json::object(), s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["inner"], "inner");

    Store c;
    c.pipelines["loop"] = json::parse(R"({"processors":[{"pipeline":{"name":"p"}}]})");
    auto cyc = run(json::parse(R"([{"pipeline":{"name":"loop"}}])"), json::object(), c);
    ASSERT_FALSE(cyc.has_value());
    EXPECT_EQ(cyc.error().type, "graph_structure_exception");
    EXPECT_EQ(cyc.error().reason, "Cycle detected for pipeline: p");
    EXPECT_EQ(cyc.error().status, 500);

    auto missing = run(json::parse(R"([{"pipeline":{"name":"nope"}}])"), json::object());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().reason,
              "Pipeline processor configured for non-existent pipeline [nope]");
    auto ignored =
        run(json::parse(R"([{"pipeline":{"name":"nope","ignore_missing_pipeline":true}}])"),
            json::object());
    EXPECT_TRUE(ignored.has_value());
}

TEST(IngestPipelineProcessor, NestedFailureNamesOriginPipeline) {
    Store s;
    s.pipelines["inner"] = json::parse(R"({"processors":[{"fail":{"message":"boom","tag":"f"}}]})");
    auto r = run(
        json::parse(R"([{"pipeline":{"name":"inner"}}])"), json::object(), s,
        json::parse(
            R"([{"set":{"field":"o","value":"{{_ingest.on_failure_pipeline}}/{{_ingest.on_failure_processor_type}}/{{_ingest.on_failure_processor_tag}}"}}])"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source["o"], "inner/fail/f");
}

TEST(IngestScript, IsStoredButRefusedAtRunTime) {
    auto r = run(json::parse(R"([{"script":{"tag":"s1","source":"ctx.a = 1"}}])"), json::object());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().type, "illegal_argument_exception");
    EXPECT_EQ(r.error().reason, "es-sim does not execute Painless scripts (script processor [s1])");
}

TEST(IngestValidate, UnknownProcessorAndMissingProperty) {
    auto unknown = validate_pipeline(json::parse(R"({"processors":[{"frobnicate":{"tag":"x"}}]})"));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().type, "parse_exception");
    EXPECT_EQ(unknown.error().reason, "No processor type exists with name [frobnicate]");
    EXPECT_EQ(unknown.error().extra["processor_type"], "frobnicate");
    EXPECT_EQ(unknown.error().extra["processor_tag"], "x");

    auto missing = validate_pipeline(json::parse(R"({"processors":[{"set":{"value":1}}]})"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().reason, "[field] required property is missing");
    EXPECT_EQ(missing.error().extra["processor_type"], "set");
    EXPECT_EQ(missing.error().extra["property_name"], "field");
    EXPECT_EQ(missing.error().status, 400);

    auto extra = validate_pipeline(
        json::parse(R"({"processors":[{"set":{"field":"a","value":1,"bogus":2}}]})"));
    ASSERT_FALSE(extra.has_value());
    EXPECT_EQ(
        extra.error().reason,
        "processor [set] doesn't support one or more provided configuration parameters [bogus]");

    auto null_config = validate_pipeline(json::parse(R"({"processors":[{"set":null}]})"));
    ASSERT_FALSE(null_config.has_value());
    EXPECT_EQ(null_config.error().reason, "processor config cannot be [null]");

    auto bad_condition = validate_pipeline(json::parse(
        R"({"processors":[{"set":{"field":"a","value":1,"tag":"t","if":"params.x"}}]})"));
    ASSERT_FALSE(bad_condition.has_value());
    EXPECT_EQ(bad_condition.error().type, "script_exception");
    EXPECT_EQ(bad_condition.error().extra["processor_type"], "set");
    EXPECT_EQ(bad_condition.error().extra["processor_tag"], "t");

    auto noprocs = validate_pipeline(json::parse(R"({"description":"x"})"));
    ASSERT_FALSE(noprocs.has_value());
    EXPECT_EQ(noprocs.error().reason, "[processors] required property is missing");

    auto badkey = validate_pipeline(json::parse(R"({"processors":[],"nope":1})"), "pp");
    ASSERT_FALSE(badkey.has_value());
    EXPECT_EQ(badkey.error().reason,
              "pipeline [pp] doesn't support one or more provided configuration parameters [nope]");
}

} // namespace
} // namespace esmend::es_sim::ingest

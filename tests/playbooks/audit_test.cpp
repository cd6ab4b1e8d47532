// The audit's analysis on field_caps answers shaped as es-apis.md §1.9 shows them.
#include <playbooks/audit.hpp>

#include <gtest/gtest.h>

using namespace esmend::playbooks;
using esmend::es_client::ErrorKind;
using nlohmann::json;

namespace {

const std::string k_heap1 = ".ds-logs-golang.heap-default-2026.11.01-000001";
const std::string k_heap2 = ".ds-logs-golang.heap-default-2026.11.20-000002";
const std::string k_nginx = ".ds-logs-nginx.access-default-2026.11.01-000001";

json caps(const std::string& type, std::vector<std::string> indices = {}) {
    json c = {
        {"type", type}, {"metadata_field", false}, {"searchable", true}, {"aggregatable", true}};
    if (!indices.empty())
        c["indices"] = indices;
    return c;
}

json host_ip_field_caps() {
    return {{"indices", {k_heap1, k_heap2, k_nginx, "legacy-golang"}},
            {"fields",
             {{"host.ip",
               {{"keyword", caps("keyword", {k_heap1, "legacy-golang"})},
                {"ip", caps("ip", {k_heap2, k_nginx})}}},
              {"message", {{"text", caps("text")}}}}}};
}

std::vector<std::string> names(const std::vector<std::string_view>& views) {
    return {views.begin(), views.end()};
}

json ecs_mappings() {
    return {{"properties", {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}}}}};
}

std::map<std::string, StreamInfo> scenario_streams() {
    std::map<std::string, StreamInfo> streams;
    streams["logs-golang.heap-default"] = StreamInfo{
        {k_heap1, k_heap2},
        "logs-golang.heap",
        ecs_mappings(),
        json{{"managed_by", "fleet"}, {"package", {{"name", "golang"}, {"version", "1.6.0"}}}},
        false};
    streams["logs-nginx.access-default"] =
        StreamInfo{{k_nginx}, "logs-nginx.access", ecs_mappings(), json(nullptr), false};
    return streams;
}

} // namespace

TEST(AuditKibanaTypes, GroupAsKibanaFieldTypesFactory) {
    EXPECT_EQ(kibana_type("long"), "number");
    EXPECT_EQ(kibana_type("integer"), "number");
    EXPECT_EQ(kibana_type("scaled_float"), "number");
    EXPECT_EQ(kibana_type("unsigned_long"), "number");
    EXPECT_EQ(kibana_type("keyword"), "string");
    EXPECT_EQ(kibana_type("text"), "string");
    EXPECT_EQ(kibana_type("match_only_text"), "string");
    EXPECT_EQ(kibana_type("date_nanos"), "date");
    EXPECT_EQ(kibana_type("ip"), "ip");
    EXPECT_EQ(kibana_type("boolean"), "boolean");
}

TEST(AuditConflicts, KeywordVersusIpIsAConflictWithItsIndices) {
    const auto conflicts = find_conflicts(host_ip_field_caps());
    ASSERT_EQ(conflicts.size(), 1U);
    EXPECT_EQ(conflicts[0].field, "host.ip");
    ASSERT_EQ(conflicts[0].types.size(), 2U);
    EXPECT_EQ(conflicts[0].types[0].es_type, "ip");
    EXPECT_EQ(names(conflicts[0].types[0].indices), (std::vector<std::string>{k_heap2, k_nginx}));
    EXPECT_EQ(conflicts[0].types[1].es_type, "keyword");
    EXPECT_EQ(conflicts[0].types[1].kibana_type, "string");
}

TEST(AuditConflicts, LongVersusIntegerIsNotAConflict) {
    const json fc = {
        {"fields",
         {{"size", {{"long", caps("long", {"a"})}, {"integer", caps("integer", {"b"})}}}}}};
    EXPECT_TRUE(find_conflicts(fc).empty());
}

TEST(AuditConflicts, TextVersusKeywordIsNotAConflict) {
    const json fc = {
        {"fields",
         {{"msg", {{"text", caps("text", {"a"})}, {"keyword", caps("keyword", {"b"})}}}}}};
    EXPECT_TRUE(find_conflicts(fc).empty());
}

TEST(AuditConflicts, UnmappedAloneIsNotAConflictButIsListedWithOne) {
    const json only_unmapped = {
        {"fields", {{"x", {{"ip", caps("ip", {"a"})}, {"unmapped", caps("unmapped", {"b"})}}}}}};
    EXPECT_TRUE(find_conflicts(only_unmapped).empty());
    const json with_conflict = {{"fields",
                                 {{"x",
                                   {{"ip", caps("ip", {"a"})},
                                    {"keyword", caps("keyword", {"b"})},
                                    {"unmapped", caps("unmapped", {"c"})}}}}}};
    const auto conflicts = find_conflicts(with_conflict);
    ASSERT_EQ(conflicts.size(), 1U);
    EXPECT_EQ(names(conflicts[0].unmapped_indices), std::vector<std::string>{"c"});
    EXPECT_EQ(conflicts[0].types.size(), 2U);
}

TEST(AuditConflicts, MetadataFieldsNeverConflict) {
    json id = caps("_id", {"a"});
    id["metadata_field"] = true;
    json other = caps("keyword", {"b"});
    other["metadata_field"] = true;
    const json fc = {{"fields", {{"_id", {{"_id", id}, {"ip", other}}}}}};
    EXPECT_TRUE(find_conflicts(fc).empty());
}

// scan_field_caps reads the bytes themselves: pretty-printed answers, escapes in names and index
// names, values of unexpected kinds, and malformed text (an Error naming the byte).
TEST(AuditFieldCapsScan, ReadsPrettyTextWithEscapesAsADocumentWould) {
    const std::string body = R"({
      "indices" : [ "a\"1", "b", "c" ],
      "fields" : {
        "f\u00e9\"x" : {
          "keyword" : { "type" : "keyword", "metadata_field" : false, "indices" : [ "a\"1" ],
                        "meta" : { "unit" : [ "x", { "nested" : "]}" } ] } },
          "ip" : { "type" : "ip", "metadata_field" : false, "indices" : [ "b" , "c\\" ] }
        },
        "odd" : 7,
        "agree" : { "long" : { "type" : "long", "metadata_field" : false } }
      },
      "extra" : [ 1.5e3, true, null, { "k" : [ ] } ]
    })";
    const auto scanned = scan_field_caps(body);
    ASSERT_TRUE(scanned) << scanned.error().describe();
    EXPECT_EQ(scanned->indices, 3U);
    ASSERT_EQ(scanned->conflicts.size(), 1U);
    const auto& c = scanned->conflicts[0];
    EXPECT_EQ(c.field, "f\xc3\xa9\"x");
    ASSERT_EQ(c.types.size(), 2U);
    EXPECT_EQ(c.types[0].es_type, "ip");
    EXPECT_EQ(names(c.types[0].indices), (std::vector<std::string>{"b", "c\\"}));
    EXPECT_EQ(names(c.types[1].indices), (std::vector<std::string>{"a\"1"}));
    // The same answer parsed as a document gives the same conflicts.
    const auto parsed = find_conflicts(json::parse(body));
    ASSERT_EQ(parsed.size(), 1U);
    EXPECT_EQ(parsed[0].field, c.field);
    EXPECT_EQ(parsed[0].types[0].indices, c.types[0].indices);
}

TEST(AuditFieldCapsScan, MalformedAnswersAreParseErrorsNamingTheByte) {
    for (const std::string bad :
         {R"({"fields": {"x": {"ip": {"indices": ["a", "b"}}}})", R"({"fields": {"x": )",
          R"({"indices": ["unterminated]})", R"({"fields": {}} trailing)", R"([1, 2])", ""}) {
        const auto scanned = scan_field_caps(bad);
        ASSERT_FALSE(scanned) << bad;
        EXPECT_EQ(scanned.error().kind, ErrorKind::parse) << bad;
        EXPECT_NE(scanned.error().message.find("_field_caps"), std::string::npos);
    }
    const auto named = scan_field_caps(R"({"fields": {"x": {"ip": {"indices": ["a", "b"}}}})");
    EXPECT_NE(named.error().message.find("expected ',' or ']' at byte 45"), std::string::npos)
        << named.error().message;
}

TEST(AuditMappingType, WalksNestedAndDottedProperties) {
    const json m = {{"properties",
                     {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}},
                      {"service.address", {{"type", "keyword"}}},
                      {"golang", {{"properties", {{"heap", {{"properties", json::object()}}}}}}}}}};
    EXPECT_EQ(mapping_type(m, "host.ip"), "ip");
    EXPECT_EQ(mapping_type(m, "service.address"), "keyword");
    EXPECT_EQ(mapping_type(m, "host"), "object");
    EXPECT_EQ(mapping_type(m, "host.name"), std::nullopt);
    EXPECT_EQ(mapping_type(m, "nothing"), std::nullopt);
}

TEST(AuditAttribution, OldBackingIndicesDisagreeWithTheTemplateAndAreRepairable) {
    const auto conflict = find_conflicts(host_ip_field_caps()).at(0);
    const auto findings = attribute_conflict(conflict, scenario_streams());
    ASSERT_EQ(findings.size(), 2U); // the plain index "legacy-golang" belongs to no stream
    const auto& heap = findings[0];
    EXPECT_EQ(heap.data_stream, "logs-golang.heap-default");
    EXPECT_EQ(heap.verdict, StreamFinding::Verdict::repairable);
    EXPECT_EQ(heap.template_name, "logs-golang.heap");
    EXPECT_EQ(heap.template_type, "ip");
    EXPECT_EQ(heap.disagreeing, std::vector<std::string>{k_heap1});
    EXPECT_EQ(heap.package["version"], "1.6.0");
    EXPECT_EQ(heap.types.at(k_heap2), "ip");
    const auto& nginx = findings[1];
    EXPECT_EQ(nginx.data_stream, "logs-nginx.access-default");
    EXPECT_EQ(nginx.verdict, StreamFinding::Verdict::by_design);
    EXPECT_TRUE(nginx.disagreeing.empty());
}

TEST(AuditAttribution, StreamsThatEachFollowTheirTemplateDifferByDesign) {
    // metrics-a maps "value" as keyword on purpose, metrics-b as long: not repairable.
    const json fc = {
        {"fields",
         {{"value", {{"keyword", caps("keyword", {"a1"})}, {"long", caps("long", {"b1"})}}}}}};
    std::map<std::string, StreamInfo> streams;
    streams["a"] = StreamInfo{{"a1"},
                              "ta",
                              json{{"properties", {{"value", {{"type", "keyword"}}}}}},
                              json(nullptr),
                              false};
    streams["b"] = StreamInfo{
        {"b1"}, "tb", json{{"properties", {{"value", {{"type", "long"}}}}}}, json(nullptr), false};
    const auto findings = attribute_conflict(find_conflicts(fc).at(0), streams);
    ASSERT_EQ(findings.size(), 2U);
    EXPECT_EQ(findings[0].verdict, StreamFinding::Verdict::by_design);
    EXPECT_EQ(findings[1].verdict, StreamFinding::Verdict::by_design);
}

TEST(AuditAttribution, ATimeSeriesStreamNeedsTheTsdsProcedure) {
    auto streams = scenario_streams();
    streams["logs-golang.heap-default"].time_series = true;
    const auto findings = attribute_conflict(find_conflicts(host_ip_field_caps()).at(0), streams);
    EXPECT_EQ(findings[0].verdict, StreamFinding::Verdict::tsds);
}

TEST(AuditAttribution, WithoutATemplateTypeTheNewestBackingIndexDecides) {
    auto streams = scenario_streams();
    streams["logs-golang.heap-default"].template_mappings = json::object();
    const auto findings = attribute_conflict(find_conflicts(host_ip_field_caps()).at(0), streams);
    EXPECT_EQ(findings[0].template_type, "");
    EXPECT_EQ(findings[0].disagreeing, std::vector<std::string>{k_heap1});
    EXPECT_EQ(findings[0].verdict, StreamFinding::Verdict::repairable);
}

// es-sim's host-ip-not-upgraded cluster: golang 0.4.0 does not map host.ip, so every golang
// backing index has it as keyword and follows its template; golang 1.6.0 (bundled) maps it as ip,
// so the stream is repairable (issue #8: the online repair installs the template first).
TEST(AuditAttribution, AGolangTemplateOlderThanTheBundledPackageIsRepairable) {
    const json fc = {
        {"indices", {k_heap1, k_heap2, k_nginx}},
        {"fields",
         {{"host.ip",
           {{"keyword", caps("keyword", {k_heap1, k_heap2})}, {"ip", caps("ip", {k_nginx})}}}}}};
    auto streams = scenario_streams();
    auto& heap = streams["logs-golang.heap-default"];
    heap.template_mappings = json{{"properties", {{"message", {{"type", "text"}}}}}};
    heap.meta["package"]["version"] = "0.4.0";
    auto findings = attribute_conflict(find_conflicts(fc).at(0), streams);
    EXPECT_EQ(findings[0].verdict, StreamFinding::Verdict::repairable);
    EXPECT_EQ(findings[0].disagreeing, (std::vector<std::string>{k_heap1, k_heap2}));
    EXPECT_EQ(findings[0].template_fix["type"], "ip");
    EXPECT_EQ(findings[0].template_fix["package_version"], "1.6.0");
    EXPECT_EQ(findings[0].template_fix["reinstall"], false);
    EXPECT_EQ(findings[1].verdict, StreamFinding::Verdict::by_design); // nginx

    // A template esmend knows nothing of stays by design.
    heap.meta["package"]["name"] = "other";
    findings = attribute_conflict(find_conflicts(fc).at(0), streams);
    EXPECT_EQ(findings[0].verdict, StreamFinding::Verdict::by_design);
    EXPECT_TRUE(findings[0].template_fix.is_null());
}

TEST(AuditAttribution, KeywordFamilyTemplateTypesCompareAsKeyword) {
    const json fc = {
        {"fields", {{"f", {{"keyword", caps("keyword", {"a1"})}, {"ip", caps("ip", {"b1"})}}}}}};
    std::map<std::string, StreamInfo> streams;
    streams["a"] = StreamInfo{{"a1"},
                              "ta",
                              json{{"properties", {{"f", {{"type", "constant_keyword"}}}}}},
                              json(nullptr),
                              false};
    const auto findings = attribute_conflict(find_conflicts(fc).at(0), streams);
    ASSERT_EQ(findings.size(), 1U);
    EXPECT_TRUE(findings[0].disagreeing.empty());
}

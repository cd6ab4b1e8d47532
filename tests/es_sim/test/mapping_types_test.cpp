// Field types: accepted values, normalised values, and ES's exact per-document errors.
#include "mapping_test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

namespace esmend::es_sim::mapping_test {
namespace {

using nlohmann::json;

// The host.ip case from es-apis.md §0.2/§1.6 (ES PR#92646: document_parsing_exception with a
// "[line:col] " prefix on 8.7+; the column is Jackson's 1-based position of the value token).
TEST(MappingIp, InvalidIpIsRejectedWithDocumentParsingExceptionOn8) {
    const Mapping m = must_parse(R"({"properties":{"host":{"properties":{"ip":{"type":"ip"}}}}})");
    const auto r = index_doc(m, R"({"host":{"ip":"not-an-ip"}})", "8");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().type, "document_parsing_exception");
    EXPECT_EQ(r.error().reason,
              "[1:15] failed to parse field [host.ip] of type [ip] in document with id '8'. "
              "Preview of field's value: 'not-an-ip'");
    EXPECT_EQ(cause_of(r.error()).type, "illegal_argument_exception");
    EXPECT_EQ(cause_of(r.error()).reason, "'not-an-ip' is not an IP string literal.");
}

// 7.x: MapperParsingException, no location prefix (dr4gon123/flasi#9, counteractive/o365beat#12).
TEST(MappingIp, InvalidIpIsRejectedWithMapperParsingExceptionOn717) {
    const Mapping m =
        must_parse(R"({"properties":{"host":{"properties":{"ip":{"type":"ip"}}}}})", v717());
    const auto r = index_doc(m, R"({"host":{"ip":"not-an-ip"}})", "8");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "mapper_parsing_exception");
    EXPECT_EQ(r.error().reason,
              "failed to parse field [host.ip] of type [ip] in document with id '8'. "
              "Preview of field's value: 'not-an-ip'");
    EXPECT_EQ(cause_of(r.error()).reason, "'not-an-ip' is not an IP string literal.");
}

TEST(MappingIp, LocationCountsLinesAndColumnsOfTheValueToken) {
    const Mapping m = must_parse(R"({"properties":{"host.ip":{"type":"ip"}}})");
    const std::string doc = "{\n  \"a\": 1,\n  \"host.ip\": \"x\"\n}";
    const auto r = index_doc(m, doc, "abc");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[3:14] failed to parse field [host.ip] of type [ip] in document with id 'abc'. "
              "Preview of field's value: 'x'");
}

// ES InetAddresses (Guava fork): canonical text, IPv4-mapped IPv6 printed as IPv4, RFC 5952 IPv6.
TEST(MappingIp, ValuesAreCanonicalised) {
    const Mapping m = must_parse(R"({"properties":{"ip":{"type":"ip"}}})");
    const auto doc = json::parse(
        R"({"ip":["10.0.0.1","::ffff:10.0.0.2","2001:0DB8:0:0:0:0:0:0001","::1","1::"]})");
    const auto values = m.values(doc, "ip");
    ASSERT_EQ(values.size(), 5U);
    EXPECT_EQ(std::get<std::string>(values[0]), "10.0.0.1");
    EXPECT_EQ(std::get<std::string>(values[1]), "10.0.0.2");
    EXPECT_EQ(std::get<std::string>(values[2]), "2001:db8::1");
    EXPECT_EQ(std::get<std::string>(values[3]), "::1");
    EXPECT_EQ(std::get<std::string>(values[4]), "1::");
}

TEST(MappingIp, GuavaRulesRejectLeadingZerosExtraPartsAndZoneIds) {
    const Mapping m = must_parse(R"({"properties":{"ip":{"type":"ip"}}})");
    for (const char* bad : {"01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8:9",
                            "1::2::3", "fe80::1%eth0", ""}) {
        const std::string doc = std::string(R"({"ip":")") + bad + "\"}";
        const auto r = index_doc(m, doc);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(cause_of(r.error()).reason,
                  "'" + std::string(bad) + "' is not an IP string literal.");
    }
    EXPECT_TRUE(index_doc(m, R"({"ip":"::ffff:1.2.3.4"})"));
    EXPECT_TRUE(index_doc(m, R"({"ip":null})"));
}

// NumberFieldMapper/AbstractXContentParser.toLong: a bad string for a long is an
// IllegalArgumentException "For input string" (seen in a real 8.x bulk error).
TEST(MappingNumbers, LongRejectsNonNumericStringWithIllegalArgument) {
    const Mapping m = must_parse(R"({"properties":{"example":{"type":"long"}}})");
    const auto r = index_doc(m, R"({"example":"Foo"})", "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[1:12] failed to parse field [example] of type [long] in document with id 'x'. "
              "Preview of field's value: 'Foo'");
    EXPECT_EQ(cause_of(r.error()).type, "illegal_argument_exception");
    EXPECT_EQ(cause_of(r.error()).reason, "For input string: \"Foo\"");
}

// Double.parseDouble throws java.lang.NumberFormatException (seen in a real 8.x bulk error).
TEST(MappingNumbers, DoubleRejectsNonNumericStringWithNumberFormatException) {
    const Mapping m = must_parse(R"({"properties":{"price":{"type":"double"}}})");
    const auto r = index_doc(m, R"({"price":"abc"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).type, "number_format_exception");
    EXPECT_EQ(cause_of(r.error()).reason, "For input string: \"abc\"");
}

TEST(MappingNumbers, CoercionAcceptsStringsAndTruncatesDecimals) {
    const Mapping m = must_parse(
        R"({"properties":{"l":{"type":"long"},"i":{"type":"integer"},"s":{"type":"short"},
                                    "b":{"type":"byte"},"d":{"type":"double"}}})");
    const auto doc = json::parse(R"({"l":"42","i":42.7,"s":"7.9","b":-3,"d":"1.5"})");
    ASSERT_TRUE(index_doc(m, doc.dump()));
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "l").at(0)), 42);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "i").at(0)), 42);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "s").at(0)), 7);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "b").at(0)), -3);
    EXPECT_DOUBLE_EQ(std::get<double>(m.values(doc, "d").at(0)), 1.5);
}

// AbstractXContentParser.checkCoerceString / ensureNumberConversion.
TEST(MappingNumbers, CoerceFalseRejectsStringsAndFractions) {
    const Mapping m = must_parse(
        R"({"properties":{"l":{"type":"long","coerce":false},"i":{"type":"integer","coerce":false}}})");
    auto r = index_doc(m, R"({"l":"42"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason, "Long value passed as String");
    r = index_doc(m, R"({"l":42.7})");
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason, "42.7 cannot be converted to Long without data loss");
    r = index_doc(m, R"({"i":"1"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason, "Integer value passed as String");
    EXPECT_TRUE(index_doc(m, R"({"l":42,"i":7.0})"));
}

// Range checks of AbstractXContentParser.intValue/shortValue/toLong and NumberType.BYTE.
TEST(MappingNumbers, OutOfRangeValuesAreRejected) {
    const Mapping m = must_parse(
        R"({"properties":{"l":{"type":"long"},"i":{"type":"integer"},"s":{"type":"short"},
                                    "b":{"type":"byte"},"f":{"type":"float"}}})");
    struct Case {
        const char* doc;
        const char* reason;
    };
    const Case cases[] = {
        {R"({"i":"3000000000"})", "Value [3000000000] is out of range for an integer"},
        {R"({"s":"40000"})", "Value [40000] is out of range for a short"},
        {R"({"b":300})", "Value [300] is out of range for a byte"},
        {R"({"l":"9223372036854775808"})",
         "Value [9223372036854775808] is out of range for a long"},
        {R"({"f":"NaN"})", "[float] supports only finite values, but got [NaN]"},
    };
    for (const auto& c : cases) {
        const auto r = index_doc(m, c.doc);
        ASSERT_FALSE(r) << c.doc;
        EXPECT_EQ(cause_of(r.error()).type, "illegal_argument_exception") << c.doc;
        EXPECT_EQ(cause_of(r.error()).reason, c.reason) << c.doc;
    }
}

TEST(MappingNumbers, ScaledFloatRequiresScalingFactorAndRoundsValues) {
    const auto bad =
        Mapping::parse(json::parse(R"({"properties":{"p":{"type":"scaled_float"}}})"), v8());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().type, "mapper_parsing_exception");
    EXPECT_EQ(bad.error().reason, "Failed to parse mapping: Field [scaling_factor] is required");
    const Mapping m =
        must_parse(R"({"properties":{"p":{"type":"scaled_float","scaling_factor":100}}})");
    const auto values = m.values(json::parse(R"({"p":1.234})"), "p");
    ASSERT_EQ(values.size(), 1U);
    EXPECT_DOUBLE_EQ(std::get<double>(values[0]), 1.23);
}

// BooleanFieldMapper + Booleans.parseBoolean.
TEST(MappingBoolean, OnlyTrueAndFalseAreAccepted) {
    const Mapping m = must_parse(R"({"properties":{"flag":{"type":"boolean"}}})");
    EXPECT_TRUE(index_doc(m, R"({"flag":true})"));
    EXPECT_TRUE(index_doc(m, R"({"flag":"false"})"));
    const auto r = index_doc(m, R"({"flag":"yes"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[1:9] failed to parse field [flag] of type [boolean] in document with id '1'. "
              "Preview of field's value: 'yes'");
    EXPECT_EQ(cause_of(r.error()).reason,
              "Failed to parse value [yes] as only [true] or [false] are allowed.");
    EXPECT_EQ(std::get<bool>(m.values(json::parse(R"({"flag":"true"})"), "flag").at(0)), true);
}

// DateFieldMapper + JavaDateFormatter: the three-level cause seen in real ES responses.
TEST(MappingDate, DefaultFormatRejectsSlashDatesWithEnclosedParsersCause) {
    const Mapping m = must_parse(R"({"properties":{"date":{"type":"date"}}})");
    const auto r = index_doc(m, R"({"date":"2020/04/07"})", "1996");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[1:9] failed to parse field [date] of type [date] in document with id '1996'. "
              "Preview of field's value: '2020/04/07'");
    const EsError cause = cause_of(r.error());
    EXPECT_EQ(cause.type, "illegal_argument_exception");
    EXPECT_EQ(cause.reason, "failed to parse date field [2020/04/07] with format "
                            "[strict_date_optional_time||epoch_millis]");
    ASSERT_TRUE(cause.caused_by);
    EXPECT_EQ(cause.caused_by->type, "date_time_parse_exception");
    EXPECT_EQ(cause.caused_by->reason, "Failed to parse with all enclosed parsers");
}

TEST(MappingDate, FormatsParseToEpochMillis) {
    const Mapping m = must_parse(R"({"properties":{
        "iso":{"type":"date"},
        "day":{"type":"date","format":"yyyy-MM-dd"},
        "dotted":{"type":"date","format":"yyyy.MM.dd"},
        "secs":{"type":"date","format":"epoch_second"},
        "strict":{"type":"date","format":"strict_date_optional_time"},
        "custom":{"type":"date","format":"yyyy-MM-dd HH:mm:ss||epoch_millis"}}})");
    const auto doc = json::parse(
        R"({"iso":["2024-01-15T10:00:00.123+01:00", 1705276800000, "2024-01-15", "2024-01"],
        "day":"2024-01-15","dotted":"2024.01.15","secs":"1700000000","strict":"2024-01-15T09:00:00Z",
        "custom":["2024-01-15 09:00:00","1705309200000"]})");
    ASSERT_TRUE(index_doc(m, doc.dump()));
    const auto iso = m.values(doc, "iso");
    ASSERT_EQ(iso.size(), 4U);
    EXPECT_EQ(std::get<std::int64_t>(iso[0]), 1705309200123);
    EXPECT_EQ(std::get<std::int64_t>(iso[1]), 1705276800000);
    EXPECT_EQ(std::get<std::int64_t>(iso[2]), 1705276800000);
    EXPECT_EQ(std::get<std::int64_t>(iso[3]), 1704067200000);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "day").at(0)), 1705276800000);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "dotted").at(0)), 1705276800000);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "secs").at(0)), 1700000000000);
    EXPECT_EQ(std::get<std::int64_t>(m.values(doc, "strict").at(0)), 1705309200000);
    const auto custom = m.values(doc, "custom");
    ASSERT_EQ(custom.size(), 2U);
    EXPECT_EQ(std::get<std::int64_t>(custom[0]), 1705309200000);
    EXPECT_EQ(std::get<std::int64_t>(custom[1]), 1705309200000);
}

TEST(MappingDate, SingleFormatReportsJavaTimeIndex) {
    const Mapping m = must_parse(R"({"properties":{"day":{"type":"date","format":"yyyy-MM-dd"}}})");
    auto r = index_doc(m, R"({"day":"2024/01/15"})");
    ASSERT_FALSE(r);
    const EsError cause = cause_of(r.error());
    EXPECT_EQ(cause.reason, "failed to parse date field [2024/01/15] with format [yyyy-MM-dd]");
    ASSERT_TRUE(cause.caused_by);
    EXPECT_EQ(cause.caused_by->reason, "Text '2024/01/15' could not be parsed at index 4");
    r = index_doc(m, R"({"day":"2024-02-30"})");
    EXPECT_FALSE(r);
}

// KeywordFieldMapper: ignore_above drops the value from the index but keeps the document; it
// applies after null_value substitution.
TEST(MappingKeyword, IgnoreAboveAndNullValue) {
    const Mapping m = must_parse(
        R"({"properties":{"k":{"type":"keyword","ignore_above":4,"null_value":"NULL"}}})");
    const auto doc = json::parse(R"({"k":["abc","abcde",null,12]})");
    ASSERT_TRUE(index_doc(m, doc.dump()));
    const auto values = m.values(doc, "k");
    ASSERT_EQ(values.size(), 3U);
    EXPECT_EQ(std::get<std::string>(values[0]), "abc");
    EXPECT_EQ(std::get<std::string>(values[1]), "NULL");
    EXPECT_EQ(std::get<std::string>(values[2]), "12");
    const Mapping short_limit = must_parse(
        R"({"properties":{"k":{"type":"keyword","ignore_above":3,"null_value":"NULL"}}})");
    EXPECT_TRUE(short_limit.values(json::parse(R"({"k":null})"), "k").empty());
}

// A leaf given an object: the preview is Java's Map.toString and the location is the closing brace
// (FieldMapper reads the value for the preview before taking the token location).
TEST(MappingKeyword, ObjectForLeafFieldIsRejectedWithMapPreview) {
    const Mapping m = must_parse(R"({"properties":{"field":{"type":"keyword"}}})");
    const auto r = index_doc(m, R"({"field":{}})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason,
              "[1:11] failed to parse field [field] of type [keyword] in document with id '1'. "
              "Preview of field's value: '{}'");
    const auto r2 = index_doc(m, R"({"field":{"a":1}})");
    ASSERT_FALSE(r2);
    EXPECT_NE(r2.error().reason.find("Preview of field's value: '{a=1}'"), std::string::npos);
}

// ConstantKeywordFieldMapper.
TEST(MappingConstantKeyword, DifferentValueIsRejectedAndFirstValueSetsTheMapping) {
    const Mapping fixed = must_parse(
        R"({"properties":{"data_stream":{"properties":{"type":{"type":"constant_keyword","value":"logs"}}}}})");
    const auto r = index_doc(fixed, R"({"data_stream":{"type":"metrics"}})");
    ASSERT_FALSE(r);
    EXPECT_EQ(cause_of(r.error()).reason,
              "[constant_keyword] field [data_stream.type] only accepts values that are equal "
              "to the value defined in the mappings [logs], but got [metrics]");
    EXPECT_EQ(std::get<std::string>(fixed.values(json::object(), "data_stream.type").at(0)),
              "logs");

    Mapping open = must_parse(R"({"properties":{"t":{"type":"constant_keyword"}}})");
    const auto first = index_doc(open, R"({"t":"a"})");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->dynamic_update,
              json::parse(R"({"properties":{"t":{"type":"constant_keyword","value":"a"}}})"));
    ASSERT_TRUE(open.merge(first->dynamic_update, MergeReason::mapping_update));
    EXPECT_FALSE(index_doc(open, R"({"t":"b"})"));
}

TEST(MappingIgnoreMalformed, MalformedValueIsSkippedWhenEnabled) {
    const Mapping m = must_parse(R"({"properties":{"ip":{"type":"ip","ignore_malformed":true}}})");
    EXPECT_TRUE(index_doc(m, R"({"ip":"nope"})"));
    EXPECT_TRUE(m.values(json::parse(R"({"ip":"nope"})"), "ip").empty());
}

// DocumentParser.throwOnConcreteValue.
TEST(MappingObject, ConcreteValueForObjectIsRejected) {
    const Mapping m =
        must_parse(R"({"properties":{"host":{"properties":{"name":{"type":"keyword"}}}}})");
    const auto r = index_doc(m, R"({"host":"x"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "document_parsing_exception");
    EXPECT_EQ(r.error().reason, "[1:9] object mapping for [host] tried to parse field [host] as "
                                "object, but found a concrete value");
    const Mapping m7 =
        must_parse(R"({"properties":{"host":{"properties":{"name":{"type":"keyword"}}}}})", v717());
    const auto r7 = index_doc(m7, R"({"host":"x"})");
    ASSERT_FALSE(r7);
    EXPECT_EQ(r7.error().type, "mapper_parsing_exception");
    EXPECT_EQ(r7.error().reason, "object mapping for [host] tried to parse field [host] as object, "
                                 "but found a concrete value");
}

TEST(MappingObject, ArraysOfObjectsAreParsedElementByElement) {
    const Mapping m = must_parse(R"({"properties":{"hosts":{"properties":{"ip":{"type":"ip"}}}}})");
    const auto doc = json::parse(R"({"hosts":[{"ip":"1.1.1.1"},{"ip":["2.2.2.2","::1"]}]})");
    ASSERT_TRUE(index_doc(m, doc.dump()));
    EXPECT_EQ(m.values(doc, "hosts.ip").size(), 3U);
    const auto r = index_doc(m, R"({"hosts":[{"ip":"1.1.1.1"},{"ip":"bad"}]})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason.substr(0, 7), "[1:34] ");
}

TEST(MappingObject, DisabledObjectAcceptsAnything) {
    const Mapping m = must_parse(
        R"({"dynamic":"strict","properties":{"blob":{"type":"object","enabled":false}}})");
    EXPECT_TRUE(index_doc(m, R"({"blob":{"anything":[1,{"x":"y"}]}})"));
}

// Document metadata fields (DocumentParser).
TEST(MappingObject, MetadataFieldInSourceIsRejected) {
    const Mapping m = must_parse(R"({})");
    const auto r = index_doc(m, R"({"_id":"x"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "[1:8] Field [_id] is a metadata field and cannot be added inside "
                                "a document. Use the index API request parameters.");
}

} // namespace
} // namespace esmend::es_sim::mapping_test

// JsonReader: the one-pass reader the audit and the expvar shaping use instead of a document. It
// must accept exactly what a JSON parser accepts where it reads, since what it passes over may be
// copied into another document as it is; nlohmann's parser is the oracle.
#include <es_client/json_reader.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using esmend::es_client::append_json_string;
using esmend::es_client::JsonReader;

namespace {

// Whether the reader accepts `text` as one value and nothing after it.
bool reader_accepts(const std::string& text) {
    JsonReader in(text);
    return in.skip_value() && in.at_end();
}

} // namespace

TEST(JsonReader, AcceptsAndRefusesExactlyWhatAParserDoes) {
    const std::vector<std::string> cases = {
        R"({"a":[1,-2,3.5,-0.25e+3,1E9,true,false,null,"x"],"b":{"c":{}},"d":[]})",
        R"("esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00")",
        "  [ 1 , 2 ]  ",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "tru",
        "nul",
        "[1,]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{1:2}",
        "[1 2]",
        "\"a\\x\"",
        "\"a\\u12G4\"",
        "\"tab\there\"",
        "\"unterminated",
        "[",
        "{}}",
        "",
    };
    for (const auto& text : cases) {
        const bool parser = !nlohmann::json::parse(text, nullptr, false).is_discarded();
        EXPECT_EQ(reader_accepts(text), parser) << text;
    }
}

TEST(JsonReader, SpansAreTheValuesTextAndErrorsNameTheByte) {
    JsonReader in(R"({"k": [1, {"x": "y"}] , "n": 12345678901234567890})");
    std::vector<std::pair<std::string, std::string>> members;
    ASSERT_TRUE(in.object([&](const std::string& key) {
        std::string_view text;
        if (!in.span(text))
            return false;
        members.emplace_back(key, std::string(text));
        return true;
    }));
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].second, R"([1, {"x": "y"}])");
    EXPECT_EQ(members[1].second, "12345678901234567890");

    JsonReader bad(R"({"a": [1, 2}})");
    EXPECT_FALSE(bad.skip_value());
    EXPECT_EQ(bad.error(), "expected ',' or ']'");
    EXPECT_EQ(bad.failed_at(), 11u);
}

TEST(JsonReader, DeepNestingIsRefusedNotRecursedInto) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    JsonReader in(deep);
    EXPECT_FALSE(in.skip_value());
    EXPECT_EQ(in.error(), "nested too deeply");
}

TEST(JsonReader, StringsDecodeEscapesAndAppendRoundTrips) {
    const std::string text = std::string("quote \" backslash \\ nl \n ctl ") + '\x01' + " é";
    std::string encoded;
    append_json_string(encoded, text);
    EXPECT_EQ(nlohmann::json::parse(encoded).get<std::string>(), text);
    JsonReader in(encoded);
    std::string decoded;
    ASSERT_TRUE(in.string(decoded));
    EXPECT_EQ(decoded, text);
    EXPECT_TRUE(in.last_escaped());
}

// Feature gates, es-apis.md §6.
#include <es_client/version.hpp>

#include <gtest/gtest.h>

using namespace esmend::es_client;

TEST(Version, ParsesReleaseAndSnapshotNumbers) {
    EXPECT_EQ(*Version::parse("8.19.0"), (Version{8, 19, 0}));
    EXPECT_EQ(*Version::parse("7.17.25"), (Version{7, 17, 25}));
    EXPECT_EQ(*Version::parse("8.15.0-SNAPSHOT"), (Version{8, 15, 0}));
    EXPECT_EQ(*Version::parse("9"), (Version{9, 0, 0}));
    EXPECT_FALSE(Version::parse("banana"));
    EXPECT_LT(*Version::parse("7.17.9"), *Version::parse("7.17.10"));
}

TEST(Features, DataStreamsFrom79) {
    EXPECT_FALSE(Features::of({7, 8, 1}).data_streams);
    EXPECT_TRUE(Features::of({7, 9, 0}).data_streams);
}

TEST(Features, ModifyDataStreamFrom716) {
    EXPECT_FALSE(Features::of({7, 15, 2}).modify_data_stream);
    EXPECT_TRUE(Features::of({7, 16, 0}).modify_data_stream);
    EXPECT_TRUE(Features::of({7, 17, 25}).modify_data_stream);
}

TEST(Features, DocumentParsingExceptionFrom87) {
    EXPECT_EQ(Features::of({8, 6, 2}).document_parsing_error_type(), "mapper_parsing_exception");
    EXPECT_EQ(Features::of({7, 17, 0}).document_parsing_error_type(), "mapper_parsing_exception");
    EXPECT_EQ(Features::of({8, 7, 0}).document_parsing_error_type(), "document_parsing_exception");
}

TEST(Features, CreateFromFrom818) {
    EXPECT_FALSE(Features::of({8, 17, 4}).create_from);
    EXPECT_TRUE(Features::of({8, 18, 0}).create_from);
}

#include <tool/spool.hpp>

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace esmend::tool;
using esmend::es_client::BulkDocument;
using esmend::es_client::BulkOp;
using esmend::test::TempDir;

namespace {

std::vector<BulkDocument> docs(int from, int to) {
    std::vector<BulkDocument> out;
    for (int i = from; i < to; ++i) {
        out.push_back({BulkOp::create, "logs-golang.heap-default", "id-" + std::to_string(i),
                       R"({"n":)" + std::to_string(i) + "}"});
    }
    return out;
}

std::vector<std::string> drain(Spool& spool) {
    std::vector<std::string> ids;
    while (true) {
        auto segment = spool.oldest();
        EXPECT_TRUE(segment);
        if (!segment || !*segment)
            break;
        for (const auto& d : (*segment)->documents)
            ids.push_back(d.id);
        EXPECT_TRUE(spool.remove((*segment)->sequence));
    }
    return ids;
}

std::vector<std::string> ids(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i)
        out.push_back("id-" + std::to_string(i));
    return out;
}

} // namespace

TEST(Spool, DrainsInOrderAcrossSegments) {
    TempDir dir;
    auto spool = Spool::open(dir.path(), {1'000'000, 200});
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->append(docs(0, 5)));
    ASSERT_TRUE(spool->append(docs(5, 12)));
    EXPECT_EQ(spool->documents(), 12u);
    EXPECT_EQ(drain(*spool), ids(0, 12));
    EXPECT_TRUE(spool->empty());
}

TEST(Spool, SurvivesReopenAndKeepsSourceBytes) {
    TempDir dir;
    {
        auto spool = Spool::open(dir.path(), {});
        ASSERT_TRUE(spool);
        ASSERT_TRUE(spool->append(docs(0, 3)));
    }
    auto spool = Spool::open(dir.path(), {});
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->documents(), 3u);
    auto segment = spool->oldest();
    ASSERT_TRUE(segment && *segment);
    EXPECT_EQ((*segment)->documents[2].source, R"({"n":2})");
    EXPECT_EQ((*segment)->documents[2].index, "logs-golang.heap-default");
}

TEST(Spool, DropsOldestOnlyWhenFullAndCountsThem) {
    TempDir dir;
    auto spool = Spool::open(dir.path(), {600, 150});
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->append(docs(0, 40)));
    EXPECT_GT(spool->dropped_documents(), 0u);
    EXPECT_LE(spool->bytes(), 600u + 150u);
    const auto kept = drain(*spool);
    EXPECT_EQ(kept.size() + spool->dropped_documents(), 40u)
        << "every document is either kept or counted";
    EXPECT_EQ(kept.back(), "id-39") << "the newest are kept";
}

TEST(Spool, AppendsDuringDrainAreNotLost) {
    TempDir dir;
    auto spool = Spool::open(dir.path(), {});
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->append(docs(0, 2)));
    auto segment = spool->oldest();
    ASSERT_TRUE(segment && *segment);
    ASSERT_TRUE(spool->append(docs(2, 4))); // arrives while the first segment is being sent
    ASSERT_TRUE(spool->remove((*segment)->sequence));
    EXPECT_EQ(drain(*spool), ids(2, 4));
}

TEST(Spool, SkipsTornLastRecord) {
    TempDir dir;
    {
        auto spool = Spool::open(dir.path(), {});
        ASSERT_TRUE(spool->append(docs(0, 2)));
    }
    std::ofstream(dir.file("000000000001.ndjson"), std::ios::app)
        << R"({"op":"create","index":"x","id":"torn"})"
        << "\n";
    auto spool = Spool::open(dir.path(), {});
    ASSERT_TRUE(spool);
    EXPECT_EQ(drain(*spool), ids(0, 2));
}

TEST(Spool, OneProcessOwnsADirectory) {
    TempDir dir;
    auto first = Spool::open(dir.path(), {});
    ASSERT_TRUE(first);
    auto second = Spool::open(dir.path(), {});
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, esmend::es_client::ErrorKind::conflict);
}

// The bulk indexer's settling rules, against a scripted cluster that answers per item.
#include <es_client/bulk_indexer.hpp>

#include "support/fake_clock.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <sstream>

using namespace esmend::es_client;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using esmend::test::FakeClock;

// Parses each _bulk body and answers every item with status(id, attempt-of-that-id), as ES shapes
// the filtered answer (es-apis.md §1.6).
class FakeCluster final : public Transport {
public:
    std::function<int(const std::string& id, int attempt)> status = [](const std::string&, int) {
        return 201;
    };
    bool down = false;
    std::vector<HttpRequest> requests;
    std::map<std::string, int> attempts;
    std::vector<std::string> stored;

    Result<HttpResponse> perform(const HttpRequest& request) override {
        requests.push_back(request);
        if (down) {
            auto e = make_error(ErrorKind::transport, "cannot connect");
            e.retryable = true;
            return std::unexpected(e);
        }
        std::istringstream lines(request.body);
        std::string action;
        std::string source;
        json items = json::array();
        bool errors = false;
        while (std::getline(lines, action) && std::getline(lines, source)) {
            const auto meta = json::parse(action).begin().value();
            const auto id = meta["_id"].get<std::string>();
            const int s = status(id, ++attempts[id]);
            json item = {{"status", s}};
            if (s >= 300) {
                errors = true;
                if (s == 400) {
                    item["error"] = {
                        {"type", "document_parsing_exception"},
                        {"reason", "[1:12] failed to parse field [host.ip] of type [ip]"}};
                }
            } else {
                stored.push_back(id);
            }
            items.push_back({{"create", item}});
        }
        HttpResponse r;
        r.status = 200;
        r.body = json{{"errors", errors}, {"items", items}}.dump();
        return r;
    }
};

BulkDocument doc(const std::string& id) {
    return {BulkOp::create, "logs-golang.heap-default", id, R"({"a":1})"};
}

BulkOptions small_batches(std::size_t n) {
    BulkOptions o;
    o.max_documents = n;
    o.initial_backoff = 100ms;
    return o;
}

} // namespace

TEST(BulkIndexer, SendsNdjsonCreateActionsWithIdsAndFilterPath) {
    FakeCluster cluster;
    FakeClock clock;
    BulkOptions o = small_batches(2);
    o.pipeline = "logs-golang-1.6.0-esmend";
    BulkIndexer indexer(cluster, o, clock, nullptr);
    ASSERT_TRUE(indexer.add(doc("a")));
    EXPECT_TRUE(cluster.requests.empty()) << "below max_documents: nothing sent yet";
    ASSERT_TRUE(indexer.add(doc("b")));
    ASSERT_EQ(cluster.requests.size(), 1u);
    const auto& r = cluster.requests[0];
    EXPECT_EQ(r.content_type, "application/x-ndjson");
    EXPECT_EQ(r.body,
              "{\"create\":{\"_id\":\"a\",\"_index\":\"logs-golang.heap-default\"}}\n{\"a\":1}\n"
              "{\"create\":{\"_id\":\"b\",\"_index\":\"logs-golang.heap-default\"}}\n{\"a\":1}\n");
    EXPECT_NE(r.path.find("pipeline=logs-golang-1.6.0-esmend"), std::string::npos);
    EXPECT_NE(r.path.find("filter_path=errors,items.*.status"), std::string::npos);
    EXPECT_EQ(indexer.stats().created, 2u);
}

TEST(BulkIndexer, ResendsOnlyItemsRejectedWith429WithBackoff) {
    FakeCluster cluster;
    cluster.status = [](const std::string& id, int attempt) {
        return id == "b" && attempt < 3 ? 429 : 201;
    };
    FakeClock clock;
    BulkIndexer indexer(cluster, small_batches(100), clock, nullptr);
    for (auto id : {"a", "b", "c"})
        ASSERT_TRUE(indexer.add(doc(id)));
    ASSERT_TRUE(indexer.flush());
    EXPECT_EQ(cluster.stored, (std::vector<std::string>{"a", "c", "b"}));
    EXPECT_EQ(cluster.requests.size(), 3u);
    EXPECT_EQ(cluster.attempts["a"], 1) << "settled items are never resent";
    EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
    EXPECT_EQ(indexer.stats().created, 3u);
    EXPECT_EQ(indexer.stats().retried_items, 2u);
    EXPECT_EQ(indexer.pending(), 0u);
}

TEST(BulkIndexer, ConflictOnCreateCountsAsAlreadyStored) {
    FakeCluster cluster;
    cluster.status = [](const std::string& id, int) { return id == "dup" ? 409 : 201; };
    FakeClock clock;
    int rejected = 0;
    BulkIndexer indexer(cluster, small_batches(100), clock,
                        [&](const BulkRejection&) { ++rejected; });
    ASSERT_TRUE(indexer.add(doc("dup")));
    ASSERT_TRUE(indexer.add(doc("new")));
    ASSERT_TRUE(indexer.flush());
    EXPECT_EQ(indexer.stats().already_stored, 1u);
    EXPECT_EQ(indexer.stats().created, 1u);
    EXPECT_EQ(rejected, 0);
}

TEST(BulkIndexer, MappingErrorsGoToTheRejectionHandlerWithTheDocument) {
    FakeCluster cluster;
    cluster.status = [](const std::string& id, int) { return id == "bad" ? 400 : 201; };
    FakeClock clock;
    std::vector<BulkRejection> rejections;
    BulkIndexer indexer(cluster, small_batches(100), clock,
                        [&](const BulkRejection& r) { rejections.push_back(r); });
    ASSERT_TRUE(indexer.add(doc("bad")));
    ASSERT_TRUE(indexer.add(doc("good")));
    ASSERT_TRUE(indexer.flush());
    ASSERT_EQ(rejections.size(), 1u);
    EXPECT_EQ(rejections[0].document.id, "bad");
    EXPECT_EQ(rejections[0].document.source, R"({"a":1})");
    EXPECT_EQ(rejections[0].status, 400);
    EXPECT_EQ(rejections[0].type, "document_parsing_exception");
    EXPECT_NE(rejections[0].reason.find("host.ip"), std::string::npos);
    EXPECT_EQ(indexer.stats().rejected, 1u);
    EXPECT_EQ(cluster.attempts["bad"], 1) << "a mapping error is not retried";
}

TEST(BulkIndexer, UnreachableClusterKeepsDocumentsQueuedInOrder) {
    FakeCluster cluster;
    cluster.down = true;
    FakeClock clock;
    BulkIndexer indexer(cluster, small_batches(100), clock, nullptr);
    for (auto id : {"1", "2", "3"})
        ASSERT_TRUE(indexer.add(doc(id)));
    auto r = indexer.flush();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::transport);
    EXPECT_EQ(indexer.pending(), 3u);
    ASSERT_TRUE(indexer.add(doc("4")));
    cluster.down = false;
    ASSERT_TRUE(indexer.flush());
    EXPECT_EQ(cluster.stored, (std::vector<std::string>{"1", "2", "3", "4"}));
}

TEST(BulkIndexer, PersistentThrottlingFailsWithUnsettledDocumentsStillQueued) {
    FakeCluster cluster;
    cluster.status = [](const std::string& id, int) { return id == "hot" ? 429 : 201; };
    FakeClock clock;
    BulkOptions o = small_batches(100);
    o.max_item_attempts = 3;
    BulkIndexer indexer(cluster, o, clock, nullptr);
    ASSERT_TRUE(indexer.add(doc("ok")));
    ASSERT_TRUE(indexer.add(doc("hot")));
    auto r = indexer.flush();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().retryable);
    auto pending = indexer.take_pending();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].id, "hot");
    EXPECT_EQ(cluster.stored, (std::vector<std::string>{"ok"}));
}

TEST(BulkIndexer, FlushesWhenTheOldestDocumentIsDueOrTheBatchIsTooLarge) {
    FakeCluster cluster;
    FakeClock clock;
    BulkOptions o = small_batches(100);
    o.max_age = 1000ms;
    o.max_bytes = 10'000;
    BulkIndexer indexer(cluster, o, clock, nullptr);
    ASSERT_TRUE(indexer.add(doc("a")));
    clock.t += 999ms;
    ASSERT_TRUE(indexer.flush_if_due());
    EXPECT_TRUE(cluster.requests.empty());
    clock.t += 1ms;
    ASSERT_TRUE(indexer.flush_if_due());
    EXPECT_EQ(cluster.requests.size(), 1u);

    ASSERT_TRUE(indexer.add({BulkOp::create, "x", "big", std::string(20'000, ' ') + "{}"}));
    EXPECT_EQ(cluster.requests.size(), 2u) << "max_bytes reached";
}

// The order-independent document checksum of `esmend repair --verify checksum` (issue #7): the
// hash on its own, then point-in-time scans against es-sim.
#include <playbooks/checksum.hpp>
#include <playbooks/repair.hpp>

#include "support/es_sim_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace esmend;
using namespace esmend::playbooks;
using namespace esmend::test;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;

namespace {

// One document's source as raw JSON text, in one of two key orders (nested keys included), so
// that the stored bytes differ while the documents are the same.
enum class KeyOrder { forward, reversed };

std::string source_text(int i, KeyOrder order) {
    const auto n = std::to_string(i);
    const std::string host_name = "\"name\":\"host-" + std::to_string(i % 7) + "\"";
    const std::string host_ip =
        "\"ip\":\"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "\"";
    const std::vector<std::string> fields = {
        "\"@timestamp\":\"2026-11-01T00:00:" + std::to_string(10 + i % 50) + ".000Z\"",
        "\"message\":\"request " + n + " done\"",
        "\"n\":" + n,
        "\"ratio\":" + std::to_string(i % 4) + ".25",
        "\"ok\":" + std::string(i % 2 == 0 ? "true" : "false"),
        "\"tags\":[\"b\",\"a\",\"" + n + "\"]",
        "\"gone\":null",
        "\"host\":{" +
            (order == KeyOrder::forward ? host_name + "," + host_ip : host_ip + "," + host_name) +
            "}"};
    std::string out = "{";
    for (std::size_t k = 0; k < fields.size(); ++k) {
        const auto& f = order == KeyOrder::forward ? fields[k] : fields[fields.size() - 1 - k];
        out += (k == 0 ? "" : ",") + f;
    }
    return out + "}";
}

std::string doc_id(int i) {
    return "doc-" + std::to_string(i);
}

// Sends a _bulk body as written (the key order of each source is kept) and refreshes.
void bulk(EsSim& sim, const std::string& ndjson) {
    auto request = es_client::make_request(
        Method::post, "/_bulk?refresh=true&filter_path=errors,items.*.error", ndjson);
    request.content_type = "application/x-ndjson";
    auto response = sim.es().send(request);
    ASSERT_TRUE(response) << response.error().describe();
    ASSERT_EQ(response->status, 200) << response->body;
    ASSERT_FALSE(json::parse(response->body).value("errors", true)) << response->body;
}

// Indexes documents `ids` (in that order) into `index` with their _ids.
void index_docs(EsSim& sim, const std::string& index, const std::vector<int>& ids,
                KeyOrder order = KeyOrder::forward) {
    std::string ndjson;
    for (const int i : ids)
        ndjson += json{{"index", {{"_index", index}, {"_id", doc_id(i)}}}}.dump() + "\n" +
                  source_text(i, order) + "\n";
    bulk(sim, ndjson);
}

std::vector<int> range(int from, int to) {
    std::vector<int> out;
    for (int i = from; i < to; ++i)
        out.push_back(i);
    return out;
}

void reindex(EsSim& sim, const std::string& from, const std::string& to) {
    const json body = {{"source", {{"index", from}}}, {"dest", {{"index", to}}}};
    const auto done = sim.call(Method::post, "/_reindex?refresh=true", &body);
    ASSERT_TRUE(done.value("failures", json::array()).empty()) << done.dump();
    sim.call(Method::post, "/" + to + "/_refresh");
}

DocumentChecksum checksum(EsSim& sim, const std::string& target, int page_size = 1000,
                          const json* query = nullptr) {
    auto r = checksum_documents(sim.es(), target, query, nullptr, {}, page_size);
    EXPECT_TRUE(r) << target << ": " << (r ? "" : r.error().describe());
    return r ? *r : DocumentChecksum{};
}

std::int64_t open_pits(EsSim& sim) {
    return sim.call(Method::get, "/_sim/state").value("points_in_time", std::int64_t{-1});
}

} // namespace

// The hash and the combination, without a cluster.

TEST(ChecksumHash, SeedsAndLengthsGiveDifferentHashes) {
    EXPECT_NE(hash64("doc-1", 1), hash64("doc-1", 2));
    EXPECT_NE(hash64("a", 1), hash64(std::string_view("a\0", 2), 1));
    EXPECT_NE(hash64("", 1), hash64(std::string_view("\0", 1), 1));
    EXPECT_NE(hash64("12345678", 1), hash64("12345679", 1));
    EXPECT_NE(hash64("123456789", 1), hash64("123456788", 1));
    EXPECT_EQ(hash64("same input", 42), hash64("same input", 42));
}

TEST(ChecksumHash, FormatIsPinnedForJournalsWrittenByEarlierRuns) {
    // A checksum recorded in a journal is compared after a resume, possibly by another build: the
    // hash must not change silently. These values were produced by this implementation.
    DocumentChecksum c;
    c.add("doc-1", json::parse(R"({"b":1,"a":[true,null,"x"],"c":{"d":1.5}})"));
    c.add("doc-2", json::object());
    EXPECT_EQ(c.documents, 2);
    EXPECT_EQ(c.hex(), "d743e12762c652e407808b4993bc763e");
}

TEST(ChecksumHash, OrderAndKeyOrderDoNotMatterButDuplicatesDo) {
    DocumentChecksum forward;
    DocumentChecksum backward;
    for (int i = 0; i < 50; ++i)
        forward.add(doc_id(i), json::parse(source_text(i, KeyOrder::forward)));
    for (int i = 49; i >= 0; --i)
        backward.add(doc_id(i), json::parse(source_text(i, KeyOrder::reversed)));
    EXPECT_EQ(forward, backward);
    EXPECT_EQ(forward.hex().size(), 32U);
    EXPECT_EQ(forward.hex().find_first_not_of("0123456789abcdef"), std::string::npos);

    // XOR would cancel a document added twice; a sum counts it.
    auto twice = forward;
    twice.add(doc_id(3), json::parse(source_text(3, KeyOrder::forward)));
    twice.add(doc_id(3), json::parse(source_text(3, KeyOrder::forward)));
    EXPECT_NE(twice.sum, forward.sum);
    EXPECT_NE(twice.mixed, forward.mixed);
}

TEST(ChecksumHash, JsonTypesAndIdBoundaryMatter) {
    const auto of = [](std::string_view id, const char* source) {
        DocumentChecksum c;
        c.add(id, json::parse(source));
        return c;
    };
    EXPECT_NE(of("x", R"({"n":1})"), of("x", R"({"n":"1"})"));
    EXPECT_NE(of("x", R"({"n":1})"), of("x", R"({"n":1.0})"));
    EXPECT_NE(of("x", R"({"a":[1,2]})"), of("x", R"({"a":[2,1]})"));
    // The '\0' separator keeps the _id and the source apart.
    EXPECT_NE(of("x", R"({"n":1})"), of("x{", R"({"n":1})"));
    EXPECT_EQ(of("x", R"({ "n" : 1, "m" : 2 })"), of("x", R"({"m":2,"n":1})"));
}

// Point-in-time scans against es-sim.

TEST(ChecksumDocuments, ReindexedCopyMatchesItsSourceOverSeveralPages) {
    EsSim sim;
    index_docs(sim, "source", range(0, 2500));
    reindex(sim, "source", "copy");

    std::vector<std::int64_t> pages;
    auto whole = checksum_documents(sim.es(), "source", nullptr, nullptr,
                                    [&](std::int64_t done) { pages.push_back(done); });
    ASSERT_TRUE(whole) << whole.error().describe();
    EXPECT_EQ(whole->documents, 2500);
    EXPECT_EQ(pages, (std::vector<std::int64_t>{1000, 2000, 2500}));

    EXPECT_EQ(checksum(sim, "copy"), *whole);
    EXPECT_EQ(checksum(sim, "copy", 700), *whole) << "a page size that does not divide 2,500";
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, DataStreamOverTwoBackingIndicesMatchesItsCopy) {
    EsSim sim;
    const json template_body = {{"index_patterns", {"logs-checksum-*"}},
                                {"data_stream", json::object()},
                                {"priority", 500}};
    sim.call(Method::put, "/_index_template/logs-checksum", &template_body);
    std::string ndjson;
    const auto create = [&](int from, int to) {
        std::string lines;
        for (int i = from; i < to; ++i)
            lines +=
                json{{"create", {{"_index", "logs-checksum-default"}, {"_id", doc_id(i)}}}}.dump() +
                "\n" + source_text(i, KeyOrder::forward) + "\n";
        bulk(sim, lines);
    };
    create(0, 250);
    sim.call(Method::post, "/logs-checksum-default/_rollover");
    create(250, 550);
    const auto stream = sim.call(Method::get, "/_data_stream/logs-checksum-default");
    ASSERT_EQ(stream["data_streams"][0]["indices"].size(), 2U);
    reindex(sim, "logs-checksum-default", "copy");
    const auto whole = checksum(sim, "logs-checksum-default", 256);
    EXPECT_EQ(whole.documents, 550);
    EXPECT_EQ(checksum(sim, "copy", 1000), whole);
}

TEST(ChecksumDocuments, SameDocumentsInAnotherOrderAndKeyOrderMatch) {
    EsSim sim;
    auto backwards = range(0, 600);
    std::reverse(backwards.begin(), backwards.end());
    // Interleave as well, so that neither index order nor _shard_doc order lines up.
    std::stable_partition(backwards.begin(), backwards.end(), [](int i) { return i % 3 == 0; });
    index_docs(sim, "forward", range(0, 600), KeyOrder::forward);
    index_docs(sim, "backward", backwards, KeyOrder::reversed);
    const auto a = checksum(sim, "forward", 250);
    EXPECT_EQ(a.documents, 600);
    EXPECT_EQ(checksum(sim, "backward", 111), a);
}

TEST(ChecksumDocuments, AnyChangeToTheDocumentsChangesIt) {
    EsSim sim;
    index_docs(sim, "base", range(0, 300));
    for (const auto* name : {"changed", "missing", "extra", "renamed"})
        reindex(sim, "base", name);
    const auto base = checksum(sim, "base", 128);
    ASSERT_EQ(checksum(sim, "changed", 128), base) << "copies start out equal";

    // One field value: doc-17's host.name.
    auto doc = json::parse(source_text(17, KeyOrder::forward));
    doc["host"]["name"] = "host-other";
    sim.call(Method::put, "/changed/_doc/" + doc_id(17) + "?refresh=true", &doc);
    // One document fewer.
    sim.call(Method::del, "/missing/_doc/" + doc_id(250) + "?refresh=true");
    // One document more.
    index_docs(sim, "extra", {300});
    // Same source, another _id.
    sim.call(Method::del, "/renamed/_doc/" + doc_id(42) + "?refresh=true");
    const auto source42 = json::parse(source_text(42, KeyOrder::forward));
    sim.call(Method::put, "/renamed/_doc/doc-42b?refresh=true", &source42);

    std::vector<DocumentChecksum> all{base};
    for (const auto* name : {"changed", "missing", "extra", "renamed"}) {
        const auto c = checksum(sim, name, 128);
        EXPECT_NE(c.sum, base.sum) << name;
        EXPECT_NE(c.mixed, base.mixed) << name;
        EXPECT_NE(c.hex(), base.hex()) << name;
        all.push_back(c);
    }
    EXPECT_EQ(all[1].documents, 300);
    EXPECT_EQ(all[2].documents, 299);
    EXPECT_EQ(all[3].documents, 301);
    EXPECT_EQ(all[4].documents, 300);
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j)
            EXPECT_NE(all[i], all[j]) << i << " vs " << j;
}

TEST(ChecksumDocuments, QueryLeavesDocumentsOut) {
    EsSim sim;
    index_docs(sim, "all", range(0, 400));
    auto kept = range(0, 400);
    std::erase_if(kept, [](int i) { return i == 3 || i == 200 || i == 399; });
    index_docs(sim, "kept", kept);
    const json without = {
        {"bool", {{"must_not", {{"ids", {{"values", {doc_id(3), doc_id(200), doc_id(399)}}}}}}}}};

    const auto filtered = checksum(sim, "all", 150, &without);
    EXPECT_EQ(filtered.documents, 397);
    EXPECT_EQ(filtered, checksum(sim, "kept", 150));
    EXPECT_NE(filtered, checksum(sim, "all", 150));
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, ScansWithAPointInTimeAndClosesIt) {
    EsSim sim;
    // 300 documents in pages of 100: three full pages, then an empty one ends the scan (and is
    // not reported: nothing was added).
    index_docs(sim, "docs", range(0, 300));
    std::vector<std::int64_t> done;
    std::vector<std::int64_t> open_during;
    auto c = checksum_documents(
        sim.es(), "docs", nullptr, nullptr,
        [&](std::int64_t n) {
            done.push_back(n);
            open_during.push_back(open_pits(sim));
        },
        100);
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_EQ(c->documents, 300);
    EXPECT_EQ(done, (std::vector<std::int64_t>{100, 200, 300}));
    EXPECT_EQ(open_during, (std::vector<std::int64_t>{1, 1, 1})) << "one PIT, held over pages";
    EXPECT_EQ(open_pits(sim), 0) << "closed at the end";
}

TEST(ChecksumDocuments, DocumentsIndexedDuringTheScanAreNotSeen) {
    // The point in time freezes the view (es-apis.md §1.12): a write between two pages changes
    // neither the count nor the sums.
    EsSim sim;
    index_docs(sim, "docs", range(0, 300));
    const auto before = checksum(sim, "docs", 100);
    bool written = false;
    auto c = checksum_documents(
        sim.es(), "docs", nullptr, nullptr,
        [&](std::int64_t) {
            if (!written)
                index_docs(sim, "docs", range(300, 400));
            written = true;
        },
        100);
    ASSERT_TRUE(c) << c.error().describe();
    EXPECT_EQ(*c, before);
    EXPECT_EQ(checksum(sim, "docs", 100).documents, 400);
}

TEST(ChecksumDocuments, CancelledBetweenPagesClosesThePointInTime) {
    EsSim sim;
    index_docs(sim, "docs", range(0, 250));
    es_client::Cancellation cancel;
    int pages = 0;
    auto c = checksum_documents(
        sim.es(), "docs", nullptr, &cancel,
        [&](std::int64_t) {
            ++pages;
            cancel.request();
        },
        100);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::cancelled);
    EXPECT_EQ(pages, 1);
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, AFailingPageClosesThePointInTime) {
    EsSim sim;
    index_docs(sim, "docs", range(0, 250));
    // The second page fails (es-sim fault injection; the fixture's client does not retry).
    const json faults = {{"paths", {"/_search"}}, {"fail_nth", {{{"n", 2}, {"status", 500}}}}};
    sim.call(Method::post, "/_sim/faults", &faults);
    auto c = checksum_documents(sim.es(), "docs", nullptr, nullptr, {}, 100);
    sim.call(Method::del, "/_sim/faults");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().http_status, 500);
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, ABadQueryIsAnErrorAndClosesThePointInTime) {
    EsSim sim;
    index_docs(sim, "docs", range(0, 10));
    const json bad = {{"no_such_query", json::object()}};
    auto c = checksum_documents(sim.es(), "docs", &bad, nullptr);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::es);
    EXPECT_EQ(c.error().http_status, 400);
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, UnknownTargetIsIndexNotFound) {
    EsSim sim;
    auto c = checksum_documents(sim.es(), "no-such-index", nullptr, nullptr);
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().has_type("index_not_found_exception")) << c.error().describe();
    EXPECT_EQ(c.error().http_status, 404);
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, EmptyIndexHasTheEmptyChecksum) {
    EsSim sim;
    sim.call(Method::put, "/empty");
    const auto c = checksum(sim, "empty");
    EXPECT_EQ(c, DocumentChecksum{});
    EXPECT_EQ(c.hex(), std::string(32, '0'));
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, WorksOnElasticsearch717) {
    // 7.17's _pit answer has no _shards; the API is otherwise the same (es-apis.md §1.12).
    es_sim::Options options;
    options.version = "7.17";
    EsSim sim(options);
    index_docs(sim, "source", range(0, 450));
    reindex(sim, "source", "copy");
    const auto a = checksum(sim, "source", 200);
    EXPECT_EQ(a.documents, 450);
    EXPECT_EQ(checksum(sim, "copy", 1000), a);
    EXPECT_EQ(open_pits(sim), 0);
}

TEST(ChecksumDocuments, NonPositivePageSizeIsAConfigError) {
    EsSim sim;
    auto c = checksum_documents(sim.es(), "docs", nullptr, nullptr, {}, 0);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::config);
    EXPECT_EQ(open_pits(sim), 0);
}

// Issue #7: a checksum scan over millions of documents takes minutes, and shows its progress.
// The offline playbook's verify_copy step reports each page of both scans through the step's
// ProgressHook (the CLI draws it as a bar and renews the lock lease meanwhile).
TEST(ChecksumProgress, TheVerifyStepReportsEachPageOfBothScans) {
    EsSim sim;
    RepairParams params;
    params.data_stream = "progress-src";
    params.run_id = "r1";
    params.verify = "checksum";
    index_docs(sim, params.data_stream, range(0, 2500));
    reindex(sim, params.data_stream, temp_index_name(params));

    std::vector<std::pair<std::string, Progress>> reports;
    const ProgressHook hook = [&](const std::string& message, const Progress& p) {
        reports.emplace_back(message, p);
    };
    es_client::SystemClock clock;
    const auto steps = repair_steps(sim.es(), nullptr, params, clock, nullptr, hook);
    const auto verify = std::find_if(steps.begin(), steps.end(),
                                     [](const Step& s) { return s.name == "verify_copy"; });
    ASSERT_NE(verify, steps.end());
    const auto observed = verify->observe(json::object());
    ASSERT_TRUE(observed) << observed.error().describe();
    EXPECT_EQ((*observed)["checksums"]["original"], (*observed)["checksums"]["copy"]);

    // Three pages of at most 1000 for each side, counting up to the documents on that side.
    ASSERT_EQ(reports.size(), 6U);
    const std::vector<std::int64_t> expected = {1000, 2000, 2500};
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const auto& [message, progress] = reports[i];
        EXPECT_EQ(message,
                  "checksumming " + (i < 3 ? params.data_stream : temp_index_name(params)));
        EXPECT_EQ(progress.done, expected[i % 3]);
        EXPECT_EQ(progress.total, 2500);
    }
}

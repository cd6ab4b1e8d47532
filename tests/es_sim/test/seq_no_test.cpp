// Optimistic concurrency control: if_seq_no/if_primary_term on the single-document APIs and in
// _bulk metadata (docs "Optimistic concurrency control"; ES InternalEngine,
// VersionConflictEngineException, DocWriteRequest.validateSeqNoBasedCASParams, IndexRequest /
// UpdateRequest / BulkRequest.validate).
#include "sim_test_support.hpp"

using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {

// Indexes three versions of doc "1" into "idx": its live copy has seq_no 2, primary term 1.
void seed(Sim& sim) {
    for (int i = 0; i < 3; ++i)
        ASSERT_LT(sim.put("/idx/_doc/1", {{"n", i}}).status, 300);
}

std::string reason(const esmend::es_sim::testing::Http& r) {
    return r.json["error"]["reason"].get<std::string>();
}

} // namespace

TEST(SeqNo, WriteAndGetResponsesCarrySeqNoAndPrimaryTerm) {
    Sim sim;
    const auto first = sim.put("/idx/_doc/1", {{"n", 0}});
    EXPECT_EQ(first.json["_seq_no"], 0);
    EXPECT_EQ(first.json["_primary_term"], 1);
    const auto second = sim.put("/idx/_doc/2", {{"n", 0}});
    EXPECT_EQ(second.json["_seq_no"], 1);
    const auto got = sim.get("/idx/_doc/1");
    EXPECT_EQ(got.json["_seq_no"], 0);
    EXPECT_EQ(got.json["_primary_term"], 1);
}

TEST(SeqNo, IndexWithCurrentSeqNoSucceedsAndAdvancesIt) {
    Sim sim;
    seed(sim);
    const auto r = sim.put("/idx/_doc/1?if_seq_no=2&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["result"], "updated");
    EXPECT_EQ(r.json["_seq_no"], 3);
    EXPECT_EQ(r.json["_version"], 4);
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"]["n"], 9);
}

TEST(SeqNo, IndexWithStaleSeqNoIsAVersionConflict) {
    Sim sim;
    seed(sim);
    const auto r = sim.put("/idx/_doc/1?if_seq_no=1&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "version_conflict_engine_exception");
    EXPECT_EQ(reason(r), "[1]: version conflict, required seqNo [1], primary term [1]. current "
                         "document has seqNo [2] and primary term [1]");
    EXPECT_EQ(r.json["error"]["index"], "idx");
    EXPECT_EQ(r.json["error"]["shard"], "0");
    EXPECT_EQ(r.json["error"]["root_cause"][0]["type"], "version_conflict_engine_exception");
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"]["n"], 2); // untouched
}

TEST(SeqNo, IndexWithOtherPrimaryTermIsAVersionConflict) {
    Sim sim;
    seed(sim);
    const auto r = sim.put("/idx/_doc/1?if_seq_no=2&if_primary_term=2", {{"n", 9}});
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(reason(r), "[1]: version conflict, required seqNo [2], primary term [2]. current "
                         "document has seqNo [2] and primary term [1]");
}

TEST(SeqNo, IndexOfMissingDocumentWithSeqNoFindsNoDocument) {
    Sim sim;
    seed(sim);
    const auto r = sim.put("/idx/_doc/7?if_seq_no=0&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(reason(r),
              "[7]: version conflict, required seqNo [0], primary term [1]. but no document "
              "was found");
    EXPECT_EQ(sim.get("/idx/_doc/7").status, 404);
}

TEST(SeqNo, ParsingErrorsComeBeforeTheConflict) {
    // InternalEngine checks the seq_no after the document was parsed (TransportShardBulkAction).
    Sim sim;
    ASSERT_EQ(sim.put("/idx", {{"mappings", {{"properties", {{"n", {{"type", "long"}}}}}}}}).status,
              200);
    ASSERT_EQ(sim.put("/idx/_doc/1", {{"n", 1}}).status, 201);
    const auto r = sim.put("/idx/_doc/1?if_seq_no=5&if_primary_term=1", {{"n", "not a number"}});
    EXPECT_EQ(r.status, 400) << r.body;
}

TEST(SeqNo, DeleteWithStaleSeqNoConflictsAndKeepsTheDocument) {
    Sim sim;
    seed(sim);
    auto r = sim.del("/idx/_doc/1?if_seq_no=0&if_primary_term=1");
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(reason(r), "[1]: version conflict, required seqNo [0], primary term [1]. current "
                         "document has seqNo [2] and primary term [1]");
    EXPECT_EQ(sim.get("/idx/_doc/1").status, 200);
    r = sim.del("/idx/_doc/1?if_seq_no=2&if_primary_term=1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["result"], "deleted");
    EXPECT_EQ(sim.get("/idx/_doc/1").status, 404);
}

TEST(SeqNo, DeleteOfMissingDocumentWithSeqNoIsAConflictNotANotFound) {
    Sim sim;
    seed(sim);
    auto r = sim.del("/idx/_doc/9?if_seq_no=2&if_primary_term=1");
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(reason(r),
              "[9]: version conflict, required seqNo [2], primary term [1]. but no document "
              "was found");
    r = sim.del("/idx/_doc/9"); // without the precondition it stays a plain not_found
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["result"], "not_found");
}

TEST(SeqNo, UpdateChecksTheSeqNoBeforeMerging) {
    Sim sim;
    seed(sim);
    auto r = sim.post("/idx/_update/1?if_seq_no=1&if_primary_term=1", {{"doc", {{"m", 1}}}});
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(reason(r), "[1]: version conflict, required seqNo [1], primary term [1]. current "
                         "document has seqNo [2] and primary term [1]");
    // A noop update is still refused: the get-for-update fails first.
    r = sim.post("/idx/_update/1?if_seq_no=1&if_primary_term=1", {{"doc", {{"n", 2}}}});
    EXPECT_EQ(r.status, 409);
    r = sim.post("/idx/_update/1?if_seq_no=2&if_primary_term=1", {{"doc", {{"m", 1}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["result"], "updated");
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"], json({{"n", 2}, {"m", 1}}));
}

TEST(SeqNo, UpdateOfMissingDocumentWithSeqNoIsDocumentMissing) {
    Sim sim;
    seed(sim);
    const auto r = sim.post("/idx/_update/5?if_seq_no=1&if_primary_term=1", {{"doc", {{"m", 1}}}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "document_missing_exception");
}

TEST(SeqNo, TwoWritersWithTheSameSeqNoExactlyOneWins) {
    Sim sim;
    seed(sim);
    const auto seq = sim.get("/idx/_doc/1").json["_seq_no"].get<int>();
    const auto path = "/idx/_doc/1?if_seq_no=" + std::to_string(seq) + "&if_primary_term=1";
    const auto a = sim.put(path, {{"writer", "a"}});
    const auto b = sim.put(path, {{"writer", "b"}});
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(b.status, 409);
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"]["writer"], "a");
}

TEST(SeqNoValidation, SeqNoWithoutPrimaryTerm) {
    Sim sim;
    seed(sim);
    const auto r = sim.put("/idx/_doc/1?if_seq_no=2", {{"n", 9}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "action_request_validation_exception");
    EXPECT_EQ(reason(r), "Validation Failed: 1: ifSeqNo is set, but primary term is [0];");
}

TEST(SeqNoValidation, PrimaryTermWithoutSeqNo) {
    Sim sim;
    seed(sim);
    auto r = sim.put("/idx/_doc/1?if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(reason(r), "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];");
    r = sim.del("/idx/_doc/1?if_primary_term=3");
    EXPECT_EQ(reason(r), "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [3];");
    EXPECT_EQ(sim.get("/idx/_doc/1").status, 200);
}

TEST(SeqNoValidation, NegativeValuesAreIllegalArguments) {
    Sim sim;
    seed(sim);
    auto r = sim.put("/idx/_doc/1?if_seq_no=-1&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(reason(r), "sequence numbers must be non negative. got [-1].");
    r = sim.put("/idx/_doc/1?if_seq_no=1&if_primary_term=-1", {{"n", 9}});
    EXPECT_EQ(reason(r), "primary term must be non negative. got [-1]");
    // -2 is UNASSIGNED_SEQ_NO itself, which the setter accepts: the request is then unconditional.
    r = sim.put("/idx/_doc/1?if_seq_no=-2", {{"n", 9}});
    EXPECT_EQ(r.status, 200) << r.body;
    r = sim.put("/idx/_doc/1?if_seq_no=abc&if_primary_term=1", {{"n", 9}});
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(reason(r), "Failed to parse long parameter [if_seq_no] with value [abc]");
}

TEST(SeqNoValidation, CompareAndSetCannotBeCombinedWithVersioning) {
    Sim sim;
    seed(sim);
    auto r = sim.put("/idx/_doc/1?version=3&if_seq_no=2&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(reason(r), "Validation Failed: 1: internal versioning can not be used for optimistic "
                         "concurrency control. Please use `if_seq_no` and `if_primary_term` "
                         "instead;2: compare and write operations can not use versioning;");
    r = sim.put("/idx/_doc/1?version=3&version_type=external&if_seq_no=2&if_primary_term=1",
                {{"n", 9}});
    EXPECT_EQ(reason(r), "Validation Failed: 1: compare and write operations can not use "
                         "versioning;");
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"]["n"], 2);
}

TEST(SeqNoValidation, CreateDoesNotSupportCompareAndSet) {
    Sim sim;
    auto r = sim.put("/idx/_doc/1?op_type=create&if_seq_no=0&if_primary_term=1", {{"n", 9}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(reason(r), "Validation Failed: 1: create operations do not support compare and set. "
                         "use index instead;");
    // The _create endpoint has no if_seq_no parameter at all (rest-api-spec create.json).
    r = sim.put("/idx/_create/1?if_seq_no=0&if_primary_term=1", {{"n", 9}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(sim.get("/idx/_doc/1").status, 404);
}

TEST(SeqNoValidation, UpdateRefusesRetriesAndUpsertsWithCompareAndSet) {
    Sim sim;
    seed(sim);
    auto r = sim.post("/idx/_update/1?if_seq_no=2&if_primary_term=1&retry_on_conflict=2",
                      {{"doc", {{"m", 1}}}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(reason(r), "Validation Failed: 1: compare and write operations can not be retried;");
    r = sim.post("/idx/_update/1?if_seq_no=2&if_primary_term=1",
                 {{"doc", {{"m", 1}}}, {"doc_as_upsert", true}});
    EXPECT_EQ(reason(r),
              "Validation Failed: 1: compare and write operations can not be used with upsert;");
    r = sim.post("/idx/_update/1?if_seq_no=2&if_primary_term=1",
                 {{"doc", {{"m", 1}}}, {"upsert", {{"m", 0}}}});
    EXPECT_EQ(reason(r), "Validation Failed: 1: upsert requests don't support `if_seq_no` and "
                         "`if_primary_term`;");
    r = sim.post("/idx/_update/1?retry_on_conflict=x", {{"doc", {{"m", 1}}}});
    EXPECT_EQ(reason(r), "Failed to parse int parameter [retry_on_conflict] with value [x]");
}

TEST(SeqNoBulk, ItemsAreCheckedOneByOne) {
    Sim sim;
    seed(sim);
    ASSERT_EQ(sim.put("/idx/_doc/2", {{"n", 0}}).status, 201); // seq_no 3
    const auto r = sim.bulk(
        "/_bulk",
        {{{"index", {{"_index", "idx"}, {"_id", "1"}, {"if_seq_no", 2}, {"if_primary_term", 1}}}},
         {{"n", 10}},
         {{"index", {{"_index", "idx"}, {"_id", "1"}, {"if_seq_no", 2}, {"if_primary_term", 1}}}},
         {{"n", 11}},
         {{"update", {{"_index", "idx"}, {"_id", "2"}, {"if_seq_no", 0}, {"if_primary_term", 1}}}},
         {{"doc", {{"m", 1}}}},
         {{"delete", {{"_index", "idx"}, {"_id", "2"}, {"if_seq_no", 3}, {"if_primary_term", 1}}}},
         {{"delete",
           {{"_index", "idx"}, {"_id", "8"}, {"if_seq_no", 3}, {"if_primary_term", 1}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["errors"], true);
    const auto& items = r.json["items"];
    ASSERT_EQ(items.size(), 5U);
    EXPECT_EQ(items[0]["index"]["status"], 200);
    EXPECT_EQ(items[0]["index"]["_seq_no"], 4);
    EXPECT_EQ(items[1]["index"]["status"], 409);
    EXPECT_EQ(items[1]["index"]["error"]["reason"],
              "[1]: version conflict, required seqNo [2], primary term [1]. current document has "
              "seqNo [4] and primary term [1]");
    EXPECT_EQ(items[2]["update"]["status"], 409);
    EXPECT_EQ(items[3]["delete"]["status"], 200);
    EXPECT_EQ(items[3]["delete"]["result"], "deleted");
    EXPECT_EQ(items[4]["delete"]["status"], 409);
    EXPECT_EQ(items[4]["delete"]["error"]["reason"],
              "[8]: version conflict, required seqNo [3], primary term [1]. but no document was "
              "found");
    EXPECT_EQ(sim.get("/idx/_doc/1").json["_source"]["n"], 10);
}

TEST(SeqNoBulk, InvalidItemFailsTheWholeRequest) {
    // BulkRequest.validate gathers every item's validation errors before anything is written.
    Sim sim;
    seed(sim);
    auto r = sim.bulk(
        "/_bulk",
        {{{"index", {{"_index", "idx"}, {"_id", "3"}}}},
         {{"n", 1}},
         {{"index", {{"_index", "idx"}, {"_id", "1"}, {"if_seq_no", 2}}}},
         {{"n", 2}},
         {{"create", {{"_index", "idx"}, {"_id", "4"}, {"if_seq_no", 2}, {"if_primary_term", 1}}}},
         {{"n", 2}}});
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "action_request_validation_exception");
    EXPECT_EQ(reason(r), "Validation Failed: 1: ifSeqNo is set, but primary term is [0];2: create "
                         "operations do not support compare and set. use index instead;");
    EXPECT_EQ(sim.get("/idx/_doc/3").status, 404);
    r = sim.bulk(
        "/_bulk",
        {{{"delete",
           {{"_index", "idx"}, {"_id", "1"}, {"if_seq_no", -5}, {"if_primary_term", 1}}}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(reason(r), "sequence numbers must be non negative. got [-5].");
    EXPECT_EQ(sim.get("/idx/_doc/1").status, 200);
}

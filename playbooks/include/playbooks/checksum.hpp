#pragma once
// An order-independent checksum of the (_id, _source) pairs of an index, data stream or alias, for
// `esmend repair --verify checksum` (issue #7): the copy in the temp index and the data stream it
// came from must agree before anything is deleted.

#include <es_client/clock.hpp>
#include <es_client/elasticsearch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace esmend::playbooks {

// Two 64-bit sums over the documents of a target, each the sum (mod 2^64) of an independently
// seeded 64-bit hash of `_id + '\0' + canonical(_source)`. Addition commutes, so the result does
// not depend on the order documents are read in; unlike XOR, a document present twice counts
// twice. canonical(_source) is nlohmann::json::dump() of the parsed source: object keys sorted,
// no whitespace, so the key order of the stored bytes does not matter, but values (and their
// JSON types: 1 vs 1.0 vs "1") do.
struct DocumentChecksum {
    std::int64_t documents = 0;
    std::uint64_t sum = 0;   // sum of the first per-document hashes mod 2^64
    std::uint64_t mixed = 0; // sum of the second, differently seeded hashes mod 2^64

    // Adds one document.
    void add(std::string_view id, const nlohmann::json& source);

    // `sum` then `mixed`, each as 16 lowercase hex digits: 32 characters, for the journal and the
    // report. The document count is not part of it.
    [[nodiscard]] std::string hex() const;
    bool operator==(const DocumentChecksum&) const = default;
};

// The per-document hash: 64 bits over `data`, seeded (a small multiply-rotate hash with a
// splitmix64 finaliser; not cryptographic, which the checksum does not need: it guards against
// accidents, not adversaries).
[[nodiscard]] std::uint64_t hash64(std::string_view data, std::uint64_t seed);

// A scan of `target` (index, data stream or alias) that can stop after any page and go on later,
// within the point in time's keep-alive (1 minute, renewed by each page): pages of `page_size`
// sorted by _shard_doc with search_after (es-apis.md §1.12). The point in time is closed at the
// end, on an error, or when the scan is destroyed. A page with failed shards or a timeout is an
// Error, never a short read; every hit has an _id.
class DocumentScan {
public:
    [[nodiscard]] static es_client::Result<DocumentScan> open(es_client::Elasticsearch& es,
                                                              const std::string& target,
                                                              const nlohmann::json* query,
                                                              int page_size = 1000);
    DocumentScan(DocumentScan&& other) noexcept;
    DocumentScan& operator=(DocumentScan&&) = delete;
    ~DocumentScan();

    // The next page of hits: an empty array once the scan is done. `cancel` is checked first.
    [[nodiscard]] es_client::Result<nlohmann::json> next(const es_client::Cancellation* cancel);
    [[nodiscard]] bool done() const { return m_done; }
    [[nodiscard]] const std::string& target() const { return m_target; }
    void close();

private:
    DocumentScan(es_client::Elasticsearch& es, std::string target, int page_size)
        : m_es(&es), m_target(std::move(target)), m_page_size(page_size) {}
    es_client::Elasticsearch* m_es;
    std::string m_target;
    int m_page_size;
    std::string m_pit_id;
    nlohmann::json m_body;
    bool m_done = false;
};

// Scans `target` (index, data stream or alias) with a point in time (es-apis.md §1.12), sorted by
// _shard_doc, in pages of `page_size` with search_after, and adds each hit's (_id, _source).
// Only one page is held at a time, so memory does not grow with the number of documents.
//
// `query` (optional) filters the documents (say bool.must_not ids, to leave dead-lettered documents
// out). The point in time sees what the last refresh made searchable: refresh `target` first.
// `cancel` is checked before each page (an Error of kind `cancelled`); `progress(done_so_far)` is
// called after each page. A response with failed shards, or a hit without _source, is an Error:
// a checksum over part of the data must not pass for the whole.
//
// The point in time is closed at the end, also on error. A failure to close it after a complete
// scan does not fail the checksum (ES frees it when keep_alive runs out).
[[nodiscard]] es_client::Result<DocumentChecksum>
checksum_documents(es_client::Elasticsearch& es, const std::string& target,
                   const nlohmann::json* query, const es_client::Cancellation* cancel,
                   std::function<void(std::int64_t)> progress = {}, int page_size = 1000);

} // namespace esmend::playbooks

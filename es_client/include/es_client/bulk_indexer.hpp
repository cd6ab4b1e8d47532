#pragma once
// Batches documents into _bulk requests and settles every item: retried on 429 with backoff,
// counted as already stored on a 409 for a create (ids are deterministic, so a 409 means an
// earlier attempt landed), and handed to the caller when Elasticsearch rejects it for good
// (a mapping error, say), so that nothing is ever dropped silently. Generic: it knows nothing of
// what the documents are.

#include <es_client/clock.hpp>
#include <es_client/transport.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace esmend::es_client {

enum class BulkOp { create, index };

struct BulkDocument {
    BulkOp op = BulkOp::create;
    std::string index;  // a data stream or index name
    std::string id;     // empty: Elasticsearch picks one (then a retry may duplicate)
    std::string source; // the document, one line of JSON
};

// One item Elasticsearch refused for good.
struct BulkRejection {
    BulkDocument document;
    int status = 0;
    std::string type; // e.g. document_parsing_exception
    std::string reason;
};

struct BulkOptions {
    std::size_t max_documents = 1000;
    std::size_t max_bytes = 5 * 1024 * 1024;
    std::chrono::milliseconds max_age{1000}; // flush_if_due() sends a batch older than this
    int max_item_attempts = 8;               // per item, for 429s inside a 200 answer
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{10'000};
    std::string pipeline; // ?pipeline= when set
};

struct BulkStats {
    std::uint64_t requests = 0;
    std::uint64_t created = 0;
    std::uint64_t already_stored = 0; // 409 on a create: the document is there
    std::uint64_t rejected = 0;       // handed to on_rejected
    std::uint64_t retried_items = 0;  // item-level 429 resends
};

class BulkIndexer {
public:
    using RejectionHandler = std::function<void(const BulkRejection&)>;

    BulkIndexer(Transport& transport, BulkOptions options, Clock& clock,
                RejectionHandler on_rejected, const Cancellation* cancel = nullptr);

    // Queues a document, sending the batch when it reaches max_documents or max_bytes. An error
    // means the batch could not be delivered (cluster unreachable after the transport's retries):
    // the documents stay queued, and take_pending() hands them back for spooling.
    [[nodiscard]] Result<void> add(BulkDocument document);
    // Sends the batch if its oldest document is older than max_age.
    [[nodiscard]] Result<void> flush_if_due();
    // Sends whatever is queued, settling every item.
    [[nodiscard]] Result<void> flush();
    // Removes and returns the queued documents (after a failed delivery, or at shutdown).
    [[nodiscard]] std::vector<BulkDocument> take_pending();

    [[nodiscard]] std::size_t pending() const { return m_queue.size(); }
    [[nodiscard]] const BulkStats& stats() const { return m_stats; }

    // The NDJSON body for documents, each action line followed by its source, ending in '\n'.
    [[nodiscard]] static std::string ndjson(const std::vector<BulkDocument>& documents);

private:
    Result<void> send(std::vector<BulkDocument>& batch);

    Transport& m_transport;
    BulkOptions m_options;
    Clock& m_clock;
    RejectionHandler m_on_rejected;
    const Cancellation* m_cancel;
    std::vector<BulkDocument> m_queue;
    std::size_t m_queue_bytes = 0;
    std::optional<std::chrono::steady_clock::time_point> m_oldest;
    BulkStats m_stats;
};

} // namespace esmend::es_client

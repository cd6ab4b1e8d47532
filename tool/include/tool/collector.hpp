#pragma once
// The ingest side of esmend: turns /debug/vars bodies into heap and expvar documents with
// deterministic ids, and delivers them without ever losing one. Documents of a paused data stream
// (a pause marker in esmend-control) or of an unreachable cluster go to that stream's on-disk
// spool and drain, in order, once the stream may be written again; documents Elasticsearch rejects
// go to a dead-letter file.

#include <es_client/bulk_indexer.hpp>
#include <es_client/clock.hpp>
#include <es_client/elasticsearch.hpp>
#include <tool/expvar_document.hpp>
#include <tool/spool.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace esmend::tool {

struct CollectorOptions {
    std::string ns = "default";
    PreserveOriginal preserve_original = PreserveOriginal::no;
    std::optional<HostMetadata> host;
    std::filesystem::path spool_dir;
    SpoolOptions spool;
    std::filesystem::path dead_letter_file;
    es_client::BulkOptions bulk;
};

struct CollectorStats {
    std::uint64_t polls_ok = 0;
    std::uint64_t polls_failed = 0;
    std::uint64_t indexed = 0;        // created in Elasticsearch
    std::uint64_t already_stored = 0; // 409 on create: sent before
    std::uint64_t spooled = 0;        // written to the spool (paused or unreachable)
    std::uint64_t dead_lettered = 0;  // rejected by Elasticsearch, kept in the dead-letter file
    std::uint64_t dropped = 0;        // dropped by a full spool (loudly)
};

// A 128-bit hash of the parts as 32 hex digits: the _id that makes a resent document a 409.
[[nodiscard]] std::string document_id(std::initializer_list<std::string_view> parts);

class Collector {
public:
    [[nodiscard]] static es_client::Result<std::unique_ptr<Collector>>
    create(es_client::Elasticsearch& es, CollectorOptions options, es_client::Clock& clock,
           const es_client::Cancellation* cancel);

    // Waits for a delivery still in flight (what it could not send is spooled by then).
    ~Collector();
    Collector(const Collector&) = delete;
    Collector& operator=(const Collector&) = delete;

    // How a document's _id is made: from (target, dataset, @timestamp) for live polls, so a retried
    // bulk never duplicates; from (source, dataset, body) for replays, so replaying a capture twice
    // stores it once.
    enum class IdFrom { timestamp, body };

    // Shapes one /debug/vars body from `address` into two queued documents.
    [[nodiscard]] es_client::Result<void> accept(std::string_view body, const std::string& address,
                                                 std::chrono::system_clock::time_point at,
                                                 IdFrom id_from);
    void poll_failed();

    // Delivers what is queued: checks each stream's pause marker, drains its spool first, then
    // sends the new documents. Whatever cannot be sent is spooled, so this only fails if the spool
    // does. Waits for a delivery flush_async() started first.
    [[nodiscard]] es_client::Result<void> flush();
    // The same, on a thread of its own: returns at once, so that the next documents are shaped
    // while these are sent (issue #5). One delivery at a time: this first waits for the one
    // before, and returns its failure if it had one. flush() ends the last one.
    [[nodiscard]] es_client::Result<void> flush_async();

    [[nodiscard]] CollectorStats stats() const;
    // Documents accepted and not yet flushed.
    [[nodiscard]] std::size_t queued() const { return m_queue.size(); }
    [[nodiscard]] std::string data_stream(std::string_view dataset) const;
    [[nodiscard]] std::uint64_t spooled_now() const;

private:
    Collector(es_client::Elasticsearch& es, CollectorOptions options, es_client::Clock& clock,
              const es_client::Cancellation* cancel);
    // flush()'s work on one batch: on the delivery thread for flush_async().
    es_client::Result<void> deliver(std::vector<es_client::BulkDocument> batch);
    es_client::Result<void> wait_for_delivery();
    es_client::Result<void> spool(const std::string& data_stream,
                                  const std::vector<es_client::BulkDocument>& docs);
    // Sends the stream's spooled segments; false when delivery failed and the rest must wait.
    es_client::Result<bool> drain(const std::string& data_stream);
    void dead_letter(const es_client::BulkRejection& rejection);

    es_client::Elasticsearch& m_es;
    CollectorOptions m_options;
    es_client::Clock& m_clock;
    const es_client::Cancellation* m_cancel;
    std::unique_ptr<es_client::BulkIndexer> m_indexer;
    std::map<std::string, Spool> m_spools;        // by data stream
    std::map<std::string, PauseTracker> m_pauses; // by target address
    std::vector<es_client::BulkDocument> m_queue;
    // The delivery in flight. The indexer and the spools belong to whichever delivery runs:
    // m_delivering is held throughout one, and by spooled_now() to read the spools.
    std::future<es_client::Result<void>> m_in_flight;
    mutable std::mutex m_delivering;
    mutable std::mutex m_stats_mutex; // the polls are counted here, deliveries on their thread
    CollectorStats m_stats;
};

} // namespace esmend::tool

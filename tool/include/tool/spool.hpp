#pragma once
// A bounded on-disk queue of documents that could not be delivered (cluster unreachable, or
// collection paused). Documents are appended to segment files and drained oldest first. Only when
// the size limit is reached are the oldest segments dropped, loudly and counted; nothing else is
// ever lost. One process at a time owns a spool directory (an exclusive lock file).

#include <es_client/bulk_indexer.hpp>
#include <es_client/error.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace esmend::tool {

struct SpoolOptions {
    std::uint64_t max_bytes = 512ULL * 1024 * 1024;
    std::uint64_t segment_bytes = 8ULL * 1024 * 1024;
};

struct SpoolSegment {
    std::uint64_t sequence = 0;
    std::vector<es_client::BulkDocument> documents;
};

class Spool {
public:
    [[nodiscard]] static es_client::Result<Spool> open(const std::filesystem::path& directory,
                                                       SpoolOptions options);
    Spool(Spool&& other) noexcept;
    Spool& operator=(Spool&&) = delete;
    Spool(const Spool&) = delete;
    ~Spool();

    // Appends and syncs the documents; drops the oldest segments if the spool outgrows max_bytes.
    [[nodiscard]] es_client::Result<void>
    append(const std::vector<es_client::BulkDocument>& documents);
    // The oldest segment, or nullopt when the spool is empty. It stays until remove().
    [[nodiscard]] es_client::Result<std::optional<SpoolSegment>> oldest();
    // Deletes a segment once its documents are settled.
    [[nodiscard]] es_client::Result<void> remove(std::uint64_t sequence);

    [[nodiscard]] bool empty() const { return documents() == 0; }
    [[nodiscard]] std::uint64_t bytes() const { return m_bytes; }
    [[nodiscard]] std::uint64_t documents() const;
    [[nodiscard]] std::uint64_t dropped_documents() const { return m_dropped; }

private:
    struct Segment {
        std::uint64_t sequence;
        std::uint64_t bytes;
        std::uint64_t documents;
    };
    Spool(std::filesystem::path directory, SpoolOptions options, int lock_fd);
    [[nodiscard]] std::filesystem::path path_of(std::uint64_t sequence) const;
    void enforce_limit();

    std::filesystem::path m_dir;
    SpoolOptions m_options;
    int m_lock_fd = -1;
    std::vector<Segment> m_segments; // oldest first; the last one is appended to
    std::uint64_t m_bytes = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace esmend::tool

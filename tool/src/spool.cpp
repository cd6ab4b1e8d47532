#include <tool/spool.hpp>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace esmend::tool {

using es_client::BulkDocument;
using es_client::BulkOp;
using es_client::ErrorKind;
using es_client::make_error;
using es_client::Result;

namespace {

constexpr const char* k_suffix = ".ndjson";

std::string errno_text() {
    return std::strerror(errno);
}

// A record is two lines: {"op","index","id"} then the source, as in a _bulk body.
std::string record(const BulkDocument& d) {
    nlohmann::json meta = {
        {"op", d.op == BulkOp::create ? "create" : "index"}, {"index", d.index}, {"id", d.id}};
    return meta.dump() + "\n" + d.source + "\n";
}

} // namespace

Result<Spool> Spool::open(const std::filesystem::path& directory, SpoolOptions options) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec)
        return std::unexpected(make_error(
            ErrorKind::config, "cannot create spool " + directory.string() + ": " + ec.message()));
    const auto lock_path = directory / "lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return std::unexpected(make_error(ErrorKind::config, "cannot open " + lock_path.string() +
                                                                 ": " + errno_text()));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::unexpected(
            make_error(ErrorKind::conflict,
                       "spool " + directory.string() + " is in use by another esmend process"));
    }
    Spool spool(directory, options, fd);
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        const auto name = entry.path().filename().string();
        if (!name.ends_with(k_suffix))
            continue;
        const auto sequence = std::strtoull(name.c_str(), nullptr, 10);
        if (sequence == 0)
            continue;
        Segment s{sequence, static_cast<std::uint64_t>(entry.file_size(ec)), 0};
        std::ifstream in(entry.path());
        std::string line;
        while (std::getline(in, line))
            ++s.documents;
        s.documents /= 2;
        spool.m_segments.push_back(s);
        spool.m_bytes += s.bytes;
    }
    std::sort(spool.m_segments.begin(), spool.m_segments.end(),
              [](const Segment& a, const Segment& b) { return a.sequence < b.sequence; });
    if (!spool.m_segments.empty()) {
        spdlog::info("spool {} holds {} document(s) from an earlier run; they will be sent first",
                     directory.string(), spool.documents());
    }
    return spool;
}

Spool::Spool(std::filesystem::path directory, SpoolOptions options, int lock_fd)
    : m_dir(std::move(directory)), m_options(options), m_lock_fd(lock_fd) {}

Spool::Spool(Spool&& other) noexcept
    : m_dir(std::move(other.m_dir)), m_options(other.m_options),
      m_lock_fd(std::exchange(other.m_lock_fd, -1)), m_segments(std::move(other.m_segments)),
      m_bytes(other.m_bytes), m_dropped(other.m_dropped) {}

Spool::~Spool() {
    if (m_lock_fd >= 0)
        ::close(m_lock_fd); // closing releases the flock
}

std::filesystem::path Spool::path_of(std::uint64_t sequence) const {
    char name[32];
    std::snprintf(name, sizeof name, "%012llu", static_cast<unsigned long long>(sequence));
    return m_dir / (std::string(name) + k_suffix);
}

std::uint64_t Spool::documents() const {
    std::uint64_t n = 0;
    for (const auto& s : m_segments)
        n += s.documents;
    return n;
}

Result<void> Spool::append(const std::vector<BulkDocument>& documents) {
    std::size_t i = 0;
    while (i < documents.size()) {
        if (m_segments.empty() || m_segments.back().bytes >= m_options.segment_bytes) {
            const auto next = m_segments.empty() ? 1 : m_segments.back().sequence + 1;
            m_segments.push_back({next, 0, 0});
        }
        auto& segment = m_segments.back();
        std::string chunk;
        std::uint64_t added = 0;
        for (; i < documents.size() && segment.bytes + chunk.size() < m_options.segment_bytes;
             ++i, ++added) {
            chunk += record(documents[i]);
        }
        const auto path = path_of(segment.sequence);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
            return std::unexpected(make_error(ErrorKind::state, "cannot write " + path.string() +
                                                                    ": " + errno_text()));
        const char* data = chunk.data();
        std::size_t left = chunk.size();
        while (left > 0) {
            const auto n = ::write(fd, data, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                ::close(fd);
                return std::unexpected(make_error(
                    ErrorKind::state, "cannot write " + path.string() + ": " + errno_text()));
            }
            data += n;
            left -= static_cast<std::size_t>(n);
        }
        const bool synced = ::fdatasync(fd) == 0;
        ::close(fd);
        if (!synced)
            return std::unexpected(make_error(ErrorKind::state, "cannot sync " + path.string()));
        segment.bytes += chunk.size();
        segment.documents += added;
        m_bytes += chunk.size();
    }
    enforce_limit();
    return {};
}

void Spool::enforce_limit() {
    // Never drop the segment being written; a single oversized segment is allowed to stand.
    while (m_bytes > m_options.max_bytes && m_segments.size() > 1) {
        const auto victim = m_segments.front();
        std::error_code ec;
        std::filesystem::remove(path_of(victim.sequence), ec);
        m_segments.erase(m_segments.begin());
        m_bytes -= victim.bytes;
        m_dropped += victim.documents;
        spdlog::warn("SPOOL FULL ({} bytes > limit {}): dropped the oldest {} document(s); {} "
                     "dropped so far. "
                     "Raise --spool-max or restore the cluster connection.",
                     m_bytes + victim.bytes, m_options.max_bytes, victim.documents, m_dropped);
    }
}

Result<std::optional<SpoolSegment>> Spool::oldest() {
    while (m_segments.size() > 1 && m_segments.front().documents == 0)
        m_segments.erase(m_segments.begin());
    if (m_segments.empty() || m_segments.front().documents == 0)
        return std::optional<SpoolSegment>{};
    // Seal the segment being handed out, so that appends made before remove() go to a new one.
    if (m_segments.size() == 1)
        m_segments.push_back({m_segments.front().sequence + 1, 0, 0});
    const auto& s = m_segments.front();
    std::ifstream in(path_of(s.sequence));
    if (!in)
        return std::unexpected(
            make_error(ErrorKind::state, "cannot read " + path_of(s.sequence).string()));
    SpoolSegment segment{s.sequence, {}};
    std::string meta_line;
    std::string source;
    while (std::getline(in, meta_line)) {
        if (!std::getline(in, source)) {
            spdlog::warn("spool segment {} ends in a torn record (interrupted write); skipping it",
                         s.sequence);
            break;
        }
        const auto meta = nlohmann::json::parse(meta_line, nullptr, false);
        if (meta.is_discarded() || !meta.is_object()) {
            spdlog::warn("spool segment {} has an unreadable record; skipping it", s.sequence);
            continue;
        }
        segment.documents.push_back(
            {meta.value("op", "create") == "index" ? BulkOp::index : BulkOp::create,
             meta.value("index", ""), meta.value("id", ""), source});
    }
    return std::optional<SpoolSegment>{std::move(segment)};
}

Result<void> Spool::remove(std::uint64_t sequence) {
    const auto it = std::find_if(m_segments.begin(), m_segments.end(),
                                 [&](const Segment& s) { return s.sequence == sequence; });
    if (it == m_segments.end())
        return {};
    std::error_code ec;
    std::filesystem::remove(path_of(sequence), ec);
    if (ec)
        return std::unexpected(
            make_error(ErrorKind::state, "cannot delete spool segment: " + ec.message()));
    m_bytes -= it->bytes;
    m_segments.erase(it);
    return {};
}

} // namespace esmend::tool

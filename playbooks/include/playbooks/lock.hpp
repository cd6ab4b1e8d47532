#pragma once
// The cluster-wide repair lock (issue #7): one repair per data stream at a time. The lock is a
// lease document, esmend-control/_doc/lock-<data stream>, created with op_type create and renewed
// while the run is alive. A lease that was not renewed for 90 s is abandoned (its holder died) and
// may be taken over, like the Kibana Upgrade Assistant's reindex lock (es-apis.md §3.1). Every
// change after the create is a compare-and-set on the document's _seq_no/_primary_term, so of two
// machines racing for an abandoned lease exactly one wins.

#include <es_client/elasticsearch.hpp>
#include <es_client/error.hpp>
#include <playbooks/journal.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace esmend::playbooks {

// The Upgrade Assistant's LOCK_WINDOW (es-apis.md §3.1).
inline constexpr std::chrono::milliseconds k_lock_lease{90'000};

struct LockHolder {
    std::string host;
    std::int64_t pid = 0;
    std::string user;
};

// This process: host name, pid and user name.
[[nodiscard]] LockHolder current_holder();

// A lease document as read from the cluster, with the _seq_no/_primary_term a takeover must name.
struct Lease {
    std::string data_stream;
    std::string run_id;
    LockHolder holder;
    std::int64_t acquired_at_ms = 0;
    std::int64_t renewed_at_ms = 0;
    std::int64_t expires_at_ms = 0;
    std::int64_t seq_no = 0;
    std::int64_t primary_term = 0;
};

// The lease document's path: /esmend-control/_doc/lock-<data stream>.
[[nodiscard]] std::string lock_path(std::string_view data_stream);
// The current lease on `data_stream`, nullopt when there is none (or no control index).
[[nodiscard]] es_client::Result<std::optional<Lease>> read_lease(es_client::Elasticsearch& es,
                                                                 std::string_view data_stream);

class Lock {
public:
    // Takes the lock on `data_stream` for `run_id`: creates the lease; if one exists, takes it
    // over when it belongs to the same run (a resume after a crash) or has expired. Otherwise a
    // conflict Error names the holder: "data stream X is being repaired by run R on host H (pid P)
    // since T; the lease expires at E".
    [[nodiscard]] static es_client::Result<Lock>
    acquire(es_client::Elasticsearch& es, std::string data_stream, std::string run_id,
            LockHolder holder, NowMs now_ms, std::chrono::milliseconds lease = k_lock_lease);

    // Replaces the lease `observed` (read earlier with read_lease) by one for `run_id`, with
    // if_seq_no/if_primary_term: a conflict Error when the lease changed since it was read.
    // acquire() uses it; it is public so that a takeover race can be reproduced step by step.
    [[nodiscard]] static es_client::Result<Lock>
    take_over(es_client::Elasticsearch& es, const Lease& observed, std::string run_id,
              LockHolder holder, NowMs now_ms, std::chrono::milliseconds lease = k_lock_lease);

    // Extends the lease by its length from now. Losing the lease (taken over, or deleted) is a
    // conflict Error: the caller must stop at once.
    [[nodiscard]] es_client::Result<void> renew();
    // Deletes the lease if it is still this lock's. A lease that is already gone counts as
    // released; one that another run took over is a conflict Error and is left alone.
    [[nodiscard]] es_client::Result<void> release();

    [[nodiscard]] const std::string& data_stream() const { return m_lease.data_stream; }
    [[nodiscard]] const std::string& run_id() const { return m_lease.run_id; }
    [[nodiscard]] const Lease& lease() const { return m_lease; }

private:
    Lock(es_client::Elasticsearch& es, Lease lease, NowMs now_ms, std::chrono::milliseconds length);

    es_client::Elasticsearch* m_es;
    Lease m_lease;
    NowMs m_now_ms;
    std::chrono::milliseconds m_length;
};

} // namespace esmend::playbooks

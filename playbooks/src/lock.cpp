#include <es_client/url.hpp>
#include <playbooks/control_index.hpp>
#include <playbooks/lock.hpp>

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::make_error;
using es_client::Method;
using es_client::Result;
using nlohmann::json;

namespace {

std::string string_field(const json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string{};
}

std::int64_t int_field(const json& o, const char* key) {
    return o.contains(key) && o[key].is_number_integer() ? o[key].get<std::int64_t>() : 0;
}

std::string lock_doc_id(std::string_view data_stream) {
    return "lock-" + std::string(data_stream);
}

json lease_body(const Lease& l) {
    return {{"type", "lock"},
            {"data_stream", l.data_stream},
            {"run_id", l.run_id},
            {"holder", {{"host", l.holder.host}, {"pid", l.holder.pid}, {"user", l.holder.user}}},
            {"acquired_at", rfc3339(l.acquired_at_ms)},
            {"acquired_at_ms", l.acquired_at_ms},
            {"renewed_at", rfc3339(l.renewed_at_ms)},
            {"renewed_at_ms", l.renewed_at_ms},
            {"expires_at", rfc3339(l.expires_at_ms)},
            {"expires_at_ms", l.expires_at_ms}};
}

// "?if_seq_no=S&if_primary_term=T" for a compare-and-set on `l`.
std::string cas_query(const Lease& l) {
    return "?if_seq_no=" + std::to_string(l.seq_no) +
           "&if_primary_term=" + std::to_string(l.primary_term);
}

// Fills seq_no/primary_term from a write response.
Result<void> take_seq(Lease& l, const json& response) {
    if (!response.contains("_seq_no") || !response["_seq_no"].is_number_integer() ||
        !response.contains("_primary_term") || !response["_primary_term"].is_number_integer())
        return std::unexpected(
            make_error(ErrorKind::parse, "the lock write's answer has no _seq_no/_primary_term"));
    l.seq_no = response["_seq_no"].get<std::int64_t>();
    l.primary_term = response["_primary_term"].get<std::int64_t>();
    return {};
}

es_client::Error held_error(const Lease& l) {
    return make_error(ErrorKind::conflict,
                      "data stream " + l.data_stream + " is being repaired by run " + l.run_id +
                          " on host " + l.holder.host + " (pid " + std::to_string(l.holder.pid) +
                          ") since " + rfc3339(l.acquired_at_ms) + "; the lease expires at " +
                          rfc3339(l.expires_at_ms));
}

es_client::Error lost_error(const Lease& mine, const std::string& what) {
    return make_error(ErrorKind::conflict, "run " + mine.run_id + " lost the lock on data stream " +
                                               mine.data_stream + " (" + what +
                                               "); stop now, another run may own it");
}

} // namespace

LockHolder current_holder() {
    LockHolder h;
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) == 0)
        h.host = host.data();
    h.pid = static_cast<std::int64_t>(::getpid());
    if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
        h.user = user;
    } else {
        std::array<char, 1024> buf{};
        passwd pw{};
        passwd* found = nullptr;
        if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
            h.user = found->pw_name;
    }
    return h;
}

std::string lock_path(std::string_view data_stream) {
    return "/" + std::string(k_control_index) + "/_doc/" +
           es_client::url_encode(lock_doc_id(data_stream));
}

Result<std::optional<Lease>> read_lease(es_client::Elasticsearch& es,
                                        std::string_view data_stream) {
    auto found = es.find(lock_path(data_stream)); // GET by id is realtime
    if (!found)
        return std::unexpected(found.error());
    if (!*found || !(*found)->value("found", false))
        return std::optional<Lease>{};
    const auto& doc = **found;
    // A damaged lease document reads as an empty, long-expired lease: it can be taken over.
    const json empty = json::object();
    const auto& src =
        doc.contains("_source") && doc["_source"].is_object() ? doc["_source"] : empty;
    const auto& holder =
        src.contains("holder") && src["holder"].is_object() ? src["holder"] : empty;
    Lease l;
    l.data_stream = std::string(data_stream);
    l.run_id = string_field(src, "run_id");
    l.holder = {string_field(holder, "host"), int_field(holder, "pid"),
                string_field(holder, "user")};
    l.acquired_at_ms = int_field(src, "acquired_at_ms");
    l.renewed_at_ms = int_field(src, "renewed_at_ms");
    l.expires_at_ms = int_field(src, "expires_at_ms");
    if (auto taken = take_seq(l, doc); !taken)
        return std::unexpected(taken.error());
    return std::optional<Lease>{std::move(l)};
}

Lock::Lock(es_client::Elasticsearch& es, Lease lease, NowMs now_ms,
           std::chrono::milliseconds length)
    : m_es(&es), m_lease(std::move(lease)), m_now_ms(std::move(now_ms)), m_length(length) {}

Result<Lock> Lock::acquire(es_client::Elasticsearch& es, std::string data_stream,
                           std::string run_id, LockHolder holder, NowMs now_ms,
                           std::chrono::milliseconds lease) {
    if (auto ensured = ensure_control_index(es); !ensured)
        return std::unexpected(ensured.error());
    // A lease released between our create and our read is tried again, a bounded number of times.
    for (int attempt = 0;; ++attempt) {
        const auto now = now_ms();
        Lease mine{data_stream, run_id, holder, now, now, now + lease.count(), 0, 0};
        const json body = lease_body(mine);
        auto created = es.call(Method::put,
                               "/" + std::string(k_control_index) + "/_create/" +
                                   es_client::url_encode(lock_doc_id(data_stream)),
                               &body);
        if (created) {
            if (auto taken = take_seq(mine, *created); !taken)
                return std::unexpected(taken.error());
            return Lock(es, std::move(mine), std::move(now_ms), lease);
        }
        if (!created.error().has_type("version_conflict_engine_exception"))
            return std::unexpected(created.error());

        auto current = read_lease(es, data_stream);
        if (!current)
            return std::unexpected(current.error());
        if (!*current) {
            if (attempt < 3)
                continue;
            return std::unexpected(
                make_error(ErrorKind::conflict, "the lock on data stream " + data_stream +
                                                    " keeps changing; try again"));
        }
        const auto& held = **current;
        if (held.run_id != run_id && now < held.expires_at_ms)
            return std::unexpected(held_error(held));
        return take_over(es, held, std::move(run_id), std::move(holder), std::move(now_ms), lease);
    }
}

Result<Lock> Lock::take_over(es_client::Elasticsearch& es, const Lease& observed,
                             std::string run_id, LockHolder holder, NowMs now_ms,
                             std::chrono::milliseconds lease) {
    const auto now = now_ms();
    // The same run keeps its original acquisition time across resumes.
    const auto acquired = observed.run_id == run_id ? observed.acquired_at_ms : now;
    Lease mine{observed.data_stream,
               std::move(run_id),
               std::move(holder),
               acquired,
               now,
               now + lease.count(),
               0,
               0};
    const json body = lease_body(mine);
    auto put = es.call(Method::put, lock_path(observed.data_stream) + cas_query(observed), &body);
    if (!put) {
        if (put.error().kind != ErrorKind::conflict)
            return std::unexpected(put.error());
        // Another run got there first: name whoever holds it now.
        auto current = read_lease(es, observed.data_stream);
        if (current && *current)
            return std::unexpected(held_error(**current));
        return std::unexpected(
            make_error(ErrorKind::conflict, "the lock on data stream " + observed.data_stream +
                                                " changed while it was being taken over"));
    }
    if (auto taken = take_seq(mine, *put); !taken)
        return std::unexpected(taken.error());
    return Lock(es, std::move(mine), std::move(now_ms), lease);
}

Result<void> Lock::renew() {
    const auto now = m_now_ms();
    Lease next = m_lease;
    next.renewed_at_ms = now;
    next.expires_at_ms = now + m_length.count();
    const json body = lease_body(next);
    auto put = m_es->call(Method::put, lock_path(m_lease.data_stream) + cas_query(m_lease), &body);
    if (!put) {
        // 409: someone else wrote it, or it was deleted (a compare-and-set on a missing document
        // is a version conflict, "but no document was found").
        if (put.error().kind == ErrorKind::conflict || put.error().http_status == 404)
            return std::unexpected(lost_error(m_lease, put.error().es_reason.empty()
                                                           ? put.error().message
                                                           : put.error().es_reason));
        return std::unexpected(put.error());
    }
    if (auto taken = take_seq(next, *put); !taken)
        return std::unexpected(taken.error());
    m_lease = std::move(next);
    return {};
}

Result<void> Lock::release() {
    auto response = m_es->send(
        es_client::make_request(Method::del, lock_path(m_lease.data_stream) + cas_query(m_lease)));
    if (!response)
        return std::unexpected(response.error());
    if (response->ok() || response->status == 404) // deleted, or no control index at all
        return {};
    if (response->status != 409)
        return std::unexpected(
            es_client::error_from_response(*response, es_client::Service::elasticsearch));
    // A conflict is either "already gone" (fine) or "someone else holds it now" (leave theirs).
    auto current = read_lease(*m_es, m_lease.data_stream);
    if (!current)
        return std::unexpected(current.error());
    if (!*current)
        return {};
    return std::unexpected(lost_error(m_lease, "run " + (*current)->run_id + " holds it now"));
}

} // namespace esmend::playbooks

#pragma once
// The journal of one playbook run (issue #7): what was asked (playbook, version, parameters,
// cluster), how far each step got (status, timings, task ids, counts, checksums) and the engine's
// run state, so that a stopped run can be resumed. It lives in a local file written atomically
// (temp file, fsync, rename, fsync of the directory) with mode 0600, and is mirrored into the
// cluster's hidden esmend-control index so that another machine can see the run and resume it.
//
// The journal never holds secrets: save() refuses a document with a key that looks like a
// credential anywhere in it. A resume against another cluster or with other parameters is refused.

#include <es_client/elasticsearch.hpp>
#include <es_client/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::playbooks {

// Wall-clock time in milliseconds since the epoch, injected so that tests control it.
using NowMs = std::function<std::int64_t()>;

// The system clock in milliseconds since the epoch (the default NowMs).
[[nodiscard]] std::int64_t system_now_ms();
// RFC 3339 in UTC with milliseconds, as ES prints dates: 2026-11-22T20:23:30.123Z.
[[nodiscard]] std::string rfc3339(std::int64_t ms);

inline constexpr int k_journal_schema = 1;

// The directory run journals live in: $ESMEND_STATE_DIR, else $XDG_STATE_HOME/esmend/runs, else
// ~/.local/state/esmend/runs. It is created (mode 0700) when missing.
[[nodiscard]] es_client::Result<std::filesystem::path> default_journal_dir();

// True when `key` looks like it names a credential (password, api_key, apikey, authorization,
// secret, token; case-insensitive, anywhere in the key).
[[nodiscard]] bool is_secret_key(std::string_view key);

class Journal;

// What list() found: the readable runs, oldest first, and one error per unreadable file.
struct JournalListing {
    std::vector<Journal> runs;
    std::vector<es_client::Error> unreadable;
};

class Journal {
public:
    // A new run with a fresh id (12 hex characters) and status "running". Nothing is written
    // until save().
    [[nodiscard]] static es_client::Result<Journal>
    create(std::filesystem::path dir, std::string playbook, std::string playbook_version,
           nlohmann::json params, std::string cluster_uuid, NowMs now_ms = {});
    // Reads <dir>/<id>.json. A missing, truncated or corrupt file is an Error naming the file.
    [[nodiscard]] static es_client::Result<Journal> load(std::filesystem::path dir,
                                                         std::string_view id, NowMs now_ms = {});
    // Every run in `dir` (leftover .tmp files are ignored). A missing directory lists nothing.
    [[nodiscard]] static es_client::Result<JournalListing> list(const std::filesystem::path& dir,
                                                                NowMs now_ms = {});
    // Reads the run mirrored as esmend-control/_doc/run-<id> and writes it to <dir>/<id>.json,
    // unless the local file already holds the same or a later revision (then the local copy wins
    // and is returned).
    [[nodiscard]] static es_client::Result<Journal> load_from_cluster(es_client::Elasticsearch& es,
                                                                      std::filesystem::path dir,
                                                                      std::string_view id,
                                                                      NowMs now_ms = {});

    [[nodiscard]] const std::string& id() const { return m_id; }
    [[nodiscard]] std::filesystem::path path() const;
    // The whole record: {schema, id, revision, playbook, playbook_version, params, params_hash,
    // cluster_uuid, created_at, updated_at, status, steps, state, last_error}.
    [[nodiscard]] const nlohmann::json& doc() const { return m_doc; }
    [[nodiscard]] std::string status() const;
    [[nodiscard]] const nlohmann::json& params() const { return m_doc["params"]; }
    [[nodiscard]] const nlohmann::json& state() const { return m_doc["state"]; }

    // "running", "paused", "failed", "done" or "aborted"; anything else is a config Error.
    [[nodiscard]] es_client::Result<void> set_status(std::string_view status);
    void set_state(nlohmann::json state);
    void set_last_error(std::optional<std::string> message);

    // A step's record, created as {"status": "pending"} on first use; callers may add free facts
    // (task_id, counts, checksum, ...).
    nlohmann::json& step(const std::string& step_id);
    void step_started(const std::string& step_id);
    void step_done(const std::string& step_id);
    void step_failed(const std::string& step_id, const std::string& message);

    // Writes the journal atomically: <id>.json.tmp (mode 0600), fsync, rename to <id>.json, fsync
    // of the directory. Refused (kind config, nothing written) when a key anywhere in the
    // document looks like a secret; the error names the key's path, never its value.
    [[nodiscard]] es_client::Result<void> save();

    // Refuses (kind config) a resume against another cluster or with other parameters, naming
    // both values.
    [[nodiscard]] es_client::Result<void> check_resume(const nlohmann::json& params,
                                                       std::string_view cluster_uuid) const;

    // Writes the journal as esmend-control/_doc/run-<id> (creating the control index first). The
    // local file is never touched, so a failure here loses nothing; callers report it and go on.
    [[nodiscard]] es_client::Result<void> mirror(es_client::Elasticsearch& es) const;

    // The control-index path of a run's mirror: /esmend-control/_doc/run-<id>.
    [[nodiscard]] static std::string mirror_path(std::string_view id);

private:
    Journal(std::filesystem::path dir, nlohmann::json doc, NowMs now_ms);
    [[nodiscard]] static es_client::Result<Journal> from_json(std::filesystem::path dir,
                                                              nlohmann::json doc,
                                                              const std::string& where,
                                                              NowMs now_ms);
    [[nodiscard]] std::string now_text() const;

    std::filesystem::path m_dir;
    std::string m_id;
    nlohmann::json m_doc;
    NowMs m_now_ms;
};

} // namespace esmend::playbooks

#include <es_client/url.hpp>
#include <playbooks/control_index.hpp>
#include <playbooks/journal.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <system_error>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::make_error;
using es_client::Method;
using es_client::Result;
using nlohmann::json;
namespace fs = std::filesystem;

std::int64_t system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string rfc3339(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::array<char, 32> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    std::array<char, 8> frac{};
    std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(ms % 1000));
    return std::string(buf.data(), n) + frac.data();
}

namespace {

const std::set<std::string, std::less<>> k_run_statuses = {"running", "paused", "failed", "done",
                                                           "aborted"};

std::string errno_text(int err) {
    return std::error_code(err, std::generic_category()).message();
}

// Ids name files and documents: short, URL-safe, no path separators.
bool valid_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
}

// 12 hex characters from the random device mixed with the wall clock, so that two machines (or a
// random device without entropy) still get distinct ids.
std::string new_run_id(std::int64_t now_ms) {
    std::random_device device;
    std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32U) ^ device();
    bits ^= static_cast<std::uint64_t>(now_ms) * 0x9E3779B97F4A7C15ULL;
    bits ^= static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::array<char, 17> hex{};
    std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(bits));
    return std::string(hex.data(), 12);
}

// FNV-1a over the canonical dump of the parameters: a fingerprint recorded next to them.
std::string params_hash(const json& params) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : params.dump()) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    std::array<char, 17> hex{};
    std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(h));
    return {hex.data(), 16};
}

// The path ("params.auth.password") of the first secret-looking key in `value`, if any.
std::optional<std::string> find_secret_key(const json& value, const std::string& where) {
    if (value.is_object()) {
        for (const auto& [key, child] : value.items()) {
            const auto path = where.empty() ? key : where + "." + key;
            if (is_secret_key(key))
                return path;
            if (auto found = find_secret_key(child, path))
                return found;
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i)
            if (auto found = find_secret_key(value[i], where + "[" + std::to_string(i) + "]"))
                return found;
    }
    return std::nullopt;
}

Result<void> fsync_directory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return std::unexpected(
            make_error(ErrorKind::state,
                       "cannot open journal directory " + dir.string() + ": " + errno_text(errno)));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0)
        return std::unexpected(
            make_error(ErrorKind::state,
                       "cannot fsync journal directory " + dir.string() + ": " + errno_text(err)));
    return {};
}

// Writes `content` to `target` atomically: target.tmp (0600), fsync, rename, fsync of the dir.
Result<void> write_atomically(const fs::path& target, const std::string& content) {
    const fs::path tmp = target.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return std::unexpected(
            make_error(ErrorKind::state,
                       "cannot write journal file " + tmp.string() + ": " + errno_text(errno)));
    auto fail = [&](const std::string& what) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return std::unexpected(make_error(ErrorKind::state, "cannot " + what + " journal file " +
                                                                tmp.string() + ": " +
                                                                errno_text(err)));
    };
    // The umask may only narrow the mode; an existing temp file keeps its old one, so set it.
    if (::fchmod(fd, 0600) != 0)
        return fail("chmod");
    std::size_t written = 0;
    while (written < content.size()) {
        const auto n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail("write");
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0)
        return fail("fsync");
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return std::unexpected(
            make_error(ErrorKind::state,
                       "cannot close journal file " + tmp.string() + ": " + errno_text(err)));
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return std::unexpected(make_error(ErrorKind::state, "cannot rename " + tmp.string() +
                                                                " to " + target.string() + ": " +
                                                                errno_text(err)));
    }
    return fsync_directory(target.parent_path());
}

Result<fs::path> ensure_private_dir(const fs::path& dir) {
    std::error_code ec;
    const bool existed = fs::exists(dir, ec);
    if (!existed) {
        fs::create_directories(dir, ec);
        if (ec)
            return std::unexpected(
                make_error(ErrorKind::config, "cannot create journal directory " + dir.string() +
                                                  ": " + ec.message()));
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
        if (ec)
            return std::unexpected(
                make_error(ErrorKind::config,
                           "cannot set mode 0700 on " + dir.string() + ": " + ec.message()));
    } else if (!fs::is_directory(dir, ec)) {
        return std::unexpected(make_error(ErrorKind::config, "journal directory " + dir.string() +
                                                                 " is not a directory"));
    }
    return dir;
}

} // namespace

bool is_secret_key(std::string_view key) {
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array<std::string_view, 6> k_words = {
        "password", "api_key", "apikey", "authorization", "secret", "token"};
    return std::any_of(k_words.begin(), k_words.end(),
                       [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

Result<fs::path> default_journal_dir() {
    auto env = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v == nullptr ? std::string{} : std::string(v);
    };
    if (const auto dir = env("ESMEND_STATE_DIR"); !dir.empty())
        return ensure_private_dir(dir);
    if (const auto xdg = env("XDG_STATE_HOME"); !xdg.empty())
        return ensure_private_dir(fs::path(xdg) / "esmend" / "runs");
    if (const auto home = env("HOME"); !home.empty())
        return ensure_private_dir(fs::path(home) / ".local" / "state" / "esmend" / "runs");
    return std::unexpected(
        make_error(ErrorKind::config,
                   "no directory for run journals: set ESMEND_STATE_DIR, XDG_STATE_HOME or HOME"));
}

Journal::Journal(fs::path dir, json doc, NowMs now_ms)
    : m_dir(std::move(dir)), m_id(doc.value("id", "")), m_doc(std::move(doc)),
      m_now_ms(now_ms ? std::move(now_ms) : NowMs(system_now_ms)) {}

std::string Journal::now_text() const {
    return rfc3339(m_now_ms());
}

fs::path Journal::path() const {
    return m_dir / (m_id + ".json");
}

std::string Journal::mirror_path(std::string_view id) {
    return "/" + std::string(k_control_index) + "/_doc/" +
           es_client::url_encode("run-" + std::string(id));
}

Result<Journal> Journal::create(fs::path dir, std::string playbook, std::string playbook_version,
                                json params, std::string cluster_uuid, NowMs now_ms) {
    if (!now_ms)
        now_ms = system_now_ms;
    auto ensured = ensure_private_dir(dir);
    if (!ensured)
        return std::unexpected(ensured.error());
    std::string id;
    std::error_code ec;
    do {
        id = new_run_id(now_ms());
    } while (fs::exists(dir / (id + ".json"), ec));
    const auto now = rfc3339(now_ms());
    const auto hash = params_hash(params);
    json doc = {{"schema", k_journal_schema},
                {"id", id},
                {"revision", 0},
                {"playbook", std::move(playbook)},
                {"playbook_version", std::move(playbook_version)},
                {"params", std::move(params)},
                {"params_hash", hash},
                {"cluster_uuid", std::move(cluster_uuid)},
                {"created_at", now},
                {"updated_at", now},
                {"status", "running"},
                {"steps", json::object()},
                {"state", json::object()},
                {"last_error", nullptr}};
    return Journal(std::move(dir), std::move(doc), std::move(now_ms));
}

Result<Journal> Journal::from_json(fs::path dir, json doc, const std::string& where, NowMs now_ms) {
    auto bad = [&](const std::string& why) {
        return std::unexpected(make_error(
            ErrorKind::parse, "journal " + where + " is not a valid run journal: " + why));
    };
    if (!doc.is_object())
        return bad("not a JSON object");
    if (!doc.contains("schema") || !doc["schema"].is_number_integer() ||
        doc["schema"].get<std::int64_t>() != k_journal_schema)
        return bad("unknown schema " + (doc.contains("schema") ? doc["schema"].dump() : "(none)") +
                   " (this esmend reads schema " + std::to_string(k_journal_schema) + ")");
    for (const char* key : {"id", "playbook", "playbook_version", "cluster_uuid", "created_at",
                            "updated_at", "status"})
        if (!doc.contains(key) || !doc[key].is_string())
            return bad(std::string("\"") + key + "\" is missing or not a string");
    if (!valid_id(doc["id"].get<std::string>()))
        return bad("bad id " + doc["id"].dump());
    if (!k_run_statuses.contains(doc["status"].get<std::string>()))
        return bad("unknown status " + doc["status"].dump());
    if (!doc.contains("steps") || !doc["steps"].is_object())
        return bad("\"steps\" is missing or not an object");
    if (!doc.contains("params") || !doc.contains("state"))
        return bad("\"params\" or \"state\" is missing");
    if (!doc.contains("revision") || !doc["revision"].is_number_integer())
        return bad("\"revision\" is missing or not an integer");
    return Journal(std::move(dir), std::move(doc), std::move(now_ms));
}

Result<Journal> Journal::load(fs::path dir, std::string_view id, NowMs now_ms) {
    if (!valid_id(id))
        return std::unexpected(make_error(ErrorKind::config, "bad run id \"" + std::string(id) +
                                                                 "\" (letters, digits, - and _)"));
    const fs::path file = dir / (std::string(id) + ".json");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::unexpected(
            make_error(ErrorKind::state, "no journal for run " + std::string(id) + " (" +
                                             file.string() + ": " + errno_text(errno) + ")"));
    std::stringstream content;
    content << in.rdbuf();
    auto doc = json::parse(content.str(), nullptr, false);
    if (doc.is_discarded())
        return std::unexpected(make_error(
            ErrorKind::parse, "journal file " + file.string() +
                                  " is not valid JSON (truncated or corrupt); it was not changed"));
    auto journal =
        from_json(std::move(dir), std::move(doc), "file " + file.string(), std::move(now_ms));
    if (journal && journal->id() != id)
        return std::unexpected(make_error(ErrorKind::parse, "journal file " + file.string() +
                                                                " holds run " + journal->id()));
    return journal;
}

Result<JournalListing> Journal::list(const fs::path& dir, NowMs now_ms) {
    JournalListing listing;
    std::error_code ec;
    if (!fs::exists(dir, ec))
        return listing;
    // The non-throwing forms throughout: a vanished or unreadable entry is an error value.
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec) || it->path().extension() != ".json")
            continue; // <id>.json.tmp has the extension .tmp
        auto journal = load(dir, it->path().stem().string(), now_ms);
        if (journal)
            listing.runs.push_back(std::move(*journal));
        else
            listing.unreadable.push_back(journal.error());
    }
    if (ec)
        return std::unexpected(
            make_error(ErrorKind::state,
                       "cannot list journal directory " + dir.string() + ": " + ec.message()));
    std::sort(listing.runs.begin(), listing.runs.end(), [](const Journal& a, const Journal& b) {
        return std::pair(a.doc()["created_at"].get<std::string>(), a.id()) <
               std::pair(b.doc()["created_at"].get<std::string>(), b.id());
    });
    return listing;
}

std::string Journal::status() const {
    return m_doc["status"].get<std::string>();
}

Result<void> Journal::set_status(std::string_view status) {
    if (!k_run_statuses.contains(status))
        return std::unexpected(
            make_error(ErrorKind::config, "unknown run status \"" + std::string(status) + "\""));
    m_doc["status"] = std::string(status);
    return {};
}

void Journal::set_state(json state) {
    m_doc["state"] = std::move(state);
}

void Journal::set_last_error(std::optional<std::string> message) {
    m_doc["last_error"] = message ? json(*message) : json(nullptr);
}

json& Journal::step(const std::string& step_id) {
    auto& steps = m_doc["steps"];
    if (!steps.contains(step_id))
        steps[step_id] = {{"status", "pending"}};
    return steps[step_id];
}

void Journal::step_started(const std::string& step_id) {
    auto& s = step(step_id);
    s["status"] = "running";
    s["started_at"] = now_text();
    s.erase("finished_at");
    s.erase("error");
}

void Journal::step_done(const std::string& step_id) {
    auto& s = step(step_id);
    s["status"] = "done";
    s["finished_at"] = now_text();
}

void Journal::step_failed(const std::string& step_id, const std::string& message) {
    auto& s = step(step_id);
    s["status"] = "failed";
    s["finished_at"] = now_text();
    s["error"] = message;
    m_doc["last_error"] = message;
}

Result<void> Journal::save() {
    if (auto key = find_secret_key(m_doc, "")) {
        return std::unexpected(
            make_error(ErrorKind::config,
                       "refusing to save run " + m_id + ": the journal would hold \"" + *key +
                           "\", which looks like a secret (journals never hold "
                           "credentials; pass them through the connection options)"));
    }
    auto ensured = ensure_private_dir(m_dir);
    if (!ensured)
        return std::unexpected(ensured.error());
    json next = m_doc;
    next["revision"] = m_doc.value("revision", 0) + 1;
    next["updated_at"] = now_text();
    if (auto written = write_atomically(path(), next.dump(2) + "\n"); !written)
        return written;
    m_doc = std::move(next);
    return {};
}

Result<void> Journal::check_resume(const json& params, std::string_view cluster_uuid) const {
    const auto& recorded_uuid = m_doc["cluster_uuid"].get_ref<const std::string&>();
    if (recorded_uuid != cluster_uuid)
        return std::unexpected(make_error(
            ErrorKind::config, "refusing to resume run " + m_id + ": it was started on cluster " +
                                   recorded_uuid + ", but this cluster's uuid is " +
                                   std::string(cluster_uuid)));
    if (m_doc["params"] != params)
        return std::unexpected(
            make_error(ErrorKind::config, "refusing to resume run " + m_id +
                                              ": it was started with " + m_doc["params"].dump() +
                                              ", but this resume asks for " + params.dump()));
    return {};
}

Result<void> Journal::mirror(es_client::Elasticsearch& es) const {
    if (auto key = find_secret_key(m_doc, ""))
        return std::unexpected(make_error(ErrorKind::config, "refusing to mirror run " + m_id +
                                                                 ": it holds \"" + *key +
                                                                 "\", which looks like a secret"));
    auto put = [&]() -> Result<void> {
        if (auto ensured = ensure_control_index(es); !ensured)
            return ensured;
        json body = m_doc;
        body["type"] = "run"; // the control index's document kind (pause markers are "pause")
        if (auto written = es.call(Method::put, mirror_path(m_id), &body); !written)
            return std::unexpected(written.error());
        return {};
    }();
    if (!put) {
        auto error = put.error();
        error.message = "cannot mirror run " + m_id + " into " + std::string(k_control_index) +
                        " (the local journal " + path().string() + " is intact): " + error.message;
        return std::unexpected(error);
    }
    return {};
}

Result<Journal> Journal::load_from_cluster(es_client::Elasticsearch& es, fs::path dir,
                                           std::string_view id, NowMs now_ms) {
    if (!valid_id(id))
        return std::unexpected(make_error(ErrorKind::config, "bad run id \"" + std::string(id) +
                                                                 "\" (letters, digits, - and _)"));
    auto found = es.find(mirror_path(id));
    if (!found)
        return std::unexpected(found.error());
    if (!*found || !(*found)->value("found", false))
        return std::unexpected(make_error(
            ErrorKind::state, "run " + std::string(id) + " is not in " +
                                  std::string(k_control_index) + " (never mirrored, or removed)"));
    json doc = (**found)["_source"];
    if (doc.is_object())
        doc.erase("type");
    auto remote = from_json(dir, std::move(doc),
                            std::string(k_control_index) + "/_doc/run-" + std::string(id), now_ms);
    if (!remote)
        return remote;
    if (remote->id() != id)
        return std::unexpected(make_error(ErrorKind::parse, "the cluster's copy of run " +
                                                                std::string(id) + " holds run " +
                                                                remote->id()));
    std::error_code ec;
    if (fs::exists(dir / (std::string(id) + ".json"), ec)) {
        auto local = load(dir, id, now_ms);
        if (local && local->doc()["revision"].get<std::int64_t>() >=
                         remote->doc()["revision"].get<std::int64_t>())
            return local;
    }
    auto ensured = ensure_private_dir(dir);
    if (!ensured)
        return std::unexpected(ensured.error());
    if (auto written = write_atomically(remote->path(), remote->doc().dump(2) + "\n"); !written)
        return std::unexpected(written.error());
    return remote;
}

} // namespace esmend::playbooks

// The run journal (issue #7): atomic local file, no secrets, resume checks, cluster mirror.
#include <es_client/curl_transport.hpp>
#include <playbooks/control_index.hpp>
#include <playbooks/journal.hpp>

#include "support/es_sim_fixture.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace esmend;
using namespace esmend::playbooks;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// 2026-01-02T03:04:05.678Z, advanced by hand.
struct ManualTime {
    std::int64_t ms = 1'767'323'045'678;
    NowMs fn() {
        return [this] { return ms; };
    }
};

json repair_params() {
    return {{"data_stream", "logs-golang.heap-default"}, {"field", "host.ip"}, {"slices", "auto"}};
}

Journal new_journal(const test::TempDir& dir, ManualTime& time, json params = repair_params()) {
    auto j =
        Journal::create(dir.path(), "host-ip-offline", "1", std::move(params), "uuid-A", time.fn());
    EXPECT_TRUE(j) << (j ? "" : j.error().describe());
    return std::move(*j);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Restores (or unsets) an environment variable at scope exit.
class EnvGuard {
public:
    explicit EnvGuard(const char* name) : m_name(name) {
        if (const char* v = std::getenv(name))
            m_old = v;
    }
    ~EnvGuard() {
        if (m_old)
            ::setenv(m_name, m_old->c_str(), 1);
        else
            ::unsetenv(m_name);
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

} // namespace

TEST(Journal, CreateGivesShortUniqueUrlSafeIds) {
    test::TempDir dir;
    ManualTime time;
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i) {
        auto j = new_journal(dir, time);
        EXPECT_EQ(j.id().size(), 12U);
        EXPECT_EQ(j.id().find_first_not_of("0123456789abcdef"), std::string::npos) << j.id();
        ids.insert(j.id());
    }
    EXPECT_EQ(ids.size(), 50U);
}

TEST(Journal, SaveThenLoadGivesTheSameRecord) {
    test::TempDir dir;
    ManualTime time;
    auto j = new_journal(dir, time);
    EXPECT_EQ(j.status(), "running");
    j.step_started("copy");
    j.step("copy")["task_id"] = "node-1:42";
    j.step("copy")["counts"] = {{"source", 1000}, {"copied", 998}};
    time.ms += 1500;
    j.step_done("copy");
    j.step("verify_copy"); // pending
    j.set_state({{"temp_index", "esmend-tmp-x"}, {"paused_policies", json::array({"p1"})}});
    ASSERT_TRUE(j.set_status("paused"));
    ASSERT_TRUE(j.save());

    auto loaded = Journal::load(dir.path(), j.id());
    ASSERT_TRUE(loaded) << loaded.error().describe();
    EXPECT_EQ(loaded->doc(), j.doc());
    EXPECT_EQ(loaded->status(), "paused");
    EXPECT_EQ(loaded->doc()["steps"]["copy"]["status"], "done");
    EXPECT_EQ(loaded->doc()["steps"]["copy"]["started_at"], "2026-01-02T03:04:05.678Z");
    EXPECT_EQ(loaded->doc()["steps"]["copy"]["finished_at"], "2026-01-02T03:04:07.178Z");
    EXPECT_EQ(loaded->doc()["steps"]["verify_copy"]["status"], "pending");
    EXPECT_EQ(loaded->doc()["schema"], k_journal_schema);
    EXPECT_EQ(loaded->doc()["revision"], 1);
    EXPECT_EQ(loaded->doc()["cluster_uuid"], "uuid-A");
    EXPECT_EQ(loaded->doc()["playbook"], "host-ip-offline");
    EXPECT_TRUE(loaded->doc()["last_error"].is_null());
    EXPECT_EQ(loaded->params(), repair_params());

    // A second save replaces the file and bumps the revision; no temp file is left behind.
    j.step_failed("verify_copy", "count mismatch: 998 != 1000");
    ASSERT_TRUE(j.save());
    EXPECT_FALSE(fs::exists(j.path().string() + ".tmp"));
    auto again = Journal::load(dir.path(), j.id());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->doc()["revision"], 2);
    EXPECT_EQ(again->doc()["last_error"], "count mismatch: 998 != 1000");
    EXPECT_EQ(again->doc()["steps"]["verify_copy"]["status"], "failed");
}

TEST(Journal, FileIsPrivate) {
    test::TempDir dir;
    ManualTime time;
    const auto old_mask = ::umask(0); // even a permissive umask gives 0600
    auto j = new_journal(dir, time);
    const auto saved = j.save();
    ::umask(old_mask);
    ASSERT_TRUE(saved) << saved.error().describe();
    struct stat st {};
    ASSERT_EQ(::stat(j.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U);
}

TEST(Journal, RefusesToSaveSecretsAtAnyDepth) {
    test::TempDir dir;
    ManualTime time;
    const std::vector<std::pair<json, std::string>> cases = {
        {{{"password", "hunter2"}}, "params.password"},
        {{{"es", {{"Api_Key", "abc"}}}}, "params.es.Api_Key"},
        {{{"hosts", json::array({{{"apikey", "x"}}})}}, "params.hosts[0].apikey"},
        {{{"headers", {{"AUTHORIZATION", "Basic eDp5"}}}}, "params.headers.AUTHORIZATION"},
        {{{"client_secret", "s"}}, "params.client_secret"},
        {{{"kibana", {{"access_token", "t"}}}}, "params.kibana.access_token"},
    };
    for (const auto& [params, key] : cases) {
        auto j = new_journal(dir, time, params);
        auto saved = j.save();
        ASSERT_FALSE(saved) << params.dump();
        EXPECT_EQ(saved.error().kind, ErrorKind::config);
        EXPECT_NE(saved.error().message.find("\"" + key + "\""), std::string::npos)
            << saved.error().message;
        for (const auto& [k, v] : params.items()) // never the value itself
            EXPECT_EQ(saved.error().message.find(v.dump()), std::string::npos);
        EXPECT_FALSE(fs::exists(j.path()));
        EXPECT_FALSE(fs::exists(j.path().string() + ".tmp"));
    }
    // The same goes for the run state and step facts.
    auto j = new_journal(dir, time);
    j.set_state({{"fleet", {{"token", "abc"}}}});
    auto saved = j.save();
    ASSERT_FALSE(saved);
    EXPECT_NE(saved.error().message.find("\"state.fleet.token\""), std::string::npos);
    j.set_state(json::object());
    j.step("copy")["secret_id"] = 1;
    EXPECT_FALSE(j.save());
    EXPECT_FALSE(fs::exists(j.path()));
    EXPECT_TRUE(is_secret_key("esPassword"));
    EXPECT_FALSE(is_secret_key("data_stream"));
}

TEST(Journal, ResumeAgainstAnotherClusterIsRefused) {
    test::TempDir dir;
    ManualTime time;
    auto j = new_journal(dir, time);
    EXPECT_TRUE(j.check_resume(repair_params(), "uuid-A"));
    auto r = j.check_resume(repair_params(), "uuid-B");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_NE(r.error().message.find("uuid-A"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("uuid-B"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(j.id()), std::string::npos);
}

TEST(Journal, ResumeWithOtherParamsIsRefused) {
    test::TempDir dir;
    ManualTime time;
    auto j = new_journal(dir, time);
    auto other = repair_params();
    other["field"] = "source.ip";
    auto r = j.check_resume(other, "uuid-A");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_NE(r.error().message.find("\"host.ip\""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("\"source.ip\""), std::string::npos) << r.error().message;
}

TEST(Journal, CorruptOrTruncatedFileIsAClearError) {
    test::TempDir dir;
    ManualTime time;
    auto j = new_journal(dir, time);
    ASSERT_TRUE(j.save());
    const auto full = read_file(j.path());
    dir.write(j.id() + ".json", full.substr(0, full.size() / 2)); // truncated mid-write
    auto r = Journal::load(dir.path(), j.id());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::parse);
    EXPECT_NE(r.error().message.find(j.path().string()), std::string::npos) << r.error().message;

    dir.write(j.id() + ".json", "{\"schema\": 1, \"id\": \"" + j.id() + "\"}");
    r = Journal::load(dir.path(), j.id());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(j.path().string()), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("playbook"), std::string::npos) << r.error().message;

    dir.write(j.id() + ".json", "");
    EXPECT_FALSE(Journal::load(dir.path(), j.id()));
    r = Journal::load(dir.path(), "feedc0ffee00");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("feedc0ffee00"), std::string::npos);
    r = Journal::load(dir.path(), "../etc/passwd");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::config);
}

TEST(Journal, ListSkipsLeftoverTempFilesAndReportsCorruptOnes) {
    test::TempDir dir;
    ManualTime time;
    auto a = new_journal(dir, time);
    ASSERT_TRUE(a.save());
    time.ms += 1000;
    auto b = new_journal(dir, time);
    ASSERT_TRUE(b.save());
    dir.write(b.id() + ".json.tmp", "{\"half\": "); // a crash between write and rename
    dir.write("0123456789ab.json", "not json");
    auto listing = Journal::list(dir.path());
    ASSERT_TRUE(listing);
    ASSERT_EQ(listing->runs.size(), 2U);
    EXPECT_EQ(listing->runs[0].id(), a.id());
    EXPECT_EQ(listing->runs[1].id(), b.id());
    ASSERT_EQ(listing->unreadable.size(), 1U);
    EXPECT_NE(listing->unreadable[0].message.find("0123456789ab.json"), std::string::npos);
    // The leftover temp file does not shadow the real one.
    auto loaded = Journal::load(dir.path(), b.id());
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->doc(), b.doc());
    auto empty = Journal::list(dir.path() / "missing");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->runs.empty());
}

TEST(Journal, DefaultDirectoryFollowsTheEnvironment) {
    test::TempDir dir;
    EnvGuard state("ESMEND_STATE_DIR");
    EnvGuard xdg("XDG_STATE_HOME");
    EnvGuard home("HOME");
    ::setenv("ESMEND_STATE_DIR", dir.file("explicit").c_str(), 1);
    auto d = default_journal_dir();
    ASSERT_TRUE(d) << d.error().describe();
    EXPECT_EQ(*d, fs::path(dir.file("explicit")));
    struct stat st {};
    ASSERT_EQ(::stat(d->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0700U);

    ::unsetenv("ESMEND_STATE_DIR");
    ::setenv("XDG_STATE_HOME", dir.file("xdg").c_str(), 1);
    d = default_journal_dir();
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, fs::path(dir.file("xdg")) / "esmend" / "runs");

    ::unsetenv("XDG_STATE_HOME");
    ::setenv("HOME", dir.file("home").c_str(), 1);
    d = default_journal_dir();
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, fs::path(dir.file("home")) / ".local" / "state" / "esmend" / "runs");
    EXPECT_TRUE(fs::is_directory(*d));
}

TEST(Journal, MirrorThenLoadFromClusterOnAnotherMachine) {
    test::EsSim sim;
    test::TempDir here;
    test::TempDir there;
    ManualTime time;
    auto j = new_journal(here, time);
    j.step_started("copy");
    j.step("copy")["task_id"] = "node-1:7";
    ASSERT_TRUE(j.save());
    auto mirrored = j.mirror(sim.es());
    ASSERT_TRUE(mirrored) << mirrored.error().describe();

    // The control index was created hidden, and the run is a document in it.
    const auto settings = sim.call(Method::get, "/esmend-control/_settings");
    EXPECT_EQ(settings["esmend-control"]["settings"]["index"]["hidden"], "true");
    const auto doc = sim.call(Method::get, Journal::mirror_path(j.id()));
    EXPECT_EQ(doc["_source"]["type"], "run");
    EXPECT_EQ(doc["_source"]["steps"]["copy"]["task_id"], "node-1:7");

    auto loaded = Journal::load_from_cluster(sim.es(), there.path(), j.id());
    ASSERT_TRUE(loaded) << loaded.error().describe();
    EXPECT_EQ(loaded->doc(), j.doc());
    EXPECT_EQ(loaded->path(), there.path() / (j.id() + ".json"));
    auto local = Journal::load(there.path(), j.id()); // the local file was created from it
    ASSERT_TRUE(local);
    EXPECT_EQ(local->doc(), j.doc());
    struct stat st {};
    ASSERT_EQ(::stat(local->path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U);

    // A later local revision is not overwritten by an older mirror.
    j.step_done("copy");
    ASSERT_TRUE(j.save());
    auto newer_here = Journal::load_from_cluster(sim.es(), here.path(), j.id());
    ASSERT_TRUE(newer_here);
    EXPECT_EQ(newer_here->doc()["steps"]["copy"]["status"], "done");

    auto missing = Journal::load_from_cluster(sim.es(), there.path(), "aaaaaaaaaaaa");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("aaaaaaaaaaaa"), std::string::npos);
}

TEST(Journal, MirrorFailureKeepsTheLocalFile) {
    test::TempDir dir;
    ManualTime time;
    auto j = new_journal(dir, time);
    ASSERT_TRUE(j.save());
    es_client::TransportOptions t;
    t.hosts = {*es_client::parse_base_url("http://127.0.0.1:1", 9200)}; // nothing listens there
    es_client::Elasticsearch dead(std::shared_ptr<es_client::Transport>(
        std::move(*es_client::CurlTransport::create(std::move(t)))));
    auto mirrored = j.mirror(dead);
    ASSERT_FALSE(mirrored);
    EXPECT_NE(mirrored.error().message.find(j.path().string()), std::string::npos)
        << mirrored.error().message;
    auto loaded = Journal::load(dir.path(), j.id());
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->doc(), j.doc());
}

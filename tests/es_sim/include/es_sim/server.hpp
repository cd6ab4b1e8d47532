#pragma once
// es-sim's public API: an in-memory Elasticsearch (8.x by default, 7.17 on request) served over
// HTTP on 127.0.0.1. Tests start one or more Servers in-process on ephemeral ports; the es-sim
// executable wraps the same class.

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace esmend::es_sim {

// The built-in roles es-sim knows. They mirror ES's reserved roles closely enough for esmend's
// checks: superuser may do everything, read_only may read every index (ES "viewer"-like) but write
// nothing, and no_access may only authenticate.
enum class Role { superuser, read_only, no_access };

struct User {
    std::string name;
    std::string password;
    Role role = Role::superuser;
};

struct ApiKey {
    std::string id;
    std::string key;
    Role role = Role::superuser;
};

struct Options {
    // "8.19", "8.19.0", "7.17" or "7.17.x"; a bare major.minor picks the patch release es-sim
    // reports.
    std::string version = "8.19.0";
    // 0 picks a free port; start() returns the one bound. The bind host is always 127.0.0.1.
    int port = 0;
    // Security is enabled when at least one user or API key is configured.
    std::vector<User> users;
    std::vector<ApiKey> api_keys;
    // The disk size reported by _nodes/stats/fs and _cat/allocation; used bytes are the store size.
    std::int64_t disk_total_bytes = 100LL * 1024 * 1024 * 1024;
    std::string cluster_name = "es-sim";
    std::string node_name = "es-sim-node-0";
    // Worker threads serving HTTP requests.
    int threads = 8;
    // ES's http.max_content_length (100mb); larger bodies get 413.
    std::size_t max_content_length = 100U * 1024U * 1024U;
    // Kibana (Fleet, data views, status) on its own port: -1 = off, 0 = a free port.
    int kibana_port = -1;
    // The simulated Elastic Agent's collection period, in milliseconds (--agent-period 1s).
    std::int64_t agent_period_ms = 1000;
    // A pre-loaded cluster state ("host-ip-conflict"), empty for none; scenario_docs is its size
    // (documents per stream).
    std::string scenario;
    std::int64_t scenario_docs = 1000;
    // Simulated reindex speed in documents per second (0: as fast as possible), so that a reindex
    // runs long enough to be watched, throttled and cancelled.
    std::int64_t reindex_docs_per_second = 0;
    // ES path.repo: fs snapshot repository locations must lie under one of these directories.
    std::vector<std::string> path_repo;
};

// Parses a "--user" value "name:password:role" or an "--api-key" value "id:key:role"; roles are
// superuser, read_only (also "viewer") and no_access.
[[nodiscard]] std::expected<User, std::string> parse_user_spec(const std::string& spec);
[[nodiscard]] std::expected<ApiKey, std::string> parse_api_key_spec(const std::string& spec);

class Server {
public:
    explicit Server(Options options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds 127.0.0.1:port and serves on background threads. Returns the bound port, or why not.
    [[nodiscard]] std::expected<int, std::string> start();
    // Stops serving and joins the threads; safe to call twice.
    void stop();
    // "http://127.0.0.1:<port>" once started.
    [[nodiscard]] std::string url() const;
    // Kibana's "http://127.0.0.1:<port>" once started with a Kibana port, else empty.
    [[nodiscard]] std::string kibana_url() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

// The es-sim executable's entry point (see main.cpp): parses the command line, serves until SIGINT
// or SIGTERM, and returns the process exit code.
int run_main(int argc, char** argv);

} // namespace esmend::es_sim

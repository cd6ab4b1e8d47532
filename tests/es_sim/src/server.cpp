#include <es_sim/server.hpp>

#include "endpoint_table.hpp"
#include "engine.hpp"
#include "faults.hpp"
#include "filter_path.hpp"
#include "kibana/kibana.hpp"
#include "kibana/scenario.hpp"
#include "security.hpp"

#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace esmend::es_sim {

namespace {

std::expected<Role, std::string> parse_role(const std::string& role) {
    if (role == "superuser")
        return Role::superuser;
    if (role == "read_only" || role == "viewer")
        return Role::read_only;
    if (role == "no_access")
        return Role::no_access;
    return std::unexpected("unknown role [" + role + "] (superuser, read_only, no_access)");
}

std::expected<std::tuple<std::string, std::string, Role>, std::string>
split_spec(const std::string& spec) {
    const auto first = spec.find(':');
    const auto last = spec.rfind(':');
    if (first == std::string::npos || first == last)
        return std::unexpected("expected name:secret:role, got [" + spec + "]");
    auto role = parse_role(spec.substr(last + 1));
    if (!role)
        return std::unexpected(role.error());
    return std::tuple{spec.substr(0, first), spec.substr(first + 1, last - first - 1), *role};
}

SimVersion parse_version(const std::string& v) {
    SimVersion version;
    if (v.starts_with("7")) {
        // 7.17.x: the last 7.x line, which esmend supports.
        version = SimVersion{7, 17, 28};
    }
    int major = 0;
    int minor = 0;
    int patch = -1;
    if (std::sscanf(v.c_str(), "%d.%d.%d", &major, &minor, &patch) >= 2) {
        version.major = major;
        version.minor = minor;
        if (patch >= 0)
            version.patch = patch;
    }
    return version;
}

std::string serialize(const nlohmann::json& body, bool pretty) {
    return pretty ? body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
                  : body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

std::expected<User, std::string> parse_user_spec(const std::string& spec) {
    auto parts = split_spec(spec);
    if (!parts)
        return std::unexpected(parts.error());
    auto [name, secret, role] = *parts;
    return User{name, secret, role};
}

std::expected<ApiKey, std::string> parse_api_key_spec(const std::string& spec) {
    auto parts = split_spec(spec);
    if (!parts)
        return std::unexpected(parts.error());
    auto [id, key, role] = *parts;
    return ApiKey{id, key, role};
}

class Server::Impl {
public:
    explicit Impl(Options options)
        : m_options(std::move(options)), m_version(parse_version(m_options.version)),
          m_engine(EngineOptions{m_version, m_options.cluster_name, m_options.node_name,
                                 m_options.disk_total_bytes,
                                 !m_options.users.empty() || !m_options.api_keys.empty(),
                                 m_options.reindex_docs_per_second, m_options.path_repo}),
          m_security(m_options.users, m_options.api_keys), m_faults(m_options.node_name),
          m_table(EndpointTable::for_version(m_version)) {}

    ~Impl() { stop(); }

    std::expected<int, std::string> start() {
        if (m_thread.joinable())
            return m_port;
        m_http = std::make_unique<httplib::Server>();
        auto& http = *m_http;
        const auto threads = static_cast<std::size_t>(std::max(1, m_options.threads));
        http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        http.set_keep_alive_max_count(1000000);
        http.set_keep_alive_timeout(60);
        http.set_read_timeout(120);
        http.set_write_timeout(120);
        http.set_payload_max_length(m_options.max_content_length);
        http.set_tcp_nodelay(true);
        auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            serve(req, res);
        };
        for (const char* pattern : {".*"}) {
            http.Get(pattern, handler);
            http.Post(pattern, handler);
            http.Put(pattern, handler);
            http.Delete(pattern, handler);
            http.Patch(pattern, handler);
            http.Options(pattern, handler);
        }
        http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            // httplib answers oversized bodies (http.max_content_length) itself with 413; ES sends
            // no body.
            res.set_header("X-elastic-product", "Elasticsearch");
        });
        http.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
                EsError e(500, "exception", "es-sim internal error");
                res.status = 500;
                res.set_header("X-elastic-product", "Elasticsearch");
                res.set_content(e.envelope().dump(), "application/json");
            });
        const int port =
            m_options.port == 0
                ? http.bind_to_any_port("127.0.0.1")
                : (http.bind_to_port("127.0.0.1", m_options.port) ? m_options.port : -1);
        if (port <= 0)
            return std::unexpected("cannot bind 127.0.0.1:" + std::to_string(m_options.port));
        m_port = port;
        // Kibana's side (Fleet, the simulated agent) exists whether or not its HTTP port is on;
        // a scenario is loaded before either server serves a request.
        m_kibana = std::make_unique<kibana::Kibana>(
            kibana::KibanaOptions{
                m_version, "es-sim-kibana",
                std::chrono::milliseconds(std::max<std::int64_t>(1, m_options.agent_period_ms))},
            m_engine, m_table, m_security);
        if (!m_options.scenario.empty()) {
            if (auto loaded = m_kibana->load_scenario(m_options.scenario, m_options.scenario_docs);
                !loaded) {
                m_http.reset();
                m_kibana.reset();
                return std::unexpected("scenario " + m_options.scenario + ": " + loaded.error());
            }
        }
        m_thread = std::thread([this] { m_http->listen_after_bind(); });
        while (!m_http->is_running())
            std::this_thread::yield();
        if (m_options.kibana_port >= 0) {
            auto kibana_port = m_kibana->start_http(m_options.kibana_port);
            if (!kibana_port) {
                stop();
                return std::unexpected(kibana_port.error());
            }
            m_kibana_started = true;
        }
        m_kibana->start_agent();
        return m_port;
    }

    void stop() {
        if (m_kibana)
            m_kibana->stop();
        if (m_http)
            m_http->stop();
        if (m_thread.joinable())
            m_thread.join();
        m_http.reset();
    }

    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] std::string kibana_url() const {
        return m_kibana && m_kibana_started ? m_kibana->url() : std::string{};
    }

private:
    void serve(const httplib::Request& req, httplib::Response& res) {
        RestRequest request;
        request.method = req.method;
        request.path = req.path;
        request.uri = req.target;
        for (const auto& [k, v] : req.params)
            request.params[k] = v;
        request.body = req.body;
        RestResponse response = dispatch(request, req);
        write(request, response, res);
    }

    RestResponse error_response(const EsError& e) {
        RestResponse r;
        r.status = e.status;
        r.json = e.envelope();
        if (e.status == 401) {
            r.headers.emplace_back("WWW-Authenticate",
                                   "Basic realm=\"security\" charset=\"UTF-8\"");
            r.headers.emplace_back("WWW-Authenticate", "ApiKey");
        }
        return r;
    }

    RestResponse dispatch(RestRequest& request, const httplib::Request& req) {
        const bool sim_control = request.path.starts_with("/_sim/");
        if (!sim_control) {
            const auto fault = m_faults.decide(request.path);
            if (fault.latency_ms > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(fault.latency_ms));
            if (fault.kind == FaultKind::error)
                return error_response(fault.error);
            if (fault.kind == FaultKind::drop_connection) {
                RestResponse r;
                r.drop_connection = true;
                return r;
            }
            if (m_security.enabled()) {
                auto principal =
                    m_security.authenticate(req.get_header_value("Authorization"), request.uri);
                if (!principal)
                    return error_response(principal.error());
                request.principal = *principal;
            }
        }
        const auto routed = m_table.route(request.method, request.path);
        if (!routed.match) {
            RestResponse r;
            if (!routed.allowed_methods.empty()) {
                // ES RestController.handleUnsupportedHttpMethod: 405, plain-string error and an
                // Allow header.
                std::string allowed;
                std::string listed;
                for (const auto& m : routed.allowed_methods) {
                    allowed += (allowed.empty() ? "" : ",") + m;
                    listed += (listed.empty() ? "" : ", ") + m;
                }
                r.status = 405;
                r.json = nlohmann::json{{"error", "Incorrect HTTP method for uri [" + request.uri +
                                                      "] and method [" + request.method +
                                                      "], allowed: [" + listed + "]"},
                                        {"status", 405}};
                r.headers.emplace_back("Allow", allowed);
            } else {
                // ES RestController.handleBadRequest: 400 with a bare string "error" and no
                // "status".
                r.status = 400;
                r.json = nlohmann::json{{"error", "no handler found for uri [" + request.uri +
                                                      "] and method [" + request.method + "]"}};
            }
            return r;
        }
        request.endpoint = routed.match->endpoint->name;
        request.parts = routed.match->parts;
        std::set<std::string> given;
        for (const auto& [k, v] : request.params)
            given.insert(k);
        const auto unrecognized =
            unrecognized_params_message(request.path, given, routed.match->endpoint->params);
        if (!unrecognized.empty())
            return error_response(EsError(400, "illegal_argument_exception", unrecognized));
        if (sim_control && request.endpoint == "sim.faults")
            return sim_faults(request);
        if (m_security.enabled() && !sim_control) {
            std::string index = request.part("index");
            if (index.empty())
                index = request.part("name");
            auto allowed = m_security.authorize(request.principal, request.endpoint, index);
            if (!allowed)
                return error_response(allowed.error());
        }
        auto reply = m_engine.handle(request);
        if (!reply)
            return error_response(reply.error());
        return std::move(*reply);
    }

    RestResponse sim_faults(const RestRequest& request) {
        if (request.method == "DELETE") {
            m_faults.clear();
            return json_reply(acknowledged());
        }
        if (request.method == "GET")
            return json_reply(m_faults.describe());
        const auto body = nlohmann::json::parse(request.body, nullptr, false);
        auto configured = m_faults.configure(body.is_discarded() ? nlohmann::json() : body);
        if (!configured)
            return error_response(EsError(400, "illegal_argument_exception", configured.error()));
        return json_reply(acknowledged());
    }

    void write(const RestRequest& request, RestResponse& response, httplib::Response& res) {
        res.status = response.status;
        res.set_header("X-elastic-product", "Elasticsearch");
        for (const auto& [k, v] : response.headers)
            res.set_header(k, v);
        if (response.drop_connection) {
            // Announce a body and never send it: the client sees the connection close mid-response.
            res.status = 200;
            res.set_content_provider(
                16, "application/json",
                [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
            return;
        }
        if (response.json) {
            nlohmann::json body = std::move(*response.json);
            if (request.has("filter_path") && response.status < 300)
                body = apply_filter_path(body, request.param("filter_path"));
            const bool pretty = request.has("pretty") && request.param("pretty") != "false";
            res.set_content(serialize(body, pretty), "application/json");
        } else {
            res.set_content(response.body, response.content_type);
        }
    }

    Options m_options;
    SimVersion m_version;
    Engine m_engine;
    Security m_security;
    Faults m_faults;
    const EndpointTable& m_table;
    std::unique_ptr<httplib::Server> m_http;
    std::thread m_thread;
    int m_port = 0;
    // Declared after the engine so that it (and its agent thread) goes first.
    std::unique_ptr<kibana::Kibana> m_kibana;
    bool m_kibana_started = false;
};

Server::Server(Options options) : m_impl(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;
std::expected<int, std::string> Server::start() {
    return m_impl->start();
}
void Server::stop() {
    m_impl->stop();
}
std::string Server::url() const {
    return m_impl->url();
}
std::string Server::kibana_url() const {
    return m_impl->kibana_url();
}

int run_main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc)
                return std::nullopt;
            return std::string(argv[++i]);
        };
        std::optional<std::string> v;
        if (arg == "--help" || arg == "-h") {
            std::cout
                << "usage: es-sim --port N [--version 8.19|7.17] [--user name:password:role ...]\n"
                   "              [--api-key id:key:role ...] [--disk-total BYTES]\n"
                   "              [--reindex-docs-per-second N] [--path-repo DIR ...]\n"
                   "              [--kibana-port N] [--agent-period DURATION]\n"
                   "              [--scenario NAME [--docs N]]\n"
                   "--kibana-port N serves Kibana (status, Fleet, data views) on N (0 = any free\n"
                   "  port); its URL is printed on the second line of output.\n"
                   "--agent-period DURATION is the simulated Elastic Agent's period (default 1s;\n"
                   "  e.g. 200ms, 2s).\n"
                   "--scenario host-ip-conflict pre-loads golang 0.4.0 -> 1.6.0 with the host.ip\n"
                   "  keyword/ip conflict; --scenario host-ip-not-upgraded stops before the\n"
                   "  upgrade (0.4.0 collecting, host.ip keyword). --docs N sets its documents\n"
                   "  per stream (default 1000).\n"
                   "roles: superuser, read_only, no_access\n";
            return 0;
        }
        if (arg != "--port" && arg != "--version" && arg != "--user" && arg != "--api-key" &&
            arg != "--disk-total" && arg != "--cluster-name" && arg != "--node-name" &&
            arg != "--reindex-docs-per-second" && arg != "--path-repo" && arg != "--kibana-port" &&
            arg != "--agent-period" && arg != "--scenario" && arg != "--docs") {
            std::cerr << "es-sim: unknown argument " << arg << "\n";
            return 2;
        }
        v = value();
        if (!v) {
            std::cerr << "es-sim: " << arg << " needs a value\n";
            return 2;
        }
        try {
            if (arg == "--port")
                options.port = std::stoi(*v);
            else if (arg == "--disk-total")
                options.disk_total_bytes = std::stoll(*v);
            else if (arg == "--reindex-docs-per-second")
                options.reindex_docs_per_second = std::stoll(*v);
            else if (arg == "--kibana-port")
                options.kibana_port = std::stoi(*v);
            else if (arg == "--docs")
                options.scenario_docs = std::stoll(*v);
        } catch (const std::exception&) {
            std::cerr << "es-sim: " << arg << " needs a number, got " << *v << "\n";
            return 2;
        }
        if (arg == "--version") {
            if (!v->starts_with("8.") && !v->starts_with("7.17")) {
                std::cerr << "es-sim: --version must be 8.x or 7.17\n";
                return 2;
            }
            options.version = *v;
        } else if (arg == "--agent-period") {
            // ES time-value syntax (200ms, 2s, 1m).
            auto period = parse_time_value(*v, "agent-period");
            if (!period || *period <= 0) {
                std::cerr << "es-sim: --agent-period needs a positive duration such as 200ms or "
                             "2s, got "
                          << *v << "\n";
                return 2;
            }
            options.agent_period_ms = *period;
        } else if (arg == "--scenario") {
            const auto& names = kibana::scenario_names();
            if (std::find(names.begin(), names.end(), *v) == names.end()) {
                std::cerr << "es-sim: unknown scenario " << *v
                          << " (known: " << kibana::known_scenarios() << ")\n";
                return 2;
            }
            options.scenario = *v;
        } else if (arg == "--path-repo") {
            options.path_repo.push_back(*v);
        } else if (arg == "--cluster-name") {
            options.cluster_name = *v;
        } else if (arg == "--node-name") {
            options.node_name = *v;
        } else if (arg == "--user") {
            auto u = parse_user_spec(*v);
            if (!u) {
                std::cerr << "es-sim: --user: " << u.error() << "\n";
                return 2;
            }
            options.users.push_back(*u);
        } else if (arg == "--api-key") {
            auto k = parse_api_key_spec(*v);
            if (!k) {
                std::cerr << "es-sim: --api-key: " << k.error() << "\n";
                return 2;
            }
            options.api_keys.push_back(*k);
        }
    }
    // Block the stop signals before any thread starts so that only sigwait below receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    Server server(options);
    auto port = server.start();
    if (!port) {
        std::cerr << "es-sim: " << port.error() << "\n";
        return 1;
    }
    std::cout << server.url() << std::endl;
    if (!server.kibana_url().empty())
        std::cout << server.kibana_url() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    return 0;
}

} // namespace esmend::es_sim

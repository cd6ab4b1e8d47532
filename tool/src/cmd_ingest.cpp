#include <es_client/http_poller.hpp>
#include <tool/collector.hpp>
#include <tool/commands.hpp>
#include <tool/connection.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace esmend::tool {

using es_client::ErrorKind;
using es_client::make_error;

namespace {

struct IngestOptions {
    std::vector<std::string> targets;
    std::string targets_file;
    std::string path = "/debug/vars";
    std::string target_user;
    std::string target_password;
    std::string target_ca;
    bool target_insecure = false;
    std::string target_timeout = "5s";
    std::string period = "10s";
    bool once = false;
    std::string ns = "default";
    bool preserve_original = false;
    bool add_host_metadata = false;
    std::string from_file;
    std::string service_address;
    std::string spool_dir;
    double spool_max_mb = 512;
    std::string dead_letter;
    std::size_t batch_size = 1000;
    std::string stats_interval = "60s";
};

std::string default_state_dir() {
    if (const char* s = std::getenv("XDG_STATE_HOME"); s != nullptr && *s != '\0')
        return std::string(s) + "/esmend";
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
        return std::string(h) + "/.local/state/esmend";
    return "/tmp/esmend";
}

HostMetadata this_host() {
    HostMetadata host;
    char name[256] = {0};
    if (::gethostname(name, sizeof name - 1) == 0)
        host.name = name;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
        for (auto* a = list; a != nullptr; a = a->ifa_next) {
            if (a->ifa_addr == nullptr)
                continue;
            char text[INET6_ADDRSTRLEN] = {0};
            if (a->ifa_addr->sa_family == AF_INET) {
                const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
                if (ntohl(in->sin_addr.s_addr) >> 24 == 127)
                    continue;
                ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            } else if (a->ifa_addr->sa_family == AF_INET6) {
                const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
                if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
                    continue;
                ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
            } else {
                continue;
            }
            host.ip.emplace_back(text);
        }
        ::freeifaddrs(list);
    }
    return host;
}

// Elastic's time units as the integration's `period` uses them: "200ms", "10s", "1m", "1h"; a bare
// number is seconds.
es_client::Result<std::chrono::milliseconds> parse_duration(const std::string& text,
                                                            const char* option) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    const std::string unit = text.substr(used);
    double factor = 0;
    if (unit.empty() || unit == "s")
        factor = 1000;
    else if (unit == "ms")
        factor = 1;
    else if (unit == "m")
        factor = 60'000;
    else if (unit == "h")
        factor = 3'600'000;
    if (used == 0 || factor == 0 || value <= 0) {
        return std::unexpected(
            make_error(ErrorKind::config, std::string(option) + ": '" + text +
                                              "' is not a duration (e.g. 200ms, 10s, 1m)"));
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(value * factor)};
}

es_client::Result<std::vector<std::string>> read_targets(const IngestOptions& o) {
    std::vector<std::string> targets = o.targets;
    if (!o.targets_file.empty()) {
        std::ifstream in(o.targets_file);
        if (!in)
            return std::unexpected(
                make_error(ErrorKind::config, "cannot read --targets-file " + o.targets_file));
        std::string line;
        while (std::getline(in, line)) {
            const auto start = line.find_first_not_of(" \t");
            if (start == std::string::npos || line[start] == '#')
                continue;
            targets.push_back(line.substr(start, line.find_last_not_of(" \t\r") - start + 1));
        }
    }
    return targets;
}

nlohmann::json stats_json(const CollectorStats& s, std::uint64_t spooled_now) {
    return {{"polls_ok", s.polls_ok},
            {"polls_failed", s.polls_failed},
            {"indexed", s.indexed},
            {"already_stored", s.already_stored},
            {"spooled", s.spooled},
            {"spooled_now", spooled_now},
            {"dead_lettered", s.dead_lettered},
            {"dropped", s.dropped}};
}

// The longest a polled document waits before it is sent (Beats' output flushes every second).
constexpr std::chrono::seconds k_flush_every{1};

void log_stats(const Collector& c) {
    const auto& s = c.stats();
    spdlog::info("polls ok={} failed={}, docs indexed={} already-stored={} spooled={} (waiting {}) "
                 "dead-lettered={} dropped={}",
                 s.polls_ok, s.polls_failed, s.indexed, s.already_stored, s.spooled,
                 c.spooled_now(), s.dead_lettered, s.dropped);
}

// Replays raw /debug/vars captures (one JSON per line) from a file, a directory of files, or stdin.
es_client::Result<void> replay(Collector& collector, const IngestOptions& o,
                               const es_client::Cancellation& cancel) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (o.from_file != "-" && std::filesystem::is_directory(o.from_file, ec)) {
        for (const auto& e : std::filesystem::directory_iterator(o.from_file)) {
            if (e.is_regular_file())
                files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
    } else {
        files.emplace_back(o.from_file);
    }
    for (const auto& file : files) {
        std::ifstream stream;
        std::istream* in = &std::cin;
        if (file != "-") {
            stream.open(file);
            if (!stream)
                return std::unexpected(
                    make_error(ErrorKind::config, "cannot read " + file.string()));
            in = &stream;
        }
        const std::string address =
            o.service_address.empty() ? "file://" + file.string() : o.service_address;
        std::string line;
        std::size_t n = 0;
        while (std::getline(*in, line) && !cancel.requested()) {
            ++n;
            if (line.find_first_not_of(" \t\r") == std::string::npos)
                continue;
            if (auto r = collector.accept(line, address, std::chrono::system_clock::now(),
                                          Collector::IdFrom::body);
                !r) {
                spdlog::warn("{}:{}: {}", file.string(), n, r.error().message);
            }
            // Sent on the delivery thread while the next 500 captures are shaped.
            if (n % 500 == 0) {
                if (auto f = collector.flush_async(); !f)
                    return f;
            }
        }
    }
    return collector.flush();
}

ExitCode run_ingest(Context& ctx, const IngestOptions& o) {
    Output out(ctx.options.format, ctx.out);
    const auto fail = [&](const es_client::Error& e) {
        out.error(e);
        return exit_code_for(e);
    };
    auto targets = read_targets(o);
    if (!targets)
        return fail(targets.error());
    auto period = parse_duration(o.period, "--period");
    if (!period)
        return fail(period.error());
    auto target_timeout = parse_duration(o.target_timeout, "--target-timeout");
    if (!target_timeout)
        return fail(target_timeout.error());
    auto stats_every = parse_duration(o.stats_interval, "--stats-interval");
    if (!stats_every)
        return fail(stats_every.error());
    if (targets->empty() && o.from_file.empty()) {
        return fail(
            make_error(ErrorKind::config, "give --target URL, --targets-file F or --from-file F"));
    }
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel);
    if (!connection)
        return fail(connection.error());

    CollectorOptions c;
    c.ns = o.ns;
    c.preserve_original = o.preserve_original ? PreserveOriginal::yes : PreserveOriginal::no;
    if (o.add_host_metadata)
        c.host = this_host();
    const std::string state = default_state_dir();
    c.spool_dir = o.spool_dir.empty() ? state + "/spool" : o.spool_dir;
    c.spool.max_bytes = static_cast<std::uint64_t>(o.spool_max_mb * 1024 * 1024);
    c.dead_letter_file = o.dead_letter.empty() ? state + "/dead-letter.ndjson" : o.dead_letter;
    std::filesystem::create_directories(c.dead_letter_file.parent_path());
    c.bulk.max_documents = o.batch_size;
    auto collector = Collector::create(*connection->es, c, ctx.clock, &ctx.cancel);
    if (!collector)
        return fail(collector.error());

    es_client::Result<void> result;
    if (!o.from_file.empty()) {
        result = replay(**collector, o, ctx.cancel);
    } else {
        std::vector<es_client::PollTarget> poll_targets;
        for (const auto& t : *targets) {
            auto url = es_client::parse_base_url(t, 6060);
            if (!url)
                return fail(url.error());
            es_client::PollTarget p;
            p.base = *url;
            p.path = o.path;
            if (!o.target_user.empty())
                p.credentials = es_client::Credentials::basic(o.target_user, o.target_password);
            else if (!url->user.empty())
                p.credentials = es_client::Credentials::basic(url->user, url->password);
            p.tls.ca_file = o.target_ca;
            p.tls.verify =
                o.target_insecure ? es_client::TlsVerify::none : es_client::TlsVerify::full;
            p.timeout = *target_timeout;
            poll_targets.push_back(std::move(p));
        }
        auto poller = es_client::HttpPoller::create(std::move(poll_targets));
        if (!poller)
            return fail(poller.error());
        spdlog::info("polling {} target(s) every {} into {} and {}", (*poller)->size(), o.period,
                     (*collector)->data_stream("golang.heap"),
                     (*collector)->data_stream("golang.expvar"));
        auto next_stats = ctx.clock.now() + *stats_every;
        auto last_flush = ctx.clock.now();
        while (!ctx.cancel.requested()) {
            const auto round_start = ctx.clock.now();
            const auto at = std::chrono::system_clock::now();
            auto outcomes = (*poller)->poll_all(&ctx.cancel);
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                const auto address = (*poller)->target(i).base.str();
                auto& r = outcomes[i].response;
                if (!r || r->status != 200) {
                    (*collector)->poll_failed();
                    spdlog::warn("poll of {} failed: {}", address,
                                 r ? "HTTP " + std::to_string(r->status) : r.error().message);
                    continue;
                }
                if (auto a =
                        (*collector)->accept(r->body, address, at, Collector::IdFrom::timestamp);
                    !a) {
                    spdlog::warn("{}: {}", address, a.error().message);
                }
            }
            // Delivery is batched across rounds, as Beats' output is (a bulk at most every
            // second, or sooner when a batch is full): at short periods or with many targets a
            // poll then costs a GET and its shaping, not a bulk request and pause-marker reads.
            if (o.once || (*collector)->queued() >= o.batch_size ||
                ctx.clock.now() - last_flush >= k_flush_every) {
                if (result = o.once ? (*collector)->flush() : (*collector)->flush_async(); !result)
                    break;
                last_flush = ctx.clock.now();
            }
            if (ctx.clock.now() >= next_stats) {
                log_stats(**collector);
                next_stats = ctx.clock.now() + *stats_every;
            }
            if (o.once)
                break;
            const auto elapsed = ctx.clock.now() - round_start;
            if (elapsed < *period) {
                ctx.clock.sleep_for(
                    std::chrono::duration_cast<std::chrono::milliseconds>(*period - elapsed),
                    &ctx.cancel);
            }
        }
    }
    if (result)
        result = (*collector)->flush(); // SIGINT/SIGTERM: what is held goes out or to the spool
    log_stats(**collector);
    out.result(
        {{"stats", stats_json((*collector)->stats(), (*collector)->spooled_now())},
         {"data_streams",
          {(*collector)->data_stream("golang.heap"), (*collector)->data_stream("golang.expvar")}},
         {"dead_letter_file", c.dead_letter_file.string()},
         {"spool_dir", c.spool_dir.string()}});
    if (!result)
        return fail(result.error());
    // Being stopped by a signal is how a long-running ingest ends: exit 0 once everything is safe.
    return ExitCode::ok;
}

} // namespace

void register_ingest(CLI::App& app, Action& action) {
    auto o = std::make_shared<IngestOptions>();
    auto* cmd = app.add_subcommand(
        "ingest", "Poll Go programs' /debug/vars and index heap and expvar documents");
    cmd->add_option("--target", o->targets,
                    "Go program base URL, e.g. http://host:6060 (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--targets-file", o->targets_file,
                    "File with one target URL per line (# comments)");
    cmd->add_option("--path", o->path, "expvar path")->capture_default_str();
    cmd->add_option("--target-user", o->target_user, "Basic-auth user for the targets");
    cmd->add_option("--target-password", o->target_password, "Basic-auth password for the targets")
        ->envname("ESMEND_TARGET_PASSWORD");
    cmd->add_option("--target-ca", o->target_ca, "PEM CA for HTTPS targets");
    cmd->add_flag("--target-insecure", o->target_insecure,
                  "Do not verify HTTPS targets' certificates");
    cmd->add_option("--target-timeout", o->target_timeout, "Timeout per poll, e.g. 5s")
        ->capture_default_str();
    cmd->add_option("--period", o->period,
                    "Time between polls, e.g. 10s (the integration's default)")
        ->capture_default_str();
    cmd->add_flag("--once", o->once, "Poll once, deliver, and exit");
    cmd->add_option("--namespace", o->ns, "data_stream.namespace")->capture_default_str();
    cmd->add_flag("--preserve-original", o->preserve_original,
                  "Keep the raw body in event.original");
    cmd->add_flag("--add-host-metadata", o->add_host_metadata,
                  "Add host.name and host.ip of this machine (drops the default 'forwarded' tag)");
    cmd->add_option("--from-file", o->from_file,
                    "Replay raw /debug/vars captures: a file, a directory, or - for stdin");
    cmd->add_option("--service-address", o->service_address,
                    "service.address for replayed captures");
    cmd->add_option("--spool-dir", o->spool_dir,
                    "Where undeliverable documents wait [default: ~/.local/state/esmend/spool]");
    cmd->add_option("--spool-max", o->spool_max_mb, "Spool size limit in MB")
        ->capture_default_str();
    cmd->add_option("--dead-letter", o->dead_letter, "NDJSON file for rejected documents");
    cmd->add_option("--batch-size", o->batch_size, "Documents per _bulk request")
        ->capture_default_str();
    cmd->add_option("--stats-interval", o->stats_interval,
                    "Time between stats lines on stderr, e.g. 60s")
        ->capture_default_str();
    cmd->callback([&action, o] { action = [o](Context& ctx) { return run_ingest(ctx, *o); }; });
}

} // namespace esmend::tool

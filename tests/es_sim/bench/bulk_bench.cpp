// es-sim's bulk-ingest throughput and memory, for scripts/bench (Release build). It starts es-sim
// in-process, sends N ~1 KB documents in _bulk requests of B from one client, and prints one JSON
// line: server-side docs/s (from the responses' "took": what one request thread sustains), wall
// docs/s, and the process RSS before and after.
#include <es_sim/server.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:"))
            return std::stol(line.substr(6));
    return -1;
}

} // namespace

int main(int argc, char** argv) {
    const int total = argc > 1 ? std::atoi(argv[1]) : 200000;
    const int per_bulk = argc > 2 ? std::atoi(argv[2]) : 1000;
    const long rss_before = rss_kib();
    esmend::es_sim::Options options;
    esmend::es_sim::Server server(options);
    auto port = server.start();
    if (!port) {
        std::cerr << "es-sim did not start: " << port.error() << '\n';
        return 1;
    }
    httplib::Client client("127.0.0.1", *port);
    client.set_read_timeout(300, 0);
    const std::string tpl =
        R"({"index_patterns":["logs-*-*"],"data_stream":{},"priority":100,"template":{"settings":{"number_of_replicas":0},"mappings":{"properties":{"host":{"properties":{"ip":{"type":"ip"}}},"message":{"type":"keyword","ignore_above":1024}}}}})";
    if (auto r = client.Put("/_index_template/logs", tpl, "application/json");
        !r || r->status != 200)
        return 1;
    const std::string filler(900, 'x');
    std::int64_t took_ms = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int start = 0; start < total; start += per_bulk) {
        std::string body;
        body.reserve(static_cast<std::size_t>(per_bulk) * 1100);
        for (int i = start; i < start + per_bulk && i < total; ++i) {
            body += "{\"create\":{\"_index\":\"logs-bench-default\"}}\n";
            body += R"({"@timestamp":"2024-01-01T00:00:00Z","host":{"ip":"10.0.0.)" +
                    std::to_string(i % 250) + R"("},"n":)" + std::to_string(i) + R"(,"message":")" +
                    filler + "\"}\n";
        }
        auto r = client.Post("/_bulk?filter_path=took,errors", body, "application/x-ndjson");
        if (!r || r->status != 200) {
            std::cerr << "bulk failed\n";
            return 1;
        }
        const auto j = nlohmann::json::parse(r->body);
        if (j.value("errors", true)) {
            std::cerr << "bulk had item errors\n";
            return 1;
        }
        took_ms += j.value("took", std::int64_t{0});
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const long rss_after = rss_kib();
    nlohmann::json out = {
        {"bench", "es_sim_bulk"},
        {"docs", total},
        {"docs_per_bulk", per_bulk},
        {"server_docs_per_s", took_ms > 0 ? 1000.0 * total / static_cast<double>(took_ms) : 0.0},
        {"wall_docs_per_s", total / wall},
        {"rss_mib_before", rss_before / 1024},
        {"rss_mib_after", rss_after / 1024}};
    std::cout << out.dump() << std::endl;
    server.stop();
    return 0;
}

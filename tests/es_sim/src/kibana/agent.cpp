#include "kibana/agent.hpp"

#include <cstdio>

namespace esmend::es_sim::kibana {

using nlohmann::json;

std::string iso_millis(std::int64_t epoch_ms) {
    const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(epoch_ms)};
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

Agent::Agent(EsCaller es, const Fleet& fleet, std::chrono::milliseconds period)
    : m_es(es), m_fleet(&fleet), m_period(period) {}

Agent::~Agent() {
    stop();
}

void Agent::start() {
    if (m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = false;
    }
    m_thread = std::thread([this] { run(); });
}

void Agent::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void Agent::run() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        // The agent polls at the start of each period; a disabled input is seen at the next poll,
        // so writes stop within one period.
        if (m_wake.wait_for(lock, m_period, [this] { return m_stopping; }))
            break;
        lock.unlock();
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        (void)collect(now);
        lock.lock();
    }
}

int Agent::collect(std::int64_t timestamp_ms) {
    const auto streams = m_fleet->agent_streams();
    if (streams.empty())
        return 0;
    const auto tick = m_tick.fetch_add(1);
    std::string body;
    for (const auto& s : streams) {
        body += json{{"create", {{"_index", s.data_stream}}}}.dump() + "\n";
        body += event(s, timestamp_ms, tick) + "\n";
    }
    auto reply = m_es.call("POST", "/_bulk", {}, body);
    if (!reply || !reply->json)
        return 0;
    int written = 0;
    for (const auto& item : reply->json->value("items", json::array()))
        if (item.contains("create") && item["create"].value("status", 0) == 201)
            ++written;
    return written;
}

std::string Agent::event(const AgentStream& stream, std::int64_t timestamp_ms, std::uint64_t tick) {
    // Go runtime.MemStats as /debug/vars renders it (golang-integration.md §6), with counters
    // that grow with each poll. The 256-entry PauseNs/PauseEnd arrays and BySize are left out:
    // neither pipeline reads them (they only end up in event.original).
    const std::uint64_t t = tick + 1;
    const std::uint64_t heap_alloc = 4'194'304 + (t * 7'919 % 2'097'152);
    const std::uint64_t heap_sys = 12'189'696;
    const std::uint64_t heap_inuse = 5'242'880 + (t * 4'096 % 1'048'576);
    const std::uint64_t stack_inuse = 557'056;
    json memstats = {
        {"Alloc", heap_alloc},
        {"TotalAlloc", 978'912 + t * 1'048'576},
        {"Sys", 21'319'688},
        {"Lookups", 0},
        {"Mallocs", 2'194 + t * 613},
        {"Frees", 1'329 + t * 590},
        {"HeapAlloc", heap_alloc},
        {"HeapSys", heap_sys},
        {"HeapIdle", heap_sys - heap_inuse},
        {"HeapInuse", heap_inuse},
        {"HeapReleased", 2'637'824},
        {"HeapObjects", 865 + t * 23 % 4'000},
        {"StackInuse", stack_inuse},
        {"StackSys", stack_inuse},
        {"MSpanInuse", 63'104},
        {"MSpanSys", 65'280},
        {"MCacheInuse", 14'400},
        {"MCacheSys", 15'600},
        {"BuckHashSys", 3'906},
        {"GCSys", 8'585'248},
        {"OtherSys", 1'077'438},
        {"NextGC", 8'388'608},
        {"LastGC", static_cast<std::uint64_t>(timestamp_ms) * 1'000'000ULL - 250'000'000ULL},
        {"PauseTotalNs", 779'723 + t * 51'234},
        {"NumGC", 15 + t},
        {"NumForcedGC", t / 10},
        {"GCCPUFraction", 0.00008866715026361546},
        {"EnableGC", true},
        {"DebugGC", false},
    };
    const json vars = {{"cmdline", json::array({"./go-app", "-listen", ":6060"})},
                       {"memstats", memstats}};
    const std::string agent_id = "ba35afb2-0df7-4d14-8dc2-7a89e4bcbe18";
    json e = {
        {"@timestamp", iso_millis(timestamp_ms)},
        {"message", vars.dump()},
        {"agent",
         {{"ephemeral_id", "e385e1a9-0d82-4af1-8367-a39f246790b8"},
          {"id", agent_id},
          {"name", "go-app-01"},
          {"type", "filebeat"},
          {"version", "8.19.0"}}},
        {"elastic_agent", {{"id", agent_id}, {"snapshot", false}, {"version", "8.19.0"}}},
        {"data_stream",
         {{"type", "logs"}, {"dataset", stream.dataset}, {"namespace", stream.namespace_name}}},
        {"input", {{"type", "httpjson"}}},
        {"service", {{"address", stream.service_address}}},
        {"tags", stream.tags},
        {"host",
         {{"name", "go-app-01"},
          {"hostname", "go-app-01"},
          {"architecture", "x86_64"},
          {"ip", json::array({"10.0.2.15", "fe80::a00:27ff:fe4e:66a1"})},
          {"mac", json::array({"08-00-27-4E-66-A1"})},
          {"os",
           {{"family", "debian"},
            {"kernel", "6.1.0-18-amd64"},
            {"name", "Debian GNU/Linux"},
            {"platform", "debian"},
            {"type", "linux"},
            {"version", "12 (bookworm)"}}}}},
    };
    return e.dump();
}

} // namespace esmend::es_sim::kibana

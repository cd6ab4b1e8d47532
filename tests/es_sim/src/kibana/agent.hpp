#pragma once
// A simulated Elastic Agent running the golang package's httpjson input: every period it sends
// one event per enabled stream (golang.heap, golang.expvar) of every golang package policy, the
// way the agent ships an httpjson poll of Go's /debug/vars (golang-integration.md §2.2, §6): the
// raw body in "message", the stream's data_stream fields, tags and service.address, plus the host
// metadata (host.ip as a list of IPv4 and IPv6 strings). The package's ingest pipeline does the
// rest. Writes go through the ES write path (_bulk create into the data stream).

#include "kibana/es_caller.hpp"
#include "kibana/fleet.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace esmend::es_sim::kibana {

class Agent {
public:
    Agent(EsCaller es, const Fleet& fleet, std::chrono::milliseconds period);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    void start();
    // Stops the writer and joins it; safe to call twice.
    void stop();

    // One collection round at the given time: indexes one event per enabled stream. Returns the
    // number of events written.
    int collect(std::int64_t timestamp_ms);

    // The event the httpjson input ships for one stream, as JSON text (before the ingest
    // pipeline). `tick` advances the Go runtime counters.
    [[nodiscard]] static std::string event(const AgentStream& stream, std::int64_t timestamp_ms,
                                           std::uint64_t tick);

private:
    void run();

    EsCaller m_es;
    const Fleet* m_fleet;
    std::chrono::milliseconds m_period;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
    std::atomic<std::uint64_t> m_tick{0};
};

// "2026-11-17T10:00:00.000Z" for epoch milliseconds.
[[nodiscard]] std::string iso_millis(std::int64_t epoch_ms);

} // namespace esmend::es_sim::kibana

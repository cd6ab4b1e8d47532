#pragma once
// Deterministic fault injection for esmend's retry tests (POST /_sim/faults). Each request that
// matches the configured path patterns draws from a seeded generator, so the same request sequence
// fails the same way every run.

#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace esmend::es_sim {

enum class FaultKind { none, error, drop_connection };

struct FaultDecision {
    FaultKind kind = FaultKind::none;
    int latency_ms = 0;
    EsError error;
};

class Faults {
public:
    explicit Faults(std::string node_name) : m_node_name(std::move(node_name)) {}

    // Body: {"seed": 1, "rate_429": 0.2, "rate_503": 0.1, "rate_drop": 0.05, "latency_ms": 50,
    //        "paths": ["/_bulk", "/*/_bulk"], "fail_nth": [{"n": 3, "status": 429}]}.
    // Paths use '*' wildcards on the request path; no paths means every non-/_sim request.
    [[nodiscard]] std::expected<void, std::string> configure(const nlohmann::json& body);
    void clear();
    [[nodiscard]] nlohmann::json describe() const;
    [[nodiscard]] FaultDecision decide(const std::string& path);

    // ES's bodies for injected statuses: 429 es_rejected_execution_exception (write thread pool
    // full), 503 cluster_block_exception (state not recovered), others a plain exception.
    [[nodiscard]] EsError error_for_status(int status) const;

private:
    mutable std::mutex m_mutex;
    std::string m_node_name;
    nlohmann::json m_config;
    std::mt19937_64 m_random{0};
    std::vector<std::string> m_paths;
    double m_rate_429 = 0;
    double m_rate_503 = 0;
    double m_rate_drop = 0;
    int m_latency_ms = 0;
    std::vector<std::pair<std::int64_t, int>>
        m_fail_nth; // (n, status), 1-based over matching requests
    std::int64_t m_seen = 0;
    bool m_active = false;
};

} // namespace esmend::es_sim

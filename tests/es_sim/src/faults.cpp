#include "faults.hpp"

#include "engine.hpp"

namespace esmend::es_sim {

std::expected<void, std::string> Faults::configure(const nlohmann::json& body) {
    if (!body.is_object())
        return std::unexpected("faults body must be a JSON object");
    std::lock_guard lock(m_mutex);
    auto rate = [&](const char* key) -> std::expected<double, std::string> {
        if (!body.contains(key))
            return 0.0;
        if (!body[key].is_number())
            return std::unexpected(std::string(key) + " must be a number");
        const double r = body[key].get<double>();
        if (r < 0 || r > 1)
            return std::unexpected(std::string(key) + " must be within [0, 1]");
        return r;
    };
    auto r429 = rate("rate_429");
    auto r503 = rate("rate_503");
    auto rdrop = rate("rate_drop");
    if (!r429)
        return std::unexpected(r429.error());
    if (!r503)
        return std::unexpected(r503.error());
    if (!rdrop)
        return std::unexpected(rdrop.error());
    if (*r429 + *r503 + *rdrop > 1.0)
        return std::unexpected("the rates must add up to at most 1");
    std::vector<std::string> paths;
    if (body.contains("paths")) {
        if (!body["paths"].is_array())
            return std::unexpected("paths must be an array of strings");
        for (const auto& p : body["paths"]) {
            if (!p.is_string())
                return std::unexpected("paths must be an array of strings");
            paths.push_back(p.get<std::string>());
        }
    }
    std::vector<std::pair<std::int64_t, int>> nth;
    if (body.contains("fail_nth")) {
        const auto& list = body["fail_nth"].is_array() ? body["fail_nth"]
                                                       : nlohmann::json::array({body["fail_nth"]});
        for (const auto& f : list) {
            if (!f.is_object() || !f.contains("n") || !f["n"].is_number_integer())
                return std::unexpected("fail_nth entries need an integer n");
            nth.emplace_back(f["n"].get<std::int64_t>(), f.value("status", 429));
        }
    }
    m_rate_429 = *r429;
    m_rate_503 = *r503;
    m_rate_drop = *rdrop;
    m_latency_ms = body.value("latency_ms", 0);
    m_paths = std::move(paths);
    m_fail_nth = std::move(nth);
    m_random.seed(body.value("seed", std::uint64_t{0}));
    m_seen = 0;
    m_config = body;
    m_active = true;
    return {};
}

void Faults::clear() {
    std::lock_guard lock(m_mutex);
    m_active = false;
    m_config = nullptr;
    m_paths.clear();
    m_fail_nth.clear();
    m_rate_429 = m_rate_503 = m_rate_drop = 0;
    m_latency_ms = 0;
    m_seen = 0;
}

nlohmann::json Faults::describe() const {
    std::lock_guard lock(m_mutex);
    return {{"active", m_active}, {"config", m_config}, {"matched_requests", m_seen}};
}

FaultDecision Faults::decide(const std::string& path) {
    std::lock_guard lock(m_mutex);
    FaultDecision d;
    if (!m_active)
        return d;
    if (!m_paths.empty()) {
        bool matched = false;
        for (const auto& p : m_paths)
            matched = matched || simple_match(p, path);
        if (!matched)
            return d;
    }
    ++m_seen;
    d.latency_ms = m_latency_ms;
    for (const auto& [n, status] : m_fail_nth) {
        if (n == m_seen) {
            d.kind = FaultKind::error;
            d.error = error_for_status(status);
            return d;
        }
    }
    const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
    if (draw < m_rate_429) {
        d.kind = FaultKind::error;
        d.error = error_for_status(429);
    } else if (draw < m_rate_429 + m_rate_503) {
        d.kind = FaultKind::error;
        d.error = error_for_status(503);
    } else if (draw < m_rate_429 + m_rate_503 + m_rate_drop) {
        d.kind = FaultKind::drop_connection;
    }
    return d;
}

EsError Faults::error_for_status(int status) const {
    if (status == 429) {
        // The write thread pool's rejection (es-apis.md §0.2; logstash#11090 quotes the full text).
        return EsError(
            429, "es_rejected_execution_exception",
            "rejected execution of "
            "org.elasticsearch.action.support.replication.TransportWriteAction$1/"
            "WrappedActionListener on EsThreadPoolExecutor[name = " +
                m_node_name +
                "/write, queue capacity = 10000, org.elasticsearch.common.util.concurrent."
                "EsThreadPoolExecutor@1a2b3c4d[Running, pool size = 2, active threads = 2, queued "
                "tasks = 10000, completed tasks = 4242]]");
    }
    if (status == 503) {
        return EsError(503, "cluster_block_exception",
                       "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];");
    }
    return EsError(status, "exception",
                   "es-sim injected failure with status [" + std::to_string(status) + "]");
}

} // namespace esmend::es_sim

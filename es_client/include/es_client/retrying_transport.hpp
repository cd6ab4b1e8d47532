#pragma once
// A decorator that resends a request on 429, 502, 503, 504 and connection failures, with
// exponential backoff and jitter. Other 4xx answers are never retried.

#include <es_client/clock.hpp>
#include <es_client/transport.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace esmend::es_client {

struct RetryOptions {
    int max_attempts = 4; // the first try plus three retries; 1 turns retries off
    std::chrono::milliseconds initial_backoff{250};
    std::chrono::milliseconds max_backoff{30'000};
};

// Returns a value in [0, 1); injected so that tests see a fixed schedule.
using JitterSource = std::function<double()>;

class RetryingTransport final : public Transport {
public:
    RetryingTransport(std::shared_ptr<Transport> inner, RetryOptions options, Clock& clock,
                      JitterSource jitter, const Cancellation* cancel = nullptr);

    [[nodiscard]] Result<HttpResponse> perform(const HttpRequest& request) override;

    // The wait before retry number `retry` (1-based): an exponential cap min(max,
    // initial*2^(retry-1)) of which the upper half is jittered ("equal jitter"), raised to a
    // Retry-After the server gave and never above max_backoff.
    [[nodiscard]] std::chrono::milliseconds backoff(int retry, double jitter,
                                                    std::chrono::milliseconds retry_after) const;

    [[nodiscard]] static bool is_retryable_status(int status);

private:
    std::shared_ptr<Transport> m_inner;
    RetryOptions m_options;
    Clock& m_clock;
    JitterSource m_jitter;
    const Cancellation* m_cancel;
};

} // namespace esmend::es_client

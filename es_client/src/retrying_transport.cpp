#include <es_client/retrying_transport.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace esmend::es_client {

namespace {
// Retry-After in delta-seconds form (RFC 9110 §10.2.3); the HTTP-date form is ignored.
std::chrono::milliseconds retry_after_of(const HttpResponse& response) {
    const auto value = response.header("Retry-After");
    if (!value)
        return std::chrono::milliseconds{0};
    long seconds = 0;
    const auto* end = value->data() + value->size();
    if (std::from_chars(value->data(), end, seconds).ec != std::errc{} || seconds < 0) {
        return std::chrono::milliseconds{0};
    }
    return std::chrono::seconds{seconds};
}
} // namespace

RetryingTransport::RetryingTransport(std::shared_ptr<Transport> inner, RetryOptions options,
                                     Clock& clock, JitterSource jitter, const Cancellation* cancel)
    : m_inner(std::move(inner)), m_options(options), m_clock(clock), m_jitter(std::move(jitter)),
      m_cancel(cancel) {}

bool RetryingTransport::is_retryable_status(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds RetryingTransport::backoff(int retry, double jitter,
                                                     std::chrono::milliseconds retry_after) const {
    const double initial = static_cast<double>(m_options.initial_backoff.count());
    const double cap = static_cast<double>(m_options.max_backoff.count());
    const double ceiling = std::min(cap, initial * std::pow(2.0, retry - 1));
    const double jittered = ceiling / 2.0 + std::clamp(jitter, 0.0, 1.0) * ceiling / 2.0;
    const double wait = std::min(cap, std::max(jittered, static_cast<double>(retry_after.count())));
    return std::chrono::milliseconds{static_cast<std::int64_t>(wait)};
}

Result<HttpResponse> RetryingTransport::perform(const HttpRequest& request) {
    const int max_attempts = request.retry == Retry::yes ? std::max(1, m_options.max_attempts) : 1;
    for (int attempt = 1;; ++attempt) {
        auto result = m_inner->perform(request);
        std::chrono::milliseconds retry_after{0};
        std::string why;
        if (result) {
            result->attempts = attempt;
            if (!is_retryable_status(result->status) || attempt >= max_attempts)
                return result;
            retry_after = retry_after_of(*result);
            why = "HTTP " + std::to_string(result->status);
        } else {
            result.error().attempts = attempt;
            if (!result.error().retryable || attempt >= max_attempts)
                return result;
            why = result.error().message;
        }
        const auto wait = backoff(attempt, m_jitter ? m_jitter() : 0.5, retry_after);
        spdlog::warn("{} {}: {}; retrying in {} ms (attempt {} of {})", to_string(request.method),
                     request.path, why, wait.count(), attempt + 1, max_attempts);
        if (!m_clock.sleep_for(wait, m_cancel)) {
            auto error =
                make_error(ErrorKind::cancelled, "cancelled while waiting to retry " +
                                                     std::string(to_string(request.method)) + " " +
                                                     request.path);
            error.attempts = attempt;
            return std::unexpected(std::move(error));
        }
    }
}

} // namespace esmend::es_client

#pragma once
// Time and cancellation are injected so that tests never sleep and Ctrl-C reaches every wait.

#include <atomic>
#include <chrono>

namespace esmend::es_client {

// Set by the CLI's signal handler; long waits and retry loops check it.
class Cancellation {
public:
    void request() noexcept { m_requested.store(true, std::memory_order_relaxed); }
    [[nodiscard]] bool requested() const noexcept {
        return m_requested.load(std::memory_order_relaxed);
    }
    void reset() noexcept { m_requested.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> m_requested{false};
};

class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual std::chrono::steady_clock::time_point now() const = 0;
    // Waits for `duration`, returning early (false) if `cancel` is requested meanwhile.
    virtual bool sleep_for(std::chrono::milliseconds duration, const Cancellation* cancel) = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] std::chrono::steady_clock::time_point now() const override {
        return std::chrono::steady_clock::now();
    }
    bool sleep_for(std::chrono::milliseconds duration, const Cancellation* cancel) override;
};

} // namespace esmend::es_client

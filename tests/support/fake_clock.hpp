#pragma once
// A Clock for unit tests: time moves only when a test advances it or something sleeps, and every
// sleep is recorded, so backoff and wait logic is tested without real time.

#include <es_client/clock.hpp>

#include <chrono>
#include <vector>

namespace esmend::test {

class FakeClock final : public es_client::Clock {
public:
    [[nodiscard]] std::chrono::steady_clock::time_point now() const override { return t; }
    bool sleep_for(std::chrono::milliseconds d, const es_client::Cancellation* cancel) override {
        sleeps.push_back(d);
        t += d;
        if (cancel_after_sleeps >= 0 && static_cast<int>(sleeps.size()) >= cancel_after_sleeps &&
            cancel != nullptr) {
            const_cast<es_client::Cancellation*>(cancel)->request();
        }
        return cancel == nullptr || !cancel->requested();
    }

    std::chrono::steady_clock::time_point t{};
    std::vector<std::chrono::milliseconds> sleeps;
    // When >= 0, the sleep that brings the count to this number requests cancellation.
    int cancel_after_sleeps = -1;
};

} // namespace esmend::test

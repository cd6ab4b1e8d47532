#include <es_client/clock.hpp>

#include <algorithm>
#include <thread>

namespace esmend::es_client {

bool SystemClock::sleep_for(std::chrono::milliseconds duration, const Cancellation* cancel) {
    // Sleep in short slices so that Ctrl-C ends a long backoff promptly.
    constexpr std::chrono::milliseconds k_slice{50};
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (true) {
        if (cancel != nullptr && cancel->requested())
            return false;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero())
            return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, k_slice));
    }
}

} // namespace esmend::es_client

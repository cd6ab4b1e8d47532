#pragma once
// The live view of a playbook run on stderr: the step list (… while a step runs, ✓ when it is
// done) and a progress bar for long waits such as a reindex, with the rate and the time left
// worked out from how fast `done` grows. On a terminal the current line is redrawn in place; in a
// log (not a terminal) each step is one line and a wait prints a line at most every 10 seconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace esmend::tool {

class ProgressView {
public:
    using Now = std::function<std::chrono::steady_clock::time_point()>;
    ProgressView(std::ostream& out, bool terminal, Now now = {});

    void step_started(const std::string& name);
    // A wait in the current step; `done`/`total` (when known) feed the bar, the rate and the ETA.
    void waiting(const std::string& message, std::optional<std::int64_t> done = std::nullopt,
                 std::optional<std::int64_t> total = std::nullopt);
    // Something the step does (an action), shown under the step.
    void note(const std::string& text);
    void step_done(const std::string& name, const std::string& message);
    void step_failed(const std::string& name, const std::string& message);

    // The rate and time left of the current wait, for tests and the bar: documents per second
    // since the first sample, and the seconds left at that rate (nullopt until it is known).
    [[nodiscard]] std::optional<double> rate() const;
    [[nodiscard]] std::optional<double> seconds_left() const;

private:
    void clear_line();

    std::ostream& m_out;
    bool m_terminal;
    Now m_now;
    bool m_line_open = false; // a redrawable line is on screen (terminal only)
    std::string m_step;
    struct Sample {
        std::chrono::steady_clock::time_point at;
        std::int64_t done = 0;
    };
    std::optional<Sample> m_first; // of the current wait
    std::optional<Sample> m_last;
    std::int64_t m_total = 0;
    std::optional<std::chrono::steady_clock::time_point> m_last_logged;
};

// "12s", "3m05s", "1h02m".
[[nodiscard]] std::string format_duration(double seconds);
// "12,345".
[[nodiscard]] std::string group_thousands(std::int64_t n);

} // namespace esmend::tool

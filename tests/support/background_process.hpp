#pragma once
// A program running in the background for the length of a test (es-sim, the Go expvar target),
// whose first stdout line is its URL. Killed (SIGTERM, then SIGKILL) when the object dies.

#include <string>
#include <vector>

namespace esmend::test {

class BackgroundProcess {
public:
    // Starts argv and waits up to 30 s for the first stdout line; fails the test otherwise.
    explicit BackgroundProcess(const std::vector<std::string>& argv);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    [[nodiscard]] const std::string& first_line() const { return m_first_line; }
    [[nodiscard]] int pid() const { return m_pid; }
    // Sends `signal` and waits for the exit; returns the exit code (128+signal if killed).
    int stop(int signal);

private:
    int m_pid = -1;
    int m_stdout = -1;
    std::string m_first_line;
};

} // namespace esmend::test

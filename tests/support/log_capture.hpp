#pragma once
// Captures everything logged through spdlog's default logger, at trace level, while in scope.

#include <spdlog/logger.h>

#include <memory>
#include <sstream>
#include <string>

namespace esmend::test {

class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    [[nodiscard]] std::string text() const;

private:
    std::shared_ptr<std::ostringstream> m_stream;
    std::shared_ptr<spdlog::logger> m_previous;
};

} // namespace esmend::test

#include "support/log_capture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace esmend::test {

LogCapture::LogCapture()
    : m_stream(std::make_shared<std::ostringstream>()), m_previous(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*m_stream);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%l: %v");
    spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
    spdlog::set_default_logger(m_previous);
}

std::string LogCapture::text() const {
    spdlog::default_logger()->flush();
    return m_stream->str();
}

} // namespace esmend::test

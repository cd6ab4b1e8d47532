#include <tool/output.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace esmend::tool {

nlohmann::json to_json(const es_client::Error& error) {
    nlohmann::json j = {{"kind", std::string(es_client::to_string(error.kind))},
                        {"message", error.message}};
    if (error.http_status != 0)
        j["http_status"] = error.http_status;
    if (!error.es_type.empty())
        j["type"] = error.es_type;
    if (!error.es_reason.empty())
        j["reason"] = error.es_reason;
    if (!error.caused_by.empty()) {
        j["caused_by"] = nlohmann::json::array();
        for (const auto& c : error.caused_by)
            j["caused_by"].push_back({{"type", c.type}, {"reason", c.reason}});
    }
    j["attempts"] = error.attempts;
    return j;
}

void Output::result(const nlohmann::json& value) {
    if (json())
        m_out << value.dump(2) << '\n' << std::flush;
}

void Output::fields(const std::vector<std::pair<std::string, std::string>>& rows) {
    if (json())
        return;
    std::size_t width = 0;
    for (const auto& [key, _] : rows)
        width = std::max(width, key.size());
    for (const auto& [key, value] : rows)
        m_out << key << std::string(width - key.size() + 2, ' ') << value << '\n';
    m_out << std::flush;
}

void Output::table(const std::vector<std::vector<std::string>>& rows) {
    if (json())
        return;
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i + 1 < row.size(); ++i) {
            if (widths.size() <= i)
                widths.resize(i + 1, 0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            m_out << row[i];
            if (i + 1 < row.size())
                m_out << std::string(widths[i] - row[i].size() + 2, ' ');
        }
        m_out << '\n';
    }
    m_out << std::flush;
}

void Output::line(const std::string& text) {
    if (!json())
        m_out << text << '\n' << std::flush;
}

void Output::error(const es_client::Error& error) {
    spdlog::error("{}", error.describe());
    if (json())
        m_out << nlohmann::json{{"error", to_json(error)}}.dump(2) << '\n' << std::flush;
}

void setup_logging(int verbosity, bool quiet) {
    spdlog::drop("esmend");
    auto logger = spdlog::stderr_color_mt("esmend");
    logger->set_pattern("%^%l%$: %v");
    auto level = spdlog::level::info;
    if (quiet)
        level = spdlog::level::err;
    if (verbosity == 1)
        level = spdlog::level::debug;
    if (verbosity >= 2)
        level = spdlog::level::trace;
    logger->set_level(level);
    spdlog::set_default_logger(logger);
}

} // namespace esmend::tool

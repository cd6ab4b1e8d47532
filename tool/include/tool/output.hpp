#pragma once
// Results go to stdout, in the human form or, with --json, as JSON only. Logs go to stderr.

#include <es_client/error.hpp>
#include <tool/options.hpp>

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace esmend::tool {

class Output {
public:
    Output(OutputFormat format, std::ostream& out) : m_format(format), m_out(out) {}

    [[nodiscard]] bool json() const { return m_format == OutputFormat::json; }
    // The command's machine-readable result (printed only with --json).
    void result(const nlohmann::json& value);
    // Aligned "key  value" lines for the human form.
    void fields(const std::vector<std::pair<std::string, std::string>>& rows);
    // Rows of cells, every column but the last padded to its widest cell (human form only).
    void table(const std::vector<std::vector<std::string>>& rows);
    void line(const std::string& text);
    // Reports a failure: a log line on stderr and, with --json, {"error": {...}} on stdout.
    void error(const es_client::Error& error);

private:
    OutputFormat m_format;
    std::ostream& m_out;
};

[[nodiscard]] nlohmann::json to_json(const es_client::Error& error);

void setup_logging(int verbosity, bool quiet);

} // namespace esmend::tool

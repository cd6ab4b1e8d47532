#pragma once
// A reader for the YAML subset the es-spec example files use (shared/fixtures/es-spec): top-level
// keys with plain, single- or double-quoted (multi-line, folded) scalars, block scalars (| |- >
// >-), and nested block mappings and sequences. It is lenient: it never throws and returns null for
// what it does not understand. Test support only.

#include <nlohmann/json.hpp>

#include <cctype>
#include <regex>
#include <string>
#include <vector>

namespace esmend::es_sim::testing {

class YamlSubset {
public:
    static nlohmann::json parse(const std::string& text) {
        YamlSubset y(text);
        return y.block(0);
    }

private:
    explicit YamlSubset(const std::string& text) {
        std::size_t start = 0;
        while (start <= text.size()) {
            auto nl = text.find('\n', start);
            if (nl == std::string::npos)
                nl = text.size();
            m_lines.push_back(text.substr(start, nl - start));
            start = nl + 1;
        }
    }

    static int indent_of(const std::string& line) {
        int n = 0;
        while (static_cast<std::size_t>(n) < line.size() &&
               line[static_cast<std::size_t>(n)] == ' ')
            ++n;
        return n;
    }
    static bool blank(const std::string& line) {
        return line.find_first_not_of(" \t\r") == std::string::npos;
    }
    static bool comment(const std::string& line) {
        const auto p = line.find_first_not_of(' ');
        return p != std::string::npos && line[p] == '#';
    }
    void skip_empty() {
        while (m_pos < m_lines.size() && (blank(m_lines[m_pos]) || comment(m_lines[m_pos])))
            ++m_pos;
    }

    nlohmann::json block(int indent) {
        skip_empty();
        if (m_pos >= m_lines.size())
            return nullptr;
        const int here = indent_of(m_lines[m_pos]);
        if (here < indent)
            return nullptr;
        if (m_lines[m_pos].compare(static_cast<std::size_t>(here), 2, "- ") == 0 ||
            m_lines[m_pos].substr(static_cast<std::size_t>(here)) == "-")
            return sequence(here);
        return mapping(here);
    }

    nlohmann::json sequence(int indent) {
        nlohmann::json out = nlohmann::json::array();
        while (true) {
            skip_empty();
            if (m_pos >= m_lines.size())
                break;
            auto& line = m_lines[m_pos];
            if (indent_of(line) != indent ||
                line.compare(static_cast<std::size_t>(indent), 1, "-") != 0)
                break;
            const std::string rest = line.size() > static_cast<std::size_t>(indent) + 2
                                         ? line.substr(static_cast<std::size_t>(indent) + 2)
                                         : "";
            if (looks_like_key(rest)) {
                line = std::string(static_cast<std::size_t>(indent) + 2, ' ') + rest;
                out.push_back(mapping(indent + 2));
            } else {
                ++m_pos;
                out.push_back(scalar(rest, indent));
            }
        }
        return out;
    }

    static bool looks_like_key(const std::string& s) {
        static const std::regex k_key(R"(^("[^"]*"|'[^']*'|[^\s'"\[\{#][^:#]*):(\s.*)?$)");
        return std::regex_match(s, k_key);
    }

    nlohmann::json mapping(int indent) {
        nlohmann::json out = nlohmann::json::object();
        while (true) {
            skip_empty();
            if (m_pos >= m_lines.size())
                break;
            const auto line = m_lines[m_pos];
            if (indent_of(line) != indent)
                break;
            const std::string content = line.substr(static_cast<std::size_t>(indent));
            if (!looks_like_key(content))
                break;
            std::size_t colon = content.find(':');
            std::string key = content.substr(0, colon);
            if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) {
                const auto close = content.find(key.front(), 1);
                key = content.substr(1, close - 1);
                colon = content.find(':', close);
            }
            std::string rest = colon + 1 < content.size() ? content.substr(colon + 1) : "";
            const auto first = rest.find_first_not_of(' ');
            rest = first == std::string::npos ? "" : rest.substr(first);
            ++m_pos;
            if (rest.empty()) {
                skip_empty();
                if (m_pos < m_lines.size()) {
                    const int next = indent_of(m_lines[m_pos]);
                    const std::string next_content =
                        m_lines[m_pos].substr(static_cast<std::size_t>(next));
                    if (next > indent &&
                        (looks_like_key(next_content) || next_content.starts_with("- "))) {
                        out[key] = block(next);
                        continue;
                    }
                    if (next == indent && next_content.starts_with("- ")) {
                        out[key] = sequence(next);
                        continue;
                    }
                    if (next > indent &&
                        (next_content.starts_with("\"") || next_content.starts_with("'") ||
                         next_content.starts_with("|") || next_content.starts_with(">"))) {
                        ++m_pos;
                        out[key] = scalar(next_content, indent);
                        continue;
                    }
                    if (next > indent) {
                        out[key] = multiline_plain(indent);
                        continue;
                    }
                }
                out[key] = nullptr;
            } else {
                out[key] = scalar(rest, indent);
            }
        }
        return out;
    }

    nlohmann::json multiline_plain(int indent) {
        std::string text;
        while (m_pos < m_lines.size() &&
               (blank(m_lines[m_pos]) || indent_of(m_lines[m_pos]) > indent)) {
            const auto& l = m_lines[m_pos++];
            if (blank(l)) {
                text += "\n";
                continue;
            }
            if (!text.empty() && text.back() != '\n')
                text += " ";
            text += l.substr(static_cast<std::size_t>(indent_of(l)));
        }
        return text;
    }

    // A scalar that starts on the current (already consumed) line with `rest`.
    nlohmann::json scalar(const std::string& rest, int indent) {
        if (rest.starts_with("|") || rest.starts_with(">"))
            return block_scalar(rest, indent);
        if (rest.starts_with("\"") || rest.starts_with("'"))
            return quoted(rest);
        std::string text = rest;
        const auto hash = text.find(" #");
        if (hash != std::string::npos)
            text = text.substr(0, hash);
        while (!text.empty() && text.back() == ' ')
            text.pop_back();
        // Plain scalars may continue on more-indented lines.
        while (m_pos < m_lines.size() && !blank(m_lines[m_pos]) &&
               indent_of(m_lines[m_pos]) > indent &&
               !looks_like_key(
                   m_lines[m_pos].substr(static_cast<std::size_t>(indent_of(m_lines[m_pos]))))) {
            text +=
                " " + m_lines[m_pos].substr(static_cast<std::size_t>(indent_of(m_lines[m_pos])));
            ++m_pos;
        }
        return typed(text);
    }

    static nlohmann::json typed(const std::string& text) {
        if (text == "true")
            return true;
        if (text == "false")
            return false;
        if (text == "null" || text == "~")
            return nullptr;
        static const std::regex k_int(R"(^-?[0-9]+$)");
        static const std::regex k_float(R"(^-?[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?$)");
        // "00000000" (a build hash in RootNodeInfoResponseExample1) stays a string, as ES sends it.
        if (std::regex_match(text, k_int) && !(text.size() > 1 && text[0] == '0'))
            return std::stoll(text);
        if (std::regex_match(text, k_float))
            return std::stod(text);
        if (text.starts_with("[") || text.starts_with("{")) {
            auto j = nlohmann::json::parse(text, nullptr, false);
            if (!j.is_discarded())
                return j;
        }
        return text;
    }

    nlohmann::json block_scalar(const std::string& header, int indent) {
        const bool fold = header[0] == '>';
        const bool strip = header.find('-') != std::string::npos;
        std::vector<std::string> lines;
        int block_indent = -1;
        while (m_pos < m_lines.size()) {
            const auto& l = m_lines[m_pos];
            if (!blank(l) && indent_of(l) <= indent)
                break;
            if (!blank(l) && block_indent < 0)
                block_indent = indent_of(l);
            lines.push_back(blank(l) ? std::string{}
                                     : l.substr(static_cast<std::size_t>(
                                           std::min(block_indent, indent_of(l)))));
            ++m_pos;
        }
        while (!lines.empty() && lines.back().empty())
            lines.pop_back();
        std::string out;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (i > 0)
                out += (fold && !lines[i].empty() && !lines[i - 1].empty()) ? " " : "\n";
            out += lines[i];
        }
        if (!strip)
            out += "\n";
        return out;
    }

    nlohmann::json quoted(const std::string& first) {
        const char q = first[0];
        std::vector<std::string> raw{first.substr(1)};
        auto closed = [&](const std::string& s) -> std::size_t {
            for (std::size_t i = 0; i < s.size(); ++i) {
                if (q == '"' && s[i] == '\\') {
                    ++i;
                    continue;
                }
                if (s[i] == q) {
                    if (q == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                        ++i;
                        continue;
                    }
                    return i;
                }
            }
            return std::string::npos;
        };
        std::size_t end = closed(raw.back());
        while (end == std::string::npos && m_pos < m_lines.size()) {
            raw.push_back(m_lines[m_pos++]);
            end = closed(raw.back());
        }
        if (end != std::string::npos)
            raw.back() = raw.back().substr(0, end);
        // Line folding: a single break is a space, n blank lines are n newlines, "\" at the end of
        // a line (double quotes) joins without a space.
        std::string folded;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            std::string line = raw[i];
            if (i > 0)
                line = line.substr(
                    std::min(line.size(), line.find_first_not_of(" \t") == std::string::npos
                                              ? line.size()
                                              : line.find_first_not_of(" \t")));
            if (i + 1 < raw.size() && !(q == '"' && !line.empty() && line.back() == '\\')) {
                while (!line.empty() && line.back() == ' ')
                    line.pop_back();
            }
            if (i > 0) {
                if (q == '"' && !folded.empty() && folded.back() == '\\')
                    folded.pop_back();
                else if (line.empty()) {
                    folded += "\n";
                    continue;
                } else if (folded.empty() || folded.back() != '\n')
                    folded += " ";
            }
            folded += line;
        }
        if (q == '\'') {
            std::string out;
            for (std::size_t i = 0; i < folded.size(); ++i) {
                out += folded[i];
                if (folded[i] == '\'' && i + 1 < folded.size() && folded[i + 1] == '\'')
                    ++i;
            }
            return out;
        }
        std::string out;
        for (std::size_t i = 0; i < folded.size(); ++i) {
            if (folded[i] != '\\' || i + 1 >= folded.size()) {
                out += folded[i];
                continue;
            }
            const char e = folded[++i];
            switch (e) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case ' ':
                out += ' ';
                break;
            case 'u': {
                const auto code = std::stoul(folded.substr(i + 1, 4), nullptr, 16);
                i += 4;
                if (code < 0x80)
                    out += static_cast<char>(code);
                else if (code < 0x800) {
                    out += static_cast<char>(0xC0 | (code >> 6));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                } else {
                    out += static_cast<char>(0xE0 | (code >> 12));
                    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                }
                break;
            }
            default:
                out += e;
            }
        }
        return out;
    }

    std::vector<std::string> m_lines;
    std::size_t m_pos = 0;
};

} // namespace esmend::es_sim::testing

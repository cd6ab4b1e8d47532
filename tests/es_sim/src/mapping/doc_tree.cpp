#include "mapping/doc_tree.hpp"

#include <cstddef>

namespace esmend::es_sim::mapping_detail {
namespace {

constexpr int k_max_depth = 1000;

class TreeParser {
public:
    explicit TreeParser(std::string_view text) : m_text(text) {}

    std::expected<DocNode, std::string> run() {
        skip_ws();
        DocNode root;
        if (auto ok = value(root, 0); !ok)
            return std::unexpected(ok.error());
        skip_ws();
        if (m_pos != m_text.size())
            return std::unexpected(std::string("trailing data"));
        return root;
    }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
    std::uint32_t m_line = 1;
    std::size_t m_line_start = 0;

    [[nodiscard]] TokenLocation here() const {
        return TokenLocation{m_line, static_cast<std::uint32_t>(m_pos - m_line_start + 1)};
    }

    void skip_ws() {
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c == '\n') {
                ++m_pos;
                ++m_line;
                m_line_start = m_pos;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++m_pos;
            } else {
                break;
            }
        }
    }

    std::expected<void, std::string> value(DocNode& out, int depth) {
        if (depth > k_max_depth)
            return std::unexpected(std::string("too deep"));
        if (m_pos >= m_text.size())
            return std::unexpected(std::string("unexpected end"));
        out.start = here();
        const char c = m_text[m_pos];
        if (c == '{')
            return object(out, depth);
        if (c == '[')
            return array(out, depth);
        if (c == '"') {
            out.kind = NodeKind::string;
            return string(out.text);
        }
        if (m_text.substr(m_pos, 4) == "true") {
            out.kind = NodeKind::boolean;
            out.text = "true";
            m_pos += 4;
            return {};
        }
        if (m_text.substr(m_pos, 5) == "false") {
            out.kind = NodeKind::boolean;
            out.text = "false";
            m_pos += 5;
            return {};
        }
        if (m_text.substr(m_pos, 4) == "null") {
            out.kind = NodeKind::null;
            m_pos += 4;
            return {};
        }
        return number(out);
    }

    std::expected<void, std::string> object(DocNode& out, int depth) {
        out.kind = NodeKind::object;
        ++m_pos;
        skip_ws();
        if (m_pos < m_text.size() && m_text[m_pos] == '}') {
            out.end = here();
            ++m_pos;
            return {};
        }
        while (true) {
            skip_ws();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"')
                return std::unexpected(std::string("expected key"));
            std::string key;
            if (auto ok = string(key); !ok)
                return ok;
            skip_ws();
            if (m_pos >= m_text.size() || m_text[m_pos] != ':')
                return std::unexpected(std::string("expected ':'"));
            ++m_pos;
            skip_ws();
            DocNode child;
            if (auto ok = value(child, depth + 1); !ok)
                return ok;
            out.members.emplace_back(std::move(key), std::move(child));
            skip_ws();
            if (m_pos >= m_text.size())
                return std::unexpected(std::string("unexpected end"));
            if (m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_text[m_pos] == '}') {
                out.end = here();
                ++m_pos;
                return {};
            }
            return std::unexpected(std::string("expected ',' or '}'"));
        }
    }

    std::expected<void, std::string> array(DocNode& out, int depth) {
        out.kind = NodeKind::array;
        ++m_pos;
        skip_ws();
        if (m_pos < m_text.size() && m_text[m_pos] == ']') {
            out.end = here();
            ++m_pos;
            return {};
        }
        while (true) {
            skip_ws();
            DocNode child;
            if (auto ok = value(child, depth + 1); !ok)
                return ok;
            out.items.push_back(std::move(child));
            skip_ws();
            if (m_pos >= m_text.size())
                return std::unexpected(std::string("unexpected end"));
            if (m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_text[m_pos] == ']') {
                out.end = here();
                ++m_pos;
                return {};
            }
            return std::unexpected(std::string("expected ',' or ']'"));
        }
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::expected<std::uint32_t, std::string> hex4() {
        if (m_pos + 4 > m_text.size())
            return std::unexpected(std::string("bad escape"));
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = m_text[m_pos++];
            v <<= 4;
            if (h >= '0' && h <= '9')
                v |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f')
                v |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                v |= static_cast<std::uint32_t>(h - 'A' + 10);
            else
                return std::unexpected(std::string("bad escape"));
        }
        return v;
    }

    std::expected<void, std::string> string(std::string& out) {
        ++m_pos; // opening quote
        while (m_pos < m_text.size()) {
            // Copy the run of plain characters in one step.
            std::size_t run = m_pos;
            while (run < m_text.size() && m_text[run] != '"' && m_text[run] != '\\')
                ++run;
            out.append(m_text.data() + m_pos, run - m_pos);
            m_pos = run;
            if (m_pos >= m_text.size())
                break;
            const char c = m_text[m_pos++];
            if (c == '"')
                return {};
            if (m_pos >= m_text.size())
                break;
            const char e = m_text[m_pos++];
            switch (e) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                auto cp = hex4();
                if (!cp)
                    return std::unexpected(cp.error());
                std::uint32_t code = *cp;
                if (code >= 0xD800 && code < 0xDC00 && m_text.substr(m_pos, 2) == "\\u") {
                    m_pos += 2;
                    auto low = hex4();
                    if (!low)
                        return std::unexpected(low.error());
                    code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
                }
                append_utf8(out, code);
                break;
            }
            default:
                return std::unexpected(std::string("bad escape"));
            }
        }
        return std::unexpected(std::string("unterminated string"));
    }

    std::expected<void, std::string> number(DocNode& out) {
        out.kind = NodeKind::number;
        const std::size_t begin = m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '-')
            ++m_pos;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c >= '0' && c <= '9') {
                ++m_pos;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                out.is_float = true;
                ++m_pos;
            } else {
                break;
            }
        }
        if (m_pos == begin)
            return std::unexpected(std::string("unexpected character"));
        out.text = std::string(m_text.substr(begin, m_pos - begin));
        return {};
    }
};

} // namespace

std::expected<DocNode, std::string> parse_doc_tree(std::string_view text) {
    return TreeParser(text).run();
}

} // namespace esmend::es_sim::mapping_detail

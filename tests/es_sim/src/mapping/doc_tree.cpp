#include "mapping/doc_tree.hpp"

#include <cmath>
#include <cstddef>
#include <cstdlib>

namespace esmend::es_sim::mapping_detail {
namespace {

constexpr int k_max_depth = 1000;

class TreeParser {
public:
    TreeParser(std::string_view text, bool strict) : m_text(text), m_strict(strict) {}

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
    // Strict: accept only what nlohmann::json::parse accepts (RFC 8259, well-formed UTF-8, paired
    // surrogate escapes, finite numbers), so the result can stand in for nlohmann's validation.
    bool m_strict = false;
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
            if (m_strict) {
                if (auto ok = strict_run(run); !ok)
                    return ok;
            } else {
                while (run < m_text.size() && m_text[run] != '"' && m_text[run] != '\\')
                    ++run;
            }
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
                if (m_strict && code >= 0xDC00 && code <= 0xDFFF)
                    return std::unexpected(std::string("lone low surrogate"));
                if (code >= 0xD800 && code < 0xDC00 && m_text.substr(m_pos, 2) == "\\u") {
                    m_pos += 2;
                    auto low = hex4();
                    if (!low)
                        return std::unexpected(low.error());
                    if (m_strict && (*low < 0xDC00 || *low > 0xDFFF))
                        return std::unexpected(std::string("bad low surrogate"));
                    code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
                } else if (m_strict && code >= 0xD800 && code < 0xDC00) {
                    return std::unexpected(std::string("lone high surrogate"));
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

    // Strict mode: advances `run` over plain string characters, rejecting what nlohmann's lexer
    // rejects (control characters, ill-formed UTF-8 as RFC 3629 defines it).
    std::expected<void, std::string> strict_run(std::size_t& run) const {
        const auto byte = [&](std::size_t i) {
            return i < m_text.size() ? static_cast<unsigned char>(m_text[i]) : 0U;
        };
        const auto cont = [&](std::size_t i, unsigned lo, unsigned hi) {
            const unsigned b = byte(i);
            return b >= lo && b <= hi;
        };
        while (run < m_text.size()) {
            const unsigned c = byte(run);
            if (c == '"' || c == '\\')
                return {};
            if (c < 0x20)
                return std::unexpected(std::string("control character"));
            if (c < 0x80) {
                ++run;
                continue;
            }
            std::size_t len = 0;
            if (c >= 0xC2 && c <= 0xDF)
                len = cont(run + 1, 0x80, 0xBF) ? 2 : 0;
            else if (c == 0xE0)
                len = cont(run + 1, 0xA0, 0xBF) && cont(run + 2, 0x80, 0xBF) ? 3 : 0;
            else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
                len = cont(run + 1, 0x80, 0xBF) && cont(run + 2, 0x80, 0xBF) ? 3 : 0;
            else if (c == 0xED)
                len = cont(run + 1, 0x80, 0x9F) && cont(run + 2, 0x80, 0xBF) ? 3 : 0;
            else if (c == 0xF0)
                len = cont(run + 1, 0x90, 0xBF) && cont(run + 2, 0x80, 0xBF) &&
                              cont(run + 3, 0x80, 0xBF)
                          ? 4
                          : 0;
            else if (c >= 0xF1 && c <= 0xF3)
                len = cont(run + 1, 0x80, 0xBF) && cont(run + 2, 0x80, 0xBF) &&
                              cont(run + 3, 0x80, 0xBF)
                          ? 4
                          : 0;
            else if (c == 0xF4)
                len = cont(run + 1, 0x80, 0x8F) && cont(run + 2, 0x80, 0xBF) &&
                              cont(run + 3, 0x80, 0xBF)
                          ? 4
                          : 0;
            if (len == 0)
                return std::unexpected(std::string("ill-formed UTF-8"));
            run += len;
        }
        return {};
    }

    // Strict mode: the RFC 8259 number grammar, and a finite value (nlohmann rejects overflowing
    // numbers, e.g. 1e500, with "number overflow").
    [[nodiscard]] bool strict_number(std::string_view t) const {
        std::size_t i = 0;
        const auto digit = [&](std::size_t k) {
            return k < t.size() && t[k] >= '0' && t[k] <= '9';
        };
        if (i < t.size() && t[i] == '-')
            ++i;
        if (!digit(i))
            return false;
        if (t[i] == '0')
            ++i;
        else
            while (digit(i))
                ++i;
        bool integral = true;
        if (i < t.size() && t[i] == '.') {
            integral = false;
            ++i;
            if (!digit(i))
                return false;
            while (digit(i))
                ++i;
        }
        if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
            integral = false;
            ++i;
            if (i < t.size() && (t[i] == '+' || t[i] == '-'))
                ++i;
            if (!digit(i))
                return false;
            while (digit(i))
                ++i;
        }
        if (i != t.size())
            return false;
        if (integral && t.size() <= 18)
            return true; // fits a long
        const std::string copy(t);
        return std::isfinite(std::strtod(copy.c_str(), nullptr));
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
        if (m_strict && !strict_number(out.text))
            return std::unexpected(std::string("malformed number"));
        return {};
    }
};

} // namespace

std::expected<DocNode, std::string> parse_doc_tree(std::string_view text) {
    return TreeParser(text, false).run();
}

std::optional<DocNode> parse_doc_tree_strict(std::string_view text) {
    auto tree = TreeParser(text, true).run();
    if (!tree || tree->kind != NodeKind::object)
        return std::nullopt;
    return std::move(*tree);
}

} // namespace esmend::es_sim::mapping_detail

#include <es_client/json_reader.hpp>

#include <nlohmann/json.hpp>

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace esmend::es_client {

namespace {

// Deeper nesting than any answer esmend reads; beyond it the text is refused, not recursed into.
constexpr int k_max_depth = 512;

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

bool JsonReader::fail(const char* what) {
    if (m_error.empty()) {
        m_error = what;
        m_failed_at = m_p;
    }
    m_p = m_end;
    return false;
}

bool JsonReader::raw_string(std::string_view& raw) {
    ws();
    if (m_p >= m_end || *m_p != '"')
        return fail("expected a string");
    const char* start = ++m_p;
    const char* p = start;
    m_escaped = false;
    while (true) {
        // Straight to the next quote, backslash or control character, 16 bytes at a time.
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
        const __m128i below_space = _mm_set1_epi8(static_cast<char>(0x20 ^ 0x80));
        while (m_end - p >= 16) {
            const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            // Unsigned c < 0x20 as a signed compare of c ^ 0x80.
            const __m128i control = _mm_cmplt_epi8(_mm_xor_si128(chunk, flip), below_space);
            const int hits = _mm_movemask_epi8(_mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                control));
            if (hits != 0) {
                p += std::countr_zero(static_cast<unsigned>(hits));
                break;
            }
            p += 16;
        }
#endif
        while (p < m_end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20)
            ++p;
        if (p >= m_end) {
            m_p = p;
            return fail("unterminated string");
        }
        if (*p == '"') {
            raw = std::string_view(start, static_cast<std::size_t>(p - start));
            m_p = p + 1;
            return true;
        }
        if (*p != '\\') {
            m_p = p;
            return fail("control character in a string");
        }
        m_escaped = true;
        if (p + 1 >= m_end) {
            m_p = p;
            return fail("unterminated string");
        }
        const char e = p[1];
        if (e == 'u') {
            if (m_end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) {
                m_p = p;
                return fail("invalid \\u escape");
            }
            p += 6;
        } else if (std::strchr("\"\\/bfnrt", e) != nullptr && e != '\0') {
            p += 2;
        } else {
            m_p = p;
            return fail("invalid escape");
        }
    }
}

bool JsonReader::decode_last(std::string_view raw, std::string& out) {
    if (!m_escaped) {
        out.assign(raw);
        return true;
    }
    // Escapes are rare in what esmend reads: let nlohmann decode them (\uXXXX, surrogate pairs).
    std::string quoted;
    quoted.reserve(raw.size() + 2);
    quoted.push_back('"');
    quoted.append(raw);
    quoted.push_back('"');
    const auto decoded = nlohmann::json::parse(quoted, nullptr, false);
    if (!decoded.is_string())
        return fail("invalid escape in a string");
    out = decoded.get<std::string>();
    return true;
}

bool JsonReader::number() {
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const char* p = m_p;
    if (p < m_end && *p == '-')
        ++p;
    if (p < m_end && *p == '0') {
        ++p;
    } else if (p < m_end && *p >= '1' && *p <= '9') {
        while (p < m_end && is_digit(*p))
            ++p;
    } else {
        return fail("invalid number");
    }
    if (p < m_end && *p == '.') {
        ++p;
        if (p >= m_end || !is_digit(*p))
            return fail("invalid number");
        while (p < m_end && is_digit(*p))
            ++p;
    }
    if (p < m_end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < m_end && (*p == '+' || *p == '-'))
            ++p;
        if (p >= m_end || !is_digit(*p))
            return fail("invalid number");
        while (p < m_end && is_digit(*p))
            ++p;
    }
    m_p = p;
    return true;
}

bool JsonReader::literal() {
    for (const std::string_view word : {"true", "false", "null"}) {
        if (static_cast<std::size_t>(m_end - m_p) >= word.size() &&
            std::string_view(m_p, word.size()) == word) {
            m_p += word.size();
            return true;
        }
    }
    return fail("invalid literal");
}

bool JsonReader::skip_value() {
    // Recursion bounded by k_max_depth: a member function cannot keep the depth itself without
    // a parameter, so it lives in the lambda.
    const auto value = [this](const auto& self, int depth) -> bool {
        if (depth > k_max_depth)
            return fail("nested too deeply");
        ws();
        if (m_p >= m_end)
            return fail("expected a value");
        switch (*m_p) {
        case '"': {
            std::string_view ignored;
            return raw_string(ignored);
        }
        case '{': {
            ++m_p;
            if (eat('}'))
                return true;
            do {
                std::string_view key;
                if (!raw_string(key) || !expect(':', "expected ':'") || !self(self, depth + 1))
                    return false;
            } while (eat(','));
            return expect('}', "expected ',' or '}'");
        }
        case '[': {
            ++m_p;
            if (eat(']'))
                return true;
            do {
                if (!self(self, depth + 1))
                    return false;
            } while (eat(','));
            return expect(']', "expected ',' or ']'");
        }
        case 't':
        case 'f':
        case 'n':
            return literal();
        default:
            return number();
        }
    };
    return value(value, 0);
}

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t plain = 0; // start of the run not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(text.substr(plain, i - plain));
        plain = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            out += "\\u00";
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 0xF]);
        }
    }
    out.append(text.substr(plain));
    out.push_back('"');
}

} // namespace esmend::es_client

#pragma once
// A forward-only reader over JSON text, for the two places where building a document first costs
// more than the work itself: the audit's _field_caps answers (megabytes of index names, a few of
// them needed) and each poll's /debug/vars (a few values renamed, the rest copied as it is).
// It validates everything it passes over, as a parser would (strings and their escapes, numbers,
// literals, nesting), so that a span it hands out can be copied into another document as valid
// JSON. Errors name the first problem and where it is.

#include <cstddef>
#include <string>
#include <string_view>

namespace esmend::es_client {

class JsonReader {
public:
    explicit JsonReader(std::string_view text)
        : m_begin(text.data()), m_p(text.data()), m_end(text.data() + text.size()) {}

    [[nodiscard]] bool failed() const { return !m_error.empty(); }
    [[nodiscard]] const std::string& error() const { return m_error; }
    // The byte offset of the first failure from the start of the text.
    [[nodiscard]] std::size_t failed_at() const {
        return static_cast<std::size_t>(m_failed_at - m_begin);
    }
    // Records the first failure (what, at the current position) and stops reading.
    bool fail(const char* what);

    void ws() {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    // The position of the next token.
    [[nodiscard]] const char* position() {
        ws();
        return m_p;
    }
    [[nodiscard]] bool at(char c) {
        ws();
        return m_p < m_end && *m_p == c;
    }
    bool eat(char c) {
        if (!at(c))
            return false;
        ++m_p;
        return true;
    }
    bool expect(char c, const char* what) { return eat(c) || fail(what); }
    [[nodiscard]] bool at_end() {
        ws();
        return m_p == m_end;
    }

    // A string's raw contents between its quotes (escapes checked, not decoded).
    bool raw_string(std::string_view& raw);
    // Whether the string raw_string last read held an escape.
    [[nodiscard]] bool last_escaped() const { return m_escaped; }
    // The text of the string raw_string last read (`raw`), escapes decoded.
    bool decode_last(std::string_view raw, std::string& out);
    bool string(std::string& out) {
        std::string_view raw;
        return raw_string(raw) && decode_last(raw, out);
    }
    // Skips one value of any kind, checking it.
    bool skip_value();
    // The text of the next value, checked and skipped.
    bool span(std::string_view& text) {
        const char* start = position();
        if (!skip_value())
            return false;
        text = std::string_view(start, static_cast<std::size_t>(m_p - start));
        return true;
    }

    // Calls on_key(key) for each member of an object; on_key reads the value and returns false to
    // stop (after calling fail()).
    template <class OnKey>
    bool object(OnKey&& on_key) {
        if (!expect('{', "expected an object"))
            return false;
        if (eat('}'))
            return true;
        std::string key;
        do {
            if (!string(key) || !expect(':', "expected ':'") || !on_key(key))
                return false;
        } while (eat(','));
        return expect('}', "expected ',' or '}'");
    }

    // Calls on_element() for each element of an array; on_element reads it.
    template <class OnElement>
    bool array(OnElement&& on_element) {
        if (!expect('[', "expected an array"))
            return false;
        if (eat(']'))
            return true;
        do {
            if (!on_element())
                return false;
        } while (eat(','));
        return expect(']', "expected ',' or ']'");
    }

    // Calls on_string(raw) for each element of an array of strings, with its raw contents.
    template <class OnString>
    bool strings(OnString&& on_string) {
        return array([&] {
            std::string_view raw;
            return raw_string(raw) && on_string(raw);
        });
    }

private:
    bool number();
    bool literal();

    const char* m_begin;
    const char* m_p;
    const char* m_end;
    std::string m_error;
    const char* m_failed_at = nullptr;
    bool m_escaped = false;
};

// Appends `text` to `out` as a JSON string, quotes included, escaping what JSON requires.
void append_json_string(std::string& out, std::string_view text);

} // namespace esmend::es_client

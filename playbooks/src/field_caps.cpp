// The audit's reading of a _field_caps response (issue #6, and issue #9's speed target): one pass
// over the bytes that keeps only what a conflict needs. A data view of 5,000 indices x 2,000
// fields answers with megabytes, nearly all of them index names in per-type "indices" lists, and
// only the lists of conflicting fields are ever read; the others are skipped at memory speed,
// instead of being built into a document first.
#include <playbooks/audit.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace esmend::playbooks {

// The text a scan's views point into: the answer itself, and copies of the names it escaped
// (a deque: adding one never moves the others).
struct FieldCapsText {
    std::string body;
    std::deque<std::string> decoded;
};

namespace {

using es_client::ErrorKind;

// A forward-only reader over JSON text. It checks the structure it walks (objects, arrays,
// strings, the nesting of skipped values) and leaves scalars it skips unchecked beyond their
// extent: the body comes from Elasticsearch, and nothing read from it is a skipped scalar.
class Reader {
public:
    explicit Reader(std::string_view text) : m_p(text.data()), m_end(text.data() + text.size()) {}

    [[nodiscard]] bool failed() const { return !m_error.empty(); }
    [[nodiscard]] bool last_escaped() const { return m_escaped; }
    [[nodiscard]] const char* position() {
        ws();
        return m_p;
    }
    [[nodiscard]] const std::string& error() const { return m_error; }
    // Where the first failure was found, from `base`.
    [[nodiscard]] std::size_t failed_at(const char* base) const {
        return static_cast<std::size_t>(m_failed_at - base);
    }

    bool fail(const char* what) {
        if (m_error.empty()) {
            m_error = what;
            m_failed_at = m_p;
        }
        m_p = m_end;
        return false;
    }

    void ws() {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    bool at(char c) {
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

    // A string's raw contents (escapes not decoded), the quotes consumed. Looks for the closing
    // quote 16 bytes at a time (a quote or a backslash; a backslash skips the byte after it).
    bool raw_string(std::string_view& raw) {
        ws();
        if (m_p >= m_end || *m_p != '"')
            return fail("expected a string");
        const char* start = ++m_p;
        const char* p = start;
        m_escaped = false;
        while (true) {
#if defined(__SSE2__)
            const __m128i quote = _mm_set1_epi8('"');
            const __m128i backslash = _mm_set1_epi8('\\');
            while (m_end - p >= 16) {
                const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
                const int hits = _mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
                if (hits != 0) {
                    p += std::countr_zero(static_cast<unsigned>(hits));
                    break;
                }
                p += 16;
            }
#endif
            while (p < m_end && *p != '"' && *p != '\\')
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
            m_escaped = true;
            p += 2; // a backslash and the byte it escapes
        }
    }

    bool string(std::string& out) {
        std::string_view raw;
        return raw_string(raw) && decode_last(raw, out);
    }

    // Skips one value of any kind, checking that brackets pair up.
    bool skip_value() {
        ws();
        if (m_p >= m_end)
            return fail("expected a value");
        if (*m_p == '"') {
            std::string_view ignored;
            return raw_string(ignored);
        }
        if (*m_p != '{' && *m_p != '[') {
            const char* start = m_p;
            while (m_p < m_end && std::strchr(",}] \n\r\t", *m_p) == nullptr)
                ++m_p;
            return m_p > start || fail("expected a value");
        }
        std::string open;
        while (m_p < m_end) {
            const char c = *m_p;
            if (c == '"') {
                std::string_view ignored;
                if (!raw_string(ignored))
                    return false;
                continue;
            }
            if ((c == '}' || c == ']') && (open.empty() || open.back() != (c == '}' ? '{' : '[')))
                return fail("mismatched brackets");
            ++m_p;
            if (c == '{' || c == '[') {
                open.push_back(c);
            } else if (c == '}' || c == ']') {
                open.pop_back();
                if (open.empty())
                    return true;
            }
        }
        return fail("unterminated object or array");
    }

    // Calls on_key(key) for each member of an object; on_key consumes the value.
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

    // Calls on_string(raw) for each element of an array of strings, with its raw contents
    // (decode_last makes text of it).
    template <class OnString>
    bool strings(OnString&& on_string) {
        if (!expect('[', "expected an array"))
            return false;
        if (eat(']'))
            return true;
        std::string_view raw;
        do {
            if (!raw_string(raw) || !on_string(raw))
                return false;
        } while (eat(','));
        return expect(']', "expected ',' or ']'");
    }

    // The raw contents of the string raw_string just read, as text, escapes decoded.
    bool decode_last(std::string_view raw, std::string& out) {
        if (!m_escaped) {
            out.assign(raw);
            return true;
        }
        // Escapes are rare in names: let nlohmann decode them (\uXXXX, surrogate pairs).
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

    // The text of the next value, skipped (for reading later, if at all).
    bool span(std::string_view& text) {
        ws();
        const char* start = m_p;
        if (!skip_value())
            return false;
        text = std::string_view(start, static_cast<std::size_t>(m_p - start));
        return true;
    }

private:
    const char* m_p;
    const char* m_end;
    std::string m_error;
    const char* m_failed_at = nullptr;
    bool m_escaped = false; // the last string read held a backslash
};

struct TypeEntry {
    std::string type;
    bool metadata = false;
    std::string_view indices; // the raw "indices" array, empty when absent
    std::size_t count = 0;    // its elements
};

bool read_type(Reader& in, TypeEntry& entry) {
    if (!in.at('{'))
        return in.skip_value();
    return in.object([&](const std::string& key) {
        if (key == "metadata_field") {
            std::string_view value;
            if (!in.span(value))
                return false;
            entry.metadata = value == "true";
            return true;
        }
        if (key == "indices") {
            if (!in.at('['))
                return in.skip_value();
            // Counted on the way (for one allocation if it is ever read), not decoded.
            const char* start = in.position();
            if (!in.strings([&](std::string_view) { return ++entry.count > 0; }))
                return false;
            entry.indices =
                std::string_view(start, static_cast<std::size_t>(in.position() - start));
            return true;
        }
        return in.skip_value();
    });
}

// A type's index names, as views into the answer (or into decoded copies kept in `text`).
std::vector<std::string_view> index_list(const TypeEntry& entry, FieldCapsText& text,
                                         std::string& error) {
    std::vector<std::string_view> out;
    if (entry.indices.empty())
        return out;
    Reader in(entry.indices);
    if (in.at('[')) {
        out.reserve(entry.count);
        in.strings([&](std::string_view raw) {
            if (!in.last_escaped()) {
                out.push_back(raw);
                return true;
            }
            return in.decode_last(raw, text.decoded.emplace_back()) &&
                   (out.emplace_back(text.decoded.back()), true);
        });
    } else {
        in.skip_value(); // not a list: ES never sends one; read as none
    }
    if (in.failed())
        error = in.error();
    return out;
}

// One field's types: a conflict when its non-"unmapped" types span two Kibana types and none is
// a metadata field.
bool read_field(Reader& in, const std::string& name, FieldCapsText& text,
                std::vector<FieldConflict>& conflicts) {
    if (!in.at('{'))
        return in.skip_value();
    std::vector<TypeEntry> types;
    const bool ok = in.object([&](const std::string& type) {
        types.push_back(TypeEntry{type, false, {}});
        return read_type(in, types.back());
    });
    if (!ok || types.size() < 2)
        return ok;
    std::set<std::string> kibana_types;
    for (const auto& t : types) {
        if (t.metadata)
            return true;
        if (t.type != "unmapped")
            kibana_types.insert(kibana_type(t.type));
    }
    if (kibana_types.size() < 2)
        return true;
    FieldConflict conflict{name, {}, {}, nullptr};
    std::string error;
    for (const auto& t : types) {
        auto indices = index_list(t, text, error);
        if (t.type == "unmapped")
            conflict.unmapped_indices = std::move(indices);
        else
            conflict.types.push_back(TypeIndices{t.type, kibana_type(t.type), std::move(indices)});
    }
    if (!error.empty())
        return in.fail("malformed indices list");
    std::sort(conflict.types.begin(), conflict.types.end(),
              [](const auto& a, const auto& b) { return a.es_type < b.es_type; });
    conflicts.push_back(std::move(conflict));
    return true;
}

} // namespace

es_client::Result<FieldCaps> scan_field_caps(std::string body_text) {
    auto text = std::make_shared<FieldCapsText>();
    text->body = std::move(body_text);
    const std::string_view body = text->body;
    FieldCaps out;
    Reader in(body);
    const bool ok = in.object([&](const std::string& key) {
        if (key == "indices") {
            if (!in.at('['))
                return in.skip_value();
            return in.strings([&](std::string_view) { return ++out.indices > 0; });
        }
        if (key == "fields") {
            if (!in.at('{'))
                return in.skip_value();
            return in.object([&](const std::string& name) {
                return read_field(in, name, *text, out.conflicts);
            });
        }
        return in.skip_value();
    });
    if (!ok)
        return std::unexpected(es_client::make_error(
            ErrorKind::parse, "malformed _field_caps answer: " + in.error() + " at byte " +
                                  std::to_string(in.failed_at(body.data()))));
    if (!in.at_end())
        return std::unexpected(es_client::make_error(ErrorKind::parse,
                                                     "malformed _field_caps answer: text after "
                                                     "its end"));
    std::stable_sort(out.conflicts.begin(), out.conflicts.end(),
                     [](const auto& a, const auto& b) { return a.field < b.field; });
    const std::shared_ptr<const FieldCapsText> shared = std::move(text);
    for (auto& conflict : out.conflicts)
        conflict.text = shared;
    return out;
}

std::vector<FieldConflict> find_conflicts(const nlohmann::json& field_caps) {
    auto scanned = scan_field_caps(field_caps.dump());
    return scanned ? std::move(scanned->conflicts) : std::vector<FieldConflict>{};
}

} // namespace esmend::playbooks

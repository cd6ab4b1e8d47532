#include "mapping/field_values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace esmend::es_sim::mapping_detail {
namespace {

// ---------------------------------------------------------------------------------------------
// IP addresses. The acceptance rules follow ES's InetAddresses.ipStringToBytes (forked from Guava).

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = text.find(sep, start);
        if (pos == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, pos - start));
        start = pos + 1;
    }
}

std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view text) {
    const auto parts = split(text, '.');
    if (parts.size() != 4)
        return std::nullopt;
    std::array<std::uint8_t, 4> out{};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto part = parts[i];
        // Guava's parseOctet: 1-3 decimal digits, no leading zero, at most 255.
        if (part.empty() || part.size() > 3)
            return std::nullopt;
        if (part.size() > 1 && part[0] == '0')
            return std::nullopt;
        unsigned value = 0;
        for (const char c : part) {
            if (c < '0' || c > '9')
                return std::nullopt;
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value > 255)
            return std::nullopt;
        out[i] = static_cast<std::uint8_t>(value);
    }
    return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view text) {
    const auto parts = split(text, ':');
    if (parts.size() < 3 || parts.size() > 9)
        return std::nullopt;
    int skip_index = -1;
    for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
        if (parts[i].empty()) {
            if (skip_index >= 0)
                return std::nullopt;
            skip_index = static_cast<int>(i);
        }
    }
    int parts_hi = 0;
    int parts_lo = 0;
    const int count = static_cast<int>(parts.size());
    if (skip_index >= 0) {
        parts_hi = skip_index;
        parts_lo = count - skip_index - 1;
        if (parts.front().empty() && --parts_hi != 0)
            return std::nullopt;
        if (parts.back().empty() && --parts_lo != 0)
            return std::nullopt;
    } else {
        parts_hi = count;
        parts_lo = 0;
        if (parts.front().empty() || parts.back().empty())
            return std::nullopt;
    }
    const int skipped = 8 - (parts_hi + parts_lo);
    if (skip_index >= 0 ? skipped < 1 : skipped != 0)
        return std::nullopt;
    std::array<std::uint8_t, 16> out{};
    std::size_t pos = 0;
    auto hextet = [&](std::string_view part) -> bool {
        if (part.empty() || part.size() > 4)
            return false;
        unsigned value = 0;
        for (const char c : part) {
            unsigned digit = 0;
            if (c >= '0' && c <= '9')
                digit = static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                digit = static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                digit = static_cast<unsigned>(c - 'A' + 10);
            else
                return false;
            value = value * 16 + digit;
        }
        out[pos++] = static_cast<std::uint8_t>(value >> 8);
        out[pos++] = static_cast<std::uint8_t>(value & 0xFF);
        return true;
    };
    for (int i = 0; i < parts_hi; ++i) {
        if (!hextet(parts[static_cast<std::size_t>(i)]))
            return std::nullopt;
    }
    pos += static_cast<std::size_t>(skipped) * 2;
    for (int i = parts_lo; i > 0; --i) {
        if (!hextet(parts[static_cast<std::size_t>(count - i)]))
            return std::nullopt;
    }
    return out;
}

std::string format_v4(const std::uint8_t* b) {
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
           std::to_string(b[3]);
}

// RFC 5952 text, as ES's InetAddresses.toAddrString prints it.
std::string format_v6(const std::array<std::uint8_t, 16>& bytes) {
    std::array<unsigned, 8> h{};
    for (std::size_t i = 0; i < 8; ++i)
        h[i] = (static_cast<unsigned>(bytes[2 * i]) << 8) | bytes[2 * i + 1];
    int best_start = -1;
    int best_len = 0;
    for (int i = 0; i < 8;) {
        if (h[static_cast<std::size_t>(i)] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && h[static_cast<std::size_t>(j)] == 0)
            ++j;
        if (j - i > best_len) {
            best_len = j - i;
            best_start = i;
        }
        i = j;
    }
    if (best_len < 2)
        best_start = -1;
    std::string out;
    static constexpr char k_hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':')
            out.push_back(':');
        const unsigned v = h[static_cast<std::size_t>(i)];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned d = (v >> static_cast<unsigned>(shift)) & 0xF;
            if (d != 0 || started || shift == 0) {
                out.push_back(k_hex[d]);
                started = true;
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Dates.

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr std::array<unsigned, 12> k_days{31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return k_days[m - 1];
}

struct DateParts {
    std::int64_t year = 1970;
    unsigned month = 1;
    unsigned day = 1;
    unsigned hour = 0;
    unsigned minute = 0;
    unsigned second = 0;
    std::int64_t nanos = 0;
    std::int64_t offset_seconds = 0;
};

// Where a parse stopped, for java.time's "could not be parsed at index N".
struct ParseFailure {
    std::size_t index = 0;
    bool unparsed_text = false; // "could not be parsed, unparsed text found at index N"
    bool invalid_value = false; // the fields parsed but do not form a valid date
};

class Cursor {
public:
    explicit Cursor(std::string_view text) : m_text(text) {}
    [[nodiscard]] bool done() const { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek() const { return done() ? '\0' : m_text[m_pos]; }
    [[nodiscard]] std::size_t pos() const { return m_pos; }
    void advance(std::size_t n = 1) { m_pos += n; }
    bool eat(char c) {
        if (peek() != c)
            return false;
        ++m_pos;
        return true;
    }
    // Reads between min and max decimal digits.
    std::optional<std::int64_t> digits(std::size_t min, std::size_t max,
                                       std::size_t* count = nullptr) {
        std::size_t n = 0;
        std::int64_t v = 0;
        while (n < max && m_pos + n < m_text.size() && m_text[m_pos + n] >= '0' &&
               m_text[m_pos + n] <= '9') {
            v = v * 10 + (m_text[m_pos + n] - '0');
            ++n;
        }
        if (n < min)
            return std::nullopt;
        m_pos += n;
        if (count)
            *count = n;
        return v;
    }
    [[nodiscard]] std::string_view rest() const { return m_text.substr(m_pos); }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

// ±HH, ±HHMM, ±HH:MM or 'Z' when allowed.
bool parse_offset(Cursor& c, bool allow_z, std::int64_t& offset) {
    if (allow_z && c.eat('Z')) {
        offset = 0;
        return true;
    }
    const char sign = c.peek();
    if (sign != '+' && sign != '-')
        return false;
    c.advance();
    auto hh = c.digits(2, 2);
    if (!hh || *hh > 18)
        return false;
    std::int64_t mm = 0;
    if (c.eat(':')) {
        auto m = c.digits(2, 2);
        if (!m)
            return false;
        mm = *m;
    } else if (auto m = c.digits(2, 2)) {
        mm = *m;
    }
    if (mm > 59)
        return false;
    offset = (*hh * 3600 + mm * 60) * (sign == '-' ? -1 : 1);
    return true;
}

bool parse_fraction(Cursor& c, std::size_t min, std::size_t max, std::int64_t& nanos) {
    std::size_t n = 0;
    auto v = c.digits(min, max, &n);
    if (!v)
        return false;
    std::int64_t value = *v;
    for (std::size_t i = n; i < 9; ++i)
        value *= 10;
    nanos = value;
    return true;
}

// strict_date_optional_time / date_optional_time: date [T time [offset]].
std::expected<DateParts, ParseFailure> parse_iso(std::string_view text, bool strict) {
    Cursor c(text);
    DateParts p;
    auto fail = [&c]() { return std::unexpected(ParseFailure{c.pos(), false, false}); };
    const std::size_t year_min = 4;
    const std::size_t year_max = strict ? 4 : 9;
    auto year = c.digits(year_min, year_max);
    if (!year)
        return fail();
    p.year = *year;
    if (c.eat('-')) {
        auto month = c.digits(strict ? 2 : 1, 2);
        if (!month)
            return fail();
        p.month = static_cast<unsigned>(*month);
        if (c.eat('-')) {
            auto day = c.digits(strict ? 2 : 1, 2);
            if (!day)
                return fail();
            p.day = static_cast<unsigned>(*day);
            if (c.eat('T')) {
                auto hour = c.digits(strict ? 2 : 1, 2);
                if (!hour)
                    return fail();
                p.hour = static_cast<unsigned>(*hour);
                if (c.eat(':')) {
                    auto minute = c.digits(strict ? 2 : 1, 2);
                    if (!minute)
                        return fail();
                    p.minute = static_cast<unsigned>(*minute);
                    if (c.eat(':')) {
                        auto second = c.digits(strict ? 2 : 1, 2);
                        if (!second)
                            return fail();
                        p.second = static_cast<unsigned>(*second);
                        if (c.peek() == '.' || c.peek() == ',') {
                            c.advance();
                            if (!parse_fraction(c, 1, 9, p.nanos))
                                return fail();
                        }
                    }
                }
                if (!c.done() && !parse_offset(c, true, p.offset_seconds))
                    return fail();
            }
        }
    }
    if (!c.done())
        return std::unexpected(ParseFailure{c.pos(), true, false});
    return p;
}

bool month_name(Cursor& c, bool full, unsigned& month) {
    static constexpr std::array<std::string_view, 12> k_names{
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const auto rest = c.rest();
    for (unsigned i = 0; i < 12; ++i) {
        const auto name = full ? k_names[i] : k_names[i].substr(0, 3);
        if (rest.substr(0, name.size()) == name) {
            c.advance(name.size());
            month = i + 1;
            return true;
        }
    }
    return false;
}

bool day_name(Cursor& c, bool full) {
    static constexpr std::array<std::string_view, 7> k_names{
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    const auto rest = c.rest();
    for (const auto name : k_names) {
        const auto n = full ? name : name.substr(0, 3);
        if (rest.substr(0, n.size()) == n) {
            c.advance(n.size());
            return true;
        }
    }
    return false;
}

// A java.time pattern split into letter runs ("yyyy"), quoted literals ("'T'" -> "\x01T") and
// single literal characters.
std::expected<std::vector<std::string>, std::string> tokenize_pattern(std::string_view pattern) {
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < pattern.size();) {
        const char ch = pattern[i];
        if (ch == '\'') {
            const std::size_t end = pattern.find('\'', i + 1);
            if (end == std::string_view::npos)
                return std::unexpected(std::string("unterminated quote"));
            std::string lit = "\x01";
            lit += pattern.substr(i + 1, end - i - 1);
            if (end == i + 1)
                lit = "\x01'";
            tokens.push_back(std::move(lit));
            i = end + 1;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
            std::size_t j = i;
            while (j < pattern.size() && pattern[j] == ch)
                ++j;
            static constexpr std::string_view k_supported = "yuMLdHhmsSnaEXxZVz";
            if (k_supported.find(ch) == std::string_view::npos) {
                return std::unexpected("Unknown pattern letter: " + std::string(1, ch));
            }
            tokens.emplace_back(pattern.substr(i, j - i));
            i = j;
        } else if (ch == '[' || ch == ']') {
            // Optional sections are not modelled; es-sim treats the bracketed text as required.
            ++i;
        } else {
            tokens.push_back(std::string("\x01") + ch);
            ++i;
        }
    }
    return tokens;
}

bool is_letter_token(const std::string& t) {
    return !t.empty() && t[0] != '\x01';
}

std::expected<DateParts, ParseFailure> parse_pattern(const std::vector<std::string>& tokens,
                                                     std::string_view text) {
    Cursor c(text);
    DateParts p;
    bool pm = false;
    bool has_ampm = false;
    auto fail = [&c]() { return std::unexpected(ParseFailure{c.pos(), false, false}); };
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        const bool adjacent = i + 1 < tokens.size() && is_letter_token(tokens[i + 1]);
        if (!is_letter_token(t)) {
            const auto lit = std::string_view(t).substr(1);
            if (c.rest().substr(0, lit.size()) != lit)
                return fail();
            c.advance(lit.size());
            continue;
        }
        const char letter = t[0];
        const std::size_t n = t.size();
        auto number = [&](std::size_t min, std::size_t max) {
            return c.digits(min, adjacent ? min : max);
        };
        switch (letter) {
        case 'y':
        case 'u': {
            if (n == 2) {
                auto v = c.digits(2, 2);
                if (!v)
                    return fail();
                p.year = 2000 + *v;
            } else {
                const bool negative = c.eat('-');
                auto v = number(n, 9);
                if (!v)
                    return fail();
                p.year = negative ? -*v : *v;
            }
            break;
        }
        case 'M':
        case 'L': {
            if (n >= 3) {
                if (!month_name(c, n >= 4, p.month))
                    return fail();
            } else {
                auto v = number(n, 2);
                if (!v)
                    return fail();
                p.month = static_cast<unsigned>(*v);
            }
            break;
        }
        case 'd': {
            auto v = number(n, 2);
            if (!v)
                return fail();
            p.day = static_cast<unsigned>(*v);
            break;
        }
        case 'H':
        case 'h': {
            auto v = number(n, 2);
            if (!v)
                return fail();
            p.hour = static_cast<unsigned>(*v);
            break;
        }
        case 'm': {
            auto v = number(n, 2);
            if (!v)
                return fail();
            p.minute = static_cast<unsigned>(*v);
            break;
        }
        case 's': {
            auto v = number(n, 2);
            if (!v)
                return fail();
            p.second = static_cast<unsigned>(*v);
            break;
        }
        case 'S':
        case 'n': {
            if (!parse_fraction(c, n, letter == 'S' ? n : 9, p.nanos))
                return fail();
            break;
        }
        case 'a': {
            if (c.rest().substr(0, 2) == "AM") {
                c.advance(2);
            } else if (c.rest().substr(0, 2) == "PM") {
                c.advance(2);
                pm = true;
            } else {
                return fail();
            }
            has_ampm = true;
            break;
        }
        case 'E':
            if (!day_name(c, n >= 4))
                return fail();
            break;
        case 'X':
        case 'x':
        case 'Z':
        case 'V':
        case 'z':
            if (!parse_offset(c, letter != 'x' && !(letter == 'Z' && n < 4), p.offset_seconds))
                return fail();
            break;
        default:
            return fail();
        }
    }
    if (!c.done())
        return std::unexpected(ParseFailure{c.pos(), true, false});
    if (has_ampm) {
        if (p.hour < 1 || p.hour > 12)
            return std::unexpected(ParseFailure{0, false, true});
        p.hour = (p.hour % 12) + (pm ? 12 : 0);
    }
    return p;
}

std::expected<std::int64_t, ParseFailure> to_millis(const DateParts& p) {
    if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > days_in_month(p.year, p.month) ||
        p.hour > 23 || p.minute > 59 || p.second > 59) {
        return std::unexpected(ParseFailure{0, false, true});
    }
    const std::int64_t days = days_from_civil(p.year, p.month, p.day);
    const std::int64_t seconds =
        days * 86400 + p.hour * 3600 + p.minute * 60 + p.second - p.offset_seconds;
    return seconds * 1000 + p.nanos / 1000000;
}

// ES EpochTime: an optional sign, digits, and an optional fraction of up to 6 digits.
std::expected<std::int64_t, ParseFailure> parse_epoch(std::string_view text, bool seconds) {
    Cursor c(text);
    const bool negative = c.eat('-');
    std::size_t n = 0;
    auto whole = c.digits(1, 18, &n);
    if (!whole)
        return std::unexpected(ParseFailure{c.pos(), false, false});
    double fraction = 0;
    if (c.eat('.')) {
        std::size_t fn = 0;
        auto f = c.digits(1, seconds ? 9 : 6, &fn);
        if (!f)
            return std::unexpected(ParseFailure{c.pos(), false, false});
        fraction = static_cast<double>(*f) / std::pow(10.0, static_cast<double>(fn));
    }
    if (!c.done())
        return std::unexpected(ParseFailure{c.pos(), true, false});
    std::int64_t millis = seconds ? *whole * 1000 + static_cast<std::int64_t>(fraction * 1000.0)
                                  : *whole + static_cast<std::int64_t>(fraction);
    return negative ? -millis : millis;
}

struct NamedFormat {
    std::string_view name;
    std::string_view pattern; // empty for the ISO optional-time parsers
};

// ES's built-in formats (docs: mapping-date-format "Built in formats") that es-sim models.
constexpr std::array<NamedFormat, 22> k_named_formats{{
    {"basic_date", "yyyyMMdd"},
    {"basic_date_time", "yyyyMMdd'T'HHmmss.SSSXX"},
    {"basic_date_time_no_millis", "yyyyMMdd'T'HHmmssXX"},
    {"date", "yyyy-MM-dd"},
    {"date_hour", "yyyy-MM-dd'T'HH"},
    {"date_hour_minute", "yyyy-MM-dd'T'HH:mm"},
    {"date_hour_minute_second", "yyyy-MM-dd'T'HH:mm:ss"},
    {"date_hour_minute_second_fraction", "yyyy-MM-dd'T'HH:mm:ss.SSS"},
    {"date_hour_minute_second_millis", "yyyy-MM-dd'T'HH:mm:ss.SSS"},
    {"date_time", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"},
    {"date_time_no_millis", "yyyy-MM-dd'T'HH:mm:ssXXX"},
    {"year_month_day", "yyyy-MM-dd"},
    {"year_month", "yyyy-MM"},
    {"year", "yyyy"},
    {"hour_minute_second", "HH:mm:ss"},
    {"hour_minute", "HH:mm"},
    {"hour", "HH"},
    {"time", "HH:mm:ss.SSSXXX"},
    {"time_no_millis", "HH:mm:ssXXX"},
    {"t_time", "'T'HH:mm:ss.SSSXXX"},
    {"weekyear", "yyyy"},
    {"ordinal_date", "yyyy-DDD"},
}};

std::string java_shortest(double value, bool is_float) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "Infinity" : "-Infinity";
    if (value == 0)
        return std::signbit(value) ? "-0.0" : "0.0";
    std::array<char, 64> buf{};
    std::to_chars_result res{};
    if (is_float) {
        res = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<float>(value),
                            std::chars_format::scientific);
    } else {
        res = std::to_chars(buf.data(), buf.data() + buf.size(), value,
                            std::chars_format::scientific);
    }
    std::string sci(buf.data(), res.ptr);
    bool negative = false;
    if (sci[0] == '-') {
        negative = true;
        sci.erase(0, 1);
    }
    const std::size_t e = sci.find('e');
    std::string digits = sci.substr(0, e);
    const int exponent = std::stoi(sci.substr(e + 1));
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    std::string out;
    const double magnitude = std::fabs(value);
    if (magnitude >= 1e-3 && magnitude < 1e7) {
        if (exponent >= 0) {
            const auto int_len = static_cast<std::size_t>(exponent) + 1;
            while (digits.size() < int_len)
                digits.push_back('0');
            out = digits.substr(0, int_len) + "." +
                  (digits.size() > int_len ? digits.substr(int_len) : "0");
        } else {
            out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
        }
    } else {
        out = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
              std::to_string(exponent);
    }
    return negative ? "-" + out : out;
}

} // namespace

std::expected<std::string, EsError> canonical_ip(std::string_view text) {
    auto fail = [&]() {
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "'" + std::string(text) + "' is not an IP string literal."));
    };
    bool has_colon = false;
    bool has_dot = false;
    for (const char c : text) {
        if (c == '.') {
            has_dot = true;
        } else if (c == ':') {
            if (has_dot)
                return fail();
            has_colon = true;
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return fail();
        }
    }
    if (has_colon) {
        std::string v6(text);
        if (has_dot) {
            const std::size_t last_colon = v6.rfind(':');
            auto quad = parse_v4(std::string_view(v6).substr(last_colon + 1));
            if (!quad)
                return fail();
            static constexpr char k_hex[] = "0123456789abcdef";
            auto hex16 = [](std::uint8_t a, std::uint8_t b) {
                const unsigned v = (static_cast<unsigned>(a) << 8) | b;
                std::string s;
                for (int shift = 12; shift >= 0; shift -= 4)
                    s.push_back(k_hex[(v >> static_cast<unsigned>(shift)) & 0xF]);
                return s;
            };
            v6 = v6.substr(0, last_colon + 1) + hex16((*quad)[0], (*quad)[1]) + ":" +
                 hex16((*quad)[2], (*quad)[3]);
        }
        auto bytes = parse_v6(v6);
        if (!bytes)
            return fail();
        bool mapped = true;
        for (std::size_t i = 0; i < 10; ++i)
            mapped = mapped && (*bytes)[i] == 0;
        mapped = mapped && (*bytes)[10] == 0xFF && (*bytes)[11] == 0xFF;
        if (mapped)
            return format_v4(bytes->data() + 12);
        return format_v6(*bytes);
    }
    if (has_dot) {
        auto quad = parse_v4(text);
        if (!quad)
            return fail();
        return format_v4(quad->data());
    }
    return fail();
}

std::expected<DateFormat, std::string> DateFormat::parse(std::string_view format) {
    DateFormat out;
    out.m_text = std::string(format);
    std::size_t start = 0;
    while (start <= format.size()) {
        std::size_t end = format.find("||", start);
        if (end == std::string_view::npos)
            end = format.size();
        std::string_view name = format.substr(start, end - start);
        Alternative alt;
        alt.name = std::string(name);
        std::string_view base = name;
        if (base.starts_with("strict_"))
            base.remove_prefix(7);
        else
            alt.strict = false;
        if (base == "date_optional_time" || base == "date_optional_time_nanos" ||
            name == "iso8601") {
            alt.kind = Alternative::Kind::iso_optional_time;
        } else if (name == "epoch_millis") {
            alt.kind = Alternative::Kind::epoch_millis;
        } else if (name == "epoch_second") {
            alt.kind = Alternative::Kind::epoch_second;
        } else {
            std::string_view pattern = name;
            for (const auto& named : k_named_formats) {
                if (named.name == base)
                    pattern = named.pattern;
            }
            auto tokens = tokenize_pattern(pattern);
            if (!tokens)
                return std::unexpected("Invalid format: [" + std::string(format) +
                                       "]: " + tokens.error());
            alt.tokens = std::move(*tokens);
        }
        out.m_alternatives.push_back(std::move(alt));
        if (end == format.size())
            break;
        start = end + 2;
    }
    if (out.m_alternatives.empty())
        return std::unexpected(std::string("Invalid format: [" + std::string(format) + "]"));
    return out;
}

namespace {

std::expected<std::int64_t, ParseFailure> parse_alternative(const DateFormat::Alternative& alt,
                                                            std::string_view text) {
    using Kind = DateFormat::Alternative::Kind;
    switch (alt.kind) {
    case Kind::epoch_millis:
        return parse_epoch(text, false);
    case Kind::epoch_second:
        return parse_epoch(text, true);
    case Kind::iso_optional_time: {
        auto parts = parse_iso(text, alt.strict);
        if (!parts)
            return std::unexpected(parts.error());
        return to_millis(*parts);
    }
    case Kind::pattern: {
        auto parts = parse_pattern(alt.tokens, text);
        if (!parts)
            return std::unexpected(parts.error());
        return to_millis(*parts);
    }
    }
    return std::unexpected(ParseFailure{});
}

} // namespace

std::expected<std::int64_t, EsError> DateFormat::parse_millis(std::string_view text) const {
    if (text.empty()) {
        // ES JavaDateFormatter.parse rejects empty input before trying any parser.
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "cannot parse empty datetime"));
    }
    ParseFailure last;
    for (const auto& alt : m_alternatives) {
        auto r = parse_alternative(alt, text);
        if (r)
            return *r;
        last = r.error();
    }
    EsError err(400, "illegal_argument_exception",
                "failed to parse date field [" + std::string(text) + "] with format [" + m_text +
                    "]");
    std::string inner;
    if (m_alternatives.size() > 1) {
        inner = "Failed to parse with all enclosed parsers";
    } else if (last.invalid_value) {
        inner = "Text '" + std::string(text) + "' could not be parsed: Invalid date";
    } else if (last.unparsed_text) {
        inner = "Text '" + std::string(text) +
                "' could not be parsed, unparsed text found at index " + std::to_string(last.index);
    } else {
        inner = "Text '" + std::string(text) + "' could not be parsed at index " +
                std::to_string(last.index);
    }
    err.because(EsError(400, "date_time_parse_exception", inner));
    return std::unexpected(err);
}

bool DateFormat::accepts(std::string_view text) const {
    for (const auto& alt : m_alternatives) {
        if (parse_alternative(alt, text))
            return true;
    }
    return false;
}

std::string java_double_string(double value) {
    return java_shortest(value, false);
}

std::string java_float_string(float value) {
    return java_shortest(static_cast<double>(value), true);
}

namespace {

std::vector<std::uint16_t> utf16_units(std::string_view utf8) {
    std::vector<std::uint16_t> units;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto b = static_cast<unsigned char>(utf8[i]);
        std::uint32_t cp = 0;
        std::size_t len = 1;
        if (b < 0x80) {
            cp = b;
        } else if ((b >> 5) == 0x6) {
            cp = b & 0x1F;
            len = 2;
        } else if ((b >> 4) == 0xE) {
            cp = b & 0x0F;
            len = 3;
        } else {
            cp = b & 0x07;
            len = 4;
        }
        for (std::size_t k = 1; k < len && i + k < utf8.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
        }
        i += len;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
            units.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            units.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    return units;
}

} // namespace

std::size_t utf16_length(std::string_view utf8) {
    // Every code point is one UTF-16 unit except those above U+FFFF (4-byte UTF-8), which are two.
    std::size_t units = 0;
    for (const char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        if ((b & 0xC0) != 0x80)
            units += b >= 0xF0 ? 2 : 1;
    }
    return units;
}

std::int32_t java_string_hash(std::string_view utf8) {
    std::uint32_t h = 0;
    for (const auto u : utf16_units(utf8))
        h = 31 * h + u;
    return static_cast<std::int32_t>(h);
}

std::optional<double> java_parse_double(std::string_view text) {
    // Java's FloatingDecimal trims characters <= ' ' at both ends.
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ')
        text.remove_prefix(1);
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ')
        text.remove_suffix(1);
    if (text.empty())
        return std::nullopt;
    std::string_view body = text;
    bool negative = false;
    if (body.front() == '+' || body.front() == '-') {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (body == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
    if (body == "Infinity")
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    if (!body.empty() && std::strchr("fFdD", body.back()) != nullptr)
        body.remove_suffix(1);
    // Decimal digits with an optional fraction and exponent; at least one digit in the mantissa.
    std::size_t i = 0;
    std::size_t mantissa_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
        ++i;
        ++mantissa_digits;
    }
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i;
            ++mantissa_digits;
        }
    }
    if (mantissa_digits == 0)
        return std::nullopt;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-'))
            ++i;
        std::size_t exp_digits = 0;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i;
            ++exp_digits;
        }
        if (exp_digits == 0)
            return std::nullopt;
    }
    if (i != body.size())
        return std::nullopt;
    double value = 0;
    const std::string copy(body);
    const auto res = std::from_chars(copy.data(), copy.data() + copy.size(), value);
    if (res.ec == std::errc::result_out_of_range) {
        // from_chars reports overflow and underflow alike; Java gives Infinity or 0.
        const bool tiny =
            copy.find("e-") != std::string::npos || copy.find("E-") != std::string::npos;
        value = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    } else if (res.ec != std::errc()) {
        return std::nullopt;
    }
    return negative ? -value : value;
}

double round_to_half_float(double value) {
    if (!std::isfinite(value) || value == 0)
        return value;
    const double magnitude = std::fabs(value);
    if (magnitude >= 65520.0)
        return std::copysign(std::numeric_limits<double>::infinity(), value);
    int exponent = 0;
    std::frexp(magnitude, &exponent); // magnitude = m * 2^exponent, m in [0.5, 1)
    // Half precision keeps 11 significant bits for normal numbers; subnormals have a fixed step.
    const int step_exp = std::max(exponent - 11, -24);
    const double step = std::ldexp(1.0, step_exp);
    const double rounded = std::nearbyint(magnitude / step) * step;
    return std::copysign(rounded, value);
}

} // namespace esmend::es_sim::mapping_detail

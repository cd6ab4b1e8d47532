#include "ingest/date_format.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace esmend::es_sim::ingest {
namespace {

constexpr std::array<const char*, 12> k_month_names = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 7> k_day_names = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr std::array<unsigned, 12> k_days = {31, 28, 31, 30, 31, 30,
                                                        31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : k_days[m - 1];
}

// One element of a java.time pattern: a run of one letter, or literal text.
struct Token {
    char letter = 0; // 0 for literal
    int count = 0;
    std::string literal;
};

std::expected<std::vector<Token>, std::string> tokenize(std::string_view pattern) {
    static constexpr std::string_view k_supported = "yuMLdDHkhKamsSXxZzEGn";
    std::vector<Token> tokens;
    for (std::size_t i = 0; i < pattern.size();) {
        const char c = pattern[i];
        if (c == '\'') {
            std::string lit;
            std::size_t j = i + 1;
            if (j < pattern.size() && pattern[j] == '\'') {
                tokens.push_back({0, 0, "'"});
                i = j + 1;
                continue;
            }
            bool closed = false;
            while (j < pattern.size()) {
                if (pattern[j] == '\'') {
                    if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
                        lit.push_back('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                lit.push_back(pattern[j++]);
            }
            if (!closed)
                return std::unexpected("Pattern ends with an incomplete string literal: " +
                                       std::string(pattern));
            tokens.push_back({0, 0, lit});
            i = j + 1;
        } else if (std::isalpha(static_cast<unsigned char>(c))) {
            if (k_supported.find(c) == std::string_view::npos) {
                return std::unexpected("es-sim does not support the date pattern letter [" +
                                       std::string(1, c) + "] in [" + std::string(pattern) + "]");
            }
            std::size_t j = i;
            while (j < pattern.size() && pattern[j] == c)
                ++j;
            tokens.push_back({c, static_cast<int>(j - i), {}});
            i = j;
        } else if (c == '[' || c == ']' || c == '#' || c == '{' || c == '}') {
            return std::unexpected("es-sim does not support optional sections or reserved "
                                   "characters in date pattern [" +
                                   std::string(pattern) + "]");
        } else {
            tokens.push_back({0, 0, std::string(1, c)});
            ++i;
        }
    }
    return tokens;
}

bool is_numeric_letter(char c) {
    return c == 'y' || c == 'u' || c == 'd' || c == 'D' || c == 'H' || c == 'k' || c == 'h' ||
           c == 'K' || c == 'm' || c == 's' || c == 'S' || c == 'n';
}

struct Fields {
    std::optional<std::int64_t> year;
    std::optional<unsigned> month;
    std::optional<unsigned> day;
    std::optional<unsigned> day_of_year;
    int hour = 0;
    bool hour12 = false;
    std::optional<bool> pm;
    int minute = 0;
    int second = 0;
    std::int64_t nanos = 0;
    std::optional<int> offset;
};

bool read_digits(std::string_view text, std::size_t& pos, std::size_t min, std::size_t max,
                 std::int64_t& out) {
    std::size_t n = 0;
    std::int64_t v = 0;
    while (pos + n < text.size() && n < max &&
           std::isdigit(static_cast<unsigned char>(text[pos + n]))) {
        v = v * 10 + (text[pos + n] - '0');
        ++n;
    }
    if (n < min)
        return false;
    pos += n;
    out = v;
    return true;
}

bool parse_offset_at(std::string_view text, std::size_t& pos, bool allow_z, int& offset) {
    if (allow_z && pos < text.size() && text[pos] == 'Z') {
        ++pos;
        offset = 0;
        return true;
    }
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-'))
        return false;
    const int sign = text[pos] == '-' ? -1 : 1;
    std::size_t p = pos + 1;
    std::int64_t hh = 0;
    std::int64_t mm = 0;
    if (!read_digits(text, p, 2, 2, hh))
        return false;
    if (p < text.size() && text[p] == ':') {
        ++p;
        if (!read_digits(text, p, 2, 2, mm))
            return false;
    } else if (p + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[p]))) {
        if (!read_digits(text, p, 2, 2, mm))
            return false;
    }
    if (hh > 18 || mm > 59)
        return false;
    offset = sign * static_cast<int>(hh * 3600 + mm * 60);
    pos = p;
    return true;
}

bool match_name(std::string_view text, std::size_t& pos, const char* name, bool short_form) {
    std::string_view n(name);
    if (short_form)
        n = n.substr(0, 3);
    if (text.size() - pos < n.size())
        return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[pos + i])) !=
            std::tolower(static_cast<unsigned char>(n[i]))) {
            return false;
        }
    }
    pos += n.size();
    return true;
}

std::string text_error(std::string_view text, std::size_t pos) {
    return "Text '" + std::string(text) + "' could not be parsed at index " + std::to_string(pos);
}

std::expected<std::int64_t, std::string> to_epoch(const Fields& f, std::string_view text,
                                                  int default_offset, std::int64_t now_millis,
                                                  int& offset_used) {
    std::int64_t year = 0;
    if (f.year) {
        year = *f.year;
    } else {
        // ES DateFormat.Java: a pattern without a year takes the current year in UTC.
        year = civil_from_days(now_millis / 1000 / 86400).year;
    }
    unsigned month = f.month.value_or(1);
    unsigned day = f.day.value_or(1);
    if (f.day_of_year && !f.month) {
        const std::int64_t days = days_from_civil(year, 1, 1) + *f.day_of_year - 1;
        const Civil c = civil_from_days(days);
        month = c.month;
        day = c.day;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
        return std::unexpected("Text '" + std::string(text) +
                               "' could not be parsed: Invalid date");
    }
    int hour = f.hour;
    if (f.hour12) {
        if (hour < 1 || hour > 12)
            return std::unexpected(text_error(text, 0));
        hour = hour % 12 + (f.pm.value_or(false) ? 12 : 0);
    }
    if (hour > 23 || f.minute > 59 || f.second > 59) {
        return std::unexpected("Text '" + std::string(text) +
                               "' could not be parsed: Invalid time");
    }
    offset_used = f.offset.value_or(default_offset);
    const std::int64_t days = days_from_civil(year, month, day);
    const std::int64_t secs = days * 86400 + hour * 3600 + f.minute * 60 + f.second - offset_used;
    return secs * 1000 + f.nanos / 1000000;
}

std::expected<ParsedDate, std::string> parse_pattern(std::string_view text,
                                                     std::string_view pattern, int default_offset,
                                                     std::int64_t now_millis) {
    auto tokens = tokenize(pattern);
    if (!tokens)
        return std::unexpected(tokens.error());
    Fields f;
    std::size_t pos = 0;
    for (std::size_t ti = 0; ti < tokens->size(); ++ti) {
        const Token& t = (*tokens)[ti];
        if (t.letter == 0) {
            if (text.substr(pos, t.literal.size()) != t.literal)
                return std::unexpected(text_error(text, pos));
            pos += t.literal.size();
            continue;
        }
        const bool next_numeric =
            ti + 1 < tokens->size() && is_numeric_letter((*tokens)[ti + 1].letter);
        const auto count = static_cast<std::size_t>(t.count);
        std::int64_t v = 0;
        const std::size_t start = pos;
        switch (t.letter) {
        case 'y':
        case 'u': {
            if (count == 2) {
                if (!read_digits(text, pos, 2, 2, v))
                    return std::unexpected(text_error(text, start));
                f.year = 2000 + v;
            } else {
                int sign = 1;
                if (pos < text.size() && (text[pos] == '-' || text[pos] == '+') && count >= 4) {
                    sign = text[pos] == '-' ? -1 : 1;
                    ++pos;
                }
                const std::size_t max = next_numeric ? std::max<std::size_t>(count, 4) : 19;
                if (!read_digits(text, pos, count, max, v))
                    return std::unexpected(text_error(text, start));
                f.year = sign * v;
            }
            break;
        }
        case 'M':
        case 'L':
            if (count >= 3) {
                bool found = false;
                for (std::size_t m = 0; m < 12 && !found; ++m) {
                    if (match_name(text, pos, k_month_names[m], count == 3)) {
                        f.month = static_cast<unsigned>(m + 1);
                        found = true;
                    }
                }
                if (!found)
                    return std::unexpected(text_error(text, start));
            } else {
                if (!read_digits(text, pos, count, count == 1 && !next_numeric ? 2 : 2, v)) {
                    return std::unexpected(text_error(text, start));
                }
                f.month = static_cast<unsigned>(v);
            }
            break;
        case 'E': {
            bool found = false;
            for (std::size_t d = 0; d < 7 && !found; ++d) {
                found = match_name(text, pos, k_day_names[d], count <= 3);
            }
            if (!found)
                return std::unexpected(text_error(text, start));
            break;
        }
        case 'a':
            if (match_name(text, pos, "AM", false)) {
                f.pm = false;
            } else if (match_name(text, pos, "PM", false)) {
                f.pm = true;
            } else {
                return std::unexpected(text_error(text, start));
            }
            break;
        case 'G':
            if (!match_name(text, pos, "AD", false))
                return std::unexpected(text_error(text, start));
            break;
        case 'S': {
            if (!read_digits(text, pos, count, count, v))
                return std::unexpected(text_error(text, start));
            std::int64_t nanos = v;
            for (std::size_t i = count; i < 9; ++i)
                nanos *= 10;
            for (std::size_t i = 9; i < count; ++i)
                nanos /= 10;
            f.nanos = nanos;
            break;
        }
        case 'X':
        case 'x':
        case 'Z': {
            int off = 0;
            if (!parse_offset_at(text, pos, t.letter == 'X' || (t.letter == 'Z' && count >= 4),
                                 off)) {
                return std::unexpected(text_error(text, start));
            }
            f.offset = off;
            break;
        }
        case 'z': {
            if (match_name(text, pos, "UTC", false) || match_name(text, pos, "GMT", false)) {
                f.offset = 0;
            } else if (pos < text.size() && text[pos] == 'Z') {
                ++pos;
                f.offset = 0;
            } else {
                return std::unexpected(text_error(text, start));
            }
            break;
        }
        default: {
            const std::size_t max =
                count == 1 && !next_numeric ? 2 : std::max<std::size_t>(count, 2);
            const std::size_t min = count;
            if (!read_digits(text, pos, min, t.letter == 'D' ? 3 : max, v))
                return std::unexpected(text_error(text, start));
            switch (t.letter) {
            case 'd':
                f.day = static_cast<unsigned>(v);
                break;
            case 'D':
                f.day_of_year = static_cast<unsigned>(v);
                break;
            case 'H':
                f.hour = static_cast<int>(v);
                break;
            case 'k':
                f.hour = static_cast<int>(v % 24);
                break;
            case 'h':
                f.hour = static_cast<int>(v);
                f.hour12 = true;
                break;
            case 'K':
                f.hour = static_cast<int>(v) == 0 ? 12 : static_cast<int>(v);
                f.hour12 = true;
                break;
            case 'm':
                f.minute = static_cast<int>(v);
                break;
            case 's':
                f.second = static_cast<int>(v);
                break;
            case 'n':
                f.nanos = v;
                break;
            default:
                break;
            }
        }
        }
    }
    if (pos != text.size()) {
        return std::unexpected("Text '" + std::string(text) +
                               "' could not be parsed, unparsed text found at index " +
                               std::to_string(pos));
    }
    int offset_used = 0;
    auto epoch = to_epoch(f, text, default_offset, now_millis, offset_used);
    if (!epoch)
        return std::unexpected(epoch.error());
    return ParsedDate{*epoch, default_offset};
}

// ES's "iso8601" format: a date, optionally 'T' and a time with optional fraction, optionally an
// offset. Missing parts default to the start of the period.
std::expected<ParsedDate, std::string> parse_iso(std::string_view text, int default_offset) {
    Fields f;
    std::size_t pos = 0;
    std::int64_t v = 0;
    const auto fail = [&] {
        return std::unexpected("failed to parse date field [" + std::string(text) +
                               "] with format [iso8601]");
    };
    if (!read_digits(text, pos, 4, 9, v))
        return fail();
    f.year = v;
    if (pos < text.size() && text[pos] == '-') {
        ++pos;
        if (!read_digits(text, pos, 2, 2, v))
            return fail();
        f.month = static_cast<unsigned>(v);
        if (pos < text.size() && text[pos] == '-') {
            ++pos;
            if (!read_digits(text, pos, 2, 2, v))
                return fail();
            f.day = static_cast<unsigned>(v);
        }
    }
    if (pos < text.size() && text[pos] == 'T') {
        ++pos;
        if (!read_digits(text, pos, 2, 2, v))
            return fail();
        f.hour = static_cast<int>(v);
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            if (!read_digits(text, pos, 2, 2, v))
                return fail();
            f.minute = static_cast<int>(v);
            if (pos < text.size() && text[pos] == ':') {
                ++pos;
                if (!read_digits(text, pos, 2, 2, v))
                    return fail();
                f.second = static_cast<int>(v);
                if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
                    ++pos;
                    const std::size_t start = pos;
                    if (!read_digits(text, pos, 1, 9, v))
                        return fail();
                    std::int64_t nanos = v;
                    for (std::size_t i = pos - start; i < 9; ++i)
                        nanos *= 10;
                    f.nanos = nanos;
                }
            }
        }
        if (pos < text.size()) {
            int off = 0;
            if (!parse_offset_at(text, pos, true, off))
                return fail();
            f.offset = off;
        }
    }
    if (pos != text.size())
        return fail();
    int offset_used = 0;
    auto epoch = to_epoch(f, text, default_offset, 0, offset_used);
    if (!epoch)
        return fail();
    return ParsedDate{*epoch, default_offset};
}

bool parse_java_long(std::string_view s, std::int64_t& out) {
    if (s.empty())
        return false;
    std::size_t i = 0;
    if (s[0] == '+' || s[0] == '-')
        i = 1;
    if (i == s.size())
        return false;
    for (std::size_t j = i; j < s.size(); ++j) {
        if (!std::isdigit(static_cast<unsigned char>(s[j])))
            return false;
    }
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto res = std::from_chars(begin, s.data() + s.size(), out);
    return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

} // namespace

std::expected<void, std::string> validate_date_pattern(std::string_view pattern) {
    auto tokens = tokenize(pattern);
    if (!tokens)
        return std::unexpected(tokens.error());
    return {};
}

std::expected<int, std::string> parse_timezone(std::string_view zone) {
    if (zone == "UTC" || zone == "Z" || zone == "GMT" || zone == "Etc/UTC" || zone == "Etc/GMT" ||
        zone == "UT")
        return 0;
    std::string_view rest = zone;
    for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
        if (rest.starts_with(prefix) && rest.size() > prefix.size() &&
            (rest[prefix.size()] == '+' || rest[prefix.size()] == '-')) {
            rest.remove_prefix(prefix.size());
            break;
        }
    }
    if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
        const int sign = rest[0] == '-' ? -1 : 1;
        std::size_t pos = 1;
        std::int64_t hh = 0;
        std::int64_t mm = 0;
        if (read_digits(rest, pos, 1, 2, hh)) {
            if (pos < rest.size() && rest[pos] == ':')
                ++pos;
            if (pos < rest.size() && !read_digits(rest, pos, 2, 2, mm))
                pos = 0;
            if (pos == rest.size() && hh <= 18 && mm <= 59)
                return sign * static_cast<int>(hh * 3600 + mm * 60);
        }
    }
    return std::unexpected("es-sim supports only UTC and fixed-offset timezones, not [" +
                           std::string(zone) + "]");
}

std::expected<ParsedDate, std::string> parse_date(std::string_view text, std::string_view format,
                                                  int default_offset_seconds,
                                                  std::int64_t now_millis) {
    if (format == "ISO8601")
        return parse_iso(text, default_offset_seconds);
    if (format == "UNIX_MS") {
        std::int64_t ms = 0;
        if (!parse_java_long(text, ms))
            return std::unexpected("For input string: \"" + std::string(text) + "\"");
        return ParsedDate{ms, default_offset_seconds};
    }
    if (format == "UNIX") {
        // ES DateFormat.Unix: (long) (Double.parseDouble(text) * 1000).
        std::string s(text);
        char* end = nullptr;
        const double secs = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() ||
            std::isspace(static_cast<unsigned char>(s[0]))) {
            return std::unexpected("For input string: \"" + s + "\"");
        }
        return ParsedDate{static_cast<std::int64_t>(secs * 1000), default_offset_seconds};
    }
    if (format == "TAI64N") {
        // ES DateFormat.Tai64n: 16 hex digits of TAI seconds (leading '4' skipped), 8 of nanos,
        // minus the 10 s TAI-UTC offset.
        std::string_view in = text.starts_with('@') ? text.substr(1) : text;
        if (in.size() < 24)
            return std::unexpected("begin 0, end 16, length " + std::to_string(in.size()));
        std::int64_t base = 0;
        std::int64_t rest = 0;
        auto r1 = std::from_chars(in.data() + 1, in.data() + 16, base, 16);
        auto r2 = std::from_chars(in.data() + 16, in.data() + 24, rest, 16);
        if (r1.ec != std::errc() || r1.ptr != in.data() + 16 || r2.ec != std::errc() ||
            r2.ptr != in.data() + 24) {
            return std::unexpected("For input string: \"" + std::string(in.substr(1, 15)) + "\"");
        }
        return ParsedDate{base * 1000 - 10000 + rest / 1000000, default_offset_seconds};
    }
    // ES DateFormatter.forPattern: "a||b" tries each; a few built-in names map to the special
    // parsers above; "8" is the 6.x prefix for java.time patterns.
    if (const auto bar = format.find("||"); bar != std::string_view::npos) {
        auto first = parse_date(text, format.substr(0, bar), default_offset_seconds, now_millis);
        if (first)
            return first;
        auto rest = parse_date(text, format.substr(bar + 2), default_offset_seconds, now_millis);
        if (rest)
            return rest;
        return std::unexpected(first.error());
    }
    if (format == "strict_date_optional_time" || format == "date_optional_time" ||
        format == "strict_date_optional_time_nanos" || format == "iso8601") {
        return parse_iso(text, default_offset_seconds);
    }
    if (format == "epoch_millis")
        return parse_date(text, "UNIX_MS", default_offset_seconds, now_millis);
    if (format == "epoch_second")
        return parse_date(text, "UNIX", default_offset_seconds, now_millis);
    if (format.starts_with('8'))
        format.remove_prefix(1);
    return parse_pattern(text, format, default_offset_seconds, now_millis);
}

std::optional<std::string> format_epoch_millis(std::int64_t epoch_millis, int offset_seconds,
                                               std::string_view pattern) {
    auto tokens = tokenize(pattern);
    if (!tokens)
        return std::nullopt;
    const std::int64_t local_ms = epoch_millis + static_cast<std::int64_t>(offset_seconds) * 1000;
    const std::int64_t ms = ((local_ms % 1000) + 1000) % 1000;
    const std::int64_t local_secs = (local_ms - ms) / 1000;
    std::int64_t days = local_secs / 86400;
    std::int64_t sod = local_secs % 86400;
    if (sod < 0) {
        sod += 86400;
        --days;
    }
    const Civil c = civil_from_days(days);
    const int hour = static_cast<int>(sod / 3600);
    const int minute = static_cast<int>(sod / 60 % 60);
    const int second = static_cast<int>(sod % 60);
    const auto weekday =
        static_cast<std::size_t>(((days % 7) + 7 + 3) % 7); // 1970-01-01 was a Thursday
    const auto pad = [](std::int64_t v, int width) {
        std::string s = std::to_string(v < 0 ? -v : v);
        while (static_cast<int>(s.size()) < width)
            s.insert(s.begin(), '0');
        return (v < 0 ? "-" : "") + s;
    };
    const auto offset_text = [&](char letter, int count) -> std::string {
        if (offset_seconds == 0 && (letter == 'X'))
            return "Z";
        const int abs_off = offset_seconds < 0 ? -offset_seconds : offset_seconds;
        const std::string sign = offset_seconds < 0 ? "-" : "+";
        const std::string hh = pad(abs_off / 3600, 2);
        const std::string mm = pad(abs_off / 60 % 60, 2);
        if (letter == 'Z')
            return count >= 4 ? (offset_seconds == 0 ? "Z" : sign + hh + ":" + mm) : sign + hh + mm;
        if (count == 1)
            return sign + hh + (abs_off % 3600 != 0 ? mm : "");
        if (count == 2 || count == 4)
            return sign + hh + mm;
        return sign + hh + ":" + mm;
    };
    std::string out;
    for (const Token& t : *tokens) {
        switch (t.letter) {
        case 0:
            out += t.literal;
            break;
        case 'y':
        case 'u':
            out += t.count == 2 ? pad(c.year % 100, 2) : pad(c.year, t.count);
            break;
        case 'M':
        case 'L':
            if (t.count >= 4)
                out += k_month_names[c.month - 1];
            else if (t.count == 3)
                out += std::string(k_month_names[c.month - 1]).substr(0, 3);
            else
                out += pad(c.month, t.count);
            break;
        case 'd':
            out += pad(c.day, t.count);
            break;
        case 'D':
            out += pad(days - days_from_civil(c.year, 1, 1) + 1, t.count);
            break;
        case 'H':
            out += pad(hour, t.count);
            break;
        case 'k':
            out += pad(hour == 0 ? 24 : hour, t.count);
            break;
        case 'h':
            out += pad(hour % 12 == 0 ? 12 : hour % 12, t.count);
            break;
        case 'K':
            out += pad(hour % 12, t.count);
            break;
        case 'a':
            out += hour < 12 ? "AM" : "PM";
            break;
        case 'm':
            out += pad(minute, t.count);
            break;
        case 's':
            out += pad(second, t.count);
            break;
        case 'S': {
            std::string frac = pad(ms, 3) + "000000";
            out += frac.substr(0, static_cast<std::size_t>(std::min(t.count, 9)));
            break;
        }
        case 'n':
            out += std::to_string(ms * 1000000);
            break;
        case 'E':
            out += t.count >= 4 ? std::string(k_day_names[weekday])
                                : std::string(k_day_names[weekday]).substr(0, 3);
            break;
        case 'G':
            out += "AD";
            break;
        case 'X':
        case 'x':
        case 'Z':
            out += offset_text(t.letter, t.count);
            break;
        case 'z':
            out += offset_seconds == 0 ? "Z" : offset_text('x', 3);
            break;
        default:
            return std::nullopt;
        }
    }
    return out;
}

} // namespace esmend::es_sim::ingest

#include "search/values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace esmend::es_sim::search {

namespace {

constexpr std::int64_t k_ms_per_second = 1000;
constexpr std::int64_t k_ms_per_minute = 60 * k_ms_per_second;
constexpr std::int64_t k_ms_per_hour = 60 * k_ms_per_minute;
constexpr std::int64_t k_ms_per_day = 24 * k_ms_per_hour;
constexpr const char* k_default_date_format = "strict_date_optional_time||epoch_millis";

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    if (s.empty())
        return std::nullopt;
    std::int64_t v = 0;
    const char* begin = s.data();
    if (*begin == '+')
        ++begin;
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

bool is_leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr std::array<unsigned, 12> k_days{31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return k_days.at(m - 1);
}

// Civil date from days since epoch (H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        ++y;
}

// Calendar fields of a date being parsed; unset fields are filled at the end (with minimums, or
// maximums for the round-up parser).
struct DateParts {
    std::optional<std::int64_t> year, month, day, hour, minute, second, millis;
    std::optional<std::int64_t> offset_millis;
};

std::optional<std::int64_t> to_epoch(const DateParts& p, bool round_up,
                                     std::int64_t default_offset) {
    if (!p.year)
        return std::nullopt;
    const std::int64_t y = *p.year;
    const std::int64_t mo = p.month.value_or(round_up ? 12 : 1);
    if (mo < 1 || mo > 12)
        return std::nullopt;
    const auto dim = days_in_month(y, static_cast<unsigned>(mo));
    const std::int64_t d = p.day.value_or(round_up ? dim : 1);
    if (d < 1 || d > dim)
        return std::nullopt;
    const std::int64_t h = p.hour.value_or(round_up ? 23 : 0);
    const std::int64_t mi = p.minute.value_or(round_up ? 59 : 0);
    const std::int64_t s = p.second.value_or(round_up ? 59 : 0);
    const std::int64_t ms = p.millis.value_or(round_up ? 999 : 0);
    if (h > 23 || mi > 59 || s > 59 || ms > 999 || h < 0 || mi < 0 || s < 0 || ms < 0)
        return std::nullopt;
    const std::int64_t days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t local =
        days * k_ms_per_day + h * k_ms_per_hour + mi * k_ms_per_minute + s * k_ms_per_second + ms;
    return local - p.offset_millis.value_or(default_offset);
}

// Reads exactly `n` digits at `pos`.
std::optional<std::int64_t> read_digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size())
        return std::nullopt;
    for (std::size_t i = 0; i < n; ++i)
        if (!is_digit(s[pos + i]))
            return std::nullopt;
    auto v = parse_int(s.substr(pos, n));
    pos += n;
    return v;
}

// Reads 1..max digits.
std::optional<std::int64_t> read_digits_upto(std::string_view s, std::size_t& pos,
                                             std::size_t max) {
    std::size_t n = 0;
    while (pos + n < s.size() && n < max && is_digit(s[pos + n]))
        ++n;
    if (n == 0)
        return std::nullopt;
    return read_digits(s, pos, n);
}

// Zone suffix: Z, +HH, +HH:mm, +HHmm.
bool read_offset(std::string_view s, std::size_t& pos, DateParts& p) {
    if (pos >= s.size())
        return true;
    if (s[pos] == 'Z') {
        p.offset_millis = 0;
        ++pos;
        return true;
    }
    if (s[pos] != '+' && s[pos] != '-')
        return false;
    const std::int64_t sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    auto hh = read_digits(s, pos, 2);
    if (!hh)
        return false;
    std::int64_t mm = 0;
    if (pos < s.size() && s[pos] == ':')
        ++pos;
    if (pos < s.size()) {
        auto m = read_digits(s, pos, 2);
        if (!m)
            return false;
        mm = *m;
    }
    p.offset_millis = sign * (*hh * k_ms_per_hour + mm * k_ms_per_minute);
    return true;
}

// ISO 8601 as ES's (strict_)date_optional_time accepts it:
// yyyy[-MM[-dd[THH[:mm[:ss[.S+]]]]]][zone].
std::optional<DateParts> parse_iso(std::string_view s) {
    DateParts p;
    std::size_t pos = 0;
    p.year = read_digits(s, pos, 4);
    if (!p.year)
        return std::nullopt;
    if (pos == s.size())
        return p;
    if (s[pos] != '-')
        return std::nullopt;
    ++pos;
    p.month = read_digits(s, pos, 2);
    if (!p.month)
        return std::nullopt;
    if (pos == s.size())
        return p;
    if (s[pos] != '-')
        return std::nullopt;
    ++pos;
    p.day = read_digits(s, pos, 2);
    if (!p.day)
        return std::nullopt;
    if (pos == s.size())
        return p;
    if (s[pos] != 'T')
        return std::nullopt;
    ++pos;
    p.hour = read_digits(s, pos, 2);
    if (!p.hour)
        return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        p.minute = read_digits(s, pos, 2);
        if (!p.minute)
            return std::nullopt;
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            p.second = read_digits(s, pos, 2);
            if (!p.second)
                return std::nullopt;
            if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
                ++pos;
                std::size_t n = 0;
                while (pos + n < s.size() && is_digit(s[pos + n]))
                    ++n;
                if (n == 0 || n > 9)
                    return std::nullopt;
                std::string frac(s.substr(pos, n));
                frac.resize(9, '0');
                auto nanos = parse_int(frac);
                if (!nanos)
                    return std::nullopt;
                p.millis = *nanos / 1000000;
                pos += n;
            }
        }
    }
    if (!read_offset(s, pos, p) || pos != s.size())
        return std::nullopt;
    return p;
}

// A Java DateTimeFormatter pattern subset: y/u (year), M, d, H, m, s, S, quoted literals, X/Z
// zones.
std::optional<DateParts> parse_pattern(std::string_view pattern, std::string_view s) {
    DateParts p;
    std::size_t pos = 0;
    std::size_t i = 0;
    while (i < pattern.size()) {
        const char c = pattern[i];
        std::size_t run = 1;
        while (i + run < pattern.size() && pattern[i + run] == c)
            ++run;
        if (c == '\'') {
            const std::size_t end = pattern.find('\'', i + 1);
            if (end == std::string_view::npos)
                return std::nullopt;
            const auto lit = pattern.substr(i + 1, end - i - 1);
            if (s.substr(pos, lit.size()) != lit)
                return std::nullopt;
            pos += lit.size();
            i = end + 1;
            continue;
        }
        std::optional<std::int64_t>* target = nullptr;
        switch (c) {
        case 'y':
        case 'u':
            target = &p.year;
            break;
        case 'M':
            target = &p.month;
            break;
        case 'd':
            target = &p.day;
            break;
        case 'H':
            target = &p.hour;
            break;
        case 'm':
            target = &p.minute;
            break;
        case 's':
            target = &p.second;
            break;
        default:
            break;
        }
        if (target != nullptr) {
            auto v = run == 1 ? read_digits_upto(s, pos, c == 'y' || c == 'u' ? 9 : 2)
                              : read_digits(s, pos, run);
            if (!v)
                return std::nullopt;
            *target = v;
        } else if (c == 'S') {
            auto v = read_digits(s, pos, run);
            if (!v)
                return std::nullopt;
            std::int64_t ms = *v;
            for (std::size_t k = run; k < 3; ++k)
                ms *= 10;
            for (std::size_t k = 3; k < run; ++k)
                ms /= 10;
            p.millis = ms;
        } else if (c == 'X' || c == 'Z' || c == 'x') {
            if (!read_offset(s, pos, p))
                return std::nullopt;
        } else if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
            return std::nullopt; // a pattern letter es-sim does not implement
        } else {
            for (std::size_t k = 0; k < run; ++k) {
                if (pos >= s.size() || s[pos] != c)
                    return std::nullopt;
                ++pos;
            }
        }
        i += run;
    }
    if (pos != s.size())
        return std::nullopt;
    return p;
}

bool is_iso_named_format(std::string_view f) {
    static constexpr std::array<std::string_view, 16> k_names{"strict_date_optional_time",
                                                              "date_optional_time",
                                                              "strict_date_optional_time_nanos",
                                                              "date_time",
                                                              "strict_date_time",
                                                              "date_time_no_millis",
                                                              "strict_date_time_no_millis",
                                                              "strict_date",
                                                              "date",
                                                              "year_month_day",
                                                              "strict_year_month_day",
                                                              "year",
                                                              "strict_year",
                                                              "year_month",
                                                              "strict_year_month",
                                                              "iso8601"};
    return std::find(k_names.begin(), k_names.end(), f) != k_names.end();
}

std::vector<std::string_view> split_formats(std::string_view formats) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t bar = formats.find("||", start);
        out.push_back(formats.substr(start, bar == std::string_view::npos ? bar : bar - start));
        if (bar == std::string_view::npos)
            break;
        start = bar + 2;
    }
    return out;
}

std::optional<std::int64_t> parse_with_formats(std::string_view text, std::string_view formats,
                                               bool round_up, std::int64_t tz) {
    for (auto f : split_formats(formats)) {
        if (f == "epoch_millis" || f == "epoch_second") {
            // ES epoch parsers accept an optional fraction; es-sim takes integral values.
            auto v = parse_int(text);
            if (!v)
                continue;
            return f == "epoch_second" ? *v * k_ms_per_second : *v;
        }
        std::optional<DateParts> parts =
            is_iso_named_format(f) ? parse_iso(text) : parse_pattern(f, text);
        if (!parts)
            continue;
        if (auto ms = to_epoch(*parts, round_up, tz))
            return ms;
    }
    return std::nullopt;
}

// Rounds `t` (UTC millis) to the start (or last millisecond, when round_up) of `unit` in the zone.
std::optional<std::int64_t> round_to(std::int64_t t, char unit, bool round_up, std::int64_t tz) {
    const std::int64_t local = t + tz;
    std::int64_t days =
        local >= 0 ? local / k_ms_per_day : -((-local + k_ms_per_day - 1) / k_ms_per_day);
    std::int64_t start = 0;
    std::int64_t next = 0;
    auto floor_to = [&](std::int64_t unit_ms) {
        start = local - (((local % unit_ms) + unit_ms) % unit_ms);
        next = start + unit_ms;
    };
    switch (unit) {
    case 's':
        floor_to(k_ms_per_second);
        break;
    case 'm':
        floor_to(k_ms_per_minute);
        break;
    case 'h':
    case 'H':
        floor_to(k_ms_per_hour);
        break;
    case 'd':
        floor_to(k_ms_per_day);
        break;
    case 'w': {
        // ISO weeks start on Monday; 1970-01-01 was a Thursday.
        const std::int64_t dow = ((days + 3) % 7 + 7) % 7;
        start = (days - dow) * k_ms_per_day;
        next = start + 7 * k_ms_per_day;
        break;
    }
    case 'M':
    case 'y': {
        std::int64_t y = 0;
        unsigned m = 0;
        unsigned d = 0;
        civil_from_days(days, y, m, d);
        if (unit == 'y') {
            start = days_from_civil(y, 1, 1) * k_ms_per_day;
            next = days_from_civil(y + 1, 1, 1) * k_ms_per_day;
        } else {
            start = days_from_civil(y, m, 1) * k_ms_per_day;
            next = (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) *
                   k_ms_per_day;
        }
        break;
    }
    default:
        return std::nullopt;
    }
    return (round_up ? next - 1 : start) - tz;
}

std::optional<std::int64_t> add_unit(std::int64_t t, std::int64_t n, char unit, std::int64_t tz) {
    switch (unit) {
    case 's':
        return t + n * k_ms_per_second;
    case 'm':
        return t + n * k_ms_per_minute;
    case 'h':
    case 'H':
        return t + n * k_ms_per_hour;
    case 'd':
        return t + n * k_ms_per_day;
    case 'w':
        return t + n * 7 * k_ms_per_day;
    case 'M':
    case 'y': {
        const std::int64_t local = t + tz;
        const std::int64_t days =
            local >= 0 ? local / k_ms_per_day : -((-local + k_ms_per_day - 1) / k_ms_per_day);
        const std::int64_t in_day = local - days * k_ms_per_day;
        std::int64_t y = 0;
        unsigned m = 0;
        unsigned d = 0;
        civil_from_days(days, y, m, d);
        std::int64_t months = y * 12 + (m - 1) + (unit == 'y' ? n * 12 : n);
        const std::int64_t ny = months >= 0 ? months / 12 : -((-months + 11) / 12);
        const auto nm = static_cast<unsigned>(months - ny * 12 + 1);
        const unsigned nd = std::min(d, days_in_month(ny, nm)); // java.time clamps to month end
        return days_from_civil(ny, nm, nd) * k_ms_per_day + in_day - tz;
    }
    default:
        return std::nullopt;
    }
}

// ES DateMathParser: a sequence of +N<unit>, -N<unit>, /<unit>.
std::optional<std::int64_t> apply_math(std::int64_t t, std::string_view math, bool round_up,
                                       std::int64_t tz) {
    std::size_t pos = 0;
    while (pos < math.size()) {
        const char op = math[pos++];
        if (op == '/') {
            if (pos >= math.size())
                return std::nullopt;
            auto r = round_to(t, math[pos++], round_up, tz);
            if (!r)
                return std::nullopt;
            t = *r;
            continue;
        }
        if (op != '+' && op != '-')
            return std::nullopt;
        std::int64_t n = 1;
        if (pos < math.size() && is_digit(math[pos])) {
            auto v = read_digits_upto(math, pos, 18);
            if (!v)
                return std::nullopt;
            n = *v;
        }
        if (pos >= math.size())
            return std::nullopt;
        auto r = add_unit(t, op == '-' ? -n : n, math[pos++], tz);
        if (!r)
            return std::nullopt;
        t = *r;
    }
    return t;
}

} // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

FieldKind kind_of(std::string_view t) {
    if (t == "keyword" || t == "constant_keyword" || t == "wildcard" || t == "version" ||
        t == "_id" || t == "_index")
        return FieldKind::keyword;
    if (t == "text" || t == "match_only_text")
        return FieldKind::text;
    if (t == "long" || t == "integer" || t == "short" || t == "byte" || t == "unsigned_long")
        return FieldKind::integral;
    if (t == "double" || t == "float" || t == "half_float" || t == "scaled_float")
        return FieldKind::floating;
    if (t == "date" || t == "date_nanos")
        return FieldKind::date;
    if (t == "boolean")
        return FieldKind::boolean;
    if (t == "ip")
        return FieldKind::ip;
    return FieldKind::other;
}

IntegralRange integral_range(std::string_view t) {
    if (t == "integer")
        return {-2147483648.0L, 2147483647.0L};
    if (t == "short")
        return {-32768.0L, 32767.0L};
    if (t == "byte")
        return {-128.0L, 127.0L};
    if (t == "unsigned_long")
        return {0.0L, 18446744073709551615.0L};
    return {-9223372036854775808.0L, 9223372036854775807.0L};
}

std::optional<long double> as_number(const FieldValue& value) {
    if (const auto* i = std::get_if<std::int64_t>(&value))
        return static_cast<long double>(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&value))
        return static_cast<long double>(*u);
    if (const auto* d = std::get_if<double>(&value))
        return static_cast<long double>(*d);
    return std::nullopt;
}

namespace {

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view s) {
    std::array<unsigned char, 4> out{};
    std::size_t part = 0;
    std::size_t pos = 0;
    while (part < 4) {
        std::size_t n = 0;
        while (pos + n < s.size() && is_digit(s[pos + n]))
            ++n;
        if (n == 0 || n > 3 || (n > 1 && s[pos] == '0'))
            return std::nullopt; // Guava InetAddresses rejects leading zeros
        auto v = parse_int(s.substr(pos, n));
        if (!v || *v > 255)
            return std::nullopt;
        out.at(part++) = static_cast<unsigned char>(*v);
        pos += n;
        if (part < 4) {
            if (pos >= s.size() || s[pos] != '.')
                return std::nullopt;
            ++pos;
        }
    }
    if (pos != s.size())
        return std::nullopt;
    return out;
}

std::optional<IpBytes> parse_ipv6(std::string_view s) {
    std::vector<std::uint16_t> head;
    std::vector<std::uint16_t> tail;
    bool seen_gap = false;
    std::size_t pos = 0;
    if (s.starts_with("::")) {
        seen_gap = true;
        pos = 2;
    } else if (s.starts_with(":")) {
        return std::nullopt;
    }
    std::optional<std::array<unsigned char, 4>> v4tail;
    while (pos < s.size()) {
        std::size_t end = s.find(':', pos);
        const auto group =
            s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        auto& dst = seen_gap ? tail : head;
        if (group.find('.') != std::string_view::npos) {
            if (end != std::string_view::npos)
                return std::nullopt;
            v4tail = parse_ipv4(group);
            if (!v4tail)
                return std::nullopt;
            break;
        }
        if (group.empty() || group.size() > 4)
            return std::nullopt;
        unsigned v = 0;
        for (char c : group) {
            const int h = std::isxdigit(static_cast<unsigned char>(c)) == 0 ? -1
                          : is_digit(c)                                     ? c - '0'
                                        : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
            if (h < 0)
                return std::nullopt;
            v = v * 16 + static_cast<unsigned>(h);
        }
        dst.push_back(static_cast<std::uint16_t>(v));
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
        if (pos < s.size() && s[pos] == ':') {
            if (seen_gap)
                return std::nullopt;
            seen_gap = true;
            ++pos;
        } else if (pos == s.size()) {
            return std::nullopt;
        }
    }
    const std::size_t groups = head.size() + tail.size() + (v4tail ? 2 : 0);
    if (groups > 8 || (!seen_gap && groups != 8) || (seen_gap && groups == 8))
        return std::nullopt;
    IpBytes out{};
    std::size_t i = 0;
    for (auto g : head) {
        out.at(i++) = static_cast<unsigned char>(g >> 8);
        out.at(i++) = static_cast<unsigned char>(g & 0xff);
    }
    i = 16 - tail.size() * 2 - (v4tail ? 4 : 0);
    for (auto g : tail) {
        out.at(i++) = static_cast<unsigned char>(g >> 8);
        out.at(i++) = static_cast<unsigned char>(g & 0xff);
    }
    if (v4tail)
        for (auto b : *v4tail)
            out.at(i++) = b;
    return out;
}

} // namespace

std::optional<IpBytes> parse_ip(std::string_view text) {
    if (auto v4 = parse_ipv4(text)) {
        IpBytes out{};
        out[10] = 0xff;
        out[11] = 0xff;
        std::copy(v4->begin(), v4->end(), out.begin() + 12);
        return out;
    }
    if (text.find(':') != std::string_view::npos)
        return parse_ipv6(text);
    return std::nullopt;
}

std::optional<std::pair<IpBytes, IpBytes>> parse_cidr(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return std::nullopt;
    const auto addr_text = text.substr(0, slash);
    auto addr = parse_ip(addr_text);
    auto prefix = parse_int(text.substr(slash + 1));
    if (!addr || !prefix)
        return std::nullopt;
    const bool v4 = addr_text.find(':') == std::string_view::npos;
    const std::int64_t max = v4 ? 32 : 128;
    if (*prefix < 0 || *prefix > max)
        return std::nullopt;
    const std::int64_t bits = v4 ? *prefix + 96 : *prefix;
    IpBytes lo = *addr;
    IpBytes hi = *addr;
    for (std::int64_t b = bits; b < 128; ++b) {
        const auto byte = static_cast<std::size_t>(b / 8);
        const auto mask = static_cast<unsigned char>(0x80u >> static_cast<unsigned>(b % 8));
        lo.at(byte) = static_cast<unsigned char>(lo.at(byte) & ~mask);
        hi.at(byte) = static_cast<unsigned char>(hi.at(byte) | mask);
    }
    return std::make_pair(lo, hi);
}

std::optional<std::int64_t> parse_time_zone(std::string_view zone) {
    if (zone == "UTC" || zone == "Z" || zone == "GMT" || zone == "Etc/UTC")
        return 0;
    DateParts p;
    std::size_t pos = 0;
    if (!read_offset(zone, pos, p) || pos != zone.size() || !p.offset_millis)
        return std::nullopt;
    return p.offset_millis;
}

std::expected<std::int64_t, std::string> parse_date(const nlohmann::json& value,
                                                    const DateParseOptions& options) {
    const std::string formats = options.format.empty() ? k_default_date_format : options.format;
    const std::string text = scalar_text(value);
    auto failure = [&] {
        return std::unexpected("failed to parse date field [" + text + "] with format [" + formats +
                               "]");
    };
    if (value.is_number_integer()) {
        // A JSON number on a date field is epoch millis when the format allows it (ES
        // DateFieldType).
        if (formats.find("epoch_millis") != std::string::npos)
            return value.get<std::int64_t>();
        if (formats.find("epoch_second") != std::string::npos)
            return value.get<std::int64_t>() * k_ms_per_second;
    }
    if (!value.is_string() && !value.is_number())
        return failure();
    std::string_view s = text;
    std::int64_t base = 0;
    std::string_view math;
    if (s.starts_with("now")) {
        base = options.now_millis;
        math = s.substr(3);
    } else {
        const std::size_t bars = s.find("||");
        const auto date_part = bars == std::string_view::npos ? s : s.substr(0, bars);
        if (bars != std::string_view::npos)
            math = s.substr(bars + 2);
        // Date math present: the base date itself is parsed without round-up (ES DateMathParser).
        const bool round_base = options.round_up && math.empty();
        auto parsed = parse_with_formats(date_part, formats, round_base, options.tz_offset_millis);
        if (!parsed)
            return failure();
        base = *parsed;
    }
    auto result = apply_math(base, math, options.round_up, options.tz_offset_millis);
    if (!result)
        return failure();
    return *result;
}

std::string format_date(std::int64_t epoch_millis) {
    std::int64_t days = epoch_millis >= 0 ? epoch_millis / k_ms_per_day
                                          : -((-epoch_millis + k_ms_per_day - 1) / k_ms_per_day);
    std::int64_t rem = epoch_millis - days * k_ms_per_day;
    std::int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civil_from_days(days, y, m, d);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / k_ms_per_hour),
                  static_cast<long long>(rem / k_ms_per_minute % 60),
                  static_cast<long long>(rem / k_ms_per_second % 60),
                  static_cast<long long>(rem % 1000));
    return buf;
}

bool glob_match(std::string_view pattern, std::string_view text) {
    // Iterative '*' matcher with backtracking to the last star.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

bool glob_prefix_alive(std::string_view pattern, std::string_view prefix) {
    // Set of pattern positions reachable after consuming `prefix`; alive if any remains.
    std::vector<char> states(pattern.size() + 1, 0);
    auto close = [&](std::vector<char>& st) {
        for (std::size_t i = 0; i < pattern.size(); ++i)
            if (st[i] != 0 && pattern[i] == '*')
                st[i + 1] = 1;
    };
    states[0] = 1;
    close(states);
    for (char c : prefix) {
        std::vector<char> next(pattern.size() + 1, 0);
        for (std::size_t i = 0; i < pattern.size(); ++i) {
            if (states[i] == 0)
                continue;
            if (pattern[i] == '*')
                next[i] = 1;
            else if (pattern[i] == c)
                next[i + 1] = 1;
        }
        close(next);
        states = std::move(next);
        if (std::find(states.begin(), states.end(), 1) == states.end())
            return false;
    }
    return std::find(states.begin(), states.end(), 1) != states.end();
}

std::vector<std::string> standard_tokens(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        const auto uc = static_cast<unsigned char>(c);
        if (std::isalnum(uc) != 0 || uc >= 0x80 || c == '_') {
            cur.push_back(static_cast<char>(std::tolower(uc)));
        } else if (!cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty())
        out.push_back(std::move(cur));
    return out;
}

std::optional<std::string> resolved_type(const DocView& doc, std::string_view field) {
    if (auto t = doc.field_type(field))
        return t;
    if (field == "_id")
        return std::string("_id");
    if (field == "_index")
        return std::string("_index");
    return std::nullopt;
}

std::vector<FieldValue> resolved_values(const DocView& doc, std::string_view field) {
    if (field == "_id" && !doc.field_type(field))
        return {FieldValue{std::string(doc.id())}};
    if (field == "_index" && !doc.field_type(field))
        return {FieldValue{std::string(doc.index())}};
    return doc.values(field);
}

EsError id_fielddata_error() {
    return EsError(400, "illegal_argument_exception",
                   "Fielddata access on the _id field is disallowed, you can re-enable it by "
                   "updating the dynamic "
                   "cluster setting: indices.id_field_data.enabled");
}

EsError fielddata_error(std::string_view field, std::string_view index) {
    const std::string f(field);
    return EsError(400, "illegal_argument_exception",
                   "Fielddata is disabled on [" + f + "] in [" + std::string(index) +
                       "]. Text fields are not optimised for operations that require per-document "
                       "field data like "
                       "aggregations and sorting, so these operations are disabled by default. "
                       "Please use a keyword "
                       "field instead. Alternatively, set fielddata=true on [" +
                       f +
                       "] in order to load field data by uninverting the inverted index. Note that "
                       "this can use "
                       "significant memory.");
}

std::string scalar_text(const nlohmann::json& value) {
    if (value.is_string())
        return value.get<std::string>();
    return value.dump();
}

} // namespace esmend::es_sim::search

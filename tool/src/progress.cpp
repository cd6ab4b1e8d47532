#include <tool/progress.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace esmend::tool {

namespace {

constexpr int k_bar_width = 24;
constexpr auto k_log_every = std::chrono::seconds(10);

} // namespace

ProgressView::ProgressView(std::ostream& out, bool terminal, Now now)
    : m_out(out), m_terminal(terminal),
      m_now(now ? std::move(now) : Now([] { return std::chrono::steady_clock::now(); })) {}

void ProgressView::clear_line() {
    if (m_line_open) {
        m_out << "\r\033[K";
        m_line_open = false;
    }
}

void ProgressView::step_started(const std::string& name) {
    clear_line();
    m_step = name;
    m_first.reset();
    m_last.reset();
    m_total = 0;
    m_last_logged.reset();
    if (m_terminal) {
        m_out << "… " << name << std::flush;
        m_line_open = true;
    } else {
        m_out << "… " << name << '\n' << std::flush;
    }
}

void ProgressView::waiting(const std::string& message, std::optional<std::int64_t> done,
                           std::optional<std::int64_t> total) {
    const auto now = m_now();
    if (done) {
        const Sample sample{now, *done};
        // A restarted task starts again from zero: so does the rate.
        if (!m_first || *done < m_first->done)
            m_first = sample;
        m_last = sample;
        m_total = total.value_or(0);
    }
    std::string text = "  " + message;
    if (done && m_total > 0) {
        const double fraction =
            std::clamp(static_cast<double>(*done) / static_cast<double>(m_total), 0.0, 1.0);
        const int filled = static_cast<int>(std::lround(fraction * k_bar_width));
        text = "  [" + std::string(static_cast<std::size_t>(filled), '#') +
               std::string(static_cast<std::size_t>(k_bar_width - filled), '.') + "] " +
               std::to_string(static_cast<int>(fraction * 100)) + "% " + group_thousands(*done) +
               "/" + group_thousands(m_total) + " docs";
        if (const auto r = rate())
            text += "  " + group_thousands(static_cast<std::int64_t>(std::lround(*r))) + " docs/s";
        if (const auto left = seconds_left())
            text += "  ETA " + format_duration(*left);
    }
    if (m_terminal) {
        clear_line();
        m_out << "… " << m_step << text << std::flush;
        m_line_open = true;
        return;
    }
    if (m_last_logged && now - *m_last_logged < k_log_every)
        return;
    m_last_logged = now;
    m_out << text << '\n' << std::flush;
}

void ProgressView::note(const std::string& text) {
    if (m_terminal) {
        clear_line();
        m_out << "  " << text << '\n';
        m_out << "… " << m_step << std::flush;
        m_line_open = true;
    } else {
        m_out << "  " << text << '\n' << std::flush;
    }
}

void ProgressView::step_done(const std::string& name, const std::string& message) {
    clear_line();
    m_out << "✓ " << name << (message.empty() ? "" : ": " + message) << '\n' << std::flush;
}

void ProgressView::step_failed(const std::string& name, const std::string& message) {
    clear_line();
    m_out << "✗ " << name << (message.empty() ? "" : ": " + message) << '\n' << std::flush;
}

std::optional<double> ProgressView::rate() const {
    if (!m_first || !m_last)
        return std::nullopt;
    const double seconds = std::chrono::duration<double>(m_last->at - m_first->at).count();
    if (seconds <= 0)
        return std::nullopt;
    return static_cast<double>(m_last->done - m_first->done) / seconds;
}

std::optional<double> ProgressView::seconds_left() const {
    const auto r = rate();
    if (!r || *r <= 0 || !m_last || m_total <= 0)
        return std::nullopt;
    return static_cast<double>(std::max<std::int64_t>(0, m_total - m_last->done)) / *r;
}

std::string format_duration(double seconds) {
    const auto s = static_cast<std::int64_t>(std::ceil(std::max(0.0, seconds)));
    std::array<char, 32> buf{};
    if (s < 60)
        std::snprintf(buf.data(), buf.size(), "%llds", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(buf.data(), buf.size(), "%lldm%02llds", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    else
        std::snprintf(buf.data(), buf.size(), "%lldh%02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>((s % 3600) / 60));
    return buf.data();
}

std::string group_thousands(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

} // namespace esmend::tool

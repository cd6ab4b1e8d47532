#include <es_client/url.hpp>

#include <cctype>

namespace esmend::es_client {

std::string BaseUrl::str() const {
    return scheme + "://" + host + ":" + std::to_string(port) + path;
}

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}
} // namespace

Result<BaseUrl> parse_base_url(std::string_view text, int default_port) {
    const auto invalid = [&](const std::string& why) {
        // The text may carry a password, so the error names the problem, not the input.
        return std::unexpected(make_error(ErrorKind::config, "invalid URL: " + why));
    };
    text = trim(text);
    BaseUrl url;
    url.scheme = "http";
    if (const auto sep = text.find("://"); sep != std::string_view::npos) {
        url.scheme = std::string(text.substr(0, sep));
        for (auto& c : url.scheme)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        text.remove_prefix(sep + 3);
        if (url.scheme != "http" && url.scheme != "https")
            return invalid("scheme must be http or https");
    }
    auto authority = text.substr(0, text.find('/'));
    if (authority.size() < text.size()) {
        url.path = std::string(text.substr(authority.size()));
        while (!url.path.empty() && url.path.back() == '/')
            url.path.pop_back();
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        url.user = percent_decode(userinfo.substr(0, colon));
        if (colon != std::string_view::npos)
            url.password = percent_decode(userinfo.substr(colon + 1));
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return invalid("unterminated IPv6 address");
        url.host = std::string(authority.substr(0, close + 1));
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return invalid("unexpected text after IPv6 address");
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos)
            port_text = authority.substr(colon + 1);
    }
    if (url.host.empty())
        return invalid("no host");
    if (port_text.empty()) {
        url.port = default_port;
    } else {
        int port = 0;
        for (char c : port_text) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || port > 65535)
                return invalid("bad port");
            port = port * 10 + (c - '0');
        }
        if (port <= 0 || port > 65535)
            return invalid("port out of range");
        url.port = port;
    }
    return url;
}

std::vector<std::string> split_host_list(std::string_view text) {
    std::vector<std::string> hosts;
    text = trim(text);
    if (!text.empty() && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',') {
            auto item = trim(text.substr(start, i - start));
            if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
                item.back() == item.front()) {
                item = item.substr(1, item.size() - 2);
            }
            if (!item.empty())
                hosts.emplace_back(item);
            start = i + 1;
        }
    }
    return hosts;
}

std::string url_encode(std::string_view text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += k_hex[u >> 4];
            out += k_hex[u & 15];
        }
    }
    return out;
}

} // namespace esmend::es_client

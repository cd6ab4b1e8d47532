#include <es_client/auth.hpp>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace esmend::es_client {

namespace {
constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == separator) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

// Splits "name:port" into the name and its port, or returns `default_port`.
Result<std::pair<std::string, int>> name_and_port(std::string_view text, int default_port) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return std::pair{std::string(text), default_port};
    const auto port_text = text.substr(colon + 1);
    int port = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9' || port > 65535) {
            return std::unexpected(make_error(
                ErrorKind::config, "invalid port in Cloud ID component: " + std::string(text)));
        }
        port = port * 10 + (c - '0');
    }
    if (port_text.empty() || port == 0 || port > 65535) {
        return std::unexpected(make_error(
            ErrorKind::config, "invalid port in Cloud ID component: " + std::string(text)));
    }
    return std::pair{std::string(text.substr(0, colon)), port};
}
} // namespace

std::string base64_encode(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 2]));
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += k_alphabet[(n >> 6) & 63];
        out += k_alphabet[n & 63];
    }
    const auto rest = data.size() - i;
    if (rest > 0) {
        auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
        if (rest == 2)
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += rest == 2 ? k_alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Result<std::string> base64_decode(std::string_view text) {
    std::array<int, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < k_alphabet.size(); ++i)
        table[static_cast<unsigned char>(k_alphabet[i])] = static_cast<int>(i);
    table['-'] = 62; // URL-safe alphabet, as Logstash decodes Cloud IDs
    table['_'] = 63;
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=')
            break;
        const int value = table[static_cast<unsigned char>(c)];
        if (value < 0)
            return std::unexpected(make_error(ErrorKind::config, "invalid base64 text"));
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

Credentials Credentials::basic(std::string user, std::string password) {
    Credentials c;
    c.m_scheme = Scheme::basic;
    c.m_user = std::move(user);
    c.m_secret = std::move(password);
    return c;
}

Credentials Credentials::api_key(std::string_view key) {
    Credentials c;
    c.m_scheme = Scheme::api_key;
    // base64 never contains ':', so a colon means the "id:api_key" pair that must still be encoded.
    c.m_secret = key.find(':') != std::string_view::npos ? base64_encode(key) : std::string(key);
    return c;
}

Credentials Credentials::bearer(std::string token) {
    Credentials c;
    c.m_scheme = Scheme::bearer;
    c.m_secret = std::move(token);
    return c;
}

std::string Credentials::authorization() const {
    switch (m_scheme) {
    case Scheme::none:
        return {};
    case Scheme::basic:
        return "Basic " + base64_encode(m_user + ":" + m_secret);
    case Scheme::api_key:
        return "ApiKey " + m_secret;
    case Scheme::bearer:
        return "Bearer " + m_secret;
    }
    return {};
}

std::string Credentials::describe() const {
    switch (m_scheme) {
    case Scheme::none:
        return "no credentials";
    case Scheme::basic:
        return "basic auth as " + m_user;
    case Scheme::api_key:
        return "API key";
    case Scheme::bearer:
        return "bearer token";
    }
    return "no credentials";
}

Result<CloudEndpoints> decode_cloud_id(std::string_view cloud_id) {
    const auto invalid = [](std::string why) {
        return std::unexpected(
            make_error(ErrorKind::config, "invalid Cloud ID: " + std::move(why)));
    };
    const auto colon = cloud_id.rfind(':');
    const auto encoded = colon == std::string_view::npos ? cloud_id : cloud_id.substr(colon + 1);
    if (encoded.empty())
        return invalid("nothing after the label");
    auto decoded = base64_decode(encoded);
    if (!decoded)
        return invalid("the part after the label is not base64");
    const auto parts = split(*decoded, '$');
    if (parts.size() < 3 || parts[0].empty() || parts[1].empty()) {
        return invalid("expected host$elasticsearch-id$kibana-id after decoding");
    }
    auto host = name_and_port(parts[0], 443);
    if (!host)
        return std::unexpected(host.error());
    auto es = name_and_port(parts[1], host->second);
    if (!es)
        return std::unexpected(es.error());
    CloudEndpoints endpoints;
    endpoints.elasticsearch_url =
        "https://" + es->first + "." + host->first + ":" + std::to_string(es->second);
    if (!parts[2].empty()) {
        auto kibana = name_and_port(parts[2], host->second);
        if (!kibana)
            return std::unexpected(kibana.error());
        endpoints.kibana_url =
            "https://" + kibana->first + "." + host->first + ":" + std::to_string(kibana->second);
    }
    return endpoints;
}

} // namespace esmend::es_client

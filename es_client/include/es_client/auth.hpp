#pragma once
// Credentials and Elastic Cloud IDs (../shared/reference/es-apis.md §1.14).

#include <es_client/error.hpp>

#include <string>
#include <string_view>

namespace esmend::es_client {

// How requests authenticate. The secret never leaves this type except as the Authorization header
// the transport sends; describe() names the scheme and user only.
class Credentials {
public:
    enum class Scheme { none, basic, api_key, bearer };

    Credentials() = default;
    static Credentials basic(std::string user, std::string password);
    // Accepts the `encoded` form returned by POST /_security/api_key, or "id:api_key".
    static Credentials api_key(std::string_view key);
    static Credentials bearer(std::string token);

    [[nodiscard]] Scheme scheme() const { return m_scheme; }
    // The Authorization header value ("Basic ...", "ApiKey ...", "Bearer ..."), empty for none.
    [[nodiscard]] std::string authorization() const;
    // Safe to log: "basic auth as elastic", "API key", "bearer token", "no credentials".
    [[nodiscard]] std::string describe() const;

private:
    Scheme m_scheme = Scheme::none;
    std::string m_user;
    std::string m_secret; // password, encoded API key, or token
};

struct CloudEndpoints {
    std::string elasticsearch_url;
    std::string kibana_url; // empty when the Cloud ID has no Kibana component
};

// Decodes `label:base64(host[:port]$es_id[:port]$kibana_id[:port])`: the label is everything up to
// the last ':', the port defaults to 443, and a component's own port overrides the host's.
[[nodiscard]] Result<CloudEndpoints> decode_cloud_id(std::string_view cloud_id);

[[nodiscard]] std::string base64_encode(std::string_view data);
// Accepts the standard and the URL-safe alphabets, with or without padding.
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

} // namespace esmend::es_client

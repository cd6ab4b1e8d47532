#pragma once
// es-sim's security realm: basic-auth users and API keys with three fixed roles, authentication
// errors and per-endpoint authorization as ES's security module reports them.

#include <es_sim/server.hpp>

#include "es_error.hpp"
#include "rest.hpp"

#include <expected>
#include <string>
#include <vector>

namespace esmend::es_sim {

class Security {
public:
    Security(std::vector<User> users, std::vector<ApiKey> api_keys);

    [[nodiscard]] bool enabled() const { return !m_users.empty() || !m_api_keys.empty(); }

    // Authenticates the Authorization header value (may be empty). `uri` is the request URI ES
    // quotes.
    [[nodiscard]] std::expected<Principal, EsError> authenticate(const std::string& authorization,
                                                                 const std::string& uri) const;

    // Checks that the principal may run the endpoint. 403 security_exception when not.
    [[nodiscard]] std::expected<void, EsError> authorize(const Principal& principal,
                                                         const std::string& endpoint,
                                                         const std::string& index) const;

    // Whether the role holds a named cluster or index privilege (for _has_privileges).
    [[nodiscard]] static bool has_cluster_privilege(const std::string& role,
                                                    const std::string& privilege);
    [[nodiscard]] static bool has_index_privilege(const std::string& role,
                                                  const std::string& privilege);

    // Whether _has_privileges (and a role) may name the privilege: one of ES's predefined names
    // (ES ClusterPrivilegeResolver.VALUES, IndexPrivilege.VALUES; case-insensitive) or an action
    // pattern. When not, the 400 illegal_argument_exception ES answers, naming the known ones.
    [[nodiscard]] static std::expected<void, EsError>
    check_cluster_privilege(const std::string& privilege);
    [[nodiscard]] static std::expected<void, EsError>
    check_index_privilege(const std::string& privilege);

    // ES's role name for a configured Role.
    [[nodiscard]] static std::string role_name(Role role);

private:
    std::vector<User> m_users;
    std::vector<ApiKey> m_api_keys;
};

[[nodiscard]] std::string base64_decode(const std::string& in);
[[nodiscard]] std::string base64_encode(const std::string& in);

} // namespace esmend::es_sim

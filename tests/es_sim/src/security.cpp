#include "security.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <vector>

namespace esmend::es_sim {

namespace {

constexpr const char* k_basic_challenge = "Basic realm=\"security\" charset=\"UTF-8\"";

// ES attaches the authentication challenges to the error as "header" metadata and as response
// headers (security_exception, 401; DefaultAuthenticationFailureHandler).
EsError unauthenticated(const std::string& reason) {
    EsError e(401, "security_exception", reason);
    e.with("header", {{"WWW-Authenticate", nlohmann::json::array({k_basic_challenge, "ApiKey"})}});
    return e;
}

struct ActionInfo {
    const char* action;
    enum class Kind { read, monitor, view_metadata, write, admin, cluster_admin, always } kind;
    const char* granted_by; // ES's ", this action is granted by the ... privileges [...]" suffix
};

// The transport action behind each endpoint (ES action names) and which privilege family grants it.
const std::map<std::string, ActionInfo>& actions() {
    using K = ActionInfo::Kind;
    static const std::map<std::string, ActionInfo> k_actions = {
        {"info", {"cluster:monitor/main", K::monitor, "cluster privileges [monitor,manage,all]"}},
        {"ping", {"cluster:monitor/main", K::monitor, "cluster privileges [monitor,manage,all]"}},
        {"cluster.health",
         {"cluster:monitor/health", K::monitor, "cluster privileges [monitor,manage,all]"}},
        {"cat.indices",
         {"indices:monitor/stats", K::monitor, "index privileges [monitor,manage,all]"}},
        {"cat.allocation",
         {"cluster:monitor/state", K::monitor, "cluster privileges [monitor,manage,all]"}},
        {"nodes.stats",
         {"cluster:monitor/nodes/stats", K::monitor, "cluster privileges [monitor,manage,all]"}},
        {"security.authenticate",
         {"cluster:admin/xpack/security/user/authenticate", K::always, ""}},
        {"security.has_privileges",
         {"cluster:admin/xpack/security/user/has_privileges", K::always, ""}},
        {"bulk",
         {"indices:data/write/bulk", K::write,
          "index privileges [create_doc,create,delete,index,write,all]"}},
        {"index",
         {"indices:data/write/index", K::write,
          "index privileges [create_doc,create,index,write,all]"}},
        {"create",
         {"indices:data/write/index", K::write,
          "index privileges [create_doc,create,index,write,all]"}},
        {"update", {"indices:data/write/update", K::write, "index privileges [index,write,all]"}},
        {"delete", {"indices:data/write/delete", K::write, "index privileges [delete,write,all]"}},
        {"get", {"indices:data/read/get", K::read, "index privileges [read,all]"}},
        {"mget", {"indices:data/read/mget", K::read, "index privileges [read,all]"}},
        {"search", {"indices:data/read/search", K::read, "index privileges [read,all]"}},
        {"count", {"indices:data/read/search", K::read, "index privileges [read,all]"}},
        {"open_point_in_time",
         {"indices:data/read/open_point_in_time", K::read, "index privileges [read,all]"}},
        {"close_point_in_time",
         {"indices:data/read/close_point_in_time", K::read, "index privileges [read,all]"}},
        {"field_caps",
         {"indices:data/read/field_caps", K::read,
          "index privileges [view_index_metadata,read,manage,all]"}},
        {"indices.create",
         {"indices:admin/create", K::admin, "index privileges [create_index,manage,all]"}},
        {"indices.delete",
         {"indices:admin/delete", K::admin, "index privileges [delete_index,manage,all]"}},
        {"indices.get",
         {"indices:admin/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.exists",
         {"indices:admin/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.get_mapping",
         {"indices:admin/mappings/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.put_mapping",
         {"indices:admin/mapping/put", K::admin, "index privileges [manage,all]"}},
        {"indices.get_settings",
         {"indices:monitor/settings/get", K::view_metadata,
          "index privileges [view_index_metadata,monitor,manage,all]"}},
        {"indices.put_settings",
         {"indices:admin/settings/update", K::admin, "index privileges [manage,all]"}},
        {"indices.add_block",
         {"indices:admin/block/add", K::admin, "index privileges [manage,all]"}},
        {"indices.refresh",
         {"indices:admin/refresh", K::view_metadata, "index privileges [maintenance,manage,all]"}},
        {"indices.stats",
         {"indices:monitor/stats", K::monitor, "index privileges [monitor,manage,all]"}},
        {"indices.get_alias",
         {"indices:admin/aliases/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.exists_alias",
         {"indices:admin/aliases/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.update_aliases",
         {"indices:admin/aliases", K::admin, "index privileges [manage,all]"}},
        {"cluster.put_component_template",
         {"cluster:admin/component_template/put", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"cluster.get_component_template",
         {"cluster:admin/component_template/get", K::monitor,
          "cluster privileges [manage_index_templates,monitor,manage,all]"}},
        {"cluster.exists_component_template",
         {"cluster:admin/component_template/get", K::monitor,
          "cluster privileges [manage_index_templates,monitor,manage,all]"}},
        {"cluster.delete_component_template",
         {"cluster:admin/component_template/delete", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"indices.put_index_template",
         {"indices:admin/index_template/put", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"indices.get_index_template",
         {"indices:admin/index_template/get", K::monitor,
          "cluster privileges [manage_index_templates,monitor,manage,all]"}},
        {"indices.exists_index_template",
         {"indices:admin/index_template/get", K::monitor,
          "cluster privileges [manage_index_templates,monitor,manage,all]"}},
        {"indices.delete_index_template",
         {"indices:admin/index_template/delete", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"indices.simulate_index_template",
         {"indices:admin/index_template/simulate_index", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"indices.simulate_template",
         {"indices:admin/index_template/simulate", K::cluster_admin,
          "cluster privileges [manage_index_templates,manage,all]"}},
        {"indices.create_data_stream",
         {"indices:admin/data_stream/create", K::admin,
          "index privileges [create_index,manage,all]"}},
        {"indices.get_data_stream",
         {"indices:admin/data_stream/get", K::view_metadata,
          "index privileges [view_index_metadata,manage,all]"}},
        {"indices.delete_data_stream",
         {"indices:admin/data_stream/delete", K::admin,
          "index privileges [delete_index,manage,all]"}},
        {"indices.data_streams_stats",
         {"indices:monitor/data_stream/stats", K::monitor,
          "index privileges [monitor,manage,all]"}},
        {"indices.rollover", {"indices:admin/rollover", K::admin, "index privileges [manage,all]"}},
        {"indices.modify_data_stream",
         {"indices:admin/data_stream/modify", K::admin, "index privileges [manage,all]"}},
        {"ingest.put_pipeline",
         {"cluster:admin/ingest/pipeline/put", K::cluster_admin,
          "cluster privileges [manage_ingest_pipelines,manage,all]"}},
        {"ingest.get_pipeline",
         {"cluster:admin/ingest/pipeline/get", K::monitor,
          "cluster privileges [read_pipeline,manage_ingest_pipelines,monitor,manage,all]"}},
        {"ingest.delete_pipeline",
         {"cluster:admin/ingest/pipeline/delete", K::cluster_admin,
          "cluster privileges [manage_ingest_pipelines,manage,all]"}},
        {"ingest.simulate",
         {"cluster:admin/ingest/pipeline/simulate", K::cluster_admin,
          "cluster privileges [manage_ingest_pipelines,manage,all]"}},
    };
    return k_actions;
}

} // namespace

Security::Security(std::vector<User> users, std::vector<ApiKey> api_keys)
    : m_users(std::move(users)), m_api_keys(std::move(api_keys)) {}

std::string Security::role_name(Role role) {
    switch (role) {
    case Role::superuser:
        return "superuser";
    case Role::read_only:
        return "viewer";
    case Role::no_access:
        return "no_access";
    }
    return "no_access";
}

std::expected<Principal, EsError> Security::authenticate(const std::string& authorization,
                                                         const std::string& uri) const {
    if (authorization.empty())
        return std::unexpected(
            unauthenticated("missing authentication credentials for REST request [" + uri + "]"));
    const auto space = authorization.find(' ');
    const std::string scheme = authorization.substr(0, space);
    const std::string token = space == std::string::npos ? "" : authorization.substr(space + 1);
    if (scheme == "Basic") {
        const auto decoded = base64_decode(token);
        const auto colon = decoded.find(':');
        const std::string name = decoded.substr(0, colon);
        const std::string password = colon == std::string::npos ? "" : decoded.substr(colon + 1);
        for (const auto& u : m_users)
            if (u.name == name && u.password == password)
                return Principal{u.name, role_name(u.role), false, false};
        return std::unexpected(unauthenticated("unable to authenticate user [" + name +
                                               "] for REST request [" + uri + "]"));
    }
    if (scheme == "ApiKey") {
        const auto decoded = base64_decode(token);
        const auto colon = decoded.find(':');
        const std::string id = decoded.substr(0, colon);
        const std::string key = colon == std::string::npos ? "" : decoded.substr(colon + 1);
        for (const auto& k : m_api_keys)
            if (k.id == id && k.key == key)
                return Principal{k.id, role_name(k.role), true, false};
        return std::unexpected(
            unauthenticated("unable to authenticate with provided credentials and anonymous access "
                            "is not allowed for this request"));
    }
    return std::unexpected(
        unauthenticated("missing authentication credentials for REST request [" + uri + "]"));
}

namespace {

// ES ClusterPrivilegeResolver.resolve and IndexPrivilege.resolve: a predefined name (any case) or
// an action pattern (`action_prefix`...), else ES's IllegalArgumentException naming the known
// ones as `names_label` lists them.
std::expected<void, EsError> resolve_privilege(const std::string& privilege,
                                               const std::vector<std::string_view>& names,
                                               std::string_view action_prefix,
                                               const std::string& kind,
                                               const std::string& names_label) {
    std::string name = privilege;
    for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.starts_with(action_prefix) ||
        std::find(names.begin(), names.end(), name) != names.end())
        return {};
    std::string known;
    for (const auto n : names)
        known += (known.empty() ? "" : ",") + std::string(n);
    return std::unexpected(
        EsError(400, "illegal_argument_exception",
                "unknown " + kind + " privilege [" + name +
                    "]. a privilege must be either one of the predefined " + names_label + " [" +
                    known + "] or a pattern over one of the available " + kind + " actions"));
}

} // namespace

std::expected<void, EsError> Security::check_cluster_privilege(const std::string& privilege) {
    // ES ClusterPrivilegeResolver.VALUES (8.x). unsourced order: ES lists them by access level;
    // es-sim lists them alphabetically.
    // clang-format off
    static const std::vector<std::string_view> k_names = {
        "all", "cancel_task", "create_snapshot", "delegate_pki", "grant_api_key", "manage",
        "manage_api_key", "manage_autoscaling", "manage_behavioral_analytics", "manage_ccr",
        "manage_data_frame_transforms", "manage_enrich", "manage_ilm", "manage_index_templates",
        "manage_ingest_pipelines", "manage_logstash_pipelines", "manage_ml", "manage_oidc",
        "manage_own_api_key", "manage_pipeline", "manage_rollup", "manage_saml",
        "manage_search_application", "manage_security", "manage_service_account", "manage_slm",
        "manage_token", "manage_transform", "manage_user_profile", "manage_watcher", "monitor",
        "monitor_data_frame_transforms", "monitor_ml", "monitor_rollup", "monitor_snapshot",
        "monitor_text_structure", "monitor_transform", "monitor_watcher", "none", "read_ccr",
        "read_ilm", "read_pipeline", "read_security", "read_slm",
        "send_behavioral_analytics_event", "transport_client"};
    // clang-format on
    return resolve_privilege(privilege, k_names, "cluster:", "cluster", "cluster privilege names");
}

std::expected<void, EsError> Security::check_index_privilege(const std::string& privilege) {
    // ES IndexPrivilege.VALUES (8.x), which ES lists sorted.
    // clang-format off
    static const std::vector<std::string_view> k_names = {
        "all", "auto_configure", "create", "create_doc", "create_index",
        "cross_cluster_replication", "cross_cluster_replication_internal", "delete",
        "delete_index", "index", "maintenance", "manage", "manage_data_stream_lifecycle",
        "manage_follow_index", "manage_ilm", "manage_leader_index", "monitor", "none", "read",
        "read_cross_cluster", "view_index_metadata", "write"};
    // clang-format on
    return resolve_privilege(privilege, k_names, "indices:", "index", "fixed indices privileges");
}

bool Security::has_cluster_privilege(const std::string& role, const std::string& privilege) {
    if (role == "superuser")
        return true;
    if (role == "viewer")
        return privilege == "monitor" || privilege.starts_with("monitor_") ||
               privilege == "read_pipeline";
    return false;
}

bool Security::has_index_privilege(const std::string& role, const std::string& privilege) {
    if (role == "superuser")
        return true;
    if (role == "viewer")
        return privilege == "read" || privilege == "view_index_metadata" ||
               privilege == "monitor" || privilege == "read_cross_cluster";
    return false;
}

std::expected<void, EsError> Security::authorize(const Principal& principal,
                                                 const std::string& endpoint,
                                                 const std::string& index) const {
    if (principal.anonymous || principal.role == "superuser")
        return {};
    const auto it = actions().find(endpoint);
    if (it == actions().end()) {
        return std::unexpected(EsError(403, "security_exception",
                                       "action [" + endpoint + "] is unauthorized for user [" +
                                           principal.name + "] with effective roles [" +
                                           principal.role + "]"));
    }
    using K = ActionInfo::Kind;
    const auto kind = it->second.kind;
    bool allowed = kind == K::always;
    if (principal.role == "viewer")
        allowed = allowed || kind == K::read || kind == K::monitor || kind == K::view_metadata;
    if (allowed)
        return {};
    // ES AuthorizationService.actionDenied: "action [a] is unauthorized for user [u] with effective
    // roles [r] on indices [i], this action is granted by the index privileges [...]".
    std::string reason = "action [" + std::string(it->second.action) + "] is unauthorized for ";
    reason += principal.api_key
                  ? "API key id [" + principal.name + "] of user [" + principal.name + "]"
                  : "user [" + principal.name + "]";
    reason += " with effective roles [" +
              (principal.role == "no_access" ? std::string{} : principal.role) + "]";
    const std::string granted = it->second.granted_by;
    if (!index.empty() && granted.starts_with("index"))
        reason += " on indices [" + index + "]";
    if (!granted.empty())
        reason += ", this action is granted by the " + granted;
    return std::unexpected(EsError(403, "security_exception", reason));
}

std::string base64_decode(const std::string& in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+' || c == '-')
            return 62;
        if (c == '/' || c == '_')
            return 63;
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        const int v = value(c);
        if (v < 0)
            continue;
        buffer = (buffer << 6U) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return out;
}

std::string base64_encode(const std::string& in) {
    static constexpr std::string_view k_chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        buffer = (buffer << 8U) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(k_chars[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
        }
    }
    if (bits > 0)
        out.push_back(k_chars[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
    while (out.size() % 4 != 0)
        out.push_back('=');
    return out;
}

} // namespace esmend::es_sim

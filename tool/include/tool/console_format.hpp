#pragma once
// Requests in Kibana Dev Tools console syntax, the form Elastic operators paste and read:
//   PUT _component_template/logs-golang.heap@package
//   { ...pretty JSON body... }
// Kibana API requests carry the console's `kbn:` prefix (GET kbn:/api/status).

#include <playbooks/action.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace esmend::tool {

// A request body as esmend shows it: secrets (Fleet password vars, password, api_key, secret,
// token and authorization strings) replaced by "<redacted>". What is sent is never changed.
[[nodiscard]] nlohmann::json redacted(const nlohmann::json& body);

// One request: the method and path line, then the body (if any), pretty-printed.
[[nodiscard]] std::string console_request(const playbooks::Action& action);

// As console_request, preceded by a `# summary` comment line (the console ignores it).
[[nodiscard]] std::string console_block(const playbooks::Action& action);

// The request as --json output shows it: {service, method, path, summary, body?}.
[[nodiscard]] nlohmann::json action_json(const playbooks::Action& action);

} // namespace esmend::tool

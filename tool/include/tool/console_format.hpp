#pragma once
// Requests in Kibana Dev Tools console syntax, the form Elastic operators paste and read:
//   PUT _component_template/logs-golang.heap@package
//   { ...pretty JSON body... }
// Kibana API requests carry the console's `kbn:` prefix (GET kbn:/api/status).

#include <playbooks/action.hpp>

#include <string>

namespace esmend::tool {

// One request: the method and path line, then the body (if any), pretty-printed.
[[nodiscard]] std::string console_request(const playbooks::Action& action);

// As console_request, preceded by a `# summary` comment line (the console ignores it).
[[nodiscard]] std::string console_block(const playbooks::Action& action);

} // namespace esmend::tool

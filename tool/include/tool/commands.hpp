#pragma once
// One registration function per subcommand, each in its own cmd_<name>.cpp.

#include <es_client/clock.hpp>
#include <playbooks/audit.hpp>
#include <tool/app.hpp>
#include <tool/options.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esmend::tool {

// What a subcommand gets when it runs.
struct Context {
    const GlobalOptions& options;
    std::ostream& out;
    es_client::Clock& clock;
    const es_client::Cancellation& cancel;
};

using Action = std::function<ExitCode(Context&)>;

// Each adds its subcommand to `app` and stores the action to run when it is chosen.
void register_version(CLI::App& app, Action& action);
void register_info(CLI::App& app, Action& action);
void register_assets(CLI::App& app, Action& action);
void register_ingest(CLI::App& app, Action& action);
void register_install(CLI::App& app, Action& action);
void register_audit(CLI::App& app, Action& action);
void register_repair(CLI::App& app, Action& action);

struct Connection;
// What an audit looks at (audit, and repair --from-audit): the Kibana data views named by id,
// name or title (all of them when neither views nor patterns are given), then the index
// patterns. Data views need Kibana: without it this is a config Error.
[[nodiscard]] es_client::Result<std::vector<playbooks::AuditTarget>>
audit_targets(Connection& connection, const std::vector<std::string>& data_views,
              const std::vector<std::string>& patterns);

} // namespace esmend::tool

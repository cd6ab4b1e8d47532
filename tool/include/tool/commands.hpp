#pragma once
// One registration function per subcommand, each in its own cmd_<name>.cpp.

#include <es_client/clock.hpp>
#include <tool/app.hpp>
#include <tool/options.hpp>

#include <functional>
#include <iosfwd>

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

} // namespace esmend::tool

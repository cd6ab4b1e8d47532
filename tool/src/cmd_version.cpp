#include <tool/commands.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>

namespace esmend::tool {

void register_version(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand("version", "Print esmend's version");
    cmd->callback([&action] {
        action = [](Context& ctx) {
            Output out(ctx.options.format, ctx.out);
            out.result({{"version", ESMEND_VERSION}, {"elasticsearch", {"7.17", "8.x"}}});
            out.line("esmend " ESMEND_VERSION " (Elasticsearch 7.17 and 8.x)");
            return ExitCode::ok;
        };
    });
}

} // namespace esmend::tool

#include <tool/app.hpp>
#include <tool/commands.hpp>
#include <tool/options.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <iostream>

namespace esmend::tool {

namespace {

es_client::Cancellation g_cancel;

extern "C" void on_interrupt(int signal) {
    // The first Ctrl-C asks running work to stop at a safe point; a second one ends the process.
    // SIGTERM only ever asks: supervisors (systemd's control-group kill, coreutils `timeout`) send
    // it to the process and to its group at once, and that duplicate must not count as a second
    // request. They follow up with SIGKILL if they want the process gone.
    if (signal == SIGINT && g_cancel.requested()) {
        std::signal(signal, SIG_DFL);
        std::raise(signal);
        return;
    }
    g_cancel.request();
}

} // namespace

int run(int argc, char** argv) {
    try {
        CLI::App app{
            "esmend: install, ingest, audit and repair Elasticsearch data streams for Go services",
            "esmend"};
        app.require_subcommand(1);
        app.fallthrough(); // global options may also follow the subcommand
        GlobalOptions options;
        add_global_options(app, options);
        Action action;
        register_version(app, action);
        register_info(app, action);
        register_assets(app, action);
        register_install(app, action);
        register_ingest(app, action);
        register_audit(app, action);
        register_repair(app, action);

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            const int code = app.exit(e);
            return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
        }

        setup_logging(options.verbosity, options.quiet);
        Output output(options.format, std::cout);
        if (const auto path = config_file_path(options)) {
            if (auto applied = apply_config_file(app, *path, options); !applied) {
                output.error(applied.error());
                return static_cast<int>(ExitCode::usage);
            }
        }

        std::signal(SIGINT, on_interrupt);
        std::signal(SIGTERM, on_interrupt);
        es_client::SystemClock clock;
        Context context{options, std::cout, clock, g_cancel};
        // Each command decides what an interruption means: work cut short is `interrupted` (130)
        // or `resumable` (3); ingest flushes or spools what it holds and ends normally.
        return static_cast<int>(action(context));
    } catch (const std::exception& e) {
        std::cerr << "esmend: internal error: " << e.what() << '\n';
        return static_cast<int>(ExitCode::failed);
    } catch (...) {
        std::cerr << "esmend: internal error\n";
        return static_cast<int>(ExitCode::failed);
    }
}

// Maps an error to the documented exit code.
ExitCode exit_code_for(const es_client::Error& error) {
    switch (error.kind) {
    case es_client::ErrorKind::config:
        return ExitCode::usage;
    case es_client::ErrorKind::cancelled:
        return ExitCode::interrupted;
    default:
        return ExitCode::failed;
    }
}

} // namespace esmend::tool

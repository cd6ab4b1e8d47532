#include <playbooks/executors.hpp>
#include <playbooks/install.hpp>
#include <tool/commands.hpp>
#include <tool/connection.hpp>
#include <tool/console_format.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace esmend::tool {

namespace {

struct InstallArgs {
    std::vector<std::string> namespaces;
    bool force = false;
    bool via_fleet = false;
    bool dry_run = false;
};

std::string outcome_text(const nlohmann::json& o) {
    const std::string result = o.value("result", "");
    auto v = [](const nlohmann::json& x) {
        return x.is_number() ? std::to_string(x.get<std::int64_t>()) : std::string("none");
    };
    if (result == "create")
        return o.value("version", nlohmann::json()).is_number()
                   ? "create (version " + v(o["version"]) + ")"
                   : "create";
    if (result == "upgrade")
        return "upgrade " + v(o.value("installed_version", nlohmann::json())) + " -> " +
               v(o.value("version", nlohmann::json())) +
               (o.contains("reason") ? " (" + o["reason"].get<std::string>() + ")" : "");
    if (result == "unchanged")
        return o.value("version", nlohmann::json()).is_number()
                   ? "up to date (version " + v(o["version"]) + ")"
                   : "up to date";
    if (result == "kept")
        return "kept (esmend never overwrites an existing @custom template)";
    if (result == "refused")
        return "REFUSED: " + o.value("reason", "");
    if (result == "rollover") {
        std::string fields;
        for (const auto& c : o.value("changed_fields", nlohmann::json::array()))
            fields += (fields.empty() ? "" : ", ") + c.value("field", "") + " " +
                      c.value("from", "") + " -> " + c.value("to", "");
        return "roll over (" + fields + "); " + o.value("advice", "");
    }
    if (result == "update_mapping")
        return "add new fields to the write index";
    return result;
}

ExitCode run_install(Context& ctx, const InstallArgs& args) {
    Output out(ctx.options.format, ctx.out);
    playbooks::InstallOptions options;
    options.force = args.force ? playbooks::Force::yes : playbooks::Force::no;
    for (const auto& ns : args.namespaces) {
        if (const auto problem = playbooks::namespace_problem(ns); !problem.empty()) {
            out.error(es_client::make_error(es_client::ErrorKind::config,
                                            "--namespace '" + ns + "': " + problem));
            return ExitCode::usage;
        }
        options.namespaces.push_back(ns);
    }
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel);
    if (!connection) {
        out.error(connection.error());
        return exit_code_for(connection.error());
    }
    std::vector<playbooks::Step> steps;
    if (args.via_fleet) {
        if (!connection->kibana) {
            out.error(es_client::make_error(
                es_client::ErrorKind::config,
                "--via-fleet calls Kibana's Fleet API: set --kibana-url or KIBANA_HOST"));
            return ExitCode::usage;
        }
        steps = playbooks::fleet_reinstall_steps(*connection->kibana);
    } else {
        steps = playbooks::install_steps(*connection->es, options);
    }

    playbooks::LiveExecutor live(*connection->es, connection->kibana.get());
    playbooks::PlanExecutor plan;
    playbooks::Executor& executor = args.dry_run ? static_cast<playbooks::Executor&>(plan) : live;
    playbooks::Listener listener;
    listener.on_step = [](const playbooks::Step& step) { spdlog::info("checking {}", step.name); };
    if (!args.dry_run) {
        listener.on_action = [](const playbooks::Action& action) {
            spdlog::info("{}", action.summary);
        };
    }
    const auto report = playbooks::run_steps(steps, executor, nlohmann::json::object(), ctx.clock,
                                             ctx.cancel, listener);

    nlohmann::json result = {{"dry_run", args.dry_run}, {"changed", report.changed()}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& step : report.steps) {
        const std::string key = step.name == "assets"         ? "assets"
                                : step.name == "data streams" ? "data_streams"
                                                              : "fleet";
        result[key] = step.facts;
        if (step.facts.is_array()) {
            for (const auto& o : step.facts) {
                std::string kind = o.value("kind", "data stream");
                std::replace(kind.begin(), kind.end(), '_', ' ');
                rows.push_back({kind, o.value("name", ""), outcome_text(o)});
            }
        }
        nlohmann::json actions = nlohmann::json::array();
        for (const auto& a : step.actions)
            actions.push_back(action_json(a));
        result[key + "_requests"] = actions;
    }
    if (!report.ok()) {
        result["error"] = to_json(*report.error);
        if (out.json()) {
            out.result(result);
        } else {
            out.table(rows);
        }
        spdlog::error("{}", report.error->describe());
        return exit_code_for(*report.error);
    }
    out.result(result);
    if (!out.json()) {
        if (args.dry_run) {
            // The plan, pasteable into Kibana Dev Tools.
            for (const auto& a : plan.recorded())
                out.line(console_block(a) + "\n");
            out.line(plan.recorded().empty() ? "# dry run: nothing to do, everything is up to date"
                                             : "# dry run: nothing was changed");
        } else {
            out.table(rows);
            out.line(report.changed() ? "installed" : "nothing to do: everything is up to date");
        }
    }
    return ExitCode::ok;
}

} // namespace

void register_install(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand(
        "install", "Install or upgrade the Golang integration's templates, pipeline and data "
                   "streams");
    auto args = std::make_shared<InstallArgs>();
    auto* ns = cmd->add_option("--namespace", args->namespaces,
                               "Create (or check) the data streams of these namespaces, e.g. "
                               "default,prod")
                   ->delimiter(',');
    cmd->add_flag("--force", args->force,
                  "Take over Fleet-managed or foreign assets and allow downgrades");
    cmd->add_flag("--via-fleet", args->via_fleet,
                  "Reinstall the installed golang package through Kibana Fleet instead")
        ->excludes(ns);
    cmd->add_flag("--dry-run", args->dry_run,
                  "Print the requests (Dev Tools console format) and change nothing");
    cmd->callback(
        [&action, args] { action = [args](Context& ctx) { return run_install(ctx, *args); }; });
}

} // namespace esmend::tool

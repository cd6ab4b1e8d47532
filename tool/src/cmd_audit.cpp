#include <playbooks/audit.hpp>
#include <playbooks/executors.hpp>
#include <playbooks/repair.hpp>
#include <tool/commands.hpp>
#include <tool/connection.hpp>
#include <tool/console_format.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace esmend::tool {

namespace {

using nlohmann::json;

struct AuditArgs {
    std::vector<std::string> data_views;
    std::vector<std::string> patterns;
    double rate = 5000.0;
    std::string format = "human"; // human | console (--json is global)
};

// The terminal's width (COLUMNS, then the tty), 100 when neither says.
std::size_t terminal_width() {
    if (const char* columns = std::getenv("COLUMNS")) {
        const long n = std::strtol(columns, nullptr, 10);
        if (n >= 40)
            return static_cast<std::size_t>(n);
    }
    winsize ws{};
    if (::isatty(STDOUT_FILENO) != 0 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
        ws.ws_col >= 40) {
        return ws.ws_col;
    }
    return 100;
}

// Wraps a line to the width at spaces; continuation lines keep its indentation plus two.
std::string fit(const std::string& line, std::size_t width) {
    if (line.size() <= width)
        return line;
    const std::size_t indent = line.find_first_not_of(' ');
    const std::string pad(indent == std::string::npos ? 2 : indent + 2, ' ');
    std::string out;
    std::string rest = line;
    std::size_t limit = width;
    while (rest.size() > limit) {
        std::size_t cut = rest.rfind(' ', limit);
        if (cut == std::string::npos || cut <= pad.size())
            cut = limit; // one long word: cut it
        out += rest.substr(0, cut) + "\n";
        rest = pad + rest.substr(rest[cut] == ' ' ? cut + 1 : cut);
    }
    return out + rest;
}

std::string bytes_text(std::int64_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    auto value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    std::ostringstream s;
    s.precision(unit == 0 ? 0 : 1);
    s << std::fixed << value << ' ' << units[unit];
    return s.str();
}

std::string join(const json& list, std::size_t limit = 3) {
    std::string out;
    std::size_t n = 0;
    for (const auto& item : list) {
        if (n == limit) {
            out += ", +" + std::to_string(list.size() - limit) + " more";
            break;
        }
        out += (n++ == 0 ? "" : ", ") + item.get<std::string>();
    }
    return out;
}

std::string plural(std::size_t n, const std::string& word) {
    if (n == 1)
        return "1 " + word;
    return std::to_string(n) + " " + (word == "index" ? std::string("indices") : word + "s");
}

void render_human(Output& out, const json& report) {
    const std::size_t width = terminal_width();
    std::vector<std::string> lines;
    const auto& cluster = report["cluster"];
    lines.push_back("Cluster " + cluster.value("name", "") + " (" + cluster.value("version", "") +
                    ")");
    for (const auto& target : report["targets"]) {
        lines.emplace_back();
        std::string head = target.value("title", "");
        if (target["data_view"].is_object())
            head += " (data view \"" + target["data_view"].value("name", "") + "\")";
        const auto& conflicts = target["conflicts"];
        head += ": " + plural(target.value("indices", std::size_t{0}), "index") + ", " +
                plural(conflicts.size(), "conflicting field");
        lines.push_back(head);
        for (const auto& c : conflicts) {
            lines.push_back("  " + c.value("field", "") + "  (Kibana shows: conflict)");
            for (const auto& t : c["types"]) {
                std::string where = join(t["data_streams"]);
                if (!t["plain_indices"].empty())
                    where += (where.empty() ? "" : "; ") + std::string("plain: ") +
                             join(t["plain_indices"]);
                lines.push_back("    " + t.value("type", "") + " (" + t.value("kibana_type", "") +
                                ") in " + plural(t["indices"].size(), "index") + ": " + where);
            }
            if (!c["unmapped_indices"].empty())
                lines.push_back("    unmapped in " + plural(c["unmapped_indices"].size(), "index"));
            for (const auto& f : c["data_streams"]) {
                std::string package;
                if (f["package"].is_object()) {
                    const std::string version = f["package"].value("version", "");
                    package = " (" + f["package"].value("name", "") +
                              (version.empty() ? "" : " " + version) + ")";
                }
                lines.push_back(
                    "    " + f.value("data_stream", "") + ": " + f.value("verdict", "") +
                    ", template " + f.value("template", "") + package + " maps it as " +
                    (f.value("template_type", "").empty() ? std::string("(dynamic)")
                                                          : f.value("template_type", "")));
                for (const auto& index : f["disagreeing_indices"]) {
                    lines.push_back("      disagrees: " + index.get<std::string>() + " (" +
                                    f["index_types"].value(index.get<std::string>(), "") + ")");
                }
                lines.push_back("      " + f.value("why", ""));
            }
        }
    }
    if (!report["repairs"].empty()) {
        lines.emplace_back();
        lines.emplace_back("Repair plan");
        for (const auto& r : report["repairs"]) {
            const auto& disk = r["disk"];
            lines.push_back(
                "  " + r.value("data_stream", "") + ": " + std::to_string(r.value("docs", 0)) +
                " docs, " + bytes_text(r.value("store_bytes", std::int64_t{0})) +
                " to copy; disk " + (disk.value("enough", false) ? "ok" : "NOT ENOUGH") + " (" +
                bytes_text(disk.value("available_bytes", std::int64_t{0})) + " available)");
            std::ostringstream eta;
            eta.precision(1);
            eta << std::fixed << r["estimate"].value("seconds", 0.0) << " s at "
                << r["estimate"].value("docs_per_second", 0.0) << " docs/s (assumed)";
            lines.push_back("    estimated " + eta.str());
            std::string strategies;
            for (const auto& s : r["strategies"]) {
                strategies +=
                    (strategies.empty() ? "" : ", ") + s.value("name", "") +
                    (s.value("available", false) ? "" : " (unavailable)") +
                    (s.value("name", "") == r.value("recommended_strategy", "") ? " (recommended)"
                                                                                : "");
            }
            lines.push_back("    strategies: " + strategies);
            if (r.contains("first"))
                lines.push_back("    first: " + r.value("first", ""));
            lines.push_back("    run: " + r.value("command", ""));
        }
    }
    std::string text;
    for (const auto& l : lines)
        text += fit(l, width) + "\n";
    text.pop_back();
    out.line(text);
}

// --format console: the requests `esmend repair` would send for each repairable stream, planned
// by the repair playbook itself on this read-only connection (its dry run only reads).
es_client::Result<void> print_console_plan(Context& ctx, Connection& connection, const json& report,
                                           Output& out) {
    if (report["repairs"].empty())
        out.line("# nothing to repair");
    for (const auto& repair : report["repairs"]) {
        playbooks::RepairParams params;
        params.data_stream = repair.value("data_stream", "");
        params.field =
            repair["fields"].empty() ? params.field : repair["fields"][0].get<std::string>();
        params.run_id = "audit";
        const auto steps = playbooks::repair_steps(*connection.es, connection.kibana.get(), params,
                                                   ctx.clock, &ctx.cancel);
        playbooks::PlanExecutor plan;
        const auto planned =
            playbooks::run_steps(steps, plan, json{{"dry_run", true}}, ctx.clock, ctx.cancel);
        if (!planned.ok())
            return std::unexpected(*planned.error);
        out.line("# " + repair.value("command", "") + " (dry run)");
        for (const auto& action : plan.recorded())
            out.line(console_block(action) + "\n");
    }
    return {};
}

} // namespace

es_client::Result<std::vector<playbooks::AuditTarget>>
audit_targets(Connection& connection, const std::vector<std::string>& data_views,
              const std::vector<std::string>& patterns) {
    std::vector<playbooks::AuditTarget> targets;
    if (!data_views.empty() || patterns.empty()) {
        if (!connection.kibana) {
            return std::unexpected(es_client::make_error(
                es_client::ErrorKind::config,
                data_views.empty()
                    ? "nothing to audit: give --pattern, or --kibana-url (KIBANA_HOST) to audit "
                      "the data views"
                    : "--data-view reads Kibana: set --kibana-url or KIBANA_HOST"));
        }
        auto views = playbooks::data_view_targets(*connection.kibana, data_views);
        if (!views)
            return std::unexpected(views.error());
        targets = std::move(*views);
    }
    for (const auto& p : patterns)
        targets.push_back({p, nullptr});
    return targets;
}

namespace {

ExitCode run_audit(Context& ctx, const AuditArgs& args) {
    Output out(ctx.options.format, ctx.out);
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel, Access::read_only);
    if (!connection) {
        out.error(connection.error());
        return exit_code_for(connection.error());
    }
    auto targets = audit_targets(*connection, args.data_views, args.patterns);
    if (!targets) {
        out.error(targets.error());
        return exit_code_for(targets.error());
    }
    spdlog::info("auditing {} target(s)", targets->size());
    auto report = playbooks::audit(*connection->es, *targets, {args.rate});
    if (!report) {
        out.error(report.error());
        return exit_code_for(report.error());
    }
    out.result(*report);
    if (!out.json() && args.format == "console") {
        if (auto planned = print_console_plan(ctx, *connection, *report, out); !planned) {
            out.error(planned.error());
            return exit_code_for(planned.error());
        }
    } else if (!out.json()) {
        render_human(out, *report);
    }
    // 0 = no conflicts, 1 = conflicts found (for cron and CI), 2 = error.
    return (*report)["summary"].value("conflicting_fields", 0) == 0 ? ExitCode::ok
                                                                    : ExitCode::failed;
}

} // namespace

void register_audit(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand(
        "audit", "Find the fields Kibana data views show as conflicts, why, and plan the repair "
                 "(read-only)");
    auto args = std::make_shared<AuditArgs>();
    cmd->add_option("--data-view", args->data_views,
                    "Audit this Kibana data view (name, id or title; repeatable). Default: all");
    cmd->add_option("--pattern", args->patterns,
                    "Audit an index pattern directly, e.g. 'logs-*,-logs-test*' (repeatable)");
    cmd->add_option("--format", args->format,
                    "human, or console: the Dev Tools requests the repair of each repairable "
                    "stream would send")
        ->check(CLI::IsMember({"human", "console"}));
    cmd->add_option("--rate", args->rate,
                    "Reindex speed assumed for the estimate, in documents per second")
        ->check(CLI::PositiveNumber);
    cmd->callback(
        [&action, args] { action = [args](Context& ctx) { return run_audit(ctx, *args); }; });
}

} // namespace esmend::tool

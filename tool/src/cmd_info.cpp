#include <playbooks/strategy.hpp>
#include <tool/commands.hpp>
#include <tool/connection.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

namespace esmend::tool {

namespace {

std::string percent(double value) {
    std::ostringstream s;
    s.precision(1);
    s << std::fixed << value << '%';
    return s.str();
}

ExitCode run_info(Context& ctx) {
    Output out(ctx.options.format, ctx.out);
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel);
    if (!connection) {
        out.error(connection.error());
        return exit_code_for(connection.error());
    }
    auto info = connection->es->info();
    if (!info) {
        out.error(info.error());
        return exit_code_for(info.error());
    }
    auto health = connection->es->health();
    if (!health) {
        out.error(health.error());
        return exit_code_for(health.error());
    }
    const auto features = es_client::Features::of(info->version);
    const auto strategies = playbooks::repair_strategies(info->version);

    nlohmann::json kibana = nullptr;
    bool kibana_ok = true;
    std::string kibana_line;
    if (connection->kibana) {
        auto status = connection->kibana->status();
        kibana = {{"url", connection->kibana_url}, {"reachable", status.has_value()}};
        if (status) {
            kibana["version"] = status->version;
            kibana["status"] = status->level;
            kibana_line = connection->kibana_url + "  " + status->version + ", " + status->level;
        } else {
            kibana_ok = false;
            kibana["error"] = to_json(status.error());
            kibana_line = connection->kibana_url + "  unreachable: " + status.error().describe();
            spdlog::error("Kibana: {}", status.error().describe());
        }
    }

    nlohmann::json strategies_json = nlohmann::json::array();
    std::string strategies_line;
    for (const auto& s : strategies) {
        strategies_json.push_back({{"name", s.name},
                                   {"available", s.available},
                                   {"summary", s.summary},
                                   {"requirement", s.requirement}});
        if (s.available)
            strategies_line += (strategies_line.empty() ? "" : ", ") + s.name;
    }
    if (strategies_line.empty())
        strategies_line = "none (" + strategies.front().requirement + ")";

    out.result({
        {"elasticsearch", {{"url", connection->es_hosts}}},
        {"cluster",
         {{"name", info->cluster_name}, {"uuid", info->cluster_uuid}, {"node", info->node_name}}},
        {"version", {{"number", info->version.str()}, {"build_flavor", info->build_flavor}}},
        {"health",
         {{"status", health->status},
          {"number_of_nodes", health->number_of_nodes},
          {"number_of_data_nodes", health->number_of_data_nodes},
          {"active_primary_shards", health->active_primary_shards},
          {"active_shards", health->active_shards},
          {"unassigned_shards", health->unassigned_shards},
          {"active_shards_percent", health->active_shards_percent}}},
        {"features",
         {{"data_streams", features.data_streams},
          {"modify_data_stream", features.modify_data_stream},
          {"document_parsing_exception", features.document_parsing_exception},
          {"create_from", features.create_from}}},
        {"repair_strategies", strategies_json},
        {"kibana", kibana},
    });
    std::vector<std::pair<std::string, std::string>> rows = {
        {"Elasticsearch", connection->es_hosts},
        {"Cluster", info->cluster_name + " (" + info->cluster_uuid + ")"},
        {"Version",
         info->version.str() + (info->build_flavor.empty() ? "" : " (" + info->build_flavor + ")")},
        {"Health", health->status + ", " + std::to_string(health->number_of_nodes) + " node(s), " +
                       std::to_string(health->active_shards) + " active shard(s), " +
                       std::to_string(health->unassigned_shards) + " unassigned, " +
                       percent(health->active_shards_percent) + " active"},
        {"Repair strategies", strategies_line},
    };
    rows.emplace_back("Kibana", connection->kibana ? kibana_line
                                                   : "not configured (--kibana-url, KIBANA_HOST)");
    out.fields(rows);
    return kibana_ok ? ExitCode::ok : ExitCode::failed;
}

} // namespace

void register_info(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand(
        "info", "Show the cluster's name, version and health, and what esmend can do there");
    cmd->callback([&action] { action = run_info; });
}

} // namespace esmend::tool

#include <assets/assets.hpp>
#include <tool/commands.hpp>
#include <tool/output.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace esmend::tool {

namespace {

ExitCode list_assets(Context& ctx) {
    Output out(ctx.options.format, ctx.out);
    nlohmann::json items = nlohmann::json::array();
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& a : assets::all()) {
        const std::string path = std::string(assets::api_prefix(a.kind)) + std::string(a.name);
        items.push_back({{"name", a.name}, {"kind", assets::to_string(a.kind)}, {"path", path}});
        rows.emplace_back(std::string(a.name), std::string(assets::to_string(a.kind)));
    }
    out.result(items);
    out.fields(rows);
    return ExitCode::ok;
}

ExitCode show_asset(Context& ctx, const std::string& name) {
    Output out(ctx.options.format, ctx.out);
    const auto* asset = assets::find(name);
    if (asset == nullptr) {
        out.error(es_client::make_error(es_client::ErrorKind::config,
                                        "no asset named '" + name + "' (see: esmend assets list)"));
        return ExitCode::usage;
    }
    const auto body = nlohmann::json::parse(asset->json, nullptr, false);
    out.result(body);
    // The human form is the Kibana Dev Tools request that installs it.
    out.line("PUT " + std::string(assets::api_prefix(asset->kind)).substr(1) +
             std::string(asset->name) + "\n" + body.dump(2));
    return ExitCode::ok;
}

} // namespace

void register_assets(CLI::App& app, Action& action) {
    auto* cmd =
        app.add_subcommand("assets", "List or show the Elasticsearch assets esmend installs");
    cmd->require_subcommand(1);
    auto* list =
        cmd->add_subcommand("list", "List the component templates, pipelines and index templates");
    list->callback([&action] { action = list_assets; });
    auto* show =
        cmd->add_subcommand("show", "Print one asset as the Dev Tools request that installs it");
    auto name = std::make_shared<std::string>();
    show->add_option("name", *name, "Asset name, e.g. logs-golang.heap@package")->required();
    show->callback(
        [&action, name] { action = [name](Context& ctx) { return show_asset(ctx, *name); }; });
}

} // namespace esmend::tool

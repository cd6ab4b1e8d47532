#pragma once
// The Elasticsearch assets esmend installs, compiled in from assets/**/*.json.

#include <cstddef>
#include <span>
#include <string_view>

namespace esmend::assets {

enum class Kind { component_template, ingest_pipeline, index_template };

struct Asset {
    Kind kind;
    std::string_view name; // the Elasticsearch name, e.g. "logs-golang.heap@package"
    std::string_view json; // the request body that creates it
};

// Every asset in dependency (install) order: component templates, ingest pipelines, index
// templates.
[[nodiscard]] std::span<const Asset> all();
[[nodiscard]] const Asset* find(std::string_view name);
[[nodiscard]] std::string_view to_string(Kind kind);
// The API path that creates or reads the asset, e.g.
// "/_component_template/logs-golang.heap@package".
[[nodiscard]] std::string_view api_prefix(Kind kind);

namespace detail {
extern const Asset k_assets[];
extern const std::size_t k_asset_count;
} // namespace detail

} // namespace esmend::assets

#include <assets/assets.hpp>

namespace esmend::assets {

std::span<const Asset> all() {
    return {detail::k_assets, detail::k_asset_count};
}

const Asset* find(std::string_view name) {
    for (const auto& asset : all())
        if (asset.name == name)
            return &asset;
    return nullptr;
}

std::string_view to_string(Kind kind) {
    switch (kind) {
    case Kind::component_template:
        return "component template";
    case Kind::ingest_pipeline:
        return "ingest pipeline";
    case Kind::index_template:
        return "index template";
    }
    return "asset";
}

std::string_view api_prefix(Kind kind) {
    switch (kind) {
    case Kind::component_template:
        return "/_component_template/";
    case Kind::ingest_pipeline:
        return "/_ingest/pipeline/";
    case Kind::index_template:
        return "/_index_template/";
    }
    return "/";
}

} // namespace esmend::assets

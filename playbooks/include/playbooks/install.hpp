#pragma once
// The install playbook: puts the Golang integration's assets (component templates, then ingest
// pipelines, then index templates) and, on request, creates the data streams of some namespaces.
// It is idempotent (a second run changes nothing), upgrades an older `version`, never downgrades
// or takes over a Fleet-managed or foreign asset without Force::yes, never touches an existing
// @custom template (those hold the operator's own settings), and rolls a data stream over when
// the new template changes the type of a field its write index already has, because a mapping
// type cannot change in place (es-apis.md §2.3: Fleet does the same).

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <playbooks/step_engine.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace esmend::playbooks {

enum class Force { no, yes };

struct InstallOptions {
    std::vector<std::string> namespaces; // create/check logs-golang.<ds>-<namespace> for each
    Force force = Force::no;
};

// The two datasets esmend installs.
[[nodiscard]] const std::vector<std::string>& golang_datasets(); // "heap", "expvar"
[[nodiscard]] std::string golang_data_stream(const std::string& dataset, const std::string& ns);

// Checks a namespace as Fleet does: lower case, no '-', '\\', '/', '*', '?', '"', '<', '>', '|',
// ' ', ',', '#' or ':', at most 100 bytes. Empty when valid, otherwise why not.
[[nodiscard]] std::string namespace_problem(const std::string& ns);

// The steps, observing through `es`.
[[nodiscard]] std::vector<Step> install_steps(es_client::Elasticsearch& es,
                                              const InstallOptions& options);

// Reads every asset esmend installs: name -> installed definition, or null (decide_assets' input).
[[nodiscard]] es_client::Result<nlohmann::json> observe_assets(es_client::Elasticsearch& es);

// Pure decisions, exposed for tests. The asset observation maps each asset name to its
// installed definition or null; the data stream observation maps each data stream name to null
// or {"write_index", "indices": [...], "template", "mappings"} (the write index's mappings).
[[nodiscard]] Decision decide_assets(const nlohmann::json& observation,
                                     const InstallOptions& options);
[[nodiscard]] Decision decide_data_streams(const nlohmann::json& observation);

// Field path -> mapping type ("object" for object nodes), from a "mappings" object. Multi-fields
// are left out: they cannot conflict with a document's values.
[[nodiscard]] std::vector<std::pair<std::string, std::string>>
flatten_mapping_types(const nlohmann::json& mappings);

// How esmend's own copy of an index template (the Golang integration's, as bundled) maps a
// field: the type from its component templates and its own template, the last one that maps it
// winning as in ES's composition, and the package version the assets mirror. Empty when esmend
// bundles no template of that name or the template does not map the field.
struct BundledField {
    std::string type;
    std::string package_version;
};
[[nodiscard]] std::optional<BundledField> bundled_field_type(const std::string& index_template,
                                                             const std::string& field);

// What installing the Golang package would change for a field: for a template esmend manages, or
// Fleet's golang package (`template_meta` is the index template's _meta), that maps `field`
// otherwise than the bundled package (`current`: its type now, none when it does not map it).
// The audit and the repair's preflight both decide with it. Empty when nothing would change or
// esmend bundles nothing for that template.
struct TemplateFix {
    std::string type;            // what the bundled package maps the field as
    std::string package_version; // the bundled package version
    bool fleet = false;          // Fleet's golang package; else esmend's own assets
    std::string installed;       // Fleet: the installed package version
    // Fleet: the installed version is older than the bundled one, so it is upgraded; otherwise a
    // reinstall of the installed version puts an edited template back.
    bool upgrade = false;
};
[[nodiscard]] std::optional<TemplateFix> template_fix(const std::string& index_template,
                                                      const nlohmann::json& template_meta,
                                                      const std::optional<std::string>& current,
                                                      const std::string& field);

// `esmend install --via-fleet`: Fleet's reinstall of the installed golang package version
// (POST /api/fleet/epm/packages/golang/<version> {"force": true}, es-apis.md §2.3).
[[nodiscard]] std::vector<Step> fleet_reinstall_steps(es_client::Kibana& kibana);
[[nodiscard]] Decision decide_fleet_reinstall(const nlohmann::json& state,
                                              const nlohmann::json& observation);

} // namespace esmend::playbooks

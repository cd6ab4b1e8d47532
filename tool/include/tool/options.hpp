#pragma once
// Global options, their environment variables and the config file.

#include <es_client/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esmend::tool {

enum class OutputFormat { human, json };

struct GlobalOptions {
    std::string es_url;   // --es-url, ELASTICSEARCH_HOSTS: comma-separated or a JSON array
    std::string user;     // --user, ELASTICSEARCH_USERNAME
    std::string password; // --password, ELASTICSEARCH_PASSWORD
    std::string api_key;  // --api-key, ELASTICSEARCH_API_KEY
    std::string bearer;   // --bearer, ELASTICSEARCH_BEARER_TOKEN
    std::string cloud_id; // --cloud-id, ELASTIC_CLOUD_ID
    std::string ca_cert;  // --ca-cert, ELASTICSEARCH_CA_CERT
    std::string client_cert;
    std::string client_key;
    bool insecure = false;
    std::string kibana_url; // --kibana-url, KIBANA_HOST
    double timeout_seconds = 60;
    double connect_timeout_seconds = 10;
    int retries = 3;
    double max_backoff_seconds = 30;
    bool compress = false;
    std::string config_file; // --config, ESMEND_CONFIG
    OutputFormat format = OutputFormat::human;
    int verbosity = 0; // -v: debug, -vv: trace
    bool quiet = false;
};

// Declares every global option (with its environment variable) on the top-level app.
void add_global_options(CLI::App& app, GlobalOptions& options);

// The config file that applies: --config/ESMEND_CONFIG if given (it must exist), otherwise
// $XDG_CONFIG_HOME/esmend/config.toml or ~/.config/esmend/config.toml if present.
[[nodiscard]] std::optional<std::string> config_file_path(const GlobalOptions& options);

// Fills every option the command line and the environment left unset from the config file
// (format: README, "Configuration"). Unknown keys are a config error.
[[nodiscard]] es_client::Result<void>
apply_config_file(const CLI::App& app, const std::string& path, GlobalOptions& options);

} // namespace esmend::tool

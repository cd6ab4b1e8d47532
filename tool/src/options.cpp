#include <tool/options.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace esmend::tool {

using es_client::ErrorKind;
using es_client::make_error;

void add_global_options(CLI::App& app, GlobalOptions& o) {
    // Names and variables follow Elastic's own tools (Beats, Kibana's container, the clients).
    app.add_option("--es-url", o.es_url,
                   "Elasticsearch URL(s), comma-separated [default: http://localhost:9200]")
        ->envname("ELASTICSEARCH_HOSTS");
    app.add_option("--user,-u", o.user, "Basic-auth user name")->envname("ELASTICSEARCH_USERNAME");
    app.add_option("--password", o.password,
                   "Basic-auth password (prefer the environment variable)")
        ->envname("ELASTICSEARCH_PASSWORD");
    app.add_option("--api-key", o.api_key, "API key: the encoded form, or id:key")
        ->envname("ELASTICSEARCH_API_KEY");
    app.add_option("--bearer", o.bearer, "Bearer token")->envname("ELASTICSEARCH_BEARER_TOKEN");
    app.add_option("--cloud-id", o.cloud_id,
                   "Elastic Cloud ID (sets the Elasticsearch and Kibana URLs)")
        ->envname("ELASTIC_CLOUD_ID");
    app.add_option("--ca-cert", o.ca_cert,
                   "PEM file of the CA that signed the cluster's certificate")
        ->envname("ELASTICSEARCH_CA_CERT");
    app.add_option("--client-cert", o.client_cert, "PEM client certificate for mutual TLS");
    app.add_option("--client-key", o.client_key, "PEM key of the client certificate");
    app.add_flag("--insecure", o.insecure, "Do not verify TLS certificates (never the default)");
    app.add_option("--kibana-url", o.kibana_url, "Kibana URL, for Fleet and data views")
        ->envname("KIBANA_HOST");
    app.add_option("--timeout", o.timeout_seconds, "Request timeout in seconds")
        ->check(CLI::PositiveNumber);
    app.add_option("--connect-timeout", o.connect_timeout_seconds, "Connect timeout in seconds")
        ->check(CLI::PositiveNumber);
    app.add_option("--retries", o.retries, "Retries on 429/502/503/504 and connection failures")
        ->check(CLI::Range(0, 100));
    app.add_option("--max-backoff", o.max_backoff_seconds,
                   "Longest wait between retries, in seconds")
        ->check(CLI::PositiveNumber);
    app.add_flag("--compress", o.compress, "gzip request bodies");
    app.add_option("--config", o.config_file, "Config file (TOML keys named like the long options)")
        ->envname("ESMEND_CONFIG");
    app.add_flag_callback(
        "--json", [&o] { o.format = OutputFormat::json; }, "Machine output: JSON on stdout only");
    app.add_flag("-v,--verbose", o.verbosity, "More logging on stderr (-vv: every request)");
    app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
}

std::optional<std::string> config_file_path(const GlobalOptions& options) {
    if (!options.config_file.empty())
        return options.config_file;
    std::filesystem::path dir;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
        dir = xdg;
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        dir = std::filesystem::path(home) / ".config";
    } else {
        return std::nullopt;
    }
    auto path = dir / "esmend" / "config.toml";
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec))
        return path.string();
    return std::nullopt;
}

namespace {

bool parse_bool(const std::string& text, bool& out) {
    if (text == "true" || text == "1" || text == "yes" || text == "on")
        return out = true, true;
    if (text == "false" || text == "0" || text == "no" || text == "off")
        return out = false, true;
    return false;
}

template <class Number>
bool parse_number(const std::string& text, Number& out) {
    std::istringstream in(text);
    Number value{};
    in >> value;
    if (!in || !in.eof())
        return false;
    out = value;
    return true;
}

} // namespace

es_client::Result<void> apply_config_file(const CLI::App& app, const std::string& path,
                                          GlobalOptions& o) {
    std::ifstream file(path);
    if (!file)
        return std::unexpected(make_error(ErrorKind::config, "cannot read config file " + path));
    std::stringstream text;
    text << file.rdbuf();
    std::vector<CLI::ConfigItem> items;
    try {
        CLI::ConfigTOML format;
        items = format.from_config(text);
    } catch (const CLI::ParseError& e) {
        return std::unexpected(
            make_error(ErrorKind::config, "config file " + path + ": " + e.what()));
    }

    using Setter = std::function<bool(const std::string&)>;
    const auto text_field = [](std::string& field) -> Setter {
        return [&field](const std::string& v) { return field = v, true; };
    };
    const std::map<std::string, Setter> setters = {
        {"es-url", text_field(o.es_url)},
        {"user", text_field(o.user)},
        {"password", text_field(o.password)},
        {"api-key", text_field(o.api_key)},
        {"bearer", text_field(o.bearer)},
        {"cloud-id", text_field(o.cloud_id)},
        {"ca-cert", text_field(o.ca_cert)},
        {"client-cert", text_field(o.client_cert)},
        {"client-key", text_field(o.client_key)},
        {"kibana-url", text_field(o.kibana_url)},
        {"insecure", [&o](const std::string& v) { return parse_bool(v, o.insecure); }},
        {"compress", [&o](const std::string& v) { return parse_bool(v, o.compress); }},
        {"timeout",
         [&o](const std::string& v) {
             return parse_number(v, o.timeout_seconds) && o.timeout_seconds > 0;
         }},
        {"connect-timeout",
         [&o](const std::string& v) {
             return parse_number(v, o.connect_timeout_seconds) && o.connect_timeout_seconds > 0;
         }},
        {"retries",
         [&o](const std::string& v) { return parse_number(v, o.retries) && o.retries >= 0; }},
        {"max-backoff",
         [&o](const std::string& v) {
             return parse_number(v, o.max_backoff_seconds) && o.max_backoff_seconds > 0;
         }},
    };

    bool holds_secret = false;
    for (const auto& item : items) {
        const std::string key = item.fullname();
        const auto setter = setters.find(key);
        if (setter == setters.end()) {
            return std::unexpected(make_error(
                ErrorKind::config, "config file " + path + ": unknown key '" + key + "'"));
        }
        if (key == "password" || key == "api-key" || key == "bearer")
            holds_secret = true;
        // The command line and the environment win over the file.
        if (app.get_option("--" + key)->count() > 0)
            continue;
        std::string value;
        for (std::size_t i = 0; i < item.inputs.size(); ++i)
            value += (i ? "," : "") + item.inputs[i];
        if (!setter->second(value)) {
            // Values are not echoed: the key may hold a secret.
            return std::unexpected(make_error(
                ErrorKind::config, "config file " + path + ": invalid value for '" + key + "'"));
        }
    }
    struct stat st {};
    if (holds_secret && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        spdlog::warn("config file {} holds credentials but other users can read it (chmod 600 it)",
                     path);
    }
    return {};
}

} // namespace esmend::tool

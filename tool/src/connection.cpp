#include <es_client/curl_transport.hpp>
#include <es_client/read_only_transport.hpp>
#include <es_client/retrying_transport.hpp>
#include <es_client/url.hpp>
#include <tool/connection.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

namespace esmend::tool {

using namespace es_client;

namespace {

std::chrono::milliseconds millis(double seconds) {
    return std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1000.0)};
}

Result<Credentials> credentials_of(const GlobalOptions& o, const BaseUrl& first_host) {
    const int schemes =
        (!o.user.empty() || !o.password.empty()) + !o.api_key.empty() + !o.bearer.empty();
    if (schemes > 1) {
        return std::unexpected(
            make_error(ErrorKind::config,
                       "give one way to authenticate: --user/--password, --api-key or --bearer"));
    }
    if (!o.api_key.empty())
        return Credentials::api_key(o.api_key);
    if (!o.bearer.empty())
        return Credentials::bearer(o.bearer);
    if (!o.user.empty() || !o.password.empty()) {
        if (o.user.empty()) {
            return std::unexpected(
                make_error(ErrorKind::config, "--password needs --user (ELASTICSEARCH_USERNAME)"));
        }
        if (o.password.empty()) {
            return std::unexpected(
                make_error(ErrorKind::config,
                           "--user needs a password: set ELASTICSEARCH_PASSWORD or --password"));
        }
        return Credentials::basic(o.user, o.password);
    }
    if (!first_host.user.empty())
        return Credentials::basic(first_host.user, first_host.password);
    return Credentials{};
}

Result<std::shared_ptr<Transport>> make_transport(const GlobalOptions& o,
                                                  std::vector<BaseUrl> hosts,
                                                  Credentials credentials, Clock& clock,
                                                  const Cancellation* cancel) {
    TransportOptions t;
    t.hosts = std::move(hosts);
    t.credentials = std::move(credentials);
    t.tls.ca_file = o.ca_cert;
    t.tls.client_cert = o.client_cert;
    t.tls.client_key = o.client_key;
    t.tls.verify = o.insecure ? TlsVerify::none : TlsVerify::full;
    t.connect_timeout = millis(o.connect_timeout_seconds);
    t.request_timeout = millis(o.timeout_seconds);
    t.compress_requests = o.compress ? Compression::gzip : Compression::off;
    t.user_agent = "esmend/" ESMEND_VERSION;
    auto curl = CurlTransport::create(std::move(t));
    if (!curl)
        return std::unexpected(curl.error());
    RetryOptions retry;
    retry.max_attempts = o.retries + 1;
    retry.max_backoff = millis(o.max_backoff_seconds);
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    JitterSource jitter = [engine] {
        return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
    return std::make_shared<RetryingTransport>(std::shared_ptr<Transport>(std::move(*curl)), retry,
                                               clock, std::move(jitter), cancel);
}

std::string join_hosts(const std::vector<BaseUrl>& hosts) {
    std::string text;
    for (const auto& h : hosts)
        text += (text.empty() ? "" : ",") + h.str();
    return text;
}

} // namespace

Result<Connection> connect(const GlobalOptions& o, Clock& clock, const Cancellation* cancel,
                           Access access) {
    std::string es_list = o.es_url;
    std::string kibana = o.kibana_url;
    if (!o.cloud_id.empty()) {
        auto cloud = decode_cloud_id(o.cloud_id);
        if (!cloud)
            return std::unexpected(cloud.error());
        if (!es_list.empty())
            spdlog::warn("--cloud-id given: ignoring --es-url/ELASTICSEARCH_HOSTS");
        es_list = cloud->elasticsearch_url;
        if (kibana.empty())
            kibana = cloud->kibana_url;
    }
    if (es_list.empty())
        es_list = "http://localhost:9200";

    std::vector<BaseUrl> es_hosts;
    for (const auto& text : split_host_list(es_list)) {
        auto url = parse_base_url(text, 9200);
        if (!url)
            return std::unexpected(url.error());
        es_hosts.push_back(std::move(*url));
    }
    if (es_hosts.empty())
        return std::unexpected(make_error(ErrorKind::config, "no Elasticsearch URL given"));
    auto credentials = credentials_of(o, es_hosts.front());
    if (!credentials)
        return std::unexpected(credentials.error());
    spdlog::debug("Elasticsearch at {} with {}", join_hosts(es_hosts), credentials->describe());

    Connection connection;
    connection.es_hosts = join_hosts(es_hosts);
    auto es_transport = make_transport(o, es_hosts, *credentials, clock, cancel);
    if (!es_transport)
        return std::unexpected(es_transport.error());
    if (access == Access::read_only) {
        // The audit's promise: only reads, and the read-only POSTs it needs (issue: audit);
        // _has_privileges only asks (the repair plan's preflight).
        *es_transport = std::make_shared<ReadOnlyTransport>(
            std::move(*es_transport), std::vector<std::string>{"_field_caps", "_search", "_count",
                                                               "_index_template/_simulate_index",
                                                               "_security/user/_has_privileges"});
    }
    connection.es = std::make_unique<Elasticsearch>(std::move(*es_transport));

    if (!kibana.empty()) {
        auto url = parse_base_url(kibana, 5601);
        if (!url)
            return std::unexpected(url.error());
        // Kibana takes the same Authorization headers as Elasticsearch (es-apis.md §2.1), unless
        // its URL carries its own user.
        Credentials kibana_credentials =
            url->user.empty() ? *credentials : Credentials::basic(url->user, url->password);
        connection.kibana_url = url->str();
        auto kibana_transport = make_transport(o, {*url}, kibana_credentials, clock, cancel);
        if (!kibana_transport)
            return std::unexpected(kibana_transport.error());
        if (access == Access::read_only) {
            *kibana_transport = std::make_shared<ReadOnlyTransport>(std::move(*kibana_transport),
                                                                    std::vector<std::string>{});
        }
        connection.kibana = std::make_unique<Kibana>(std::move(*kibana_transport));
    }
    return connection;
}

} // namespace esmend::tool

#pragma once

#include <es_client/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_client {

// A base URL of an Elasticsearch or Kibana node. Credentials written into the URL
// (https://user:pass@host) are split off so that they can never be logged with it.
struct BaseUrl {
    std::string scheme; // "http" or "https"
    std::string host;   // IPv6 literals keep their brackets
    int port = 0;
    std::string path; // a path prefix for proxied deployments, without a trailing '/'
    std::string user;
    std::string password;

    // scheme://host:port/path, never with credentials.
    [[nodiscard]] std::string str() const;
};

// Parses "host", "host:port", "http[s]://[user[:password]@]host[:port][/path]"; a missing scheme
// means http and a missing port means `default_port`.
[[nodiscard]] Result<BaseUrl> parse_base_url(std::string_view text, int default_port);

// Splits a host list as Elastic's tools accept it: "a,b", or the JSON-array form used by the
// Kibana and Beats containers, ELASTICSEARCH_HOSTS='["http://a:9200","http://b:9200"]'.
[[nodiscard]] std::vector<std::string> split_host_list(std::string_view text);

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters stay as they are).
[[nodiscard]] std::string url_encode(std::string_view text);

} // namespace esmend::es_client

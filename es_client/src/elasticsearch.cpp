#include <es_client/elasticsearch.hpp>

#include <utility>

namespace esmend::es_client {

Result<nlohmann::json> parse_json(std::string_view body, std::string_view what) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) {
        return std::unexpected(
            make_error(ErrorKind::parse, "malformed JSON in " + std::string(what)));
    }
    return json;
}

Elasticsearch::Elasticsearch(std::shared_ptr<Transport> transport)
    : m_transport(std::move(transport)) {}

Result<HttpResponse> Elasticsearch::send(HttpRequest request) {
    return m_transport->perform(request);
}

Result<nlohmann::json> Elasticsearch::call(Method method, std::string path,
                                           const nlohmann::json* body) {
    HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    if (body != nullptr)
        request.body = body->dump();
    auto response = m_transport->perform(request);
    if (!response)
        return std::unexpected(response.error());
    if (!response->ok())
        return std::unexpected(error_from_response(*response, Service::elasticsearch));
    if (method == Method::head || response->body.empty())
        return nlohmann::json::object();
    return parse_json(response->body,
                      "the answer to " + std::string(to_string(method)) + " " + request.path);
}

Result<std::optional<nlohmann::json>> Elasticsearch::find(std::string path) {
    auto response = m_transport->perform(make_request(Method::get, std::move(path)));
    if (!response)
        return std::unexpected(response.error());
    if (response->status == 404)
        return std::optional<nlohmann::json>{};
    if (!response->ok())
        return std::unexpected(error_from_response(*response, Service::elasticsearch));
    auto body = parse_json(response->body, "a GET answer");
    if (!body)
        return std::unexpected(body.error());
    return std::optional<nlohmann::json>{std::move(*body)};
}

namespace {
template <class T>
T value_or(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    return it->get<T>();
}
} // namespace

Result<ClusterInfo> Elasticsearch::info() {
    HttpRequest request;
    request.path = "/";
    auto response = m_transport->perform(request);
    if (!response)
        return std::unexpected(response.error());
    if (!response->ok())
        return std::unexpected(error_from_response(*response, Service::elasticsearch));
    // ES 7.14+ answers every request with this header; its absence means a proxy or another
    // product is answering (the official clients make the same check).
    const auto product = response->header("X-elastic-product");
    if (!product || *product != "Elasticsearch") {
        return std::unexpected(
            make_error(ErrorKind::state,
                       response->host + " is not Elasticsearch: the X-elastic-product header is " +
                           (product ? "'" + std::string(*product) + "'" : std::string("missing")) +
                           " (esmend needs Elasticsearch 7.17 or 8.x)"));
    }
    auto body = parse_json(response->body, "GET /");
    if (!body)
        return std::unexpected(body.error());
    if (!body->is_object() || !body->contains("version") ||
        !(*body)["version"].contains("number")) {
        return std::unexpected(make_error(ErrorKind::parse, "GET / has no version.number"));
    }
    ClusterInfo info;
    info.node_name = value_or<std::string>(*body, "name", "");
    info.cluster_name = value_or<std::string>(*body, "cluster_name", "");
    info.cluster_uuid = value_or<std::string>(*body, "cluster_uuid", "");
    info.tagline = value_or<std::string>(*body, "tagline", "");
    const auto& version = (*body)["version"];
    info.build_flavor = value_or<std::string>(version, "build_flavor", "");
    if (!version["number"].is_string()) {
        return std::unexpected(
            make_error(ErrorKind::parse, "GET /: version.number is not a string"));
    }
    auto parsed = Version::parse(version["number"].get<std::string>());
    if (!parsed)
        return std::unexpected(parsed.error());
    info.version = *parsed;
    return info;
}

Result<ClusterHealth> Elasticsearch::health() {
    auto body = call(Method::get, "/_cluster/health");
    if (!body)
        return std::unexpected(body.error());
    if (!body->is_object() || !body->contains("status")) {
        return std::unexpected(make_error(ErrorKind::parse, "_cluster/health has no status"));
    }
    ClusterHealth h;
    h.status = value_or<std::string>(*body, "status", "");
    h.number_of_nodes = value_or<std::int64_t>(*body, "number_of_nodes", 0);
    h.number_of_data_nodes = value_or<std::int64_t>(*body, "number_of_data_nodes", 0);
    h.active_primary_shards = value_or<std::int64_t>(*body, "active_primary_shards", 0);
    h.active_shards = value_or<std::int64_t>(*body, "active_shards", 0);
    h.unassigned_shards = value_or<std::int64_t>(*body, "unassigned_shards", 0);
    h.active_shards_percent = value_or<double>(*body, "active_shards_percent_as_number", 0.0);
    h.timed_out = value_or<bool>(*body, "timed_out", false);
    return h;
}

} // namespace esmend::es_client

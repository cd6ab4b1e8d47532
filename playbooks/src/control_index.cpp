#include <es_client/url.hpp>
#include <playbooks/control_index.hpp>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::Method;
using es_client::Result;

std::string pause_marker_path(std::string_view data_stream) {
    return "/" + std::string(k_control_index) + "/_doc/" +
           es_client::url_encode("pause:" + std::string(data_stream));
}

nlohmann::json control_index_body() {
    return {{"settings",
             {{"index.hidden", true}, {"number_of_shards", 1}, {"auto_expand_replicas", "0-1"}}},
            {"mappings",
             {{"dynamic", false},
              {"properties",
               {{"type", {{"type", "keyword"}}},
                {"data_stream", {{"type", "keyword"}}},
                {"reason", {{"type", "keyword"}}},
                {"since", {{"type", "date"}}}}}}}};
}

Result<void> ensure_control_index(es_client::Elasticsearch& es) {
    const nlohmann::json body = control_index_body();
    auto created = es.call(Method::put, "/" + std::string(k_control_index), &body);
    if (created || created.error().has_type("resource_already_exists_exception"))
        return {};
    return std::unexpected(created.error());
}

Result<std::optional<PauseMarker>> pause_marker(es_client::Elasticsearch& es,
                                                std::string_view data_stream) {
    auto response = es.send(es_client::make_request(Method::get, pause_marker_path(data_stream)));
    if (!response)
        return std::unexpected(response.error());
    // 404 is both "no such document" ({"found": false}) and "no such index": either way, not
    // paused.
    if (response->status == 404)
        return std::optional<PauseMarker>{};
    if (!response->ok()) {
        return std::unexpected(
            es_client::error_from_response(*response, es_client::Service::elasticsearch));
    }
    auto doc = es_client::parse_json(response->body, "the pause marker");
    if (!doc)
        return std::unexpected(doc.error());
    if (!doc->value("found", false))
        return std::optional<PauseMarker>{};
    const auto& source = (*doc)["_source"];
    return std::optional<PauseMarker>{
        PauseMarker{source.value("data_stream", std::string(data_stream)),
                    source.value("reason", ""), source.value("since", "")}};
}

Result<void> set_pause(es_client::Elasticsearch& es, const PauseMarker& marker) {
    if (auto ensured = ensure_control_index(es); !ensured)
        return ensured;
    const nlohmann::json body = {{"type", "pause"},
                                 {"data_stream", marker.data_stream},
                                 {"reason", marker.reason},
                                 {"since", marker.since}};
    auto put = es.call(Method::put, pause_marker_path(marker.data_stream) + "?refresh=true", &body);
    if (!put)
        return std::unexpected(put.error());
    return {};
}

Result<void> clear_pause(es_client::Elasticsearch& es, std::string_view data_stream) {
    auto response = es.send(
        es_client::make_request(Method::del, pause_marker_path(data_stream) + "?refresh=true"));
    if (!response)
        return std::unexpected(response.error());
    if (response->ok() || response->status == 404)
        return {};
    return std::unexpected(
        es_client::error_from_response(*response, es_client::Service::elasticsearch));
}

} // namespace esmend::playbooks

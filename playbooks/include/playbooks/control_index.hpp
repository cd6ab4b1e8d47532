#pragma once
// esmend's hidden control index in the cluster. It holds one pause marker per data stream: while
// a marker exists, esmend's collectors spool that stream's documents instead of writing them, so
// a repair can copy the stream without new documents arriving. Markers are read with GET by id,
// which is realtime in Elasticsearch (no refresh needed).

#include <es_client/elasticsearch.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace esmend::playbooks {

inline constexpr std::string_view k_control_index = "esmend-control";

struct PauseMarker {
    std::string data_stream;
    std::string reason; // e.g. "repair 3f2a…"
    std::string since;  // RFC 3339
};

// The control index's settings and mappings (hidden, one shard, replicas 0-1).
[[nodiscard]] nlohmann::json control_index_body();
// The path of a data stream's pause marker document: /esmend-control/_doc/pause%3A<ds>.
[[nodiscard]] std::string pause_marker_path(std::string_view data_stream);

// Creates the control index if it does not exist.
[[nodiscard]] es_client::Result<void> ensure_control_index(es_client::Elasticsearch& es);

// The marker of one data stream, nullopt if it is not paused (also when the index is missing).
[[nodiscard]] es_client::Result<std::optional<PauseMarker>>
pause_marker(es_client::Elasticsearch& es, std::string_view data_stream);

[[nodiscard]] es_client::Result<void> set_pause(es_client::Elasticsearch& es,
                                                const PauseMarker& marker);
// Removing a marker that is not there succeeds.
[[nodiscard]] es_client::Result<void> clear_pause(es_client::Elasticsearch& es,
                                                  std::string_view data_stream);

} // namespace esmend::playbooks

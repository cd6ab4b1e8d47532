#pragma once
// Field paths into an ingest document, with ES IngestDocument's semantics and error texts:
// dotted paths into nested maps, numeric elements index lists ("a.0.b"), "_ingest." addresses the
// ingest metadata, "_source." is an optional prefix for source fields, and the metadata fields
// (_index, _id, _routing, _version) live beside the source fields as in ES's ctx map.

#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::es_sim::ingest {

// The document while a pipeline runs.
struct WorkDoc {
    nlohmann::json ctx =
        nlohmann::json::object(); // source fields plus _index/_id/_routing/_version
    nlohmann::json ingest =
        nlohmann::json::object();            // the _ingest map: timestamp, pipeline, on_failure_*
    std::int64_t timestamp_millis = 0;       // the instant behind _ingest.timestamp
    std::vector<std::string> pipeline_stack; // executing pipelines, outermost first
};

// The metadata keys ES keeps in ctx beside the source (ES IngestDocMetadata).
[[nodiscard]] bool is_metadata_key(std::string_view key);

// All return ES's illegal_argument_exception (HTTP 400) on a path that cannot be resolved.
[[nodiscard]] std::expected<nlohmann::json, EsError> get_field(const WorkDoc& doc,
                                                               std::string_view path);
// Like get_field, but a missing field gives null instead of an error (ES ignoreMissing=true).
[[nodiscard]] std::expected<nlohmann::json, EsError> get_field_or_null(const WorkDoc& doc,
                                                                       std::string_view path);
// ES hasField(path, failOutOfRange=false): never fails.
[[nodiscard]] bool has_field(const WorkDoc& doc, std::string_view path);
// ES hasField(path, failOutOfRange=true): a list index beyond the list's end is an error.
[[nodiscard]] std::expected<bool, EsError> has_field_checked(const WorkDoc& doc,
                                                             std::string_view path);
[[nodiscard]] std::expected<void, EsError> set_field(WorkDoc& doc, std::string_view path,
                                                     nlohmann::json value);
// ES appendFieldValue: turns a scalar into a list, appends list values one by one, and with
// allow_duplicates=false skips values already present.
[[nodiscard]] std::expected<void, EsError> append_field(WorkDoc& doc, std::string_view path,
                                                        const nlohmann::json& value,
                                                        bool allow_duplicates);
[[nodiscard]] std::expected<void, EsError> remove_field(WorkDoc& doc, std::string_view path);

// A 400 illegal_argument_exception, the type ES's ingest code throws for bad data.
[[nodiscard]] EsError illegal_argument(std::string reason);

} // namespace esmend::es_sim::ingest

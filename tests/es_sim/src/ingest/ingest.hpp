#pragma once
// es-sim's ingest node: pipeline validation (PUT _ingest/pipeline) and execution (default_pipeline,
// final_pipeline, ?pipeline=, the pipeline processor, _simulate).

#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace esmend::es_sim::ingest {

// Validates a pipeline body as ES does on PUT _ingest/pipeline/{id}: unknown processor types,
// missing required properties and malformed options give ES's parse_exception errors.
[[nodiscard]] std::expected<void, EsError> validate_pipeline(const nlohmann::json& definition);
// The same, naming the pipeline in the errors that mention it ("pipeline [id] doesn't support one
// or more provided configuration parameters [...]"). PUT _ingest/pipeline/{id} should call this
// one.
[[nodiscard]] std::expected<void, EsError> validate_pipeline(const nlohmann::json& definition,
                                                             std::string_view id);

// The document a pipeline sees: ctx is the _source plus the metadata fields _index, _id, _routing,
// _version... exactly as ES exposes them to processors. A processor that changes _index redirects
// the write.
struct IngestDocument {
    nlohmann::json source; // the _source object; processors edit it in place
    std::string index;
    std::string id;
    std::optional<std::string> routing;
    std::int64_t ingest_timestamp_millis = 0; // the value of {{_ingest.timestamp}} for this run
    bool dropped = false;                     // set by the drop processor
};

// Returns the definition of a stored pipeline, or null if there is none.
using PipelineLookup = std::function<const nlohmann::json*(std::string_view id)>;

// Runs stored pipeline `id` on `doc`. A failure not handled by on_failure/ignore_failure returns
// the error ES reports for the bulk item (type, reason, and the processor metadata ES adds).
[[nodiscard]] std::expected<void, EsError> run_pipeline(std::string_view id, IngestDocument& doc,
                                                        const PipelineLookup& lookup);

// POST _ingest/pipeline/_simulate and _ingest/pipeline/{id}/_simulate: the whole response body.
[[nodiscard]] std::expected<nlohmann::json, EsError> simulate(const nlohmann::json& body,
                                                              const std::optional<std::string>& id,
                                                              bool verbose,
                                                              const PipelineLookup& lookup);

} // namespace esmend::es_sim::ingest

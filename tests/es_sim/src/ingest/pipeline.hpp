#pragma once
// Compiled ingest pipelines (ES Pipeline / CompoundProcessor / ConditionalProcessor). A pipeline is
// compiled from its JSON definition each time it runs; compiling is what PUT validates.

#include "ingest/field_access.hpp"
#include "ingest/ingest.hpp"
#include "ingest/painless_condition.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace esmend::es_sim::ingest {

enum class Flow { proceed, drop };

// A processor failure plus the headers ES's CompoundProcessor attaches (IngestProcessorException):
// they feed _ingest.on_failure_* but are not part of the rendered error.
struct Failure {
    EsError error;
    bool wrapped = false;
    std::optional<std::string> processor_type;
    std::optional<std::string> processor_tag;
    std::vector<std::string> pipeline_origin; // innermost pipeline first, only when nested
};

struct RunState {
    const PipelineLookup* lookup = nullptr;
    nlohmann::json* verbose_results = nullptr; // processor_results of _simulate?verbose, else null
};

struct Node;
using NodeList = std::vector<std::shared_ptr<const Node>>;
using LeafFn = std::function<std::expected<Flow, Failure>(WorkDoc&, RunState&)>;

// One configured processor with the common options.
struct Node {
    std::string type;
    std::optional<std::string> tag;
    std::optional<std::string> description;
    std::optional<Condition> condition;
    bool ignore_failure = false;
    bool has_on_failure = false;
    NodeList on_failure;
    LeafFn run;
};

struct CompiledPipeline {
    std::string id;
    NodeList processors;
    NodeList on_failure;
};

[[nodiscard]] std::expected<CompiledPipeline, EsError>
compile_pipeline(const nlohmann::json& definition, std::string_view id);

// Runs a compiled pipeline the way IngestDocument.executePipeline does: cycle check, pipeline
// stack, _ingest.pipeline, processors, then the pipeline's on_failure handlers.
[[nodiscard]] std::expected<Flow, Failure> execute_pipeline(const CompiledPipeline& pipeline,
                                                            WorkDoc& doc, RunState& state);

// The processor types es-sim implements; any other name is "No processor type exists".
[[nodiscard]] std::expected<LeafFn, EsError> build_processor(const std::string& type,
                                                             const std::optional<std::string>& tag,
                                                             nlohmann::json& config);

// The ES parse_exception for a processor option, with ES's processor_type / processor_tag /
// property_name metadata (ConfigurationUtils.newConfigurationException).
[[nodiscard]] EsError config_error(const std::string& type, const std::optional<std::string>& tag,
                                   const std::optional<std::string>& property,
                                   const std::string& reason);

// The "doc" object of a _simulate result (ES WriteableIngestDocument): metadata printed with
// toString(), then _source and _ingest.
[[nodiscard]] nlohmann::json render_doc(const WorkDoc& doc);

// Runs the verbose-simulate bookkeeping for one finished processor.
void record_result(RunState& state, const Node& node, const std::string& status, const WorkDoc* doc,
                   const EsError* error, std::optional<bool> condition_result);

} // namespace esmend::es_sim::ingest

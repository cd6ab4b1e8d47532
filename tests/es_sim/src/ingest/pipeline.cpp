#include "ingest/pipeline.hpp"

#include "ingest/java_values.hpp"

#include <algorithm>
#include <chrono>

namespace esmend::es_sim::ingest {

using nlohmann::json;

namespace {

constexpr const char* k_on_failure_message = "on_failure_message";
constexpr const char* k_on_failure_type = "on_failure_processor_type";
constexpr const char* k_on_failure_tag = "on_failure_processor_tag";
constexpr const char* k_on_failure_pipeline = "on_failure_pipeline";

// ES CompoundProcessor.newCompoundProcessorException: an already-attributed failure keeps its
// headers; otherwise the processor that saw it is named, plus the pipeline stack when nested.
Failure wrap(Failure f, const std::string& type, const std::optional<std::string>& tag,
             const WorkDoc& doc) {
    if (f.wrapped && f.processor_type)
        return f;
    f.wrapped = true;
    f.processor_type = type;
    f.processor_tag = tag;
    if (doc.pipeline_stack.size() > 1) {
        f.pipeline_origin.assign(doc.pipeline_stack.rbegin(), doc.pipeline_stack.rend());
    }
    return f;
}

// ElasticsearchException.getRootCause().getMessage(): the innermost cause's message.
std::string root_cause_message(const EsError& e) {
    const EsError* cur = &e;
    while (cur->caused_by)
        cur = cur->caused_by.get();
    return cur->reason;
}

void put_failure_metadata(WorkDoc& doc, const Failure& f) {
    doc.ingest[k_on_failure_message] = root_cause_message(f.error);
    doc.ingest[k_on_failure_type] = f.processor_type ? json(*f.processor_type) : json(nullptr);
    doc.ingest[k_on_failure_tag] = f.processor_tag ? json(*f.processor_tag) : json(nullptr);
    if (!f.pipeline_origin.empty())
        doc.ingest[k_on_failure_pipeline] = f.pipeline_origin.front();
}

void remove_failure_metadata(WorkDoc& doc) {
    doc.ingest.erase(k_on_failure_message);
    doc.ingest.erase(k_on_failure_type);
    doc.ingest.erase(k_on_failure_tag);
    doc.ingest.erase(k_on_failure_pipeline);
}

std::expected<Flow, Failure> exec_node(const Node& n, WorkDoc& doc, RunState& st);

// ES CompoundProcessor.executeOnFailureAsync.
std::expected<Flow, Failure> run_on_failure(const NodeList& handlers, const Failure& failure,
                                            WorkDoc& doc, RunState& st) {
    put_failure_metadata(doc, failure);
    for (const auto& h : handlers) {
        auto r = exec_node(*h, doc, st);
        if (!r) {
            remove_failure_metadata(doc);
            return std::unexpected(wrap(std::move(r.error()), h->type, h->tag, doc));
        }
        if (*r == Flow::drop) {
            remove_failure_metadata(doc);
            return Flow::drop;
        }
    }
    remove_failure_metadata(doc);
    return Flow::proceed;
}

std::expected<Flow, Failure> exec_node(const Node& n, WorkDoc& doc, RunState& st) {
    std::optional<bool> cond;
    if (n.condition) {
        auto r = n.condition->evaluate(doc.ctx);
        if (!r) {
            record_result(st, n, "error", nullptr, &r.error(), std::nullopt);
            // ES ConditionalProcessor: the condition's exception goes to the enclosing compound,
            // which names the conditional wrapper.
            return std::unexpected(
                wrap(Failure{r.error(), false, {}, {}, {}}, "conditional", n.tag, doc));
        }
        cond = *r;
        if (!*r) {
            record_result(st, n, "skipped", nullptr, nullptr, false);
            return Flow::proceed;
        }
    }
    auto res = n.run(doc, st);
    if (res) {
        if (*res == Flow::drop) {
            record_result(st, n, "dropped", nullptr, nullptr, cond);
        } else if (n.type != "pipeline") {
            record_result(st, n, "success", &doc, nullptr, cond);
        }
        return res;
    }
    Failure f = std::move(res.error());
    if (n.ignore_failure) {
        record_result(st, n, "error_ignored", &doc, &f.error, cond);
        return Flow::proceed;
    }
    record_result(st, n, "error", nullptr, &f.error, cond);
    if (!n.has_on_failure) {
        // Without its own compound the failure reaches the enclosing compound, which names the
        // processor it called: the conditional wrapper when there is an "if".
        return std::unexpected(
            wrap(std::move(f), n.condition ? "conditional" : n.type, n.tag, doc));
    }
    Failure wrapped = wrap(std::move(f), n.type, n.tag, doc);
    return run_on_failure(n.on_failure, wrapped, doc, st);
}

json error_body(const EsError& e) {
    return e.envelope()["error"];
}

} // namespace

json render_doc(const WorkDoc& doc) {
    json out = json::object();
    json source = json::object();
    for (const auto& [k, v] : doc.ctx.items()) {
        if (is_metadata_key(k)) {
            // WriteableIngestDocument prints each metadata value with toString().
            if (!v.is_null())
                out[k] = java_to_string(v);
        } else {
            source[k] = v;
        }
    }
    out["_source"] = std::move(source);
    out["_ingest"] = doc.ingest;
    return out;
}

void record_result(RunState& state, const Node& node, const std::string& status, const WorkDoc* doc,
                   const EsError* error, std::optional<bool> condition_result) {
    if (state.verbose_results == nullptr)
        return;
    json r = json::object();
    r["processor_type"] = node.type;
    r["status"] = status;
    if (node.description)
        r["description"] = *node.description;
    if (node.tag)
        r["tag"] = *node.tag;
    if (condition_result && node.condition) {
        r["if"] = json{{"condition", node.condition->source()}, {"result", *condition_result}};
    }
    if (error != nullptr && doc != nullptr) {
        r["ignored_error"] = json{{"error", error_body(*error)}};
    } else if (error != nullptr) {
        r["error"] = error_body(*error);
    }
    if (doc != nullptr)
        r["doc"] = render_doc(*doc);
    state.verbose_results->push_back(std::move(r));
}

EsError config_error(const std::string& type, const std::optional<std::string>& tag,
                     const std::optional<std::string>& property, const std::string& reason) {
    EsError e(400, "parse_exception", property ? "[" + *property + "] " + reason : reason);
    if (!type.empty())
        e.with("processor_type", type);
    if (tag)
        e.with("processor_tag", *tag);
    if (property)
        e.with("property_name", *property);
    return e;
}

namespace {

std::expected<NodeList, EsError> compile_list(const json& list);

// ES ConfigurationUtils.readProcessor.
std::expected<std::shared_ptr<const Node>, EsError> compile_node(const std::string& type,
                                                                 const json& raw) {
    json config;
    if (raw.is_object()) {
        config = raw;
    } else if (raw.is_string() && type == "script") {
        config = json{{"source", raw}};
    } else {
        return std::unexpected(
            config_error(type, std::nullopt, std::nullopt,
                         "property isn't a map, but of type [" + java_class_name(raw) + "]"));
    }
    auto node = std::make_shared<Node>();
    node->type = type;
    const auto take_string =
        [&](const char* key) -> std::expected<std::optional<std::string>, EsError> {
        auto it = config.find(key);
        if (it == config.end() || it->is_null()) {
            if (it != config.end())
                config.erase(it);
            return std::optional<std::string>{};
        }
        if (!it->is_string()) {
            auto err =
                config_error("", std::nullopt, key,
                             "property isn't a string, but of type [" + java_class_name(*it) + "]");
            return std::unexpected(err);
        }
        std::string v = it->get<std::string>();
        config.erase(it);
        return std::optional<std::string>{v};
    };
    auto tag = take_string("tag");
    if (!tag)
        return std::unexpected(tag.error());
    node->tag = *tag;
    auto description = take_string("description");
    if (!description)
        return std::unexpected(description.error());
    node->description = *description;

    std::optional<std::string> condition_source;
    if (auto it = config.find("if"); it != config.end()) {
        if (it->is_string()) {
            condition_source = it->get<std::string>();
        } else if (it->is_object()) {
            // A script object: only inline Painless sources are supported.
            const json& s = *it;
            if (s.contains("id")) {
                return std::unexpected(
                    config_error(type, node->tag, std::nullopt,
                                 "es-sim does not support stored scripts in [if]"));
            }
            if (s.contains("lang") && s["lang"] != "painless") {
                return std::unexpected(config_error(type, node->tag, std::nullopt,
                                                    "es-sim supports only painless conditions"));
            }
            if (!s.contains("source") || !s["source"].is_string()) {
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "must specify either [source] for an inline script or [id] for a "
                            "stored script")
                        .with("processor_type", type));
            }
            condition_source = s["source"].get<std::string>();
        } else {
            return std::unexpected(config_error("conditional", std::nullopt, "script",
                                                "property isn't a map or string, but of type [" +
                                                    java_class_name(*it) + "]"));
        }
        config.erase(it);
    }

    bool ignore_failure = false;
    if (auto it = config.find("ignore_failure"); it != config.end()) {
        if (!it->is_null() && !it->is_boolean()) {
            return std::unexpected(config_error("", std::nullopt, "ignore_failure",
                                                "property isn't a boolean, but of type [" +
                                                    java_class_name(*it) + "]"));
        }
        ignore_failure = it->is_boolean() && it->get<bool>();
        config.erase(it);
    }
    node->ignore_failure = ignore_failure;
    if (auto it = config.find("on_failure"); it != config.end() && !it->is_null()) {
        if (!it->is_array()) {
            return std::unexpected(
                config_error("", std::nullopt, "on_failure",
                             "property isn't a list, but of type [" + java_class_name(*it) + "]"));
        }
        auto handlers = compile_list(*it);
        if (!handlers)
            return std::unexpected(handlers.error());
        if (handlers->empty()) {
            return std::unexpected(
                config_error(type, node->tag, "on_failure", "processors list cannot be empty"));
        }
        node->has_on_failure = true;
        node->on_failure = std::move(*handlers);
        config.erase("on_failure");
    } else if (it != config.end()) {
        config.erase(it);
    }

    auto leaf = build_processor(type, node->tag, config);
    if (!leaf)
        return std::unexpected(leaf.error());
    if (!config.empty()) {
        std::string keys;
        for (const auto& [k, v] : config.items())
            keys += (keys.empty() ? "" : ", ") + k;
        return std::unexpected(config_error(
            type, node->tag, std::nullopt,
            "processor [" + type +
                "] doesn't support one or more provided configuration parameters [" + keys + "]"));
    }
    node->run = std::move(*leaf);
    if (condition_source) {
        auto cond = Condition::compile(*condition_source);
        if (!cond) {
            // ConditionalProcessor reports "conditional", then readProcessor's catch replaces the
            // metadata with the processor's own type (ElasticsearchException.addMetadata puts).
            EsError e = cond.error();
            e.with("processor_type", type);
            if (node->tag)
                e.with("processor_tag", *node->tag);
            return std::unexpected(e);
        }
        node->condition = std::move(*cond);
    }
    return node;
}

// ES ConfigurationUtils.readProcessorConfigs: the first failure is reported.
std::expected<NodeList, EsError> compile_list(const json& list) {
    NodeList out;
    for (const auto& entry : list) {
        if (!entry.is_object()) {
            return std::unexpected(EsError(400, "parse_exception",
                                           "processor config isn't a map, but of type [" +
                                               java_class_name(entry) + "]"));
        }
        for (const auto& [type, cfg] : entry.items()) {
            if (cfg.is_null()) {
                return std::unexpected(config_error(type, std::nullopt, std::nullopt,
                                                    "processor config cannot be [null]"));
            }
            auto node = compile_node(type, cfg);
            if (!node)
                return std::unexpected(node.error());
            out.push_back(std::move(*node));
        }
    }
    return out;
}

} // namespace

std::expected<CompiledPipeline, EsError> compile_pipeline(const json& definition,
                                                          std::string_view id) {
    if (!definition.is_object()) {
        return std::unexpected(EsError(400, "parse_exception", "request body is required"));
    }
    json config = definition;
    CompiledPipeline p;
    p.id = std::string(id);
    const auto type_error = [&](const char* key, const char* what) {
        return config_error("", std::nullopt, key,
                            std::string("property isn't a ") + what + ", but of type [" +
                                java_class_name(config[key]) + "]");
    };
    if (config.contains("description") && !config["description"].is_null() &&
        !config["description"].is_string()) {
        return std::unexpected(type_error("description", "string"));
    }
    if (config.contains("version") && !config["version"].is_null() &&
        !config["version"].is_number_integer()) {
        return std::unexpected(config_error("", std::nullopt, "version",
                                            "property cannot be converted to an int [" +
                                                java_to_string(config["version"]) + "]"));
    }
    if (config.contains("_meta") && !config["_meta"].is_null() && !config["_meta"].is_object()) {
        return std::unexpected(type_error("_meta", "map"));
    }
    if (config.contains("deprecated") && !config["deprecated"].is_null() &&
        !config["deprecated"].is_boolean()) {
        return std::unexpected(type_error("deprecated", "boolean"));
    }
    for (const char* key : {"description", "version", "_meta", "deprecated"})
        config.erase(key);
    if (!config.contains("processors") || config["processors"].is_null()) {
        return std::unexpected(
            config_error("", std::nullopt, "processors", "required property is missing"));
    }
    if (!config["processors"].is_array())
        return std::unexpected(type_error("processors", "list"));
    auto procs = compile_list(config["processors"]);
    if (!procs)
        return std::unexpected(procs.error());
    p.processors = std::move(*procs);
    config.erase("processors");
    bool has_on_failure = false;
    if (config.contains("on_failure") && !config["on_failure"].is_null()) {
        if (!config["on_failure"].is_array())
            return std::unexpected(type_error("on_failure", "list"));
        auto handlers = compile_list(config["on_failure"]);
        if (!handlers)
            return std::unexpected(handlers.error());
        p.on_failure = std::move(*handlers);
        has_on_failure = true;
    }
    config.erase("on_failure");
    if (!config.empty()) {
        std::string keys;
        for (const auto& [k, v] : config.items())
            keys += (keys.empty() ? "" : ", ") + k;
        return std::unexpected(EsError(
            400, "parse_exception",
            "pipeline [" + p.id +
                "] doesn't support one or more provided configuration parameters [" + keys + "]"));
    }
    if (has_on_failure && p.on_failure.empty()) {
        return std::unexpected(
            EsError(400, "parse_exception",
                    "pipeline [" + p.id + "] cannot have an empty on_failure option defined"));
    }
    return p;
}

std::expected<Flow, Failure> execute_pipeline(const CompiledPipeline& pipeline, WorkDoc& doc,
                                              RunState& state) {
    // ES IngestDocument.executePipeline: an empty pipeline is a no-op; nesting is bounded by
    // es.ingest.max_pipelines (default 100); a pipeline already executing is a cycle. Both
    // errors are GraphStructureException, an ElasticsearchException (HTTP 500).
    if (pipeline.processors.empty())
        return Flow::proceed;
    constexpr std::size_t k_max_pipelines = 100;
    if (doc.pipeline_stack.size() >= k_max_pipelines) {
        return std::unexpected(Failure{
            EsError(500, "graph_structure_exception",
                    "Too many nested pipelines. Cannot have more than 100 nested pipelines"),
            false,
            {},
            {},
            {}});
    }
    if (std::find(doc.pipeline_stack.begin(), doc.pipeline_stack.end(), pipeline.id) !=
        doc.pipeline_stack.end()) {
        return std::unexpected(Failure{EsError(500, "graph_structure_exception",
                                               "Cycle detected for pipeline: " + pipeline.id),
                                       false,
                                       {},
                                       {},
                                       {}});
    }
    doc.pipeline_stack.push_back(pipeline.id);
    std::optional<json> previous;
    if (auto it = doc.ingest.find("pipeline"); it != doc.ingest.end())
        previous = *it;
    doc.ingest["pipeline"] = pipeline.id;

    std::expected<Flow, Failure> result = Flow::proceed;
    for (const auto& node : pipeline.processors) {
        auto r = exec_node(*node, doc, state);
        if (!r) {
            if (pipeline.on_failure.empty()) {
                result = std::unexpected(std::move(r.error()));
            } else {
                result = run_on_failure(pipeline.on_failure, r.error(), doc, state);
            }
            break;
        }
        if (*r == Flow::drop) {
            result = Flow::drop;
            break;
        }
    }
    doc.pipeline_stack.pop_back();
    if (previous) {
        doc.ingest["pipeline"] = *previous;
    } else {
        doc.ingest.erase("pipeline");
    }
    return result;
}

namespace {

constexpr std::string_view k_simulate_pipeline_id = "_simulate_pipeline";

std::int64_t now_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

WorkDoc make_work_doc(const json& source, const std::string& index, const std::string& id,
                      const std::optional<std::string>& routing, std::int64_t version,
                      std::int64_t ts) {
    WorkDoc w;
    w.ctx = source.is_object() ? source : json::object();
    w.ctx["_index"] = index;
    w.ctx["_id"] = id;
    if (routing)
        w.ctx["_routing"] = *routing;
    w.ctx["_version"] = version;
    w.timestamp_millis = ts;
    w.ingest["timestamp"] = iso_millis_utc(ts);
    return w;
}

} // namespace

std::expected<void, EsError> validate_pipeline(const json& definition, std::string_view id) {
    auto p = compile_pipeline(definition, id);
    if (!p)
        return std::unexpected(p.error());
    return {};
}

std::expected<void, EsError> validate_pipeline(const json& definition) {
    return validate_pipeline(definition, k_simulate_pipeline_id);
}

std::expected<void, EsError> run_pipeline(std::string_view id, IngestDocument& doc,
                                          const PipelineLookup& lookup) {
    const json* def = lookup ? lookup(id) : nullptr;
    if (def == nullptr) {
        // ES IngestService.executePipelines.
        return std::unexpected(
            illegal_argument("pipeline with id [" + std::string(id) + "] does not exist"));
    }
    auto pipeline = compile_pipeline(*def, id);
    if (!pipeline)
        return std::unexpected(pipeline.error());
    WorkDoc w =
        make_work_doc(doc.source, doc.index, doc.id, doc.routing, -3, doc.ingest_timestamp_millis);
    RunState st;
    st.lookup = &lookup;
    auto r = execute_pipeline(*pipeline, w, st);
    if (!r)
        return std::unexpected(r.error().error);
    if (*r == Flow::drop) {
        doc.dropped = true;
        return {};
    }
    json source = json::object();
    for (const auto& [k, v] : w.ctx.items()) {
        if (!is_metadata_key(k))
            source[k] = v;
    }
    doc.source = std::move(source);
    if (auto it = w.ctx.find("_index"); it != w.ctx.end() && it->is_string())
        doc.index = it->get<std::string>();
    if (auto it = w.ctx.find("_id"); it != w.ctx.end() && it->is_string())
        doc.id = it->get<std::string>();
    if (auto it = w.ctx.find("_routing"); it != w.ctx.end() && it->is_string()) {
        doc.routing = it->get<std::string>();
    } else {
        doc.routing.reset();
    }
    return {};
}

std::expected<json, EsError> simulate(const json& body, const std::optional<std::string>& id,
                                      bool verbose, const PipelineLookup& lookup) {
    if (!body.is_object())
        return std::unexpected(EsError(400, "parse_exception", "request body is required"));
    std::expected<CompiledPipeline, EsError> pipeline;
    if (id) {
        const json* def = lookup ? lookup(*id) : nullptr;
        if (def == nullptr) {
            // ES SimulatePipelineRequest.parseWithPipelineId.
            return std::unexpected(illegal_argument("pipeline [" + *id + "] does not exist"));
        }
        pipeline = compile_pipeline(*def, *id);
    } else {
        auto it = body.find("pipeline");
        if (it == body.end() || it->is_null()) {
            return std::unexpected(
                config_error("", std::nullopt, "pipeline", "required property is missing"));
        }
        if (!it->is_object()) {
            return std::unexpected(
                config_error("", std::nullopt, "pipeline",
                             "property isn't a map, but of type [" + java_class_name(*it) + "]"));
        }
        pipeline = compile_pipeline(*it, k_simulate_pipeline_id);
    }
    if (!pipeline)
        return std::unexpected(pipeline.error());
    auto docs_it = body.find("docs");
    if (docs_it == body.end() || docs_it->is_null()) {
        return std::unexpected(
            config_error("", std::nullopt, "docs", "required property is missing"));
    }
    if (!docs_it->is_array()) {
        return std::unexpected(
            config_error("", std::nullopt, "docs",
                         "property isn't a list, but of type [" + java_class_name(*docs_it) + "]"));
    }
    const std::int64_t ts = now_millis();
    json out_docs = json::array();
    for (const auto& d : *docs_it) {
        if (!d.is_object()) {
            return std::unexpected(
                EsError(400, "parse_exception",
                        "doc isn't a map, but of type [" + java_class_name(d) + "]"));
        }
        auto src = d.find("_source");
        if (src == d.end() || src->is_null()) {
            return std::unexpected(
                config_error("", std::nullopt, "_source", "required property is missing"));
        }
        if (!src->is_object()) {
            return std::unexpected(
                config_error("", std::nullopt, "_source",
                             "property isn't a map, but of type [" + java_class_name(*src) + "]"));
        }
        const auto str_or = [&](const char* key, const char* def) {
            auto it = d.find(key);
            if (it == d.end() || it->is_null())
                return std::string(def);
            return it->is_string() ? it->get<std::string>() : java_to_string(*it);
        };
        std::optional<std::string> routing;
        if (auto it = d.find("_routing"); it != d.end() && !it->is_null())
            routing = java_to_string(*it);
        std::int64_t version = -3; // Versions.MATCH_ANY
        if (auto it = d.find("_version"); it != d.end() && it->is_number_integer())
            version = it->get<std::int64_t>();
        WorkDoc w = make_work_doc(*src, str_or("_index", "_index"), str_or("_id", "_id"), routing,
                                  version, ts);
        json results = json::array();
        RunState st;
        st.lookup = &lookup;
        if (verbose)
            st.verbose_results = &results;
        auto r = execute_pipeline(*pipeline, w, st);
        if (verbose) {
            out_docs.push_back(json{{"processor_results", std::move(results)}});
        } else if (!r) {
            out_docs.push_back(json{{"error", error_body(r.error().error)}});
        } else if (*r == Flow::drop) {
            out_docs.push_back(nullptr);
        } else {
            out_docs.push_back(json{{"doc", render_doc(w)}});
        }
    }
    return json{{"docs", std::move(out_docs)}};
}

} // namespace esmend::es_sim::ingest

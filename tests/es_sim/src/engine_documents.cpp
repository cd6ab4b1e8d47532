// Document APIs: _bulk, index/create/get/delete/update and _mget, with ES's per-document semantics
// (op_type, data stream rules, write blocks, pipelines, dynamic mapping updates, versions).
#include "engine.hpp"
#include "ingest/ingest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

// "[line:col]" of the last significant character of the source, where ES's parser stands when a
// check that runs after the whole document was parsed fails (DocumentParser location, inferred).
std::string end_location(std::string_view text) {
    std::size_t last = text.find_last_not_of(" \t\r\n");
    if (last == std::string_view::npos)
        last = 0;
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < last; ++i)
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    // Appended piecewise: GCC 12's -Wstringop-overflow misfires on `"[" + std::string&&` at -O2.
    std::string out = "[";
    out += std::to_string(line);
    out += ':';
    out += std::to_string(last - line_start + 1);
    out += ']';
    return out;
}

EsError version_conflict(const IndexData& index, const std::string& id, std::int64_t version) {
    // ES 10_basic.yml (reindex): "[<id>]: version conflict, document already exists (current
    // version [N])".
    EsError e(409, "version_conflict_engine_exception",
              "[" + id + "]: version conflict, document already exists (current version [" +
                  std::to_string(version) + "])");
    e.with("index_uuid", index.uuid).with("shard", "0").with("index", index.name);
    return e;
}

EsError write_block(const IndexData& index, const SimVersion& version) {
    if (index.setting("index.blocks.read_only") == "true")
        return EsError(403, "cluster_block_exception",
                       "index [" + index.name +
                           "] blocked by: [FORBIDDEN/5/index read-only (api)];");
    if (index.setting("index.blocks.read_only_allow_delete") == "true") {
        if (version.major >= 8)
            return EsError(
                429, "cluster_block_exception",
                "index [" + index.name +
                    "] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage "
                    "watermark, index has read-only-allow-delete block];");
        return EsError(403, "cluster_block_exception",
                       "index [" + index.name +
                           "] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];");
    }
    return EsError(403, "cluster_block_exception",
                   "index [" + index.name + "] blocked by: [FORBIDDEN/8/index write (api)];");
}

bool write_blocked(const IndexData& index) {
    return index.setting("index.blocks.write") == "true" ||
           index.setting("index.blocks.read_only") == "true" ||
           index.setting("index.blocks.read_only_allow_delete") == "true";
}

void deep_merge(json& target, const json& patch) {
    for (const auto& [k, v] : patch.items()) {
        if (v.is_object() && target.contains(k) && target[k].is_object())
            deep_merge(target[k], v);
        else
            target[k] = v;
    }
}

// Optimistic concurrency control (docs "Optimistic concurrency control"). The constants are ES's
// SequenceNumbers.UNASSIGNED_SEQ_NO / UNASSIGNED_PRIMARY_TERM and Versions.MATCH_ANY /
// MATCH_DELETED; es-sim has a single primary that never fails over, so its term is always 1.
constexpr std::int64_t k_unassigned_seq_no = -2;
constexpr std::int64_t k_unassigned_primary_term = 0;
constexpr std::int64_t k_match_any = -3;
constexpr std::int64_t k_match_deleted = -4;
constexpr std::int64_t k_primary_term = 1;

// VersionConflictEngineException(shardId, id, compareAndWriteSeqNo, compareAndWriteTerm,
// currentSeqNo, currentTerm): "[<id>]: version conflict, required seqNo [S], primary term [T]."
// followed by " current document has seqNo [S'] and primary term [T']" or " but no document was
// found" (InternalEngine when the document is missing or deleted).
EsError cas_conflict(const IndexData& index, const std::string& id, std::int64_t if_seq_no,
                     std::int64_t if_primary_term, const DocRecord* current) {
    std::string reason = "[" + id + "]: version conflict, required seqNo [" +
                         std::to_string(if_seq_no) + "], primary term [" +
                         std::to_string(if_primary_term) + "].";
    if (current == nullptr)
        reason += " but no document was found";
    else
        reason += " current document has seqNo [" + std::to_string(current->seq_no) +
                  "] and primary term [" + std::to_string(k_primary_term) + "]";
    EsError e(409, "version_conflict_engine_exception", reason);
    e.with("index_uuid", index.uuid).with("shard", "0").with("index", index.name);
    return e;
}

// True when the write's if_seq_no/if_primary_term do not match the live document `current`.
bool cas_mismatch(const Engine::WriteOp& op, const DocRecord* current) {
    if (op.if_seq_no == k_unassigned_seq_no)
        return false;
    return current == nullptr || current->seq_no != op.if_seq_no ||
           k_primary_term != op.if_primary_term;
}

// RestRequest.paramAsLong (and paramAsInt with kind "int"): "Failed to parse long parameter [k]
// with value [v]".
std::expected<std::int64_t, EsError> long_param(const RestRequest& request, const std::string& key,
                                                std::int64_t fallback,
                                                const std::string& kind = "long") {
    if (!request.has(key))
        return fallback;
    const auto value = request.param(key);
    std::int64_t out = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, out);
    const bool out_of_range = kind == "int" && (out > std::numeric_limits<std::int32_t>::max() ||
                                                out < std::numeric_limits<std::int32_t>::min());
    if (value.empty() || ec != std::errc{} || ptr != end || out_of_range)
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "Failed to parse " + kind + " parameter [" + key +
                                           "] with value [" + value + "]"));
    return out;
}

// The versioning and compare-and-set fields of one document request, as DocWriteRequest holds
// them before validation.
struct CasFields {
    std::int64_t version = k_match_any;
    std::string version_type = "internal";
    std::int64_t if_seq_no = k_unassigned_seq_no;
    std::int64_t if_primary_term = k_unassigned_primary_term;
};

// IndexRequest/UpdateRequest/DeleteRequest.setIfSeqNo and setIfPrimaryTerm reject negative
// values as they are set, before validation (an illegal_argument_exception, 400).
std::optional<EsError> check_cas_setters(const CasFields& f) {
    if (f.if_seq_no < 0 && f.if_seq_no != k_unassigned_seq_no)
        return EsError(400, "illegal_argument_exception",
                       "sequence numbers must be non negative. got [" +
                           std::to_string(f.if_seq_no) + "].");
    if (f.if_primary_term < 0)
        return EsError(400, "illegal_argument_exception",
                       "primary term must be non negative. got [" +
                           std::to_string(f.if_primary_term) + "]");
    return std::nullopt;
}

// VersionType.fromString: "No version type match [x]".
std::optional<EsError> check_version_type(const std::string& version_type) {
    if (version_type == "internal" || version_type == "external" || version_type == "external_gte")
        return std::nullopt;
    return EsError(400, "illegal_argument_exception",
                   "No version type match [" + version_type + "]");
}

// DocWriteRequest.validateSeqNoBasedCASParams, appending to `errors` in ES's order.
void validate_cas(const CasFields& f, std::vector<std::string>& errors) {
    const bool internal = f.version_type == "internal";
    const bool valid_version =
        internal ? (f.version > 0 || f.version == k_match_any || f.version == k_match_deleted)
                 : f.version >= 0; // VersionType.validateVersionForWrites
    if (!valid_version) {
        std::string name = f.version_type;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        errors.push_back("illegal version value [" + std::to_string(f.version) +
                         "] for version type [" + name + "]");
    }
    if (internal && f.version != k_match_any && f.version != k_match_deleted)
        errors.emplace_back("internal versioning can not be used for optimistic concurrency "
                            "control. Please use `if_seq_no` and `if_primary_term` instead");
    if (f.if_seq_no != k_unassigned_seq_no && (!internal || f.version != k_match_any))
        errors.emplace_back("compare and write operations can not use versioning");
    if (f.if_primary_term == k_unassigned_primary_term && f.if_seq_no != k_unassigned_seq_no)
        errors.emplace_back("ifSeqNo is set, but primary term is [0]");
    if (f.if_primary_term != k_unassigned_primary_term && f.if_seq_no == k_unassigned_seq_no)
        errors.push_back("ifSeqNo is unassigned, but primary term is [" +
                         std::to_string(f.if_primary_term) + "]");
}

// The versioning part of IndexRequest.validate (create's early returns, the id rule, then the
// compare-and-set rules).
void validate_index_cas(const CasFields& f, bool create, bool has_id,
                        std::vector<std::string>& errors) {
    const std::int64_t resolved =
        create && f.version == k_match_any ? k_match_deleted : f.version; // resolveVersionDefaults
    if (create) {
        if (f.version_type != "internal") {
            errors.emplace_back(
                "create operations only support internal versioning. use index instead");
            return;
        }
        if (resolved != k_match_deleted) {
            errors.emplace_back(
                "create operations do not support explicit versions. use index instead");
            return;
        }
        if (f.if_seq_no != k_unassigned_seq_no || f.if_primary_term != k_unassigned_primary_term) {
            errors.emplace_back(
                "create operations do not support compare and set. use index instead");
            return;
        }
    }
    if (!has_id &&
        (f.version_type != "internal" || (resolved != k_match_deleted && resolved != k_match_any)))
        errors.emplace_back("an id must be provided if version type or value are set");
    validate_cas(f, errors);
}

// UpdateRequest.validate's compare-and-set rules (the update API has no version parameter).
void validate_update_cas(const CasFields& f, std::int64_t retry_on_conflict,
                         const nlohmann::json& body, std::vector<std::string>& errors) {
    validate_cas(f, errors);
    if (f.if_seq_no == k_unassigned_seq_no)
        return;
    if (retry_on_conflict > 0)
        errors.emplace_back("compare and write operations can not be retried");
    if (body.is_object() && body.value("doc_as_upsert", false) == true)
        errors.emplace_back("compare and write operations can not be used with upsert");
    if (body.is_object() && body.contains("upsert"))
        errors.emplace_back("upsert requests don't support `if_seq_no` and `if_primary_term`");
}

// ActionRequestValidationException: "Validation Failed: 1: a;2: b;".
EsError validation_failed(const std::vector<std::string>& errors) {
    std::string reason = "Validation Failed: ";
    for (std::size_t i = 0; i < errors.size(); ++i)
        reason += std::to_string(i + 1) + ": " + errors[i] + ";";
    return EsError(400, "action_request_validation_exception", reason);
}

// Reads version, version_type, if_seq_no and if_primary_term from the URL in RestIndexAction's
// order, applying the setters' checks.
std::expected<CasFields, EsError> cas_params(const RestRequest& request) {
    CasFields f;
    auto version = long_param(request, "version", k_match_any);
    if (!version)
        return std::unexpected(version.error());
    f.version = *version;
    f.version_type = request.param("version_type", "internal");
    if (auto bad = check_version_type(f.version_type))
        return std::unexpected(*bad);
    auto seq = long_param(request, "if_seq_no", k_unassigned_seq_no);
    if (!seq)
        return std::unexpected(seq.error());
    f.if_seq_no = *seq;
    auto term = long_param(request, "if_primary_term", k_unassigned_primary_term);
    if (!term)
        return std::unexpected(term.error());
    f.if_primary_term = *term;
    if (auto bad = check_cas_setters(f))
        return std::unexpected(*bad);
    return f;
}

json shards(const IndexData& index) {
    const auto replicas = index.setting("index.number_of_replicas", "1") == "0" ? 0 : 1;
    return {{"total", 1 + replicas}, {"successful", 1}, {"failed", 0}};
}

} // namespace

// Resolves, pipelines, validates and stores one write. Returns the item result or the item's error.
std::expected<Engine::WriteResult, EsError> Engine::write(WriteOp op, bool auto_create) {
    using Kind = WriteOp::Kind;
    std::string target = op.index;
    std::string id = op.id.value_or("");
    const bool moves_source = op.kind == Kind::index || op.kind == Kind::create;
    std::string source = moves_source ? std::move(op.source) : op.source;
    const bool is_doc_write = op.kind == Kind::index || op.kind == Kind::create;

    auto resolve_target = [&](const std::string& name) -> std::expected<std::string, EsError> {
        if (const auto ds = m_data_streams.find(name); ds != m_data_streams.end()) {
            if (op.kind != Kind::create)
                return std::unexpected(EsError(
                    400, "illegal_argument_exception",
                    "only write ops with an op_type of create are allowed in data streams"));
            return ds->second.indices.back();
        }
        if (m_indices.contains(name)) {
            if (op.require_data_stream)
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "only write ops to data streams are allowed, but index [" + name +
                                "] is not a data stream"));
            if (op.require_alias) {
                EsError e(404, "index_not_found_exception",
                          "no such index [" + name +
                              "] and [require_alias] request flag is [true] and [" + name +
                              "] is not an alias");
                e.with("index", name);
                return std::unexpected(e);
            }
            return name;
        }
        std::vector<std::string> members;
        std::string write_index;
        for (const auto& [n, index] : m_indices)
            if (index.aliases.contains(name)) {
                members.push_back(n);
                if (index.aliases[name].value("is_write_index", false))
                    write_index = n;
            }
        if (!members.empty()) {
            if (!write_index.empty())
                return write_index;
            if (members.size() == 1)
                return members[0];
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "no write index is defined for alias [" + name +
                            "]. The write index may be explicitly disabled using "
                            "is_write_index=false or the alias points to multiple indices without "
                            "one being designated as a write index"));
        }
        if (!auto_create || op.kind == Kind::del || op.kind == Kind::update)
            return std::unexpected(index_not_found(name));
        if (op.require_alias) {
            EsError e(404, "index_not_found_exception",
                      "no such index [" + name +
                          "] and [require_alias] request flag is [true] and [" + name +
                          "] is not an alias");
            e.with("index", name);
            return std::unexpected(e);
        }
        std::string template_name;
        const json* t = find_index_template(name, &template_name);
        if (t != nullptr && t->contains("data_stream")) {
            if (t->value("allow_auto_create", true) == false)
                return std::unexpected(index_not_found(name));
            if (op.kind != Kind::create)
                return std::unexpected(EsError(
                    400, "illegal_argument_exception",
                    "only write ops with an op_type of create are allowed in data streams"));
            auto ds = create_data_stream_named(name);
            if (!ds)
                return std::unexpected(ds.error());
            return (*ds)->indices.back();
        }
        if (op.require_data_stream)
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "no matching index template found for data stream [" + name + "]"));
        auto created = create_index(name, json::object(), name, "");
        if (!created)
            return std::unexpected(created.error());
        return name;
    };

    auto concrete = resolve_target(target);
    if (!concrete)
        return std::unexpected(concrete.error());
    IndexData* index = &m_indices.at(*concrete);

    if (is_doc_write && !op.id) {
        // ES auto-generated ids are 20 URL-safe base64 characters.
        id = new_uuid().substr(0, 20);
    }
    if (is_doc_write && id.size() > 512)
        return std::unexpected(
            EsError(400, "action_request_validation_exception",
                    "Validation Failed: 1: id [" + id +
                        "] is too long, must be no longer than 512 bytes but was: " +
                        std::to_string(id.size()) + ";"));

    json doc;
    // Fast path: without any ingest pipeline, a source the strict tree parser accepts (so
    // nlohmann's parse would too, and to the same object) is parsed once, into the tree the mapping
    // works on; the nlohmann DOM is never built. Anything else takes the general path below.
    std::optional<mapping_detail::DocNode> tree;
    if (is_doc_write) {
        const std::string pipeline_id =
            op.pipeline.value_or(index->setting("index.default_pipeline"));
        if ((pipeline_id.empty() || pipeline_id == "_none") &&
            index->setting("index.final_pipeline").empty())
            tree = mapping_detail::parse_doc_tree_strict(source);
    }
    if (is_doc_write && !tree) {
        doc = json::parse(source, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            EsError e(400, m_options.version.document_parsing_error_type(), "failed to parse");
            e.because(EsError(400, "not_x_content_exception",
                              "Compressor detection can only be called on some xcontent bytes or "
                              "compressed xcontent bytes"));
            return std::unexpected(e);
        }
        // Ingest: ?pipeline (or index.default_pipeline), then index.final_pipeline; a pipeline that
        // changes _index re-targets the write (IngestService).
        std::string pipeline_id = op.pipeline.value_or(index->setting("index.default_pipeline"));
        const auto lookup = [this](std::string_view pid) { return pipeline(pid); };
        bool dropped = false;
        auto run = [&](const std::string& pid) -> std::expected<void, EsError> {
            if (pid.empty() || pid == "_none")
                return {};
            if (pipeline(pid) == nullptr)
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "pipeline with id [" + pid + "] does not exist"));
            ingest::IngestDocument d{std::move(doc), index->name, id,
                                     std::nullopt,   now_ms(),    false};
            auto ran = ingest::run_pipeline(pid, d, lookup);
            doc = std::move(d.source);
            if (!ran)
                return std::unexpected(ran.error());
            dropped = d.dropped;
            if (!dropped && d.index != index->name) {
                auto rerouted = resolve_target(d.index);
                if (!rerouted)
                    return std::unexpected(rerouted.error());
                index = &m_indices.at(*rerouted);
            }
            id = d.id;
            return {};
        };
        const std::string before = index->name;
        if (auto ok = run(pipeline_id); !ok)
            return std::unexpected(ok.error());
        if (!dropped) {
            if (auto ok = run(index->setting("index.final_pipeline")); !ok)
                return std::unexpected(ok.error());
        }
        if (dropped)
            return WriteResult{index->name, id, -3, 0, "noop", 200};
        if (!pipeline_id.empty() && pipeline_id != "_none")
            source = doc.dump();
        else if (!index->setting("index.final_pipeline").empty() || before != index->name)
            source = doc.dump();
    }

    apply_disk_watermarks(); // es-apis.md §1.13: flood stage blocks writes (engine_cluster.cpp)
    if (write_blocked(*index))
        return std::unexpected(write_block(*index, m_options.version));

    const auto live = index->live.find(id);
    const bool exists = live != index->live.end();
    std::int64_t version = 1;

    if (op.kind == Kind::del) {
        // InternalEngine.planDeletionAsPrimary: a compare-and-set delete of a missing document is
        // a conflict, not a not_found.
        if (cas_mismatch(op, exists ? &index->records[live->second] : nullptr))
            return std::unexpected(cas_conflict(*index, id, op.if_seq_no, op.if_primary_term,
                                                exists ? &index->records[live->second] : nullptr));
        if (!exists)
            return WriteResult{index->name, id, 1, index->next_seq, "not_found", 404};
        auto& rec = index->records[live->second];
        const auto seq = index->next_seq++;
        rec.end_seq = seq;
        index->store_bytes -= static_cast<std::int64_t>(rec.source.size());
        ++index->dead_records;
        const auto v = rec.version + 1;
        index->live.erase(live);
        return WriteResult{index->name, id, v, seq, "deleted", 200};
    }

    if (op.kind == Kind::update) {
        const auto body = json::parse(op.source, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return std::unexpected(
                EsError(400, "x_content_parse_exception", "[1:1] [UpdateRequest] failed to parse"));
        if (!exists) {
            if (body.contains("upsert") || body.value("doc_as_upsert", false)) {
                doc = body.contains("upsert") ? body["upsert"] : body.value("doc", json::object());
            } else {
                EsError e(404, "document_missing_exception", "[" + id + "]: document missing");
                e.with("index_uuid", index->uuid).with("shard", "0").with("index", index->name);
                return std::unexpected(e);
            }
        } else {
            // UpdateHelper reads the document with getForUpdate(id, ifSeqNo, ifPrimaryTerm), which
            // throws the conflict before any merge or noop detection. A missing document stays a
            // document_missing_exception: validation already refused upserts with if_seq_no.
            if (cas_mismatch(op, &index->records[live->second]))
                return std::unexpected(cas_conflict(*index, id, op.if_seq_no, op.if_primary_term,
                                                    &index->records[live->second]));
            doc = json::parse(index->records[live->second].source, nullptr, false);
            const json before = doc;
            if (!body.contains("doc"))
                return std::unexpected(EsError(400, "action_request_validation_exception",
                                               "Validation Failed: 1: script or doc is missing;"));
            deep_merge(doc, body["doc"]);
            if (doc == before && body.value("detect_noop", true))
                return WriteResult{index->name,
                                   id,
                                   index->records[live->second].version,
                                   index->records[live->second].seq_no,
                                   "noop",
                                   200};
        }
        source = doc.dump();
    }

    if (op.kind == Kind::create && exists)
        return std::unexpected(version_conflict(*index, id, index->records[live->second].version));

    auto parsed = tree ? index->mapping->parse_document(*tree, id)
                       : index->mapping->parse_document(doc, source, id);
    if (!parsed)
        return std::unexpected(parsed.error());
    if (!parsed->dynamic_update.is_null()) {
        auto merged = index->mapping->merge(parsed->dynamic_update, MergeReason::mapping_update);
        if (!merged)
            return std::unexpected(merged.error());
    }
    std::optional<std::int64_t> timestamp;
    if (!index->data_stream.empty()) {
        const auto values = tree ? index->mapping->values(*tree, "@timestamp")
                                 : index->mapping->values(doc, "@timestamp");
        if (values.empty()) {
            // DataStreamTimestampFieldMapper.postParse; DocumentParser wraps it as a parsing
            // failure (es-apis.md §0.2 / §5.4, ES PR#113245).
            const std::string missing = "data stream timestamp field [@timestamp] is missing";
            EsError e(400, m_options.version.document_parsing_error_type(),
                      m_options.version.at_least(8, 7)
                          ? end_location(source) + " failed to parse: " + missing
                          : "failed to parse");
            e.because(EsError(400, "illegal_argument_exception", missing));
            return std::unexpected(e);
        }
        if (const auto* ms = std::get_if<std::int64_t>(&values.front()))
            timestamp = *ms;
    }

    // InternalEngine.planIndexingAsPrimary checks if_seq_no/if_primary_term after the document was
    // parsed (and any dynamic mapping update applied), so parsing errors win over conflicts.
    if (op.kind == Kind::index &&
        cas_mismatch(op, exists ? &index->records[live->second] : nullptr))
        return std::unexpected(cas_conflict(*index, id, op.if_seq_no, op.if_primary_term,
                                            exists ? &index->records[live->second] : nullptr));

    const auto seq = index->next_seq++;
    std::string result = "created";
    int status = 201;
    if (exists) {
        auto& old = index->records[live->second];
        old.end_seq = seq;
        version = old.version + 1;
        index->store_bytes -= static_cast<std::int64_t>(old.source.size());
        ++index->dead_records;
        result = "updated";
        status = 200;
    }
    index->store_bytes += static_cast<std::int64_t>(source.size());
    index->records.push_back(DocRecord{id, std::move(source), version, seq, k_live, timestamp});
    index->live[id] = index->records.size() - 1;
    return WriteResult{index->name, id, version, seq, result, status};
}

Reply Engine::bulk(const RestRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    const std::string& body = request.body;
    if (body.empty())
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no requests added;"));
    // RestBulkAction: the body must end with a newline.
    if (body.back() != '\n')
        return std::unexpected(EsError(400, "illegal_argument_exception",
                                       "The bulk request must be terminated by a newline [\\n]"));
    const std::string default_index = request.part("index");
    const std::optional<std::string> default_pipeline =
        request.has("pipeline") ? std::optional<std::string>(request.param("pipeline"))
                                : std::nullopt;
    auto require_ds = parse_bool_param(request, "require_data_stream", false);
    if (!require_ds)
        return std::unexpected(require_ds.error());
    auto require_alias = parse_bool_param(request, "require_alias", false);
    if (!require_alias)
        return std::unexpected(require_alias.error());

    struct Item {
        std::string action;
        WriteOp op;
        std::optional<EsError> error;
    };
    std::vector<Item> items;
    std::vector<std::string> invalid_items; // BulkRequest.validate's gathered item errors
    std::size_t pos = 0;
    std::size_t line_no = 0;
    auto next_line = [&](std::string_view& line) {
        if (pos >= body.size())
            return false;
        const auto nl = body.find('\n', pos);
        line = std::string_view(body).substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        return true;
    };
    std::string_view line;
    static const std::set<std::string> k_meta_keys = {"_index",
                                                      "_id",
                                                      "routing",
                                                      "pipeline",
                                                      "require_alias",
                                                      "require_data_stream",
                                                      "if_seq_no",
                                                      "if_primary_term",
                                                      "version",
                                                      "version_type",
                                                      "dynamic_templates",
                                                      "op_type",
                                                      "retry_on_conflict",
                                                      "_source",
                                                      "list_executed_pipelines"};
    while (next_line(line)) {
        if (line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        const auto action_line = line_no;
        const auto meta = json::parse(line, nullptr, false);
        if (meta.is_discarded() || !meta.is_object() || meta.size() != 1)
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "Malformed action/metadata line [" + std::to_string(action_line) +
                            "], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"));
        const std::string action = meta.begin().key();
        const auto& params = meta.begin().value();
        if (action != "index" && action != "create" && action != "delete" && action != "update")
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "Malformed action/metadata line [" + std::to_string(action_line) +
                            "], expected one of [create, delete, index, update] but found [" +
                            action + "]"));
        if (!params.is_object())
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "Malformed action/metadata line [" + std::to_string(action_line) +
                            "], expected START_OBJECT but found [" + params.type_name() + "]"));
        for (const auto& [k, v] : params.items())
            if (!k_meta_keys.contains(k))
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "Action/metadata line [" +
                                                   std::to_string(action_line) +
                                                   "] contains an unknown parameter [" + k + "]"));
        Item item;
        item.action = action;
        item.op.index = params.value("_index", default_index);
        if (params.contains("_id") && !params["_id"].is_null())
            item.op.id =
                params["_id"].is_string() ? params["_id"].get<std::string>() : params["_id"].dump();
        item.op.pipeline = params.contains("pipeline")
                               ? std::optional<std::string>(params["pipeline"].get<std::string>())
                               : default_pipeline;
        item.op.require_data_stream = params.value("require_data_stream", *require_ds);
        item.op.require_alias = params.value("require_alias", *require_alias);
        if (action == "delete") {
            item.op.kind = WriteOp::Kind::del;
        } else {
            std::string_view source;
            if (!next_line(source))
                return std::unexpected(EsError(400, "action_request_validation_exception",
                                               "Validation Failed: 1: source is missing;"));
            item.op.source = std::string(source);
            if (action == "update")
                item.op.kind = WriteOp::Kind::update;
            else if (action == "create" || params.value("op_type", "") == "create")
                item.op.kind = WriteOp::Kind::create;
            else
                item.op.kind = WriteOp::Kind::index;
        }
        // BulkRequestParser reads version, version_type, if_seq_no and if_primary_term (and the
        // update's retry_on_conflict) as longs and applies the request setters, whose negative
        // checks fail the whole request; BulkRequest.validate then gathers every item's
        // validation errors into one action_request_validation_exception (whole request, 400).
        CasFields cas;
        std::int64_t retries = 0;
        for (const auto& [key, target] :
             {std::pair<const char*, std::int64_t*>{"version", &cas.version},
              {"if_seq_no", &cas.if_seq_no},
              {"if_primary_term", &cas.if_primary_term},
              {"retry_on_conflict", &retries}}) {
            if (!params.contains(key))
                continue;
            const auto& v = params[key];
            std::int64_t n = 0;
            bool ok = v.is_number_integer();
            if (ok) {
                n = v.get<std::int64_t>();
            } else if (v.is_string()) { // Jackson's longValue() coerces numeric strings
                const auto& text = v.get_ref<const std::string&>();
                const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
                ok = !text.empty() && ec == std::errc{} && ptr == text.data() + text.size();
            }
            if (!ok) // unsourced: ES fails the parse here; the exact text was not found.
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "Action/metadata line [" + std::to_string(action_line) +
                                "]: failed to parse [" + key + "] as a long value"));
            *target = n;
        }
        if (params.contains("version_type") && params["version_type"].is_string())
            cas.version_type = params["version_type"].get<std::string>();
        if (auto bad = check_version_type(cas.version_type))
            return std::unexpected(*bad);
        if (auto bad = check_cas_setters(cas))
            return std::unexpected(*bad);
        if (item.op.kind == WriteOp::Kind::update)
            validate_update_cas(cas, retries, json::parse(item.op.source, nullptr, false),
                                invalid_items);
        else if (item.op.kind == WriteOp::Kind::del)
            validate_cas(cas, invalid_items);
        else
            validate_index_cas(cas, item.op.kind == WriteOp::Kind::create, item.op.id.has_value(),
                               invalid_items);
        item.op.if_seq_no = cas.if_seq_no;
        item.op.if_primary_term = cas.if_primary_term;
        if (item.op.index.empty())
            item.error = EsError(400, "action_request_validation_exception",
                                 "Validation Failed: 1: index is missing;");
        else if (item.op.kind != WriteOp::Kind::index && item.op.kind != WriteOp::Kind::create &&
                 !item.op.id)
            item.error = EsError(400, "action_request_validation_exception",
                                 "Validation Failed: 1: id is missing;");
        items.push_back(std::move(item));
    }
    if (items.empty())
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no requests added;"));
    if (!invalid_items.empty())
        return std::unexpected(validation_failed(invalid_items));

    json out_items = json::array();
    bool errors = false;
    std::set<std::string> touched;
    std::string last_index;
    json last_shards;
    for (auto& item : items) {
        json entry;
        if (item.error) {
            entry = {{"_index", item.op.index},
                     {"_id", item.op.id ? json(*item.op.id) : json(nullptr)},
                     {"status", item.error->status},
                     {"error", item.error->cause_json()}};
            errors = true;
        } else {
            // The op is moved into write() (saving a copy of the source); the error entry below
            // needs only its index and id, which stay in the item.
            std::string source = std::move(item.op.source);
            WriteOp op = item.op;
            op.source = std::move(source);
            auto r = write(std::move(op));
            if (!r) {
                std::string idx = item.op.index;
                if (const auto ds = m_data_streams.find(idx); ds != m_data_streams.end())
                    idx = ds->second.indices.back();
                entry = {{"_index", idx},
                         {"_id", item.op.id ? json(*item.op.id) : json(nullptr)},
                         {"status", r.error().status},
                         {"error", r.error().cause_json()}};
                errors = true;
            } else {
                // The _shards object depends only on the index's replica count, which no write
                // changes: computed once per index and request.
                if (last_index != r->index) {
                    last_index = r->index;
                    last_shards = shards(m_indices.at(r->index));
                    touched.insert(r->index);
                }
                entry = {{"_index", r->index},  {"_id", r->id},           {"_version", r->version},
                         {"result", r->result}, {"_shards", last_shards}, {"_seq_no", r->seq_no},
                         {"_primary_term", 1},  {"status", r->status}};
            }
        }
        json wrapped = json::object();
        wrapped[item.action] = std::move(entry);
        out_items.push_back(std::move(wrapped));
    }
    const auto refresh = request.param("refresh", "false");
    if (request.has("refresh") && refresh != "false")
        for (const auto& name : touched)
            if (m_indices.contains(name))
                refresh_index(m_indices.at(name));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    json out = {{"took", took}, {"errors", errors}, {"items", std::move(out_items)}};
    if (m_options.version.major >= 8)
        out["ingest_took"] = 0;
    return json_reply(std::move(out));
}

namespace {
Reply single_write_reply(Engine& engine, const RestRequest& request, const Engine::WriteOp& op) {
    auto r = engine.write(op);
    if (!r)
        return std::unexpected(r.error());
    auto& index = engine.m_indices.at(r->index);
    if (request.has("refresh") && request.param("refresh") != "false")
        engine.refresh_index(index);
    json out = {{"_index", r->index},
                {"_id", r->id},
                {"_version", r->version},
                {"result", r->result},
                {"_shards",
                 {{"total", index.setting("index.number_of_replicas", "1") == "0" ? 1 : 2},
                  {"successful", 1},
                  {"failed", 0}}},
                {"_seq_no", r->seq_no},
                {"_primary_term", 1}};
    if (request.param("refresh", "false") == "true" ||
        (request.has("refresh") && request.param("refresh").empty()))
        out["forced_refresh"] = true;
    return json_reply(out, r->status);
}
} // namespace

Reply Engine::index_doc(const RestRequest& request) {
    WriteOp op;
    op.index = request.part("index");
    if (!request.part("id").empty())
        op.id = request.part("id");
    // RestIndexAction sets version, version_type, if_seq_no and if_primary_term before op_type.
    auto cas = cas_params(request);
    if (!cas)
        return std::unexpected(cas.error());
    const auto op_type = request.param("op_type", "index");
    if (op_type != "index" && op_type != "create")
        return std::unexpected(
            EsError(400, "illegal_argument_exception",
                    "opType must be 'create' or 'index', found: [" + op_type + "]"));
    op.kind = op_type == "create" ? WriteOp::Kind::create : WriteOp::Kind::index;
    std::vector<std::string> invalid;
    validate_index_cas(*cas, op.kind == WriteOp::Kind::create, op.id.has_value(), invalid);
    if (!invalid.empty())
        return std::unexpected(validation_failed(invalid));
    op.if_seq_no = cas->if_seq_no;
    op.if_primary_term = cas->if_primary_term;
    op.source = request.body;
    if (request.has("pipeline"))
        op.pipeline = request.param("pipeline");
    auto rds = parse_bool_param(request, "require_data_stream", false);
    if (!rds)
        return std::unexpected(rds.error());
    op.require_data_stream = *rds;
    auto ra = parse_bool_param(request, "require_alias", false);
    if (!ra)
        return std::unexpected(ra.error());
    op.require_alias = *ra;
    return single_write_reply(*this, request, op);
}

Reply Engine::create_doc(const RestRequest& request) {
    WriteOp op;
    op.index = request.part("index");
    op.id = request.part("id");
    op.kind = WriteOp::Kind::create;
    // The _create endpoint takes version/version_type but no if_seq_no (rest-api-spec create.json).
    auto cas = cas_params(request);
    if (!cas)
        return std::unexpected(cas.error());
    std::vector<std::string> invalid;
    validate_index_cas(*cas, true, true, invalid);
    if (!invalid.empty())
        return std::unexpected(validation_failed(invalid));
    op.source = request.body;
    if (request.has("pipeline"))
        op.pipeline = request.param("pipeline");
    auto rds = parse_bool_param(request, "require_data_stream", false);
    if (!rds)
        return std::unexpected(rds.error());
    op.require_data_stream = *rds;
    return single_write_reply(*this, request, op);
}

Reply Engine::delete_doc(const RestRequest& request) {
    WriteOp op;
    op.index = request.part("index");
    op.id = request.part("id");
    op.kind = WriteOp::Kind::del;
    auto cas = cas_params(request); // RestDeleteAction, then DeleteRequest.validate
    if (!cas)
        return std::unexpected(cas.error());
    std::vector<std::string> invalid;
    validate_cas(*cas, invalid);
    if (!invalid.empty())
        return std::unexpected(validation_failed(invalid));
    op.if_seq_no = cas->if_seq_no;
    op.if_primary_term = cas->if_primary_term;
    auto r = write(op, false);
    if (!r)
        return std::unexpected(r.error());
    auto& index = m_indices.at(r->index);
    if (request.has("refresh") && request.param("refresh") != "false")
        refresh_index(index);
    return json_reply({{"_index", r->index},
                       {"_id", r->id},
                       {"_version", r->version},
                       {"result", r->result},
                       {"_shards", shards(index)},
                       {"_seq_no", r->seq_no},
                       {"_primary_term", 1}},
                      r->status);
}

Reply Engine::update_doc(const RestRequest& request) {
    WriteOp op;
    op.index = request.part("index");
    op.id = request.part("id");
    op.kind = WriteOp::Kind::update;
    op.source = request.body;
    // RestUpdateAction: retry_on_conflict, if_seq_no, if_primary_term; then UpdateRequest.validate.
    const auto retries = long_param(request, "retry_on_conflict", 0, "int");
    if (!retries)
        return std::unexpected(retries.error());
    auto cas = cas_params(request);
    if (!cas)
        return std::unexpected(cas.error());
    std::vector<std::string> invalid;
    validate_update_cas(*cas, *retries, json::parse(op.source, nullptr, false), invalid);
    if (!invalid.empty())
        return std::unexpected(validation_failed(invalid));
    op.if_seq_no = cas->if_seq_no;
    op.if_primary_term = cas->if_primary_term;
    auto r = write(op, false);
    if (!r)
        return std::unexpected(r.error());
    auto& index = m_indices.at(r->index);
    if (request.has("refresh") && request.param("refresh") != "false")
        refresh_index(index);
    return json_reply({{"_index", r->index},
                       {"_id", r->id},
                       {"_version", r->version},
                       {"result", r->result},
                       {"_shards", shards(index)},
                       {"_seq_no", r->seq_no},
                       {"_primary_term", 1}},
                      r->status);
}

namespace {
json get_one(const Engine& engine, const std::string& index_name, const std::string& id,
             bool with_source) {
    const auto& index = engine.m_indices.at(index_name);
    const auto it = index.live.find(id);
    if (it == index.live.end())
        return {{"_index", index_name}, {"_id", id}, {"found", false}};
    const auto& rec = index.records[it->second];
    json out = {{"_index", index_name},  {"_id", id},          {"_version", rec.version},
                {"_seq_no", rec.seq_no}, {"_primary_term", 1}, {"found", true}};
    if (with_source)
        out["_source"] = json::parse(rec.source, nullptr, false);
    return out;
}
} // namespace

// GET by id is realtime: it sees writes before any refresh, as in ES.
Reply Engine::get_doc(const RestRequest& request) {
    const auto target = request.part("index");
    std::string concrete = target;
    if (!m_indices.contains(target)) {
        auto names = resolve(target, IndicesOptions{true, true, true, false, false});
        if (!names)
            return std::unexpected(names.error());
        if (names->size() != 1)
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "alias [" + target +
                                               "] has more than one index associated with it, "
                                               "can't execute a single index op"));
        concrete = names->front();
    }
    const bool with_source = request.param("_source", "true") != "false";
    auto out = get_one(*this, concrete, request.part("id"), with_source);
    return json_reply(out, out["found"].get<bool>() ? 200 : 404);
}

Reply Engine::mget(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    const auto default_index = request.part("index");
    json docs = json::array();
    std::vector<std::pair<std::string, std::string>> wanted;
    if (body->contains("docs"))
        for (const auto& d : (*body)["docs"])
            wanted.emplace_back(d.value("_index", default_index), d.value("_id", ""));
    if (body->contains("ids"))
        for (const auto& id : (*body)["ids"])
            wanted.emplace_back(default_index, id.get<std::string>());
    if (wanted.empty())
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no documents to get;"));
    for (const auto& [idx, id] : wanted) {
        if (!m_indices.contains(idx)) {
            docs.push_back(
                {{"_index", idx}, {"_id", id}, {"error", index_not_found(idx).cause_json()}});
            continue;
        }
        docs.push_back(get_one(*this, idx, id, true));
    }
    return json_reply({{"docs", docs}});
}

} // namespace esmend::es_sim

// Search-side endpoints (_search, _count, point in time, _field_caps) and the ingest pipeline
// endpoints. The query work itself is the search and ingest modules'; this file chooses the visible
// documents (refresh and PIT semantics) and shapes the responses.
#include "engine.hpp"
#include "ingest/ingest.hpp"

#include <algorithm>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

// A stored document as the search side sees it. _source is parsed on first use only.
class StoredDocView final : public DocView {
public:
    StoredDocView(const IndexData* index, const DocRecord* record)
        : m_index(index), m_record(record) {}
    [[nodiscard]] std::string_view index() const override { return m_index->name; }
    [[nodiscard]] std::string_view id() const override { return m_record->id; }
    [[nodiscard]] std::string_view source() const override { return m_record->source; }
    [[nodiscard]] std::vector<FieldValue> values(std::string_view field) const override {
        if (!m_parsed)
            m_parsed = json::parse(m_record->source, nullptr, false);
        if (m_parsed->is_discarded())
            return {};
        return m_index->mapping->values(*m_parsed, field);
    }
    [[nodiscard]] std::optional<std::string> field_type(std::string_view field) const override {
        return m_index->mapping->field_type(field);
    }

private:
    const IndexData* m_index;
    const DocRecord* m_record;
    mutable std::optional<json> m_parsed;
};

json shards_json(std::size_t n) {
    return {{"total", n}, {"successful", n}, {"skipped", 0}, {"failed", 0}};
}

} // namespace

Reply Engine::search(const RestRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    // Expired points in time disappear (keep_alive).
    std::erase_if(m_pits, [&](const auto& p) { return p.second.expires_ms < now_ms(); });
    std::vector<std::pair<IndexData*, std::int64_t>> targets;
    PointInTime* pit = nullptr;
    std::string pit_id;
    if (body->contains("pit")) {
        if (!request.part("index").empty())
            return std::unexpected(
                EsError(400, "action_request_validation_exception",
                        "Validation Failed: 1: [indices] cannot be used with point in time. Do not "
                        "specify any index with point in time.;"));
        pit_id = (*body)["pit"].value("id", "");
        const auto it = m_pits.find(pit_id);
        if (it == m_pits.end()) {
            EsError e(404, "search_phase_execution_exception", "all shards failed");
            e.with("phase", "query").with("grouped", true).with("failed_shards", json::array());
            e.because(EsError(404, "search_context_missing_exception",
                              "No search context found for id [" + pit_id + "]"));
            return std::unexpected(e);
        }
        pit = &it->second;
        if ((*body)["pit"].contains("keep_alive")) {
            auto ka =
                parse_time_value((*body)["pit"]["keep_alive"].get<std::string>(), "keep_alive");
            if (!ka)
                return std::unexpected(ka.error());
            pit->expires_ms = now_ms() + *ka;
        }
        for (const auto& [name, seq] : pit->indices)
            if (m_indices.contains(name))
                targets.emplace_back(&m_indices.at(name), seq);
    } else {
        const auto target = request.part("index").empty() ? "_all" : request.part("index");
        auto names = resolve(
            target, indices_options(request, IndicesOptions{true, false, false, false, true}));
        if (!names)
            return std::unexpected(names.error());
        for (const auto& name : *names) {
            auto& index = m_indices.at(name);
            maybe_scheduled_refresh(index);
            targets.emplace_back(&index, index.refreshed_seq);
        }
    }
    std::vector<StoredDocView> views;
    std::int64_t max_window = 10000;
    for (const auto& [index, seq] : targets) {
        for (const auto& r : index->records)
            if (index->visible_at(r, seq))
                views.emplace_back(index, &r);
        const auto w = index->setting("index.max_result_window");
        if (!w.empty())
            max_window = std::min<std::int64_t>(max_window, std::stoll(w));
    }
    search::SearchInput input;
    input.body = &*body;
    input.params = &request.params;
    input.max_result_window = max_window;
    input.docs.reserve(views.size());
    for (const auto& v : views)
        input.docs.push_back(&v);
    if (pit)
        input.cache = &pit->cache;
    auto result = search::run_search(input);
    if (!result)
        return std::unexpected(result.error());
    json out = std::move(*result);
    out["took"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
    if (!out.contains("timed_out"))
        out["timed_out"] = false;
    out["_shards"] = shards_json(targets.size());
    if (pit)
        out["pit_id"] = pit_id;
    return json_reply(out);
}

Reply Engine::count(const RestRequest& request) {
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    const auto target = request.part("index").empty() ? "_all" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, false, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    std::vector<StoredDocView> views;
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        maybe_scheduled_refresh(index);
        for (const auto& r : index.records)
            if (index.visible_at(r, index.refreshed_seq))
                views.emplace_back(&index, &r);
    }
    std::vector<const DocView*> docs;
    docs.reserve(views.size());
    for (const auto& v : views)
        docs.push_back(&v);
    const json* query = body->empty() ? nullptr : &*body;
    auto n = search::run_count(query, docs);
    if (!n)
        return std::unexpected(n.error());
    // Shape: es-spec CountResponseExample1.
    return json_reply({{"count", *n}, {"_shards", shards_json(names->size())}});
}

Reply Engine::open_pit(const RestRequest& request) {
    if (!request.has("keep_alive"))
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: [keep_alive] is not specified;"));
    auto keep_alive = parse_time_value(request.param("keep_alive"), "keep_alive");
    if (!keep_alive)
        return std::unexpected(keep_alive.error());
    auto names = resolve(request.part("index"),
                         indices_options(request, IndicesOptions{true, false, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    PointInTime pit;
    pit.expires_ms = now_ms() + *keep_alive;
    // The PIT freezes what a search would see now: each index's searchable point.
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        maybe_scheduled_refresh(index);
        pit.indices.emplace_back(name, index.refreshed_seq);
    }
    std::string id;
    for (int i = 0; i < 4; ++i)
        id += new_uuid();
    m_pits.emplace(id, std::move(pit));
    ++m_pits_opened;
    json out = {{"id", id}};
    if (m_options.version.major >= 8)
        out["_shards"] = shards_json(names->size());
    return json_reply(out);
}

Reply Engine::close_pit(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (!body->contains("id") || !(*body)["id"].is_string())
        return std::unexpected(
            EsError(400, "action_request_validation_exception",
                    "Validation Failed: 1: point-in-time id must not be empty;"));
    const auto freed = m_pits.erase((*body)["id"].get<std::string>());
    // ClosePointInTimeResponse: 404 when nothing was freed.
    return json_reply({{"succeeded", true}, {"num_freed", freed}}, freed == 0 ? 404 : 200);
}

Reply Engine::field_caps(const RestRequest& request) {
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    search::FieldCapsRequest fc;
    if (request.has("fields"))
        fc.fields = split_commas(request.param("fields"));
    if (body->contains("fields")) {
        if (!request.has("fields"))
            for (const auto& f : (*body)["fields"])
                fc.fields.push_back(f.get<std::string>());
        else
            return std::unexpected(
                EsError(400, "illegal_argument_exception",
                        "can't specify a request body and [fields] request parameter, either "
                        "specify a request body or the [fields] request parameter"));
    }
    if (fc.fields.empty())
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no fields specified;"));
    auto include_unmapped = parse_bool_param(request, "include_unmapped", false);
    if (!include_unmapped)
        return std::unexpected(include_unmapped.error());
    fc.include_unmapped = *include_unmapped;
    if (request.has("filters"))
        fc.filters = split_commas(request.param("filters"));
    if (request.has("types"))
        fc.types = split_commas(request.param("types"));
    fc.index_filter = body->contains("index_filter") ? (*body)["index_filter"] : json(nullptr);
    const auto target = request.part("index").empty() ? "_all" : request.part("index");
    auto names =
        resolve(target, indices_options(request, IndicesOptions{true, false, false, false, true}));
    if (!names)
        return std::unexpected(names.error());
    std::vector<search::FieldCapsIndex> indices;
    for (const auto& name : *names) {
        auto& index = m_indices.at(name);
        maybe_scheduled_refresh(index);
        std::optional<std::pair<std::int64_t, std::int64_t>> range;
        for (const auto& r : index.records) {
            if (!index.visible_at(r, index.refreshed_seq) || !r.timestamp_millis)
                continue;
            if (!range)
                range = std::pair{*r.timestamp_millis, *r.timestamp_millis};
            range->first = std::min(range->first, *r.timestamp_millis);
            range->second = std::max(range->second, *r.timestamp_millis);
        }
        indices.push_back(
            search::FieldCapsIndex{name, &*index.mapping, nest_settings(index.settings), range});
    }
    auto out = search::field_caps(indices, fc);
    if (!out)
        return std::unexpected(out.error());
    return json_reply(*out);
}

Reply Engine::put_pipeline(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    if (auto ok = ingest::validate_pipeline(*body); !ok)
        return std::unexpected(ok.error());
    m_pipelines[request.part("id")] = *body;
    return json_reply(acknowledged());
}

Reply Engine::get_pipeline(const RestRequest& request) {
    const auto id = request.part("id");
    json out = json::object();
    for (const auto& [name, p] : m_pipelines) {
        bool match = id.empty();
        for (const auto& item : split_commas(id))
            match = match || simple_match(item, name);
        if (match)
            out[name] = p;
    }
    // A missing pipeline id answers 404 with an empty object (es-apis.md §1.4).
    if (!id.empty() && out.empty())
        return json_reply(json::object(), 404);
    return json_reply(out);
}

Reply Engine::delete_pipeline(const RestRequest& request) {
    const auto id = request.part("id");
    std::vector<std::string> names;
    for (const auto& item : split_commas(id)) {
        bool found = false;
        for (const auto& [name, p] : m_pipelines)
            if (simple_match(item, name)) {
                names.push_back(name);
                found = true;
            }
        if (!found && item.find('*') == std::string::npos)
            return std::unexpected(
                EsError(404, "resource_not_found_exception", "pipeline [" + item + "] is missing"));
    }
    for (const auto& n : names)
        m_pipelines.erase(n);
    return json_reply(acknowledged());
}

Reply Engine::simulate_pipeline(const RestRequest& request) {
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    auto verbose = parse_bool_param(request, "verbose", false);
    if (!verbose)
        return std::unexpected(verbose.error());
    const auto id = request.part("id");
    const auto lookup = [this](std::string_view pid) { return pipeline(pid); };
    auto out = ingest::simulate(*body, id.empty() ? std::nullopt : std::optional<std::string>(id),
                                *verbose, lookup);
    if (!out)
        return std::unexpected(out.error());
    return json_reply(*out);
}

} // namespace esmend::es_sim

#include <es_client/bulk_indexer.hpp>
#include <es_client/elasticsearch.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace esmend::es_client {

namespace {

// Only what settling needs comes back (es-apis.md §1.6; SPEC BulkRequestExample3 filters likewise).
constexpr std::string_view k_filter =
    "filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";

std::size_t weight(const BulkDocument& d) {
    return d.source.size() + d.index.size() + d.id.size() + 48;
}

} // namespace

BulkIndexer::BulkIndexer(Transport& transport, BulkOptions options, Clock& clock,
                         RejectionHandler on_rejected, const Cancellation* cancel)
    : m_transport(transport), m_options(std::move(options)), m_clock(clock),
      m_on_rejected(std::move(on_rejected)), m_cancel(cancel) {}

std::string BulkIndexer::ndjson(const std::vector<BulkDocument>& documents) {
    std::string body;
    std::size_t size = 0;
    for (const auto& d : documents)
        size += weight(d);
    body.reserve(size);
    for (const auto& d : documents) {
        nlohmann::json meta = {{"_index", d.index}};
        if (!d.id.empty())
            meta["_id"] = d.id;
        body +=
            nlohmann::json{{d.op == BulkOp::create ? "create" : "index", std::move(meta)}}.dump();
        body += '\n';
        body += d.source;
        body += '\n';
    }
    return body;
}

Result<void> BulkIndexer::add(BulkDocument document) {
    if (!m_oldest)
        m_oldest = m_clock.now();
    m_queue_bytes += weight(document);
    m_queue.push_back(std::move(document));
    if (m_queue.size() >= m_options.max_documents || m_queue_bytes >= m_options.max_bytes)
        return flush();
    return {};
}

Result<void> BulkIndexer::flush_if_due() {
    if (m_oldest && m_clock.now() - *m_oldest >= m_options.max_age)
        return flush();
    return {};
}

std::vector<BulkDocument> BulkIndexer::take_pending() {
    m_queue_bytes = 0;
    m_oldest.reset();
    return std::exchange(m_queue, {});
}

Result<void> BulkIndexer::flush() {
    if (m_queue.empty())
        return {};
    std::vector<BulkDocument> batch = std::exchange(m_queue, {});
    m_queue_bytes = 0;
    m_oldest.reset();
    auto settled = send(batch);
    if (!settled) {
        // Whatever was not settled goes back to the front of the queue, in order.
        for (auto& d : m_queue)
            batch.push_back(std::move(d));
        m_queue = std::move(batch);
        for (const auto& d : m_queue)
            m_queue_bytes += weight(d);
        m_oldest = m_clock.now();
    }
    return settled;
}

// Sends `batch` until every item is settled; on failure `batch` holds the unsettled documents.
Result<void> BulkIndexer::send(std::vector<BulkDocument>& batch) {
    std::string path = "/_bulk?";
    if (!m_options.pipeline.empty())
        path += "pipeline=" + m_options.pipeline + "&";
    path += k_filter;
    for (int attempt = 1;; ++attempt) {
        HttpRequest request = make_request(Method::post, path, ndjson(batch));
        request.content_type = "application/x-ndjson";
        auto response = m_transport.perform(request);
        ++m_stats.requests;
        if (!response)
            return std::unexpected(response.error());
        if (!response->ok())
            return std::unexpected(error_from_response(*response, Service::elasticsearch));
        auto body = parse_json(response->body, "the _bulk answer");
        if (!body)
            return std::unexpected(body.error());
        const auto items = body->find("items");
        if (!body->value("errors", false)) {
            m_stats.created += batch.size();
            batch.clear();
            return {};
        }
        if (items == body->end() || !items->is_array() || items->size() != batch.size()) {
            return std::unexpected(
                make_error(ErrorKind::parse, "the _bulk answer does not list every item"));
        }
        std::vector<BulkDocument> again;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const auto& item = (*items)[i].begin().value();
            const int status = item.value("status", 0);
            if (status >= 200 && status < 300) {
                ++m_stats.created;
            } else if (status == 409 && batch[i].op == BulkOp::create) {
                // Deterministic ids: the document is stored already (an earlier attempt landed).
                ++m_stats.already_stored;
            } else if (status == 429) {
                again.push_back(std::move(batch[i]));
            } else {
                BulkRejection rejection;
                rejection.status = status;
                if (auto e = item.find("error"); e != item.end() && e->is_object()) {
                    rejection.type = e->value("type", "");
                    rejection.reason = e->value("reason", "");
                }
                rejection.document = std::move(batch[i]);
                ++m_stats.rejected;
                if (m_on_rejected)
                    m_on_rejected(rejection);
            }
        }
        batch = std::move(again);
        if (batch.empty())
            return {};
        m_stats.retried_items += batch.size();
        if (attempt >= m_options.max_item_attempts) {
            auto e = make_error(ErrorKind::es, std::to_string(batch.size()) +
                                                   " document(s) still rejected with 429 after " +
                                                   std::to_string(attempt) + " attempts");
            e.retryable = true;
            e.attempts = attempt;
            return std::unexpected(std::move(e));
        }
        const double cap = std::min(static_cast<double>(m_options.max_backoff.count()),
                                    static_cast<double>(m_options.initial_backoff.count()) *
                                        std::pow(2.0, attempt - 1));
        const auto wait = std::chrono::milliseconds{static_cast<std::int64_t>(cap)};
        spdlog::warn("_bulk: {} item(s) rejected with 429; resending them in {} ms", batch.size(),
                     wait.count());
        if (!m_clock.sleep_for(wait, m_cancel)) {
            return std::unexpected(
                make_error(ErrorKind::cancelled, "cancelled while resending rejected documents"));
        }
    }
}

} // namespace esmend::es_client

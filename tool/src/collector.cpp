#include <playbooks/control_index.hpp>
#include <tool/collector.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <utility>

namespace esmend::tool {

using es_client::BulkDocument;
using es_client::BulkOp;
using es_client::ErrorKind;
using es_client::make_error;
using es_client::Result;

namespace {

std::uint64_t fnv1a(std::string_view data, std::uint64_t hash) {
    for (const char c : data) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

// splitmix64's finaliser: spreads FNV's weak low bits over the whole word.
std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

std::string document_id(std::initializer_list<std::string_view> parts) {
    std::uint64_t a = 0xcbf29ce484222325ULL;
    std::uint64_t b = 0x84222325cbf29ce4ULL;
    for (const auto part : parts) {
        a = fnv1a(part, a);
        b = fnv1a(part, b);
        a = fnv1a("\x1f", a); // a separator, so ("ab","c") and ("a","bc") differ
        b = fnv1a("\x1f", b);
    }
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(mix(a)),
                  static_cast<unsigned long long>(mix(b ^ a)));
    return text;
}

Result<std::unique_ptr<Collector>> Collector::create(es_client::Elasticsearch& es,
                                                     CollectorOptions options,
                                                     es_client::Clock& clock,
                                                     const es_client::Cancellation* cancel) {
    std::unique_ptr<Collector> c(new Collector(es, std::move(options), clock, cancel));
    for (const auto dataset : {"golang.heap", "golang.expvar"}) {
        const auto ds = c->data_stream(dataset);
        auto spool = Spool::open(c->m_options.spool_dir / ds, c->m_options.spool);
        if (!spool)
            return std::unexpected(spool.error());
        c->m_spools.emplace(ds, std::move(*spool));
    }
    return c;
}

Collector::Collector(es_client::Elasticsearch& es, CollectorOptions options,
                     es_client::Clock& clock, const es_client::Cancellation* cancel)
    : m_es(es), m_options(std::move(options)), m_clock(clock), m_cancel(cancel) {
    m_indexer = std::make_unique<es_client::BulkIndexer>(
        es.transport(), m_options.bulk, clock,
        [this](const es_client::BulkRejection& r) { dead_letter(r); }, cancel);
}

Collector::~Collector() {
    if (m_in_flight.valid())
        m_in_flight.wait();
}

std::string Collector::data_stream(std::string_view dataset) const {
    return "logs-" + std::string(dataset) + "-" + m_options.ns;
}

std::uint64_t Collector::spooled_now() const {
    const std::lock_guard lock(m_delivering);
    std::uint64_t n = 0;
    for (const auto& [_, s] : m_spools)
        n += s.documents();
    return n;
}

Result<void> Collector::accept(std::string_view body, const std::string& address,
                               std::chrono::system_clock::time_point at, IdFrom id_from) {
    PollContext context;
    context.service_address = address;
    context.ns = m_options.ns;
    context.timestamp = at;
    context.preserve_original = m_options.preserve_original;
    context.host = m_options.host;
    auto poll = shape_poll(body, context, m_pauses[address]);
    if (!poll) {
        poll_failed();
        return std::unexpected(poll.error());
    }
    {
        const std::lock_guard lock(m_stats_mutex);
        ++m_stats.polls_ok;
    }
    for (auto [dataset, doc] :
         {std::pair{"golang.heap", &poll->heap}, std::pair{"golang.expvar", &poll->expvar}}) {
        const auto id = id_from == IdFrom::timestamp
                            ? document_id({address, dataset, poll->timestamp})
                            : document_id({address, dataset, body});
        m_queue.push_back({BulkOp::create, data_stream(dataset), id, std::move(*doc)});
    }
    return {};
}

void Collector::poll_failed() {
    const std::lock_guard lock(m_stats_mutex);
    ++m_stats.polls_failed;
}

CollectorStats Collector::stats() const {
    const std::lock_guard lock(m_stats_mutex);
    return m_stats;
}

void Collector::dead_letter(const es_client::BulkRejection& r) {
    {
        const std::lock_guard lock(m_stats_mutex);
        ++m_stats.dead_lettered;
    }
    nlohmann::json line = {{"@timestamp", format_timestamp(std::chrono::system_clock::now())},
                           {"index", r.document.index},
                           {"id", r.document.id},
                           {"status", r.status},
                           {"error", {{"type", r.type}, {"reason", r.reason}}}};
    auto source = nlohmann::json::parse(r.document.source, nullptr, false);
    line["document"] = source.is_discarded() ? nlohmann::json(r.document.source) : source;
    std::ofstream out(m_options.dead_letter_file, std::ios::app);
    out << line.dump() << '\n';
    out.flush();
    if (!out) {
        spdlog::error("cannot write the dead-letter file {}; the rejected document follows: {}",
                      m_options.dead_letter_file.string(), line.dump());
    }
    spdlog::warn("{} rejected document {} ({}: {}); kept in {}", r.document.index, r.document.id,
                 r.type, r.reason, m_options.dead_letter_file.string());
}

Result<void> Collector::spool(const std::string& ds, const std::vector<BulkDocument>& docs) {
    if (docs.empty())
        return {};
    auto& spool = m_spools.at(ds);
    const auto dropped_before = spool.dropped_documents();
    if (auto r = spool.append(docs); !r)
        return r;
    const std::lock_guard lock(m_stats_mutex);
    m_stats.spooled += docs.size();
    m_stats.dropped += spool.dropped_documents() - dropped_before;
    return {};
}

Result<bool> Collector::drain(const std::string& ds) {
    auto& spool = m_spools.at(ds);
    while (!spool.empty()) {
        auto segment = spool.oldest();
        if (!segment)
            return std::unexpected(segment.error());
        if (!*segment)
            break;
        const auto before = m_indexer->stats();
        bool delivered = true;
        for (auto& d : (*segment)->documents) {
            if (!m_indexer->add(std::move(d))) {
                delivered = false;
                break;
            }
        }
        if (delivered && !m_indexer->flush())
            delivered = false;
        if (!delivered) {
            // The documents are still in the segment; what the indexer holds is a copy.
            (void)m_indexer->take_pending();
            return false;
        }
        {
            const std::lock_guard lock(m_stats_mutex);
            m_stats.indexed += m_indexer->stats().created - before.created;
            m_stats.already_stored += m_indexer->stats().already_stored - before.already_stored;
        }
        if (auto r = spool.remove((*segment)->sequence); !r)
            return std::unexpected(r.error());
        spdlog::info("{}: sent {} spooled document(s); {} left", ds, (*segment)->documents.size(),
                     spool.documents());
    }
    return true;
}

Result<void> Collector::wait_for_delivery() {
    if (!m_in_flight.valid())
        return {};
    return m_in_flight.get();
}

Result<void> Collector::flush_async() {
    if (auto r = wait_for_delivery(); !r)
        return r;
    m_in_flight =
        std::async(std::launch::async, [this, batch = std::exchange(m_queue, {})]() mutable {
            return deliver(std::move(batch));
        });
    return {};
}

Result<void> Collector::flush() {
    if (auto r = wait_for_delivery(); !r)
        return r;
    return deliver(std::exchange(m_queue, {}));
}

Result<void> Collector::deliver(std::vector<BulkDocument> batch) {
    const std::lock_guard delivering(m_delivering);
    std::map<std::string, std::vector<BulkDocument>> by_stream;
    for (auto& d : batch)
        by_stream[d.index].push_back(std::move(d));

    bool reachable = true;
    for (auto& [ds, stream_spool] : m_spools) {
        std::vector<BulkDocument>& fresh = by_stream[ds];
        bool hold = !reachable;
        if (reachable) {
            auto marker = playbooks::pause_marker(m_es, ds);
            if (!marker) {
                spdlog::warn("cannot reach Elasticsearch ({}); spooling",
                             marker.error().describe());
                reachable = false;
                hold = true;
            } else if (*marker) {
                spdlog::debug("{} is paused ({}); spooling", ds, (*marker)->reason);
                hold = true;
            }
        }
        if (!hold) {
            auto drained = drain(ds);
            if (!drained)
                return std::unexpected(drained.error());
            hold = !*drained;
        }
        if (hold) {
            if (auto r = spool(ds, fresh); !r)
                return r;
            fresh.clear();
        }
    }

    const auto before = m_indexer->stats();
    for (auto& [ds, docs] : by_stream) {
        for (auto& d : docs)
            (void)m_indexer->add(std::move(d));
    }
    if (!m_indexer->flush()) {
        std::map<std::string, std::vector<BulkDocument>> leftovers;
        for (auto& d : m_indexer->take_pending())
            leftovers[d.index].push_back(std::move(d));
        for (auto& [ds, docs] : leftovers) {
            if (auto r = spool(ds, docs); !r)
                return r;
        }
    }
    const std::lock_guard lock(m_stats_mutex);
    m_stats.indexed += m_indexer->stats().created - before.created;
    m_stats.already_stored += m_indexer->stats().already_stored - before.already_stored;
    return {};
}

} // namespace esmend::tool

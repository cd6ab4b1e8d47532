#include <es_client/url.hpp>
#include <playbooks/checksum.hpp>

#include <array>
#include <bit>
#include <utility>

namespace esmend::playbooks {

using es_client::ErrorKind;
using es_client::Method;
using es_client::Result;
using nlohmann::json;

namespace {

// xxHash64's primes: odd, with well-spread bits.
constexpr std::uint64_t k_prime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t k_prime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t k_prime3 = 0x165667B19E3779F9ULL;

// The seeds of the two hashes; any two distinct constants do (these are the first digits of pi
// and e in hex).
constexpr std::uint64_t k_seed_sum = 0x243F6A8885A308D3ULL;
constexpr std::uint64_t k_seed_mixed = 0xB7E151628AED2A6BULL;

// How long the point in time stays open between two pages (es-apis.md §1.12).
constexpr const char* k_keep_alive = "1m";

// splitmix64's finaliser (Steele, Lea, Flood 2014): a bijection in which every input bit
// affects every output bit.
std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Little-endian whatever the host, so that a checksum written to the journal means the same on
// every machine.
std::uint64_t load_le(const char* p, std::size_t n) {
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < n; ++i)
        word |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    return word;
}

// xxHash64's round: for a fixed word it is a bijection of the state.
std::uint64_t xx_round(std::uint64_t state, std::uint64_t word) {
    return std::rotl(state + word * k_prime2, 31) * k_prime1;
}

es_client::Error incomplete_page(const std::string& target, const json& page) {
    auto error = es_client::make_error(ErrorKind::es, "checksum of " + target +
                                                          ": a page of the scan is incomplete");
    if (page.value("timed_out", false))
        error.message += " (the search timed out)";
    const auto shards = page.find("_shards");
    if (shards == page.end() || !shards->is_object() || shards->value("failed", 0) == 0)
        return error;
    error.message += " (" + std::to_string(shards->value("failed", 0)) + " of " +
                     std::to_string(shards->value("total", 0)) + " shards failed)";
    // ES's shard failure shape: _shards.failures[].reason is an error object (type, reason).
    const auto failures = shards->find("failures");
    if (failures != shards->end() && failures->is_array() && !failures->empty() &&
        (*failures)[0].is_object()) {
        const auto reason = (*failures)[0].value("reason", json::object());
        if (reason.is_object()) {
            error.es_type = reason.value("type", "");
            error.es_reason = reason.value("reason", "");
            error.root_cause.push_back({error.es_type, error.es_reason});
        }
    }
    return error;
}

es_client::Error parse_error(const std::string& target, const std::string& what) {
    return es_client::make_error(ErrorKind::parse, "checksum of " + target + ": " + what);
}

// Closes the point in time, best effort: the caller already has a result or an error to return.
void close_pit(es_client::Elasticsearch& es, const std::string& id) {
    const json body = {{"id", id}};
    (void)es.call(Method::del, "/_pit", &body);
}

} // namespace

std::uint64_t hash64(std::string_view data, std::uint64_t seed) {
    std::uint64_t state = mix(seed ^ (std::uint64_t{data.size()} * k_prime3));
    std::size_t i = 0;
    for (; i + 8 <= data.size(); i += 8)
        state = xx_round(state, load_le(data.data() + i, 8));
    // The tail is zero-padded; the length, mixed in above, tells "a" from "a\0".
    if (i < data.size())
        state = xx_round(state, load_le(data.data() + i, data.size() - i));
    return mix(state ^ std::uint64_t{data.size()});
}

void DocumentChecksum::add(std::string_view id, const nlohmann::json& source) {
    std::string bytes;
    const auto canonical = source.dump();
    bytes.reserve(id.size() + 1 + canonical.size());
    bytes.append(id);
    bytes.push_back('\0');
    bytes.append(canonical);
    ++documents;
    sum += hash64(bytes, k_seed_sum);
    mixed += hash64(bytes, k_seed_mixed);
}

std::string DocumentChecksum::hex() const {
    static constexpr std::array<char, 16> k_digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(32);
    for (const auto value : {sum, mixed}) {
        for (int shift = 60; shift >= 0; shift -= 4)
            out.push_back(k_digits[(value >> shift) & 0xFU]);
    }
    return out;
}

Result<DocumentScan> DocumentScan::open(es_client::Elasticsearch& es, const std::string& target,
                                        const nlohmann::json* query, int page_size) {
    if (page_size <= 0)
        return std::unexpected(
            es_client::make_error(ErrorKind::config, "scan page size must be positive, not " +
                                                         std::to_string(page_size)));
    auto opened = es.call(Method::post,
                          "/" + es_client::url_encode(target) + "/_pit?keep_alive=" + k_keep_alive);
    if (!opened)
        return std::unexpected(opened.error());
    const auto id = opened->find("id");
    if (id == opened->end() || !id->is_string())
        return std::unexpected(parse_error(target, "no point-in-time id in the _pit answer"));
    DocumentScan scan(es, target, page_size);
    scan.m_pit_id = id->get<std::string>();
    scan.m_body = {{"pit", {{"id", scan.m_pit_id}, {"keep_alive", k_keep_alive}}},
                   {"size", page_size},
                   {"sort", json::array({{{"_shard_doc", "asc"}}})},
                   {"track_total_hits", false}};
    if (query != nullptr)
        scan.m_body["query"] = *query;
    return scan;
}

DocumentScan::DocumentScan(DocumentScan&& other) noexcept
    : m_es(other.m_es), m_target(std::move(other.m_target)), m_page_size(other.m_page_size),
      m_pit_id(std::exchange(other.m_pit_id, {})), m_body(std::move(other.m_body)),
      m_done(other.m_done) {}

DocumentScan::~DocumentScan() {
    close();
}

void DocumentScan::close() {
    if (!m_pit_id.empty())
        close_pit(*m_es, std::exchange(m_pit_id, {}));
    m_done = true;
}

Result<json> DocumentScan::next(const es_client::Cancellation* cancel) {
    if (m_done)
        return json::array();
    // Every way out below closes the point in time with the newest id ES handed out.
    const auto fail = [&](es_client::Error error) -> Result<json> {
        close();
        return std::unexpected(std::move(error));
    };
    if (cancel != nullptr && cancel->requested())
        return fail(es_client::make_error(ErrorKind::cancelled, "interrupted"));
    m_body["pit"]["id"] = m_pit_id;
    auto page = m_es->call(Method::post, "/_search", &m_body);
    if (!page)
        return fail(page.error());
    if (const auto newer = page->find("pit_id"); newer != page->end() && newer->is_string())
        m_pit_id = newer->get<std::string>();
    const auto shards = page->find("_shards");
    if (page->value("timed_out", false) ||
        (shards != page->end() && shards->is_object() && shards->value("failed", 0) > 0))
        return fail(incomplete_page(m_target, *page));
    const auto hits = page->find("hits");
    if (hits == page->end() || !hits->is_object() || !hits->contains("hits") ||
        !(*hits)["hits"].is_array())
        return fail(parse_error(m_target, "no hits.hits in a _search answer"));
    json list = std::move((*hits)["hits"]);
    for (const auto& hit : list) {
        const auto hit_id = hit.find("_id");
        if (hit_id == hit.end() || !hit_id->is_string())
            return fail(parse_error(m_target, "a hit without _id"));
    }
    // Fewer hits than asked for: the point in time has no more.
    if (list.size() < static_cast<std::size_t>(m_page_size)) {
        close();
        return list;
    }
    const auto sort = list.back().find("sort");
    if (sort == list.back().end() || !sort->is_array())
        return fail(parse_error(m_target, "a hit without sort values"));
    m_body["search_after"] = *sort;
    return list;
}

Result<DocumentChecksum> checksum_documents(es_client::Elasticsearch& es, const std::string& target,
                                            const nlohmann::json* query,
                                            const es_client::Cancellation* cancel,
                                            std::function<void(std::int64_t)> progress,
                                            int page_size) {
    if (cancel != nullptr && cancel->requested())
        return std::unexpected(es_client::make_error(ErrorKind::cancelled, "interrupted"));
    auto scan = DocumentScan::open(es, target, query, page_size);
    if (!scan)
        return std::unexpected(scan.error());
    DocumentChecksum checksum;
    while (!scan->done()) {
        auto hits = scan->next(cancel);
        if (!hits)
            return std::unexpected(hits.error());
        if (hits->empty())
            break;
        for (const auto& hit : *hits) {
            const auto source = hit.find("_source");
            // _source disabled in the mapping: the documents cannot be compared, only counted.
            if (source == hit.end())
                return std::unexpected(es_client::make_error(
                    ErrorKind::state, "checksum of " + target + ": document " +
                                          hit["_id"].get<std::string>() + " has no _source"));
            checksum.add(hit["_id"].get_ref<const std::string&>(), *source);
        }
        if (progress)
            progress(checksum.documents);
    }
    return checksum;
}

} // namespace esmend::playbooks

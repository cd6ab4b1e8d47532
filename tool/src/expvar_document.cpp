#include <es_client/json_reader.hpp>
#include <tool/expvar_document.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <span>
#include <utility>

namespace esmend::tool {

using es_client::ErrorKind;
using es_client::make_error;

namespace {

constexpr std::uint32_t k_pause_ring = 256;

// One rename of the integration's ingest pipeline: memstats key (or top-level key) → dotted target.
struct Rename {
    const char* source;
    const char* target;
};

// EI packages/golang/data_stream/heap/elasticsearch/ingest_pipeline/default.yml
// (golang-integration.md §2.3).
constexpr Rename k_heap_renames[] = {
    {"HeapInuse", "allocations.active.bytes"},
    {"Frees", "allocations.frees.count"},
    {"HeapIdle", "allocations.idle.bytes"},
    {"HeapAlloc", "allocations.object.bytes"},
    {"HeapObjects", "allocations.object.count"},
    {"TotalAlloc", "allocations.total.bytes"},
    {"GCCPUFraction", "gc.cpu_fraction"},
    {"NextGC", "gc.next_gc_limit"},
    {"NumGC", "gc.total.count"},
    {"PauseTotalNs", "gc.pause.total.ns"},
    {"Mallocs", "mallocs.count"},
    {"HeapReleased", "system.released.bytes"},
    {"StackSys", "system.stack.bytes"},
    {"HeapSys", "system.total.bytes"},
};

// EI packages/golang/data_stream/expvar/elasticsearch/ingest_pipeline/default.yml (§2.3).
constexpr Rename k_expvar_renames[] = {
    {"BuckHashSys", "buck_hash_sys.bytes"},
    {"LastGC", "gc.last_finished.ns"},
    {"NumForcedGC", "gc.forced"},
    {"GCSys", "gc.metadata.memory.bytes"},
    {"MCacheInuse", "mcache.allocated.bytes"},
    {"MCacheSys", "mcache.obtained.bytes"},
    {"MSpanInuse", "mspan.allocated.bytes"},
    {"MSpanSys", "mspan.obtained.bytes"},
    {"OtherSys", "obtained.miscellaneous.bytes"},
    {"Sys", "obtained.total.bytes"},
    {"Lookups", "pointer.lookups"},
    {"StackInuse", "stack.bytes"},
};

// One value copied from /debug/vars into a document: where it goes (a dotted path under the
// document's golang.<dataset>) and its JSON text, as the program wrote it. Copying the text keeps
// every number exact (LastGC and PauseEnd exceed 2^53) without a parse and a print per value.
struct Field {
    std::string_view path;
    std::string_view raw;
};

const Rename* find_rename(std::span<const Rename> renames, std::string_view key) {
    for (const auto& r : renames)
        if (key == r.source)
            return &r;
    return nullptr;
}

// A JSON number's value as the pipelines' uint64 view of it: a non-negative integer that fits,
// else 0 (a negative, fractional or oversized value, as a parsed document's get<uint64> gave).
std::uint64_t raw_u64(std::string_view raw) {
    std::uint64_t v = 0;
    if (raw.empty() || raw.front() == '-')
        return 0;
    for (const char c : raw) {
        if (c < '0' || c > '9')
            return 0;
        const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return 0;
        v = v * 10 + digit;
    }
    return v;
}

bool raw_is_number(std::string_view raw) {
    return !raw.empty() && (raw.front() == '-' || (raw.front() >= '0' && raw.front() <= '9'));
}

// Writes fields as nested objects: "gc.pause.count" and "gc.total.count" share "gc". `fields` is
// sorted by path, so that the fields under one key are next to each other; `offset` is how much
// of each path the enclosing objects already wrote.
void write_nested(std::string& out, std::span<const Field> fields, std::size_t offset) {
    out.push_back('{');
    for (std::size_t i = 0; i < fields.size();) {
        if (i > 0)
            out.push_back(',');
        const std::string_view rest = fields[i].path.substr(offset);
        const auto dot = rest.find('.');
        const std::string_view key = rest.substr(0, dot);
        es_client::append_json_string(out, key);
        out.push_back(':');
        if (dot == std::string_view::npos) {
            out.append(fields[i].raw);
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < fields.size()) {
            const std::string_view other = fields[j].path.substr(offset);
            if (other.size() <= key.size() || other.substr(0, key.size()) != key ||
                other[key.size()] != '.')
                break;
            ++j;
        }
        write_nested(out, fields.subspan(i, j - i), offset + key.size() + 1);
        i = j;
    }
    out.push_back('}');
}

// The fields every document has, and the `golang` object: heap and expvar differ only there.
std::string document(const PollContext& c, std::string_view dataset, const std::string& timestamp,
                     std::string_view body, std::string_view golang_key,
                     std::vector<Field>& fields) {
    std::string out;
    out.reserve(1024 + (c.preserve_original == PreserveOriginal::yes ? body.size() + 64 : 0));
    const auto str = [&out](std::string_view text) { es_client::append_json_string(out, text); };
    out += R"({"@timestamp":)";
    str(timestamp);
    out += R"(,"data_stream":{"type":"logs","dataset":)";
    str(dataset);
    out += R"(,"namespace":)";
    str(c.ns);
    out += R"(},"ecs":{"version":)";
    str(k_ecs_version);
    out += R"(},"event":{"created":)";
    str(timestamp);
    out += R"(,"dataset":)";
    str(dataset);
    out += R"(,"kind":"metric","module":"golang","type":["info"])";
    if (c.preserve_original == PreserveOriginal::yes) {
        out += R"(,"original":)";
        str(body);
    }
    out += R"(},"service":{"address":)";
    str(c.service_address);
    // The stream manifests' default tags (data_stream/{heap,expvar}/manifest.yml).
    out += R"(},"tags":[)";
    if (c.preserve_original == PreserveOriginal::yes)
        out += R"("preserve_original_event",)";
    if (!c.host)
        out += R"("forwarded",)";
    str(dataset == "golang.heap" ? "golang-heap" : "golang-expvar");
    out += ']';
    if (c.host) {
        out += R"(,"host":{"name":)";
        str(c.host->name);
        out += R"(,"ip":[)";
        for (std::size_t i = 0; i < c.host->ip.size(); ++i) {
            if (i > 0)
                out.push_back(',');
            str(c.host->ip[i]);
        }
        out += "]}";
    }
    out += R"(,"golang":{)";
    str(golang_key);
    out.push_back(':');
    std::sort(fields.begin(), fields.end(),
              [](const Field& a, const Field& b) { return a.path < b.path; });
    write_nested(out, fields, 0);
    out += "}}";
    return out;
}

} // namespace

std::optional<PauseTracker::Stats> PauseTracker::observe(std::uint32_t num_gc,
                                                         std::span<const std::uint64_t> pause_ns) {
    std::uint32_t last = m_last_num_gc.value_or(0);
    if (num_gc < last)
        last = 0; // the target restarted
    m_last_num_gc = num_gc;
    if (num_gc == last || pause_ns.size() != k_pause_ring)
        return std::nullopt;
    std::uint32_t start = last;
    std::uint32_t delta = num_gc - last;
    if (delta > k_pause_ring) {
        start = num_gc - k_pause_ring;
        delta = k_pause_ring;
    }
    Stats s;
    for (std::uint32_t i = start; i < start + delta; ++i) {
        const auto d = pause_ns[i % k_pause_ring];
        ++s.count;
        s.sum_ns += d;
        s.max_ns = std::max(s.max_ns, d);
    }
    s.avg_ns = s.sum_ns / s.count;
    return s;
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[32];
    const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
    return std::string(buffer, n) + millis;
}

es_client::Result<ShapedPoll> shape_poll(std::string_view body, const PollContext& context,
                                         PauseTracker& pauses) {
    // One pass over the body, checking all of it: what is copied into the documents is JSON.
    es_client::JsonReader in(body);
    std::vector<Field> heap;
    std::vector<Field> expvar;
    std::vector<std::pair<std::string, std::string_view>> custom; // the program's own variables
    bool memstats = false;
    std::optional<std::uint32_t> num_gc;
    std::vector<std::uint64_t> pause_ns;
    const bool read = in.object([&](const std::string& key) {
        std::string_view raw;
        if (key == "memstats" && in.at('{')) {
            memstats = true;
            return in.object([&](const std::string& stat) {
                if (stat == "PauseNs" && in.at('[')) {
                    return in.array([&] {
                        std::string_view n;
                        if (!in.span(n))
                            return false;
                        pause_ns.push_back(raw_u64(n));
                        return true;
                    });
                }
                std::string_view value;
                if (!in.span(value))
                    return false;
                if (stat == "NumGC" && raw_is_number(value))
                    num_gc = static_cast<std::uint32_t>(raw_u64(value));
                // ignore_missing, as every rename in the integration's pipelines.
                if (value == "null")
                    return true;
                if (const auto* r = find_rename(k_heap_renames, stat))
                    heap.push_back({r->target, value});
                else if (const auto* e = find_rename(k_expvar_renames, stat))
                    expvar.push_back({e->target, value});
                return true;
            });
        }
        if (!in.span(raw))
            return false;
        if (key == "cmdline") {
            heap.push_back({"cmdline", raw});
            expvar.push_back({"cmdline", raw});
        } else if (key != "memstats") {
            custom.emplace_back(key, raw);
        }
        return true;
    });
    if (!read || !in.at_end()) {
        return std::unexpected(
            make_error(ErrorKind::parse,
                       "/debug/vars is not a JSON object (" +
                           (in.failed() ? in.error() + " at byte " + std::to_string(in.failed_at())
                                        : std::string("text after its end")) +
                           ")"));
    }
    if (!memstats) {
        return std::unexpected(
            make_error(ErrorKind::parse, "/debug/vars has no memstats (is expvar imported?)"));
    }

    // esmend's own: the GC pauses since the previous poll (Metricbeat's algorithm).
    std::string pause_text[4];
    if (num_gc) {
        if (auto stats = pauses.observe(*num_gc, pause_ns)) {
            pause_text[0] = std::to_string(stats->count);
            pause_text[1] = std::to_string(stats->sum_ns);
            pause_text[2] = std::to_string(stats->max_ns);
            pause_text[3] = std::to_string(stats->avg_ns);
            heap.push_back({"gc.pause.count", pause_text[0]});
            heap.push_back({"gc.pause.sum.ns", pause_text[1]});
            heap.push_back({"gc.pause.max.ns", pause_text[2]});
            heap.push_back({"gc.pause.avg.ns", pause_text[3]});
        }
    }
    // The pipeline removes json.memstats and json.cmdline, then renames json to
    // golang.expvar.custom: every other top-level variable is the program's own.
    std::string custom_text;
    if (!custom.empty()) {
        custom_text.push_back('{');
        for (std::size_t i = 0; i < custom.size(); ++i) {
            if (i > 0)
                custom_text.push_back(',');
            es_client::append_json_string(custom_text, custom[i].first);
            custom_text.push_back(':');
            custom_text.append(custom[i].second);
        }
        custom_text.push_back('}');
        expvar.push_back({"custom", custom_text});
    }

    ShapedPoll poll;
    poll.timestamp = format_timestamp(context.timestamp);
    poll.heap = document(context, "golang.heap", poll.timestamp, body, "heap", heap);
    poll.expvar = document(context, "golang.expvar", poll.timestamp, body, "expvar", expvar);
    return poll;
}

} // namespace esmend::tool

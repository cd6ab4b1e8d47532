#include <tool/expvar_document.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <span>
#include <utility>

namespace esmend::tool {

using es_client::ErrorKind;
using es_client::make_error;
using nlohmann::json;

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

// Sets a dotted path inside an object, creating the intermediate objects.
void set_path(json& root, std::string_view dotted, json value) {
    json* node = &root;
    std::size_t start = 0;
    while (true) {
        const auto dot = dotted.find('.', start);
        const std::string key(dotted.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            (*node)[key] = std::move(value);
            return;
        }
        node = &(*node)[key];
        start = dot + 1;
    }
}

void apply_renames(const json& memstats, std::span<const Rename> renames, json& out) {
    for (const auto& r : renames) {
        // ignore_missing, as every rename in the integration's pipelines.
        if (auto it = memstats.find(r.source); it != memstats.end() && !it->is_null())
            set_path(out, r.target, *it);
    }
}

std::uint64_t as_u64(const json& j) {
    if (j.is_number_unsigned())
        return j.get<std::uint64_t>();
    if (j.is_number_integer())
        return static_cast<std::uint64_t>(std::max<std::int64_t>(0, j.get<std::int64_t>()));
    return 0;
}

json base_document(const PollContext& c, std::string_view dataset, const std::string& timestamp,
                   std::string_view body) {
    json tags = json::array();
    if (c.preserve_original == PreserveOriginal::yes)
        tags.push_back("preserve_original_event");
    // The stream manifests' default tags (data_stream/{heap,expvar}/manifest.yml).
    if (!c.host)
        tags.push_back("forwarded");
    tags.push_back(dataset == "golang.heap" ? "golang-heap" : "golang-expvar");

    json doc = json::object();
    doc["@timestamp"] = timestamp;
    doc["data_stream"] = {{"type", "logs"}, {"dataset", dataset}, {"namespace", c.ns}};
    doc["ecs"] = {{"version", k_ecs_version}};
    doc["event"] = {{"created", timestamp},
                    {"dataset", dataset},
                    {"kind", "metric"},
                    {"module", "golang"},
                    {"type", json::array({"info"})}};
    if (c.preserve_original == PreserveOriginal::yes)
        doc["event"]["original"] = body;
    doc["service"] = {{"address", c.service_address}};
    doc["tags"] = std::move(tags);
    if (c.host) {
        doc["host"] = {{"name", c.host->name}, {"ip", c.host->ip}};
    }
    return doc;
}

} // namespace

std::optional<PauseTracker::Stats> PauseTracker::observe(std::uint32_t num_gc,
                                                         const json& pause_ns) {
    std::uint32_t last = m_last_num_gc.value_or(0);
    if (num_gc < last)
        last = 0; // the target restarted
    m_last_num_gc = num_gc;
    if (num_gc == last || !pause_ns.is_array() || pause_ns.size() != k_pause_ring)
        return std::nullopt;
    std::uint32_t start = last;
    std::uint32_t delta = num_gc - last;
    if (delta > k_pause_ring) {
        start = num_gc - k_pause_ring;
        delta = k_pause_ring;
    }
    Stats s;
    for (std::uint32_t i = start; i < start + delta; ++i) {
        const auto d = as_u64(pause_ns[i % k_pause_ring]);
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
    const auto vars = json::parse(body, nullptr, false);
    if (vars.is_discarded() || !vars.is_object()) {
        return std::unexpected(make_error(ErrorKind::parse, "/debug/vars is not a JSON object"));
    }
    const auto memstats = vars.find("memstats");
    if (memstats == vars.end() || !memstats->is_object()) {
        return std::unexpected(
            make_error(ErrorKind::parse, "/debug/vars has no memstats (is expvar imported?)"));
    }
    const std::string timestamp = format_timestamp(context.timestamp);
    const auto cmdline = vars.find("cmdline");

    ShapedPoll poll;
    poll.heap = base_document(context, "golang.heap", timestamp, body);
    json heap = json::object();
    apply_renames(*memstats, k_heap_renames, heap);
    if (cmdline != vars.end())
        heap["cmdline"] = *cmdline;
    if (auto num_gc = memstats->find("NumGC"); num_gc != memstats->end() && num_gc->is_number()) {
        const auto pause_ns = memstats->find("PauseNs");
        if (auto stats = pauses.observe(static_cast<std::uint32_t>(as_u64(*num_gc)),
                                        pause_ns != memstats->end() ? *pause_ns : json())) {
            heap["gc"]["pause"]["count"] = stats->count;
            heap["gc"]["pause"]["sum"] = {{"ns", stats->sum_ns}};
            heap["gc"]["pause"]["max"] = {{"ns", stats->max_ns}};
            heap["gc"]["pause"]["avg"] = {{"ns", stats->avg_ns}};
        }
    }
    poll.heap["golang"] = {{"heap", std::move(heap)}};

    poll.expvar = base_document(context, "golang.expvar", timestamp, body);
    json expvar = json::object();
    apply_renames(*memstats, k_expvar_renames, expvar);
    if (cmdline != vars.end())
        expvar["cmdline"] = *cmdline;
    // The pipeline removes json.memstats and json.cmdline, then renames json to
    // golang.expvar.custom: every other top-level variable is the program's own.
    json custom = json::object();
    for (const auto& [key, value] : vars.items()) {
        if (key != "memstats" && key != "cmdline")
            custom[key] = value;
    }
    if (!custom.empty())
        expvar["custom"] = std::move(custom);
    poll.expvar["golang"] = {{"expvar", std::move(expvar)}};
    return poll;
}

} // namespace esmend::tool

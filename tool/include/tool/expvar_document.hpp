#pragma once
// Shapes one poll of a Go program's /debug/vars into the heap and expvar documents of Elastic's
// Golang integration (package 1.6.0): the renames of its ingest pipelines, done client-side
// (../shared/reference/golang-integration.md §2.3), plus the GC pause statistics Metricbeat's
// golang module computed (§5). Integers stay exact: LastGC and PauseEnd exceed 2^53.

#include <es_client/error.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace esmend::tool {

// The ECS version the integration's pipelines stamp (package 1.6.0).
inline constexpr std::string_view k_ecs_version = "8.11.0";

enum class PreserveOriginal { no, yes };

struct HostMetadata {
    std::string name;
    std::vector<std::string> ip;
};

struct PollContext {
    std::string service_address; // the target's base URL, as the integration's add_fields sets it
    std::string ns = "default";  // data_stream.namespace
    std::chrono::system_clock::time_point timestamp;
    PreserveOriginal preserve_original = PreserveOriginal::no;
    // Host metadata is added only when given. Without it the events keep the integration's default
    // `forwarded` tag, which tells Elastic Agent not to add the collecting host's metadata.
    std::optional<HostMetadata> host;
};

// Metricbeat's pause algorithm state for one target: the NumGC seen at the previous poll.
class PauseTracker {
public:
    struct Stats {
        std::uint64_t count = 0;
        std::uint64_t sum_ns = 0;
        std::uint64_t max_ns = 0;
        std::uint64_t avg_ns = 0;
    };
    // Returns the pauses of the GC cycles completed since the previous observation, read from the
    // 256-entry PauseNs ring (cycle N's pause is PauseNs[N % 256]), or nullopt when no cycle
    // completed. As in Metricbeat, the first observation covers every cycle since the process
    // started and more than 256 new cycles report the 256 still in the ring; avg is the integer
    // mean. Unlike Metricbeat (beats#6543), a NumGC below the previous one is a restarted target:
    // the baseline resets to 0 instead of emitting nothing until the new process catches up.
    // `pause_ns` is the ring as numbers (empty, or of another size, when the body had none).
    [[nodiscard]] std::optional<Stats> observe(std::uint32_t num_gc,
                                               std::span<const std::uint64_t> pause_ns);

private:
    std::optional<std::uint32_t> m_last_num_gc;
};

// Both documents as JSON text, ready for a _bulk body, and their @timestamp.
struct ShapedPoll {
    std::string timestamp;
    std::string heap;
    std::string expvar;
};

// Reads a raw /debug/vars body in one pass and writes both documents, copying each value's text
// as the program wrote it. A body that is not a JSON object, or has no memstats, is a parse
// error.
[[nodiscard]] es_client::Result<ShapedPoll>
shape_poll(std::string_view body, const PollContext& context, PauseTracker& pauses);

// RFC 3339 UTC with milliseconds, as Elastic's tools write @timestamp.
[[nodiscard]] std::string format_timestamp(std::chrono::system_clock::time_point t);

} // namespace esmend::tool

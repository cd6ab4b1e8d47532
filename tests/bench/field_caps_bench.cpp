// Benchmark (scripts/bench, never a test): the audit's conflict analysis over a data view the size
// issue #6 names, 5,000 indices x 2,000 fields, from a generated _field_caps response. Prints one
// JSON line: the response size, parse and analysis CPU time, conflicts found and peak RSS. With a
// third argument it also writes the response there (the Python comparison reads the same bytes).
#include <playbooks/audit.hpp>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>

namespace {

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

std::string index_name(int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ".ds-logs-app%03d.log-default-2026.11.%02d-%06d", i / 25,
                  1 + i % 25, 1 + i % 25);
    return buf;
}

// As ES builds it: "indices" lists every index; a field gets per-type "indices" only when its
// indices disagree. Every 100th field conflicts (keyword in the older half, ip in the newer),
// every 50th is a long/integer pair (not a Kibana conflict), the rest agree.
std::string generate(int indices, int fields) {
    std::string all = "[";
    std::string older = "[";
    std::string newer = "[";
    for (int i = 0; i < indices; ++i) {
        const std::string quoted = "\"" + index_name(i) + "\"";
        all += (i ? "," : "") + quoted;
        std::string& half = i < indices / 2 ? older : newer;
        half += (half.size() > 1 ? "," : "") + quoted;
    }
    all += "]";
    older += "]";
    newer += "]";
    std::string body = "{\"indices\":" + all + ",\"fields\":{";
    for (int f = 0; f < fields; ++f) {
        body += (f ? "," : "") + std::string("\"field.") + std::to_string(f) + "\":{";
        auto cap = [](const std::string& type, const std::string& where) {
            return "\"" + type + "\":{\"type\":\"" + type +
                   "\",\"metadata_field\":false,\"searchable\":true,\"aggregatable\":true" +
                   (where.empty() ? "" : ",\"indices\":" + where) + "}";
        };
        if (f % 100 == 0)
            body += cap("keyword", older) + "," + cap("ip", newer);
        else if (f % 50 == 0)
            body += cap("long", older) + "," + cap("integer", newer);
        else
            body += cap("keyword", "");
        body += "}";
    }
    return body + "}}";
}

} // namespace

int main(int argc, char** argv) {
    const int indices = argc > 1 ? std::atoi(argv[1]) : 5000;
    const int fields = argc > 2 ? std::atoi(argv[2]) : 2000;
    std::string body = generate(indices, fields);
    if (argc > 3) {
        std::FILE* out = std::fopen(argv[3], "wb");
        if (out == nullptr || std::fwrite(body.data(), 1, body.size(), out) != body.size() ||
            std::fclose(out) != 0)
            return 2;
    }
    // The audit reads the answer's bytes in one pass (scan_field_caps): no document is built, so
    // "parse" is the scan and "analysis" what is left to do with its result (nothing).
    const double mib = static_cast<double>(body.size()) / (1024.0 * 1024.0);
    const double t0 = cpu_seconds();
    // Moved in, as the audit moves the HTTP answer in.
    const auto caps = esmend::playbooks::scan_field_caps(std::move(body));
    const double t1 = cpu_seconds();
    if (!caps)
        return 2;
    const auto& conflicts = caps->conflicts;
    const double t2 = cpu_seconds();
    std::printf("{\"bench\":\"field_caps\",\"indices\":%d,\"fields\":%d,\"response_mib\":%.1f,"
                "\"parse_cpu_s\":%.4f,\"analysis_cpu_s\":%.4f,\"conflicts\":%zu,"
                "\"peak_rss_mib\":%ld}\n",
                indices, fields, mib, t1 - t0, t2 - t1, conflicts.size(), peak_rss_mib());
    return conflicts.size() == static_cast<std::size_t>((fields + 99) / 100) ? 0 : 1;
}

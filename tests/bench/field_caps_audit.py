#!/usr/bin/env python3
"""scripts/bench (issue #9): the audit's conflict analysis written the plain Python way, with the
json module, over the same generated _field_caps response esmend's benchmark analyses: the fields
whose indices disagree on the Kibana field type (keyword vs ip is a conflict, long vs integer is
not; metadata fields and "unmapped" never make one). Prints one JSON line: parse and analysis CPU
seconds, conflicts found and peak RSS, measured as esmend's benchmark measures them.
"""
import json
import resource
import sys
import time

# Kibana's field type groups (KB packages/kbn-field-types), as esmend's kibana_type has them.
STRING = {"text", "match_only_text", "keyword", "version", "_id", "_type"}
NUMBER = {"float", "half_float", "scaled_float", "double", "integer", "long", "unsigned_long",
          "short", "byte", "token_count", "aggregate_metric_double"}


def kibana_type(es_type):
    if es_type in STRING:
        return "string"
    if es_type in NUMBER:
        return "number"
    if es_type in ("date", "date_nanos"):
        return "date"
    return es_type


def find_conflicts(caps):
    conflicts = []
    for name, by_type in caps.get("fields", {}).items():
        if not isinstance(by_type, dict) or len(by_type) < 2:
            continue
        kibana_types, types, unmapped, metadata = set(), [], [], False
        for es_type, info in by_type.items():
            metadata = metadata or info.get("metadata_field", False)
            indices = list(info.get("indices", []))
            if es_type == "unmapped":
                unmapped = indices
                continue
            kibana = kibana_type(es_type)
            kibana_types.add(kibana)
            types.append((es_type, kibana, indices))
        if metadata or len(kibana_types) < 2:
            continue
        conflicts.append({"field": name, "types": types, "unmapped": unmapped})
    conflicts.sort(key=lambda c: c["field"])
    return conflicts


def main():
    body = open(sys.argv[1], "rb").read()
    t0 = time.process_time()
    caps = json.loads(body)
    t1 = time.process_time()
    conflicts = find_conflicts(caps)
    t2 = time.process_time()
    print(json.dumps({"parse_cpu_s": round(t1 - t0, 4), "analysis_cpu_s": round(t2 - t1, 4),
                      "conflicts": len(conflicts),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()

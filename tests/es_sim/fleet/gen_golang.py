#!/usr/bin/env python3
"""Writes golang-0.4.0.json and golang-1.6.0.json: the Elasticsearch assets Fleet installs for
Elastic's golang package, in the shape es-sim's Fleet needs (tests/es_sim/src/kibana/fleet.cpp).

Run by hand when the sources change (es-sim embeds the JSON at build time and never reads
/work/shared at run time):  python3 tests/es_sim/fleet/gen_golang.py

Sources
- Field definitions: shared/fixtures/golang-integration/data_stream/*/fields/*.yml (1.6.0), turned
  into mappings as Fleet's template.ts generateMappings does (group -> object properties, keyword
  gets ignore_above 1024, unit -> meta.unit; metric_type only matters in TSDB mode).
- ECS fields: the heap ecs.yml list (golang-integration.md §1.3, EI ecs.yml@fb759a3) with ECS
  types (golang-integration.md §3). 0.4.0 leaves host.ip undeclared (the bug, EI#7240); 1.6.0
  declares host.ip as ip. 1.6.0 itself dropped its ECS definitions in favour of ES's ecs@mappings
  (changelog, EI PR#10171), whose ecs_ip dynamic template maps host.ip to ip; es-sim has no ES
  built-in ecs@mappings, so the 1.6.0 asset carries the explicit definitions 0.4.1-1.5.x shipped
  (EI PR#7494), which give the same mapping.
- Pipelines: golang-integration.md §2.3 (EI default.yml@6366e43; 0.4.0 used ecs.version 8.5.1).
  The final Painless script that drops null/empty values is left out because es-sim does not run
  Painless (unsourced deviation; the simulated agent never sends null or empty values, so the
  stored documents are the same).
"""
import json
import os
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "..", "..", "shared", "fixtures", "golang-integration")
if not os.path.isdir(FIXTURES):
    FIXTURES = "/work/shared/fixtures/golang-integration"

ECS_TYPES = {
    "ecs.version": {"type": "keyword", "ignore_above": 1024},
    "error.message": {"type": "match_only_text"},
    "event.agent_id_status": {"type": "keyword", "ignore_above": 1024},
    "event.created": {"type": "date"},
    "event.dataset": {"type": "keyword", "ignore_above": 1024},
    "event.ingested": {"type": "date"},
    "event.kind": {"type": "keyword", "ignore_above": 1024},
    "event.module": {"type": "keyword", "ignore_above": 1024},
    "event.original": {"type": "keyword", "index": False, "doc_values": False, "ignore_above": 1024},
    "event.type": {"type": "keyword", "ignore_above": 1024},
    "service.address": {"type": "keyword", "ignore_above": 1024},
    "host.ip": {"type": "ip"},
}


def leaf(field):
    t = field.get("type", "keyword")
    if t == "keyword":
        m = {"type": "keyword", "ignore_above": 1024}
    elif t == "integer":
        m = {"type": "long"}
    else:
        m = {"type": t}
    if field.get("unit"):
        m["meta"] = {"unit": field["unit"]}
    return m


def put(props, dotted, mapping):
    parts = dotted.split(".")
    for p in parts[:-1]:
        props = props.setdefault(p, {"properties": {}})["properties"]
    props[parts[-1]] = mapping


def add_fields(props, fields, prefix=""):
    for f in fields:
        name = prefix + f["name"]
        if f.get("external") == "ecs":
            continue  # handled by ECS_TYPES
        if f.get("type") == "group":
            add_fields(props, f.get("fields", []), name + ".")
        else:
            put(props, name, leaf(f))


def mappings(ds, version):
    props = {}
    base = os.path.join(FIXTURES, "data_stream", "heap", "fields", "base-fields.yml")
    add_fields(props, yaml.safe_load(open(base)))
    for name, m in ECS_TYPES.items():
        if name == "host.ip" and version == "0.4.0":
            continue
        put(props, name, dict(m))
    own = os.path.join(FIXTURES, "data_stream", ds, "fields", "fields.yml")
    add_fields(props, yaml.safe_load(open(own)))
    return {"properties": props}


HEAP_RENAMES = [
    ("json.memstats.HeapInuse", "allocations.active.bytes"),
    ("json.memstats.Frees", "allocations.frees.count"),
    ("json.memstats.HeapIdle", "allocations.idle.bytes"),
    ("json.memstats.HeapAlloc", "allocations.object.bytes"),
    ("json.memstats.HeapObjects", "allocations.object.count"),
    ("json.memstats.TotalAlloc", "allocations.total.bytes"),
    ("json.cmdline", "cmdline"),
    ("json.memstats.GCCPUFraction", "gc.cpu_fraction"),
    ("json.memstats.NextGC", "gc.next_gc_limit"),
    ("json.memstats.NumGC", "gc.total.count"),
    ("json.memstats.PauseTotalNs", "gc.pause.total.ns"),
    ("json.memstats.Mallocs", "mallocs.count"),
    ("json.memstats.HeapReleased", "system.released.bytes"),
    ("json.memstats.StackSys", "system.stack.bytes"),
    ("json.memstats.HeapSys", "system.total.bytes"),
]
EXPVAR_RENAMES = [
    ("json.memstats.BuckHashSys", "buck_hash_sys.bytes"),
    ("json.cmdline", "cmdline"),
    ("json.memstats.LastGC", "gc.last_finished.ns"),
    ("json.memstats.NumForcedGC", "gc.forced"),
    ("json.memstats.GCSys", "gc.metadata.memory.bytes"),
    ("json.memstats.MCacheInuse", "mcache.allocated.bytes"),
    ("json.memstats.MCacheSys", "mcache.obtained.bytes"),
    ("json.memstats.MSpanInuse", "mspan.allocated.bytes"),
    ("json.memstats.MSpanSys", "mspan.obtained.bytes"),
    ("json.memstats.OtherSys", "obtained.miscellaneous.bytes"),
    ("json.memstats.Sys", "obtained.total.bytes"),
    ("json.memstats.Lookups", "pointer.lookups"),
    ("json.memstats.StackInuse", "stack.bytes"),
]


def pipeline(ds, ecs_version):
    dataset = "golang." + ds
    procs = [
        {"set": {"field": "ecs.version", "value": ecs_version}},
        {"set": {"field": "event.dataset", "value": dataset}},
        {"set": {"field": "event.type", "value": ["info"]}},
        {"set": {"field": "event.kind", "value": "metric"}},
        {"set": {"field": "event.module", "value": "golang"}},
        {"rename": {"field": "message", "target_field": "event.original", "ignore_missing": True,
                    "if": "ctx.event?.original == null"}},
        {"json": {"field": "event.original", "target_field": "json",
                  "on_failure": [{"append": {"field": "error.message",
                                             "value": "{{{_ingest.on_failure_message}}}"}}]}},
    ]
    renames = HEAP_RENAMES if ds == "heap" else EXPVAR_RENAMES
    for src, dst in renames:
        procs.append({"rename": {"field": src, "target_field": dataset + "." + dst,
                                 "ignore_missing": True}})
    if ds == "heap":
        procs.append({"remove": {"field": "json", "ignore_missing": True}})
    else:
        procs.append({"remove": {"field": "json.memstats", "ignore_missing": True}})
        procs.append({"rename": {"field": "json", "target_field": "golang.expvar.custom",
                                 "ignore_missing": True}})
    procs.append({"remove": {"field": "event.original",
                             "if": "ctx.tags == null || !(ctx.tags.contains('preserve_original_event'))",
                             "ignore_failure": True, "ignore_missing": True}})
    return {
        "description": "Pipeline for parsing Golang " + ds + " metrics.",
        "processors": procs,
        "on_failure": [
            {"set": {"field": "error.message", "value": "{{{_ingest.on_failure_message}}}"}},
            {"append": {"field": "event.kind", "value": "pipeline_error"}},
        ],
    }


def package(version, ecs_version):
    streams = {}
    for ds in ("heap", "expvar"):
        streams[ds] = {
            "dataset": "golang." + ds,
            "type": "logs",
            "title": "Golang " + ("Heap" if ds == "heap" else "expvar") + " metrics",
            "vars": {"period": "10s", "tags": ["forwarded", "golang-" + ds],
                     "preserve_original_event": False},
            "mappings": mappings(ds, version),
            "pipeline": pipeline(ds, ecs_version),
        }
    return {
        "name": "golang",
        "title": "Golang",
        "version": version,
        "policy_template": "Golang",
        "input": {"type": "httpjson", "title": "Collect Golang metrics",
                  "vars": {"hostname": "http://localhost:6060", "path": "/debug/vars",
                           "enable_request_tracer": None, "username": None, "password": None,
                           "ssl": None}},
        "data_streams": streams,
    }


for version, ecs_version in (("0.4.0", "8.5.1"), ("1.6.0", "8.11.0")):
    with open(os.path.join(HERE, "golang-" + version + ".json"), "w") as out:
        json.dump(package(version, ecs_version), out, indent=1, sort_keys=False)
        out.write("\n")

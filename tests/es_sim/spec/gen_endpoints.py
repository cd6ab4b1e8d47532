#!/usr/bin/env python3
"""Generates es-sim's compact endpoint tables from Elasticsearch's rest-api-spec.

Usage: gen_endpoints.py <shared-dir> <out-dir>
Writes endpoints-8.19.json and endpoints-7.17.json: for each endpoint its paths, methods and query
parameter names, sorted so the output is stable. es_sim embeds these files at build time, and the
test SpecTable.GeneratedTablesMatchRestApiSpec checks (through endpoint_table.cpp's own reader of the
rest-api-spec files) that they have not drifted.
"""
import json
import os
import sys


def compact(spec_dir):
    table = {}
    for name in sorted(os.listdir(spec_dir)):
        if not name.endswith(".json") or name.startswith("_"):
            continue
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            doc = json.load(f)
        for endpoint, body in doc.items():
            paths = [{"path": p["path"], "methods": p["methods"]} for p in body["url"]["paths"]]
            table[endpoint] = {"paths": paths, "params": sorted(body.get("params", {}).keys())}
    return table


def main():
    shared, out = sys.argv[1], sys.argv[2]
    for version in ("8.19", "7.17"):
        table = compact(os.path.join(shared, "fixtures", "rest-api-spec", version))
        with open(os.path.join(out, f"endpoints-{version}.json"), "w", encoding="utf-8") as f:
            json.dump(table, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()

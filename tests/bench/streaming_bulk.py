#!/usr/bin/python3
"""scripts/bench (issue #9): the official Python client's helpers.streaming_bulk sending the very
documents esmend sent, read from the _bulk bodies recorded in esmend's run (action and source
lines), with the same batch size. Prints one JSON line: documents, wall seconds, docs/s.

Runs with Debian's /usr/bin/python3 and python3-elasticsearch (the 7.17 client), which checks that
the server is Elasticsearch (GET /: version and the X-elastic-product header) before it sends.
"""
import gzip
import json
import pathlib
import sys
import time

from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk


def actions(bulk_dir):
    """The recorded documents as streaming_bulk actions (op_type, index, id and source kept)."""
    out = []
    for body_file in sorted(pathlib.Path(bulk_dir).glob("*.body")):
        meta = body_file.with_suffix(".meta").read_text().split("\n")
        raw = body_file.read_bytes()
        if len(meta) > 2 and meta[2] == "gzip":
            raw = gzip.decompress(raw)
        lines = raw.decode().splitlines()
        for action_line, source_line in zip(lines[0::2], lines[1::2]):
            action = json.loads(action_line)
            op, target = next(iter(action.items()))
            doc = {"_op_type": op, "_index": target["_index"], "_source": json.loads(source_line)}
            if "_id" in target:
                doc["_id"] = target["_id"]
            out.append(doc)
    return out


def main():
    url, bulk_dir, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    docs = actions(bulk_dir)  # read before the clock starts, as the curl replay's bodies are
    client = Elasticsearch(url)
    ok = 0
    start = time.perf_counter()
    for success, _ in streaming_bulk(client, docs, chunk_size=chunk, raise_on_error=False,
                                      raise_on_exception=False):
        ok += success
    wall = time.perf_counter() - start
    print(json.dumps({"docs": len(docs), "ok": ok, "wall_s": round(wall, 3),
                      "docs_per_s": round(len(docs) / wall)}))
    return 0 if ok == len(docs) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""scripts/bench (issue #9): the raw _reindex calls a repair makes, timed on their own, as the
limit the repair's total wall time is compared with. Reads the repair's own plan (esmend repair
--dry-run --json) so that the requests are exactly the ones it sends, and runs them one after the
other with wait_for_completion=true:
  offline: create the temp index (untimed), then copy_out (stream -> temp) and copy_back
           (temp -> a fresh data stream of the same template, as the reinstalled one is);
  online:  create_1 (untimed), then copy_1 (the old backing index -> its new index).
Prints one JSON line: {"raw_s": seconds of the timed calls, "docs": documents created}.
"""
import json
import sys
import time
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=3600) as response:
        return json.loads(response.read() or b"{}")


def request_of(plan, step, path_part):
    """The request of `step` whose path holds `path_part` (a step may send more than one: the
    online copy refreshes its source first)."""
    for s in plan["steps"]:
        if s["name"] == step:
            for r in s["requests"]:
                if path_part in r["path"]:
                    return r
    raise SystemExit(f"raw_reindex: the plan has no {path_part} request in step {step}")


def reindex(base, request, dest=None):
    body = json.loads(json.dumps(request["body"]))
    if dest is not None:
        body["dest"]["index"] = dest
    path = request["path"].replace("wait_for_completion=false", "wait_for_completion=true")
    start = time.perf_counter()
    answer = call(base, request["method"], path, body)
    took = time.perf_counter() - start
    if answer.get("failures"):
        raise SystemExit(f"raw_reindex: failures: {answer['failures'][:3]}")
    return took, answer.get("created", 0)


def main():
    base, plan_file, strategy = sys.argv[1], sys.argv[2], sys.argv[3]
    plan = json.load(open(plan_file))
    if strategy == "offline":
        create = request_of(plan, "create_temp_index", "/")
        call(base, create["method"], create["path"], create.get("body"))
        out_s, out_docs = reindex(base, request_of(plan, "copy_out", "_reindex"))
        back_s, back_docs = reindex(base, request_of(plan, "copy_back", "_reindex"),
                                    plan["data_stream"] + "-rawcopy")
        result = {"raw_s": round(out_s + back_s, 3), "docs": out_docs,
                  "calls_s": [round(out_s, 3), round(back_s, 3)]}
        ok = out_docs == back_docs
    else:
        create = request_of(plan, "create_1", "/")
        call(base, create["method"], create["path"], create.get("body"))
        refresh = request_of(plan, "copy_1", "_refresh")
        call(base, refresh["method"], refresh["path"])
        copy_s, docs = reindex(base, request_of(plan, "copy_1", "_reindex"))
        result = {"raw_s": round(copy_s, 3), "docs": docs, "calls_s": [round(copy_s, 3)]}
        ok = docs > 0
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

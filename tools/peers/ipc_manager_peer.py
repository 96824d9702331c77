#!/usr/bin/python3
"""CPython peer of modules/ipc/manager_benchmark.cc.

Measures multiprocessing.Manager().dict() proxy calls from one client, the same
shape as the C++ benchmark:

  dict_get        d.get("key"): one round trip to the manager per call
                  (C++: BM_ManagerDictGet; also the per-item baseline of
                  BM_ManagerDictGetMany_100, since Python's DictProxy has no
                  batched get)
  dict_copy_100   d.copy() of a 100-key dict, per item: Python's nearest thing
                  to a batch (one round trip returns the whole dict)

Prints one JSON object per case per line, e.g.
  {"case": "dict_get", "ns_per_op": 45000.0, "ops": 10000}
where ns_per_op is the best of several repeats, each repeating calls until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/ipc_manager_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import argparse
import json
import multiprocessing
import time

REPEATS = 3
CHUNK = 100


def run_dict_get(d, min_time):
    d["key"] = 42
    best, ops = None, 0
    for _ in range(REPEATS):
        n = 0
        start = time.perf_counter()
        while True:
            for _ in range(CHUNK):
                d.get("key")
            n += CHUNK
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        per_op = elapsed * 1e9 / n
        if best is None or per_op < best:
            best, ops = per_op, n
    return best, ops


def run_dict_copy_100(d, min_time):
    d.update({"key%d" % i: i for i in range(100)})
    best, ops = None, 0
    for _ in range(REPEATS):
        n = 0
        start = time.perf_counter()
        while True:
            d.copy()
            n += 100
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        per_op = elapsed * 1e9 / n
        if best is None or per_op < best:
            best, ops = per_op, n
    return best, ops


CASES = {"dict_get": run_dict_get, "dict_copy_100": run_dict_copy_100}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--min-time", type=float, default=0.5)
    args = parser.parse_args()
    with multiprocessing.Manager() as manager:
        for case in args.case or sorted(CASES):
            d = manager.dict()
            ns, ops = CASES[case](d, args.min_time)
            print(json.dumps({"case": case, "ns_per_op": ns, "ops": ops}), flush=True)


if __name__ == "__main__":
    main()

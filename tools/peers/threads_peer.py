#!/usr/bin/python3
"""CPython peer of modules/threads/threads_benchmark.cc.

Measures, in CPython:

  thread_start_join  threading.Thread(target=f).start(); t.join(), per thread
                     (C++: BM_Thread_StartJoin)
  pool_map_trivial   list(ex.map(identity, range(N))) on a ThreadPoolExecutor of
                     2 workers kept open for the run, per item (C++: BM_ThreadPool_MapTrivial)

Prints one JSON object per case per line, e.g.
  {"case": "thread_start_join", "ns_per_op": 61234.5, "ops": 1000}
where ns_per_op is the best of several repeats, each repeating the workload until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/threads_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import argparse
import concurrent.futures
import json
import threading
import time

N = 1000  # Items per map call, as kMapItems in threads_benchmark.cc.
REPEATS = 5


def noop():
    pass


def identity(x):
    return x


def thread_start_join(_):
    t = threading.Thread(target=noop)
    t.start()
    t.join()
    return 1


def pool_map_trivial(ex):
    total = 0
    for r in ex.map(identity, range(N)):
        total += r
    return N


CASES = {"thread_start_join": thread_start_join, "pool_map_trivial": pool_map_trivial}


def measure(fn, min_time):
    """Returns (best ns per op, ops in that repeat) over REPEATS repeats."""
    best = None
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        fn(ex)  # Warm up (starts the pool's workers).
        for _ in range(REPEATS):
            ops = 0
            start = time.perf_counter_ns()
            deadline = start + int(min_time * 1e9)
            while True:
                ops += fn(ex)
                now = time.perf_counter_ns()
                if now >= deadline:
                    break
            ns_per_op = (now - start) / ops
            if best is None or ns_per_op < best[0]:
                best = (ns_per_op, ops)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help="one case (default: all)")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds per repeat (default: 0.2)")
    args = parser.parse_args()
    for name in [args.case] if args.case else sorted(CASES):
        ns_per_op, ops = measure(CASES[name], args.min_time)
        print(json.dumps({"case": name, "ns_per_op": round(ns_per_op, 3), "ops": ops}),
              flush=True)


if __name__ == "__main__":
    main()

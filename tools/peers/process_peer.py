#!/usr/bin/python3
"""CPython peer of modules/threads/process_benchmark.cc.

Measures what a process and a process-pool task cost in CPython:

  process_start_join        multiprocessing.get_context("spawn").Process start + join
                            of a target that returns at once (C++: BM_Process_StartJoin)
  process_start_join_fork   the same with the "fork" context, 3.11's default on Linux
                            (C++: BM_Process_StartJoinFork)
  pool_trivial_task         ProcessPoolExecutor(2), batches of 100 trivial tasks
                            submitted then awaited; time per task
                            (C++: BM_ProcessPool_TrivialTask)

Prints one JSON object per case per line, e.g.
  {"case": "process_start_join_fork", "ns_per_op": 1234567.8, "ops": 100}
where ns_per_op is the best of several repeats, each repeating the workload until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/process_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import argparse
import concurrent.futures
import json
import multiprocessing
import time

REPEATS = 3
BATCH = 100


def nothing():
    pass


def identity(x):
    return x


def start_join(method):
    ctx = multiprocessing.get_context(method)

    def run():
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
        return 1
    return run, None


def pool_trivial_task():
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=2)
    pool.submit(identity, 0).result()  # Start the workers outside the timing.

    def run():
        futures = [pool.submit(identity, i) for i in range(BATCH)]
        for f in futures:
            f.result()
        return BATCH
    return run, pool


CASES = {
    "process_start_join": lambda: start_join("spawn"),
    "process_start_join_fork": lambda: start_join("fork"),
    "pool_trivial_task": pool_trivial_task,
}


def measure(make, min_time):
    """Returns (best ns per op, ops in that repeat) over REPEATS repeats."""
    fn, resource = make()
    best = None
    try:
        for _ in range(REPEATS):
            ops = 0
            start = time.perf_counter_ns()
            deadline = start + int(min_time * 1e9)
            while True:
                ops += fn()
                now = time.perf_counter_ns()
                if now >= deadline:
                    break
            ns_per_op = (now - start) / ops
            if best is None or ns_per_op < best[0]:
                best = (ns_per_op, ops)
    finally:
        if resource is not None:
            resource.shutdown()
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

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

import concurrent.futures
import multiprocessing

import peer_util

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


def measure(name, min_time):
    """(best ns per op, ops in that repeat) over REPEATS repeats."""
    fn, resource = CASES[name]()
    try:
        return peer_util.best_of(REPEATS, fn, min_time)
    finally:
        if resource is not None:
            resource.shutdown()


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)

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

import concurrent.futures
import threading

import peer_util

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


def measure(name, min_time):
    """(best ns per op, ops in that repeat) over REPEATS repeats."""
    fn = CASES[name]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        fn(ex)  # Warm up (starts the pool's workers).
        return peer_util.best_of(REPEATS, lambda: fn(ex), min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)

#!/usr/bin/python3
"""CPython peer of modules/ipc/shared_value_benchmark.cc.

Two processes hammer the same multiprocessing.Value (or one element of the same
multiprocessing.Array) with locked increments, the same shape as the C++
benchmark:

  value_locked_inc   with v.get_lock(): v.value += 1   (C++: BM_Value_LockedIncrement_TwoProcesses)
  array_locked_inc   with a.get_lock(): a[0] += 1      (C++: BM_Array_LockedIncrement_TwoProcesses)

The parent and a child each do N increments after a common start signal; the
time per op is the wall time until both finished divided by 2N (one op = one
locked increment). N doubles until a run lasts --min-time seconds.

Prints one JSON object per case per line, e.g.
  {"case": "value_locked_inc", "ns_per_op": 1234.5, "ops": 200000}
where ns_per_op is the best of several repeats. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/ipc_value_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import multiprocessing
import time

import peer_util

REPEATS = 3


def inc_value(v, n):
    for _ in range(n):
        with v.get_lock():
            v.value += 1


def inc_array(a, n):
    for _ in range(n):
        with a.get_lock():
            a[0] += 1


def child(kind, obj, n, ready, go):
    ready.set()
    go.wait()
    (inc_value if kind == "value" else inc_array)(obj, n)


def run_once(kind, n):
    obj = multiprocessing.Value("i", 0) if kind == "value" else multiprocessing.Array("i", 4)
    ready, go = multiprocessing.Event(), multiprocessing.Event()
    p = multiprocessing.Process(target=child, args=(kind, obj, n, ready, go))
    p.start()
    ready.wait()
    start = time.perf_counter()
    go.set()
    (inc_value if kind == "value" else inc_array)(obj, n)
    p.join()
    elapsed = time.perf_counter() - start
    total = obj.value if kind == "value" else obj[0]
    assert total == 2 * n, (total, n)
    return elapsed


def run(kind, min_time):
    best, ops = None, 0
    for _ in range(REPEATS):
        n = 20000
        while True:
            elapsed = run_once(kind, n)
            if elapsed >= min_time:
                break
            n *= 2
        per_op = elapsed * 1e9 / (2 * n)
        if best is None or per_op < best:
            best, ops = per_op, 2 * n
    return best, ops


CASES = {"value_locked_inc": "value", "array_locked_inc": "array"}


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, lambda name, min_time: run(CASES[name], min_time),
                   default_min_time=0.5)

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

import multiprocessing

import peer_util

REPEATS = 3
CHUNK = 100


def run_dict_get(d, min_time):
    d["key"] = 42

    def step():
        for _ in range(CHUNK):
            d.get("key")
        return CHUNK

    return peer_util.best_of(REPEATS, step, min_time)


def run_dict_copy_100(d, min_time):
    d.update({"key%d" % i: i for i in range(100)})

    def step():
        d.copy()
        return 100

    return peer_util.best_of(REPEATS, step, min_time)


CASES = {"dict_get": run_dict_get, "dict_copy_100": run_dict_copy_100}


def measure_case(name, min_time):
    with multiprocessing.Manager() as manager:
        return CASES[name](manager.dict(), min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure_case, default_min_time=0.5)

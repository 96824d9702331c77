#!/usr/bin/python3
"""CPython peer of modules/marshalling/benchmarks/marshalling_benchmark.cc.

Measures CPython's pickle and shelve on the workloads of the C++ benchmark:

  pickle_million_ints    pickle.loads(pickle.dumps(list(range(1_000_000)))), per int
                         (C++: BM_Codec_DumpLoadMillionInts, the codec)
  pickle_small_records   the same for 100,000 tuples (i, i * 0.5, "record-<i>"), per record
                         (C++: BM_Codec_DumpLoadSmallRecords)
  pickle_load_million_ints
                         pickle.loads of pickle.dumps(list(range(1_000_000)), 4), per int
                         (C++: BM_Pickle_LoadMillionIntsFromPython, the same bytes)
  shelve_writes_then_random_reads
                         shelve.open(path, "n"): 100,000 db[str(i)] = (i, i * 0.5, "record"),
                         then 100,000 reads in a shuffled order, per operation
                         (C++: BM_Shelf_WritesThenRandomReads); shelve is on dbm.ndbm here

Prints one JSON object per case per line, e.g.
  {"case": "pickle_million_ints", "ns_per_op": 23.4, "ops": 1000000}
Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/marshalling_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import os
import pickle
import random
import shelve
import shutil
import tempfile

import peer_util

MILLION = 1_000_000
RECORDS = 100_000
SHELF_OPS = 100_000
REPEATS = 3

INTS = list(range(MILLION))
TUPLES = [(i, i * 0.5, "record-%d" % i) for i in range(RECORDS)]
PICKLED_INTS = pickle.dumps(INTS, 4)


def pickle_million_ints():
    pickle.loads(pickle.dumps(INTS))
    return MILLION


def pickle_small_records():
    pickle.loads(pickle.dumps(TUPLES))
    return RECORDS


def pickle_load_million_ints():
    pickle.loads(PICKLED_INTS)
    return MILLION


def shelve_writes_then_random_reads():
    directory = tempfile.mkdtemp(prefix="conc-shelve-")
    try:
        keys = [str(i) for i in range(SHELF_OPS)]
        order = list(range(SHELF_OPS))
        random.Random(42).shuffle(order)
        with shelve.open(os.path.join(directory, "bench"), "n") as db:
            for i in range(SHELF_OPS):
                db[keys[i]] = (i, i * 0.5, "record")
            total = 0
            for i in order:
                total += db[keys[i]][0]
    finally:
        shutil.rmtree(directory)
    return 2 * SHELF_OPS


CASES = {
    "pickle_million_ints": pickle_million_ints,
    "pickle_small_records": pickle_small_records,
    "pickle_load_million_ints": pickle_load_million_ints,
    "shelve_writes_then_random_reads": shelve_writes_then_random_reads,
}


def measure(name, min_time):
    """(best ns per item, items in that repeat) over REPEATS repeats."""
    return peer_util.best_of(REPEATS, CASES[name], min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)

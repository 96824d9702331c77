#!/usr/bin/python3
"""CPython peer of modules/marshalling/benchmarks/{json,msgpack}_benchmark.cc.

Measures the file formats of the marshalling chapter on the ~10 MB document that
modules/marshalling/benchmarks/bench_document.cc makes (the same recipe here):

  json_loads         json.loads of the document's text   (C++: BM_Json_Parse)
  json_dumps         json.dumps of the document          (C++: BM_Json_Dump)
  msgpack_roundtrip  msgpack.unpackb(msgpack.packb(doc)) (C++: BM_Msgpack_RoundTrip)

Prints one JSON object per case per line, e.g.
  {"case": "json_loads", "ns_per_op": 81234567.0, "ops": 3}
where one op is one whole document and ns_per_op is the best of several repeats.
Run with Debian's interpreter (python3-msgpack):
  /usr/bin/python3 tools/peers/marshalling_formats_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import json

import msgpack

import peer_util

RECORDS = 65536  # kBenchRecords in bench_document.h
REPEATS = 3


def make_document():
    records = []
    for i in range(RECORDS):
        records.append({
            "id": i,
            "name": "user-%d" % i,
            "score": i * 0.5 + 0.25,
            "active": i % 3 == 0,
            "tags": ["t%d" % (i % 7), "shared"],
            "address": {"city": "city-%d" % (i % 100), "zip": "%05d" % i},
        })
    return {"records": records, "meta": {"version": 1, "note": "conc marshalling benchmark"}}


DOC = make_document()
TEXT = json.dumps(DOC)


def json_loads():
    json.loads(TEXT)


def json_dumps():
    json.dumps(DOC)


def msgpack_roundtrip():
    msgpack.unpackb(msgpack.packb(DOC))


CASES = {"json_loads": json_loads, "json_dumps": json_dumps, "msgpack_roundtrip": msgpack_roundtrip}


def measure(name, min_time):
    """(best ns per document, documents in that repeat) over REPEATS repeats."""
    fn = CASES[name]

    def step():
        fn()
        return 1
    return peer_util.best_of(REPEATS, step, min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)

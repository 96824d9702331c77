// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// bench_document.h: the ~10 MB document the JSON and MsgPack benchmarks use, made
// deterministically, record by record as tools/peers/marshalling_formats_peer.py
// makes it for CPython (the two recipes must stay the same):
//
//   {"records": [{"id": i, "name": "user-<i>", "score": i * 0.5 + 0.25,
//                 "active": i % 3 == 0, "tags": ["t<i % 7>", "shared"],
//                 "address": {"city": "city-<i % 100>", "zip": "<i, 5 digits>"}},
//                ... kBenchRecords of them],
//    "meta": {"version": 1, "note": "conc marshalling benchmark"}}

#ifndef MODULES_MARSHALLING_BENCHMARKS_BENCH_DOCUMENT_H_
#define MODULES_MARSHALLING_BENCHMARKS_BENCH_DOCUMENT_H_

#include <cstdint>

#include "modules/marshalling/pickle.h"

namespace conc {

inline constexpr int64_t kBenchRecords = 65536;

PyValue MakeBenchDocument();

}  // namespace conc

#endif  // MODULES_MARSHALLING_BENCHMARKS_BENCH_DOCUMENT_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// MsgPack round trip (packb then unpackb) of the ~10 MB document of
// bench_document.h, beside python3-msgpack (tools/peers/marshalling_formats_peer.py).
// The heap is kept between round trips, as in json_benchmark.cc (see there).

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <string>

#include "modules/marshalling/benchmarks/bench_document.h"
#include "modules/marshalling/msgpack.h"

namespace conc {
namespace {

void BM_Msgpack_RoundTrip(benchmark::State& state) {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  static const PyValue* doc = new PyValue(MakeBenchDocument());
  for (auto _ : state) {
    absl::StatusOr<std::string> bytes = MsgpackDumps(*doc);
    absl::StatusOr<PyValue> back =
        bytes.ok() ? MsgpackLoads(*bytes) : absl::StatusOr<PyValue>(bytes.status());
    if (!back.ok()) state.SkipWithError("round trip failed");
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_Msgpack_RoundTrip)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// What the allocation hooks cost: one `new`/`delete` of 64 bytes,
//   - in new_delete_baseline_benchmark: the C++ runtime's own operator new
//     (the machine's limit for this row);
//   - in new_delete_benchmark (linked with //modules/profiling:alloc_hooks):
//     counting off, an AllocationScope on this thread, ProcessAllocations
//     started, AllocationSites started.
//
//   bazel run //modules/profiling/benchmarks:new_delete_baseline_benchmark
//   bazel run //modules/profiling/benchmarks:new_delete_benchmark

#include <benchmark/benchmark.h>

#include "modules/profiling/alloc_tracker.h"

namespace {

void NewDelete(benchmark::State& state) {
  for (auto _ : state) {
    char* p = new char[64];
    benchmark::DoNotOptimize(p);
    delete[] p;
  }
}

void BM_NewDelete_Off(benchmark::State& state) { NewDelete(state); }
BENCHMARK(BM_NewDelete_Off);

void BM_NewDelete_ThreadScope(benchmark::State& state) {
  if (!conc::AllocationHooksLinked()) {
    state.SkipWithError("built without alloc_hooks");
    return;
  }
  conc::AllocationScope scope;
  NewDelete(state);
}
BENCHMARK(BM_NewDelete_ThreadScope);

void BM_NewDelete_ProcessWide(benchmark::State& state) {
  if (!conc::AllocationHooksLinked()) {
    state.SkipWithError("built without alloc_hooks");
    return;
  }
  conc::ProcessAllocations::Start();
  NewDelete(state);
  conc::ProcessAllocations::Stop();
}
BENCHMARK(BM_NewDelete_ProcessWide);

void BM_NewDelete_Sites(benchmark::State& state) {
  if (!conc::AllocationHooksLinked()) {
    state.SkipWithError("built without alloc_hooks");
    return;
  }
  conc::AllocationSites::Reset();
  conc::AllocationSites::Start();
  NewDelete(state);
  conc::AllocationSites::Stop();
}
BENCHMARK(BM_NewDelete_Sites);

}  // namespace

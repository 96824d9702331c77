// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// What starting and joining a thread costs, and the per-task overhead of a
// ThreadPoolExecutor's map, next to std::thread (the floor for the first).
// The CPython peer is tools/peers/threads_peer.py; run both with
// `bazel run //tools/bench:ratios -- --chapter=threads`.

#include <cstdint>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/threads/thread.h"
#include "modules/threads/thread_pool_executor.h"

namespace {

// Items per map call (as N in threads_peer.py's pool_map_trivial).
constexpr int kMapItems = 1000;

int Identity(int x) { return x; }

// conc::Thread(target).start() + join(): Python's Thread(target=f).start(); join().
void BM_Thread_StartJoin(benchmark::State& state) {
  for (auto _ : state) {
    conc::Thread t([] {});
    if (!t.start().ok() || !t.join().ok()) state.SkipWithError("start/join failed");
  }
}
BENCHMARK(BM_Thread_StartJoin)->UseRealTime();

// The floor: std::thread start + join, no registry, no names.
void BM_StdThread_StartJoin(benchmark::State& state) {
  for (auto _ : state) {
    std::thread t([] {});
    t.join();
  }
}
BENCHMARK(BM_StdThread_StartJoin)->UseRealTime();

// ThreadPoolExecutor.map over kMapItems inputs with a trivial task, results
// consumed in order; per item. One pool for the whole run (workers warm), as
// the peer does.
void BM_ThreadPool_MapTrivial(benchmark::State& state) {
  conc::ThreadPoolExecutor pool(2);
  std::vector<int> inputs(kMapItems);
  for (int i = 0; i < kMapItems; ++i) inputs[i] = i;
  for (auto _ : state) {
    int64_t sum = 0;
    for (absl::StatusOr<int> r : pool.map(Identity, inputs)) {
      if (r.ok()) sum += *r;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kMapItems);
}
BENCHMARK(BM_ThreadPool_MapTrivial)->UseRealTime();

}  // namespace

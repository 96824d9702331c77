// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// What one generator resumption costs, next to the plain loop that is its
// physical floor. The CPython peer is tools/peers/generators_peer.py; run both
// with `bazel run //tools/bench:ratios -- --chapter=generators`.

#include <cstdint>

#include "benchmark/benchmark.h"
#include "modules/generators/generator.h"

namespace {

// Items per benchmark iteration. A constant rather than ->Arg() so that the
// benchmark names stay exactly BM_Generator_Resume and BM_PlainLoop, the names
// ratios.json refers to.
constexpr int64_t kN = 1 << 16;

conc::Generator<int64_t> count_to(int64_t n) {
  for (int64_t i = 0; i < n; ++i) co_yield i;
}

conc::Generator<uint64_t> fib_gen(int n) {
  uint64_t a = 0, b = 1;
  for (int i = 0; i < n; ++i) {
    co_yield a;
    b = a + b;
    a = b - a;
  }
}

// One resumption per item: the generator yields 0..N-1, the consumer sums.
void BM_Generator_Resume(benchmark::State& state) {
  const int64_t n = kN;
  for (auto _ : state) {
    int64_t sum = 0;
    for (int64_t v : count_to(n)) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Generator_Resume);

// The same sum without a generator: what the loop itself costs.
void BM_PlainLoop(benchmark::State& state) {
  const int64_t n = kN;
  for (auto _ : state) {
    int64_t sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      sum += i;
      benchmark::DoNotOptimize(sum);  // Keeps the loop a loop (no closed form).
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_PlainLoop);

// Creating a generator (one frame allocation) and draining 20 Fibonacci numbers.
void BM_Generator_Fib(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint64_t v : fib_gen(20)) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 20);
}
BENCHMARK(BM_Generator_Fib);

}  // namespace

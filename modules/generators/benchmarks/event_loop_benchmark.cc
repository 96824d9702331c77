// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// What the event loop's basic operations cost: running one call_soon
// callback; creating, running and completing one task; and one timer, a task
// sleeping a random time among 100,000 others. The CPython peer is
// tools/peers/asyncio_peer.py (asyncio's default loop, and uvloop for
// call_soon); run them side by side with
// `bazel run //tools/bench:ratios -- --chapter=generators`.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace {

// Operations per benchmark iteration (as N in asyncio_peer.py). A constant,
// not ->Arg(), so the names stay exactly those in ratios.json. Every case
// uses real time, as the peer's perf_counter does: on a busy machine CPU time
// would flatter the C++ side.
constexpr int kN = 1000;

std::unique_ptr<conc::EventLoop> NewLoop(benchmark::State& state) {
  auto loop = conc::EventLoop::Create();
  if (!loop.ok()) {
    state.SkipWithError("EventLoop::Create failed");
    return nullptr;
  }
  return std::move(*loop);
}

// kN callbacks scheduled with call_soon, then one run_forever that runs them;
// the last one stops the loop. Per callback.
void BM_CallSoon(benchmark::State& state) {
  auto loop = NewLoop(state);
  if (!loop) return;
  int64_t count = 0;
  for (auto _ : state) {
    for (int i = 0; i < kN - 1; ++i) loop->call_soon([&count] { ++count; });
    loop->call_soon([&] {
      ++count;
      loop->stop();
    });
    if (!loop->run_forever(absl::Seconds(60)).ok()) {
      state.SkipWithError("run_forever failed");
      return;
    }
  }
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_CallSoon)->UseRealTime();

conc::Task<int> noop(int i) { co_return i; }

conc::Task<int64_t> create_and_await_all() {
  std::vector<conc::Task<int>> tasks;
  tasks.reserve(kN);
  for (int i = 0; i < kN; ++i) tasks.push_back(conc::create_task(*conc::EventLoop::current(), noop(i)));
  int64_t sum = 0;
  for (auto& t : tasks) sum += co_await t;
  co_return sum;
}

// A main task creates kN tasks (create_task), then awaits each: per task, one
// frame allocation, one step, completion and the wake-up of the awaiter.
void BM_Task_CreateRunComplete(benchmark::State& state) {
  auto loop = NewLoop(state);
  if (!loop) return;
  for (auto _ : state) {
    absl::StatusOr<int64_t> sum = loop->run_until_complete(create_and_await_all(), absl::Seconds(60));
    if (!sum.ok()) {
      state.SkipWithError("run_until_complete failed");
      return;
    }
    benchmark::DoNotOptimize(*sum);
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_Task_CreateRunComplete)->UseRealTime();

// Sleeps per iteration (as TIMERS in asyncio_peer.py).
constexpr int kTimers = 100000;

conc::Task<void> random_sleeps(const std::vector<absl::Duration>& delays) {
  std::vector<conc::Task<void>> tasks;
  tasks.reserve(delays.size());
  for (absl::Duration d : delays) tasks.push_back(conc::create_task(*conc::EventLoop::current(), conc::sleep_task(d)));
  for (auto& t : tasks) co_await t;
}

// A main task creates kTimers tasks, each `co_await conc::sleep(d)` with d
// uniform in [0, 10 ms) (a fixed seed, in microsecond steps), then awaits
// each. Per sleep, from the first create_task to the last wake-up: the timer
// heap's push and pop, the task's creation and completion, and the epoll_wait
// calls in between. The longest sleep (~10 ms) is a floor of ~100 ns per sleep.
void BM_Timers_RandomSleeps(benchmark::State& state) {
  auto loop = NewLoop(state);
  if (!loop) return;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> micros(0, 9999);
  std::vector<absl::Duration> delays(kTimers);
  for (absl::Duration& d : delays) d = absl::Microseconds(micros(rng));
  for (auto _ : state) {
    if (!loop->run_until_complete(random_sleeps(delays), absl::Seconds(60)).ok()) {
      state.SkipWithError("run_until_complete failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Timers_RandomSleeps)->UseRealTime();

}  // namespace

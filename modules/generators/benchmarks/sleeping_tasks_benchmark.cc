// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// What a sleeping task costs in memory: 1,000,000 tasks, each parked in
// `co_await conc::sleep(500 ms)` at once, then all of them finishing. gevent's
// point (massive I/O concurrency) is that a waiting task must be cheap; the
// CPython peer is tools/peers/asyncio_peer.py's sleeping_tasks_memory. Run
// side by side with `bazel run //tools/bench:ratios -- --chapter=generators`.
//
// The number is bytes, not time: the growth of the resident set (VmRSS, what
// the peer measures too) divided by the tasks, reported in the counter `value`
// that //tools/bench:ratios reads for a row with a "unit". The heap bytes the
// tasks hold (alloc_tracker: malloc's usable sizes, without its headers) are
// the counter `heap_bytes_per_task`. One iteration in a fresh process: a
// second would reuse the first one's freed memory and show no growth.

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/profiling/alloc_tracker.h"

namespace {

constexpr int kSleepers = 1000000;  // as SLEEPERS in asyncio_peer.py

// Resident bytes of this process (/proc/self/statm, second field).
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

struct Measured {
  int64_t rss_growth = 0;
  int64_t heap_bytes = 0;
  int64_t finished = 0;
};

conc::Task<void> parked(int64_t* finished) {
  co_await conc::sleep(absl::Milliseconds(500));
  ++*finished;
}

conc::Task<void> sleeping_tasks(Measured* m) {
  conc::EventLoop& loop = *conc::EventLoop::current();
  const int64_t before = ResidentBytes();
  std::vector<conc::Task<void>> tasks;
  {
    conc::AllocationScope scope;
    for (int i = 0; i < kSleepers; ++i) tasks.push_back(conc::create_task(loop, parked(&m->finished)));
    // Every task's first step runs in the next iteration, before ours: after
    // this yield each one is parked in its sleep.
    co_await conc::sleep(absl::ZeroDuration());
    m->heap_bytes = scope.stats().live_bytes();
  }
  m->rss_growth = ResidentBytes() - before;
  for (auto& t : tasks) co_await t;
}

void BM_SleepingTasks_Memory(benchmark::State& state) {
  auto loop = conc::EventLoop::Create();
  if (!loop.ok()) {
    state.SkipWithError("EventLoop::Create failed");
    return;
  }
  Measured m;
  for (auto _ : state) {
    if (!(*loop)->run_until_complete(sleeping_tasks(&m), absl::Seconds(120)).ok()) {
      state.SkipWithError("run_until_complete failed");
      return;
    }
  }
  if (m.finished != kSleepers) {
    state.SkipWithError("not every sleeping task finished");
    return;
  }
  state.counters["value"] = static_cast<double>(m.rss_growth) / kSleepers;
  state.counters["heap_bytes_per_task"] = static_cast<double>(m.heap_bytes) / kSleepers;
  state.SetItemsProcessed(kSleepers);
}
BENCHMARK(BM_SleepingTasks_Memory)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_sync_benchmark: the uncontended fast paths of the process-shared
// Semaphore and Event next to the thread versions of modules/sync. Both are
// one atomic read-modify-write on a shared word per call when nobody waits, so
// the process-shared ones should cost about the same (no system call).

#include <cstdlib>

#include "benchmark/benchmark.h"
#include "modules/ipc/mp_event.h"
#include "modules/ipc/mp_semaphore.h"
#include "modules/sync/event.h"
#include "modules/sync/semaphore.h"

namespace {

void BM_MpSemaphore_AcquireRelease(benchmark::State& state) {
  absl::StatusOr<conc::mp::Semaphore> s = conc::mp::Semaphore::Create(1);
  if (!s.ok()) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(s->acquire());
    benchmark::DoNotOptimize(s->release());
  }
}
BENCHMARK(BM_MpSemaphore_AcquireRelease);

void BM_Semaphore_AcquireRelease(benchmark::State& state) {
  conc::Semaphore s(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.acquire());
    benchmark::DoNotOptimize(s.release());
  }
}
BENCHMARK(BM_Semaphore_AcquireRelease);

void BM_MpBoundedSemaphore_AcquireRelease(benchmark::State& state) {
  absl::StatusOr<conc::mp::BoundedSemaphore> s = conc::mp::BoundedSemaphore::Create(1);
  if (!s.ok()) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(s->acquire());
    benchmark::DoNotOptimize(s->release());
  }
}
BENCHMARK(BM_MpBoundedSemaphore_AcquireRelease);

void BM_MpEvent_SetClear(benchmark::State& state) {
  absl::StatusOr<conc::mp::Event> e = conc::mp::Event::Create();
  if (!e.ok()) std::abort();
  for (auto _ : state) {
    e->set();
    e->clear();
  }
  benchmark::DoNotOptimize(e->is_set());
}
BENCHMARK(BM_MpEvent_SetClear);

void BM_Event_SetClear(benchmark::State& state) {
  conc::Event e;
  for (auto _ : state) {
    e.set();
    e.clear();
  }
  benchmark::DoNotOptimize(e.is_set());
}
BENCHMARK(BM_Event_SetClear);

}  // namespace

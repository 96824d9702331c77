// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_value_benchmark: locked increments of one mp::Value<int> (and of one
// element of an mp::Array<int>) by two processes hammering the same object.
// This process increments in the benchmark loop; a spawned child increments
// as fast as it can while the loop runs and reports how many it did. Items
// processed = both processes' increments, so ns per item = wall time / total
// increments. Peer: tools/peers/ipc_value_peer.py (multiprocessing.Value and
// Array, the same shape).
//
// The rows of ratios.json use the line-by-line translation of Python's
//   with v.get_lock(): v.value += 1
// (get_lock + value() + set_value(): one RLock acquire and two re-entrant
// ones, as Python's synchronized wrapper does); the WithLock variants show
// the C++ spelling, one acquire.
//
// main() is //modules/threads/benchmarks:process_benchmark_main (spawned children go
// through conc::ProcessMain first).

#include <sched.h>

#include <cstdint>
#include <cstdlib>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/ipc/shared_array.h"
#include "modules/ipc/shared_value.h"
#include "modules/threads/process.h"

namespace {

enum Mode : int { kValueLiteral = 0, kValueWithLock = 1, kArrayLiteral = 2, kArrayWithLock = 3 };

// ctl[0]: phase (0 wait, 1 run, 2 stop); ctl[1]: the child's count; ctl[2]: ready.
constexpr size_t kPhase = 0, kCount = 1, kReady = 2;

inline void Increment(Mode mode, conc::mp::Value<int>& v, conc::mp::Array<int>& a) {
  switch (mode) {
    case kValueLiteral: {
      conc::mp::ScopedAcquire g(v.get_lock());  // with v.get_lock():
      v.set_value(v.value() + 1);               //     v.value += 1
      break;
    }
    case kValueWithLock:
      (void)v.with_lock([](int& x) { ++x; });
      break;
    case kArrayLiteral: {
      conc::mp::ScopedAcquire g(a.get_lock());  // with a.get_lock():
      (void)a.set(0, *a.get(0) + 1);            //     a[0] += 1
      break;
    }
    case kArrayWithLock:
      (void)a.with_lock([](std::span<int> s) { ++s[0]; });
      break;
  }
}

}  // namespace

// The other process: increments while the phase is "run", then reports.
void bench_hammer(conc::mp::ValueHandle v_h, conc::mp::ArrayHandle a_h, conc::mp::ArrayHandle ctl_h,
                  int mode) {
  auto v = conc::mp::Value<int>::Attach(v_h);
  auto a = conc::mp::Array<int>::Attach(a_h);
  auto ctl = conc::mp::RawArray<int64_t>::Attach(ctl_h);
  if (!v.ok() || !a.ok() || !ctl.ok()) std::exit(2);
  (void)ctl->set(kReady, 1);
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (*ctl->get(kPhase) == 0) {
    if (absl::Now() > give_up) std::exit(3);
    sched_yield();
  }
  int64_t n = 0;
  while (*ctl->get(kPhase) == 1) {
    Increment(static_cast<Mode>(mode), *v, *a);
    ++n;
  }
  (void)ctl->set(kCount, n);
}
CONC_PROCESS_FUNCTION(bench_hammer);

namespace {

void RunTwoProcesses(benchmark::State& state, Mode mode) {
  auto v = conc::mp::Value<int>::Create(0);
  auto a = conc::mp::Array<int>::Create(4);
  auto ctl = conc::mp::RawArray<int64_t>::Create(3);
  if (!v.ok() || !a.ok() || !ctl.ok()) return state.SkipWithError("Create failed");
  std::vector<int> fds = v->fds_to_pass();
  fds.push_back(a->handle().fd);
  fds.push_back(ctl->handle().fd);
  conc::Process child({.pass_fds = fds}, conc::process_function<bench_hammer>, v->handle(),
                      a->handle(), ctl->handle(), static_cast<int>(mode));
  if (!child.start().ok()) return state.SkipWithError("spawn failed");
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (*ctl->get(kReady) == 0 && absl::Now() < give_up) sched_yield();
  (void)ctl->set(kPhase, 1);
  for (auto _ : state) Increment(mode, *v, *a);
  (void)ctl->set(kPhase, 2);
  if (!child.join(absl::Seconds(60)).ok() || child.exitcode() != 0) {
    return state.SkipWithError("child failed");
  }
  const int64_t total = state.iterations() + *ctl->get(kCount);
  const int64_t seen = mode <= kValueWithLock ? v->value() : *a->get(0);
  if (seen != total) return state.SkipWithError("lost an update under the lock");
  state.SetItemsProcessed(total);
}

void BM_Value_LockedIncrement_TwoProcesses(benchmark::State& state) {
  RunTwoProcesses(state, kValueLiteral);
}
BENCHMARK(BM_Value_LockedIncrement_TwoProcesses)->UseRealTime();

void BM_Value_WithLock_TwoProcesses(benchmark::State& state) {
  RunTwoProcesses(state, kValueWithLock);
}
BENCHMARK(BM_Value_WithLock_TwoProcesses)->UseRealTime();

void BM_Array_LockedIncrement_TwoProcesses(benchmark::State& state) {
  RunTwoProcesses(state, kArrayLiteral);
}
BENCHMARK(BM_Array_LockedIncrement_TwoProcesses)->UseRealTime();

void BM_Array_WithLock_TwoProcesses(benchmark::State& state) {
  RunTwoProcesses(state, kArrayWithLock);
}
BENCHMARK(BM_Array_WithLock_TwoProcesses)->UseRealTime();

// One process, no contention: the floor of a locked increment.
void BM_Value_LockedIncrement_OneProcess(benchmark::State& state) {
  auto v = conc::mp::Value<int>::Create(0);
  if (!v.ok()) return state.SkipWithError("Create failed");
  for (auto _ : state) {
    conc::mp::ScopedAcquire g(v->get_lock());
    v->set_value(v->value() + 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Value_LockedIncrement_OneProcess);

}  // namespace

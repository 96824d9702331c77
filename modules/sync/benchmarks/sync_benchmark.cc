// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// sync_benchmark: the primitives' hot paths, next to their physical limits.
//
//   BM_Lock_AcquireRelease / BM_StdMutex_LockUnlock   uncontended, one thread
//   BM_Event_PingPong_{One,Two}Cpu(s)                 round trip via two Events
//   BM_Condition_PingPong_{One,Two}Cpu(s)             round trip via notify/wait
//   BM_Futex_PingPong_OneCpu                          limit: bare futex wait/wake
//   BM_Spin_PingPong_TwoCpus                          limit: a cache line bouncing
//
// A ping-pong pins the benchmark thread and a partner thread either both to one
// CPU or to two different CPUs (pthread_setaffinity_np), and restores the
// benchmark thread's mask afterwards. CPython's counterparts are in
// tools/peers/sync_peer.py; `bazel run //tools/bench:ratios -- --chapter=sync`
// runs both and prints the ratios.

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/common/timeout.h"
#include "modules/sync/condition.h"
#include "modules/sync/event.h"
#include "modules/common/internal/futex.h"
#include "modules/common/internal/spin.h"
#include "modules/sync/lock.h"

namespace conc {
namespace {

// glibc's pthread_mutex_lock (under std::mutex) skips its atomics while the
// process has only one thread (`__libc_single_threaded`). A lock exists for
// programs with threads: start (and join) one before any benchmark runs, so
// both locks are measured as they run in such a program.
const bool kProcessIsMultiThreaded = [] {
  std::thread([] {}).join();
  return true;
}();

void BM_StdMutex_LockUnlock(benchmark::State& state) {
  std::mutex mu;
  for (auto _ : state) {
    mu.lock();
    mu.unlock();
  }
}
BENCHMARK(BM_StdMutex_LockUnlock);

void BM_Lock_AcquireRelease(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lock.acquire());
    benchmark::DoNotOptimize(lock.release());
  }
}
BENCHMARK(BM_Lock_AcquireRelease);

// The CPUs this process may use, in order.
std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof(set), &set);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// Runs `ping` per iteration against a partner thread running `serve` until it
// returns false; `stop` makes the partner's next serve() return false.
template <typename Game>
void PingPong(benchmark::State& state, bool two_cpus) {
  const std::vector<int> cpus = AllowedCpus();
  if (two_cpus && cpus.size() < 2) {
    state.SkipWithError("needs two CPUs");
    return;
  }
  cpu_set_t saved;
  pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
  const int mine = cpus[0];
  const int theirs = two_cpus ? cpus[1] : cpus[0];
  Game game;
  std::thread partner([&] {
    PinTo(theirs);
    while (game.serve()) {
    }
  });
  PinTo(mine);
  for (auto _ : state) game.ping();
  game.stop();
  partner.join();
  pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
  state.SetItemsProcessed(state.iterations());
}

struct EventGame {
  Event ping_e, pong_e;
  std::atomic<bool> stopping{false};
  void ping() {
    ping_e.set();
    (void)pong_e.wait();
    pong_e.clear();
  }
  bool serve() {
    (void)ping_e.wait();
    ping_e.clear();
    if (stopping.load(std::memory_order_relaxed)) return false;
    pong_e.set();
    return true;
  }
  void stop() {
    stopping = true;
    ping_e.set();
  }
};

struct ConditionGame {
  Lock lock;
  Condition c{lock};
  int turn = 0;          // guarded by lock: 1 = the partner's turn
  bool stopping = false;  // guarded by lock
  void ping() {
    ScopedAcquire guard(c);
    turn = 1;
    (void)c.notify();
    while (turn == 1) (void)c.wait();
  }
  bool serve() {
    ScopedAcquire guard(c);
    while (turn == 0 && !stopping) (void)c.wait();
    if (stopping) return false;
    turn = 0;
    (void)c.notify();
    return true;
  }
  void stop() {
    ScopedAcquire guard(c);
    stopping = true;
    (void)c.notify_all();
  }
};

// The limit on one CPU: a bare futex hand-off, nothing else.
struct FutexGame {
  std::atomic<uint32_t> word{0};  // 1: the partner's turn; 2: stop
  void ping() {
    word.store(1, std::memory_order_release);
    internal::FutexWake(&word, 1, internal::FutexScope::kPrivate);
    while (word.load(std::memory_order_acquire) == 1) {
      internal::FutexWait(&word, 1, Deadline::Infinite(), internal::FutexScope::kPrivate);
    }
  }
  bool serve() {
    uint32_t w;
    while ((w = word.load(std::memory_order_acquire)) == 0) {
      internal::FutexWait(&word, 0, Deadline::Infinite(), internal::FutexScope::kPrivate);
    }
    if (w == 2) return false;
    word.store(0, std::memory_order_release);
    internal::FutexWake(&word, 1, internal::FutexScope::kPrivate);
    return true;
  }
  void stop() {
    word.store(2, std::memory_order_release);
    internal::FutexWake(&word, 1, internal::FutexScope::kPrivate);
  }
};

// The limit on two CPUs: both threads spin on one cache line.
struct SpinGame {
  std::atomic<uint32_t> word{0};
  void ping() {
    word.store(1, std::memory_order_release);
    while (word.load(std::memory_order_acquire) == 1) internal::CpuRelax();
  }
  bool serve() {
    uint32_t w;
    while ((w = word.load(std::memory_order_acquire)) == 0) internal::CpuRelax();
    if (w == 2) return false;
    word.store(0, std::memory_order_release);
    return true;
  }
  void stop() { word.store(2, std::memory_order_release); }
};

void BM_Event_PingPong_OneCpu(benchmark::State& s) { PingPong<EventGame>(s, false); }
void BM_Event_PingPong_TwoCpus(benchmark::State& s) { PingPong<EventGame>(s, true); }
void BM_Condition_PingPong_OneCpu(benchmark::State& s) { PingPong<ConditionGame>(s, false); }
void BM_Condition_PingPong_TwoCpus(benchmark::State& s) { PingPong<ConditionGame>(s, true); }
void BM_Futex_PingPong_OneCpu(benchmark::State& s) { PingPong<FutexGame>(s, false); }
void BM_Futex_PingPong_TwoCpus(benchmark::State& s) { PingPong<FutexGame>(s, true); }
void BM_Spin_PingPong_TwoCpus(benchmark::State& s) { PingPong<SpinGame>(s, true); }

BENCHMARK(BM_Event_PingPong_OneCpu)->UseRealTime();
BENCHMARK(BM_Event_PingPong_TwoCpus)->UseRealTime();
BENCHMARK(BM_Condition_PingPong_OneCpu)->UseRealTime();
BENCHMARK(BM_Condition_PingPong_TwoCpus)->UseRealTime();
BENCHMARK(BM_Futex_PingPong_OneCpu)->UseRealTime();
BENCHMARK(BM_Futex_PingPong_TwoCpus)->UseRealTime();
BENCHMARK(BM_Spin_PingPong_TwoCpus)->UseRealTime();

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// spin.h: the bounded, adaptive spin every primitive of conc runs before it
// sleeps: the thread-level ones (Lock, Condition, Event, Semaphore, the queues)
// and the process-shared ones (the shared-memory ring under mp::Queue, PidLock,
// the robust locks of mp::Lock). One policy, tuned once; its costs are measured
// by //modules/sync/benchmarks:sync_benchmark and the ring's benchmarks.
//
// Why spin at all: a futex wake-up that crosses CPUs costs tens of microseconds
// on the VMs this was measured on (//modules/sync/benchmarks:sync_benchmark),
// while a thread that is still running on another CPU sees a store in well under
// a microsecond. So a waiter that expects its answer soon (an Event ping-pong, a
// lock held for a few instructions) polls for a short while first.
//
// Why adaptive: spinning only helps if the thread that will answer is running
// *at the same time* on another CPU. When both threads share one CPU, every
// cycle spent spinning is a cycle the other thread cannot use, and a fixed spin
// makes a one-CPU ping-pong several times slower. Four rules keep the spin
// honest:
//
//   1. No spin on a machine with one CPU (rule 4 instead).
//   2. No spin when the thread we wait for last ran on *our* CPU: each
//      primitive records the CPU of the thread that last signalled it (the
//      setter of an Event, the notifier of a Condition, the releaser of a
//      Semaphore; `sched_getcpu`, a plain load from the rseq area in glibc
//      >= 2.35) and the waiter compares it with its own. Two threads pinned to
//      one CPU never spin (they yield, rule 4); two threads on two CPUs do.
//   3. A per-object budget, in `pause` iterations (CpuRelax; its cost varies
//      by an order of magnitude between CPU generations):
//      a spin that succeeded after i iterations raises it to at least 4i (up to
//      kMaxSpins, tens of µs, about one futex sleep-and-wake: spinning longer than
//      sleeping costs never pays); a spin that ran out cuts it by a quarter
//      (down to kMinSpins). Every kProbeEvery-th spin probes with kMaxSpins,
//      so a budget that collapsed while the other thread was descheduled
//      recovers; a probe that fails costs at most one extra sleep's worth of
//      CPU per kProbeEvery waits.
//      An object whose waits are long (a worker idling on an Event) soon spins
//      for only a few iterations (and a probe now and then); a ping-pong keeps
//      the budget it needs.
//
//   4. When the signaller shares our CPU, polling is useless but
//      `sched_yield()` is not: it hands the CPU to the signaller, which is
//      typically runnable (about to set the Event, release the lock), and
//      then we see its store without anyone making a futex wake-up call. A
//      few yields at most (kMaxYields, also adaptive: halved when they did
//      not help, probed now and then); then the caller sleeps on its futex.
//      On one CPU this makes a ping-pong cheaper than a bare futex hand-off
//      (two yields per round trip instead of two waits and two wakes).
//
//   5. A yield can also lose. Beside a CPU-bound thread of another program
//      (an oversubscribed machine), Linux's scheduler (EEVDF) may hand our
//      CPU to that thread rather than to our signaller, and the yield
//      returns a whole time slice later: milliseconds, where the futex
//      hand-off it was meant to beat takes microseconds
//      (//tools/bench:oversubscription found it). So every yield goes through YieldCpu(), which times it. A
//      yield slower than YieldPauses::kSlowYieldNanos (a time slice is a
//      millisecond or more; a yield to a partner on a quiet machine takes
//      microseconds) pauses all yielding in the process: the waiters sleep on
//      their futexes at once, and a sleeper that is woken keeps its claim to
//      the CPU. The first pause is short (kFirstPauseNanos: a one-off burst of
//      another program costs little); a slow yield within kForgetSlowYieldsNanos
//      of the end of a pause doubles it, up to kMaxPauseNanos, so a machine that
//      stays busy pays for about one slow yield a second.
//
// The budget and the recorded CPU are relaxed atomics: hints, races on them
// are harmless. An AdaptiveSpin is process-local: one that guards a word in
// shared memory lives beside the process's handle, not in the shared struct.
//
// Example (a getter that found its queue empty):
//
//   if (!spin_.Spin([&] { return nonempty_.load(std::memory_order_relaxed); })) {
//     ... sleep on the futex or condition variable ...
//   }

#ifndef MODULES_COMMON_INTERNAL_SPIN_H_
#define MODULES_COMMON_INTERNAL_SPIN_H_

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "modules/common/internal/cpu_relax.h"

namespace conc::internal {

// More than one CPU online (read once). Spinning needs someone else running.
bool MoreThanOneCpu();



// The CPU the calling thread runs on now (-1 if unknown). glibc >= 2.35 reads
// it from the rseq area: a few nanoseconds, no syscall.
inline int CurrentCpu() { return sched_getcpu(); }

// How to wait before sleeping, given `signaller_cpu` (the CPU of the thread
// expected to signal us; -1: unknown):
//   kSpin   it runs on another CPU: poll (rules 2 and 3);
//   kYield  it last ran on *our* CPU, or the machine has one CPU: polling
//           cannot help, but sched_yield() hands our CPU to it (rule 4).
enum class WaitMode { kSpin, kYield };
WaitMode ChooseWaitMode(int signaller_cpu);

// Rule 5's bookkeeping, apart from the clock so that a test can drive it:
// when yields are paused, and for how long the next pause is.
//
//   YieldPauses pauses;
//   if (pauses.Allowed(now)) { sched_yield(); fast = pauses.Record(now, later); }
//
// Relaxed atomics: hints. Two threads that see slow yields at once may both
// start a pause; the longer one wins or the shorter, either is harmless.
class YieldPauses {
 public:
  static constexpr std::int64_t kSlowYieldNanos = 1'000'000;             // 1 ms
  static constexpr std::int64_t kFirstPauseNanos = 1'000'000;            // 1 ms
  static constexpr std::int64_t kMaxPauseNanos = 1'000'000'000;          // 1 s
  static constexpr std::int64_t kForgetSlowYieldsNanos = 1'000'000'000;  // 1 s

  // Whether a yield may start at `now` (monotonic nanoseconds).
  bool Allowed(std::int64_t now) const {
    return now >= paused_until_.load(std::memory_order_relaxed);
  }
  // Records a yield from `start` to `end`; true if it was fast. A slow one
  // pauses yields from `end`: for twice the last pause if that one ended less
  // than kForgetSlowYieldsNanos ago (the machine is still busy), else for
  // kFirstPauseNanos (a one-off).
  bool Record(std::int64_t start, std::int64_t end);
  // When the current (or last) pause ends; 0 before the first.
  std::int64_t paused_until() const { return paused_until_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> paused_until_{0};
  std::atomic<std::int64_t> pause_{0};  // the last pause's length
};

// Rule 5: sched_yield(), unless yields are paused because one was slow. False
// if it did not yield or the yield was slow (which pauses them, process-wide):
// the caller should stop yielding and sleep. Every yield-before-sleep of conc
// calls this.
bool YieldCpu();

class AdaptiveSpin {
 public:
  static constexpr uint32_t kMinSpins = 8;
  static constexpr uint32_t kInitialSpins = 512;
  static constexpr uint32_t kMaxSpins = 4096;
  static constexpr uint32_t kProbeEvery = 16;
  static constexpr uint32_t kMaxYields = 4;

  // Calls `done()` until it returns true or the budget runs out. Returns
  // `done()`'s last value. Calls it exactly once when spinning cannot help
  // (see ChooseWaitMode; `signaller_cpu` is the CPU of the thread expected to make
  // `done()` true, -1 if unknown).
  template <typename Done>
  bool Spin(Done&& done, int signaller_cpu = -1) {
    if (ChooseWaitMode(signaller_cpu) == WaitMode::kYield) return Yield(done);
    const uint32_t budget = budget_.load(std::memory_order_relaxed);
    // Per thread, not per object: a store to the object would bounce its
    // cache line between the waiter and the thread about to signal it.
    thread_local uint32_t calls = 0;
    const uint32_t limit = ++calls % kProbeEvery == 0 ? kMaxSpins : budget;
    for (uint32_t i = 0; i < limit; ++i) {
      if (done()) {
        if (4 * i > budget) {
          budget_.store(std::min(kMaxSpins, 4 * i), std::memory_order_relaxed);
        }
        return true;
      }
      CpuRelax();
    }
    const uint32_t lower = std::max(kMinSpins, budget - budget / 4);
    if (lower != budget) budget_.store(lower, std::memory_order_relaxed);
    return done();
  }

  // For a waiter that cannot know its signaller's CPU (another process):
  // spins as Spin() does, then, if that did not succeed, yields kMaxYields
  // times, in case the signaller shares this CPU. These yields are not
  // adaptive: across processes the signaller is often preempted on a busy
  // machine, a yield costs far less than the futex sleep it may save, and an
  // adaptive yield budget that collapsed made mp::Queue's 4 KiB messages
  // measurably slower (interleaved A/B, modules/ipc/doc/performance.md).
  // Returns `done()`'s last value.
  template <typename Done>
  bool SpinThenYield(Done&& done) {
    if (ChooseWaitMode(-1) == WaitMode::kYield) return Yield(done);
    if (Spin(done)) return true;
    for (uint32_t i = 0; i < kMaxYields; ++i) {
      if (!YieldCpu()) return done();
      if (done()) return true;
    }
    return false;
  }

  // Rule 4: calls `done()` between up to `yields_` sched_yield() calls.
  template <typename Done>
  bool Yield(Done& done) {
    const uint32_t budget = yields_.load(std::memory_order_relaxed);
    thread_local uint32_t calls = 0;
    const uint32_t limit = ++calls % kProbeEvery == 0 ? kMaxYields : budget;
    for (uint32_t i = 0; i < limit; ++i) {
      if (done()) {
        const uint32_t wanted = std::min(kMaxYields, 2 * (i + 1));
        if (wanted > budget) yields_.store(wanted, std::memory_order_relaxed);
        return true;
      }
      if (!YieldCpu()) return done();  // Rule 5 (the budget stays).
    }
    if (done()) return true;
    if (budget != 0) yields_.store(budget / 2, std::memory_order_relaxed);
    return false;
  }

 private:
  std::atomic<uint32_t> budget_{kInitialSpins};
  std::atomic<uint32_t> yields_{kMaxYields};
};

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_SPIN_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// spin_lock.h: a lock for critical sections of a few dozen instructions (the
// two halves of conc::Queue and conc::SimpleQueue), taken with one atomic
// exchange and released with one release store.
//
// Why not std::mutex: its unlock is a second atomic read-modify-write (to learn
// whether a sleeper needs a futex wake-up), and on x86 every such instruction
// waits for the thread's pending stores to reach the cache: for a producer those
// are the item it just wrote into lines the consumer last read, i.e. a
// cache-line transfer between CPUs. One exchange per hand-over instead of two
// makes a queue's put+get about a third faster (modules/sync/doc/performance.md).
//
// Nobody ever sleeps on the lock itself: sleepers wait on a condition variable
// (std::condition_variable_any), which releases it. A thread that finds it taken
// polls it (reads only, so the holder keeps the line) with CpuRelax for a short,
// fixed while, then yields its CPU: a lock still held after that means a
// preempted holder (on a loaded 2-CPU machine, the usual case), which needs a
// CPU to finish. On a single CPU it yields at once. That is deliberately not
// AdaptiveSpin (spin.h): AdaptiveSpin decides how long to wait before
// *sleeping*; here there is no sleep to save, only a holder to let run.
//
// Meets BasicLockable and Lockable (std::condition_variable_any waits on it).
// Memory ordering: as a mutex (acquire on lock, release on unlock).
//
// A capability for clang's -Wthread-safety (tools/checks/thread_safety.sh, run
// by CI): members it guards say ABSL_GUARDED_BY(lock), and a scope takes it
// with `SpinLockHolder`, never std::lock_guard / std::unique_lock (libstdc++'s
// carry no annotations, so code under them looks unlocked to the analysis).
// SpinLockHolder is std::unique_lock<SpinLock> annotated: it locks in its
// constructor, unlocks in its destructor if still held, and `unlock()` /
// `lock()` drop and retake the lock inside the scope. It is BasicLockable
// itself, so a std::condition_variable_any waits on it (`cv.wait(hold)`), and
// the analysis is right to see the lock held across the wait, which returns
// with it held. Everything is inline: the code is unique_lock's, minus its
// checks.
//
// Example:
//
//   conc::internal::SpinLock mu;
//   std::condition_variable_any nonzero;
//   int count ABSL_GUARDED_BY(mu) = 0;
//
//   { conc::internal::SpinLockHolder hold(mu); ++count; }
//   nonzero.notify_one();
//
//   conc::internal::SpinLockHolder hold(mu);
//   while (count == 0) nonzero.wait(hold);

#ifndef MODULES_COMMON_INTERNAL_SPIN_LOCK_H_
#define MODULES_COMMON_INTERNAL_SPIN_LOCK_H_

#include <sched.h>

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "modules/common/internal/cpu_relax.h"
#include "modules/common/internal/spin.h"

namespace conc::internal {

class ABSL_LOCKABLE SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockSlow();
  }

  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

 private:
  // Polls kPolls times, then yields between looks until the lock is free.
  static constexpr int kPolls = 128;

  void LockSlow() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    const int polls = MoreThanOneCpu() ? kPolls : 0;
    for (int i = 0;; ++i) {
      if (try_lock()) return;
      if (i < polls) {
        CpuRelax();
      } else {
        ::sched_yield();
      }
    }
  }

  std::atomic<bool> locked_{false};
};

class ABSL_SCOPED_LOCKABLE SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.lock(); }
  ~SpinLockHolder() ABSL_UNLOCK_FUNCTION() {
    if (held_) mu_.unlock();
  }
  SpinLockHolder(const SpinLockHolder&) = delete;
  SpinLockHolder& operator=(const SpinLockHolder&) = delete;

  // Drops the lock before the end of the scope / takes it again (and what
  // std::condition_variable_any calls around its sleep).
  void unlock() ABSL_UNLOCK_FUNCTION() {
    held_ = false;
    mu_.unlock();
  }
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mu_.lock();
    held_ = true;
  }

 private:
  SpinLock& mu_;
  bool held_ = true;
};

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_SPIN_LOCK_H_

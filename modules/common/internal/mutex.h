// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mutex.h: `Mutex`, a std::mutex that clang's -Wthread-safety can see, and
// `MutexLock`, its scoped guard.
//
// Why it exists: libstdc++'s std::mutex, std::lock_guard and std::unique_lock
// carry no capability annotations, so `ABSL_GUARDED_BY(a std::mutex)` is an
// attribute error for clang, and code under a std::lock_guard looks unlocked to
// the analysis (tools/checks/thread_safety.sh runs it over the library in CI).
// These two are the same std::mutex and std::unique_lock, annotated:
//
//   * `Mutex` is ABSL_LOCKABLE; `lock`/`try_lock`/`unlock` call std::mutex's
//     (BasicLockable and Lockable, so std::condition_variable_any works on it).
//     Every call is inline, so the code is std::mutex's, and ThreadSanitizer
//     still sees the pthread mutex underneath. Not absl::Mutex: TSan cannot
//     see inside Debian's (uninstrumented) build of it.
//   * `MutexLock` is ABSL_SCOPED_LOCKABLE: it locks in its constructor and
//     unlocks in its destructor, as std::unique_lock; `unlock()` and `lock()`
//     let a scope drop the mutex for a while (to run a callback, to notify
//     outside it), and the analysis follows them.
//   * The escape hatch, `MutexLock::native()`: the std::unique_lock inside, for
//     std::condition_variable's `wait`, `wait_until` and `wait_for`, which need
//     exactly that type. They return with the mutex held again, so the analysis
//     (which cannot see them) is right to think it is held throughout. Use it
//     for nothing else: an unlock through it is invisible to the analysis.
//     A predicate runs with the mutex held; say so to the analysis with
//     `ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu)` on the lambda.
//
// Contract: as std::mutex (not recursive; unlock only what this thread
// locked); a MutexLock must not outlive its Mutex. Memory ordering: as a mutex.
//
// Example:
//
//   conc::internal::Mutex mu;
//   std::condition_variable cv;
//   bool ready ABSL_GUARDED_BY(mu) = false;
//
//   { conc::internal::MutexLock hold(mu); ready = true; }
//   cv.notify_all();
//
//   conc::internal::MutexLock hold(mu);
//   cv.wait(hold.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return ready; });

#ifndef MODULES_COMMON_INTERNAL_MUTEX_H_
#define MODULES_COMMON_INTERNAL_MUTEX_H_

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace conc::internal {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  [[nodiscard]] bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : lock_(mu.mu_) {}
  ~MutexLock() ABSL_UNLOCK_FUNCTION() = default;  // std::unique_lock unlocks if held.
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Drops the mutex before the end of the scope / takes it again.
  void unlock() ABSL_UNLOCK_FUNCTION() { lock_.unlock(); }
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { lock_.lock(); }

  // For std::condition_variable's waits only (see the header comment).
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_MUTEX_H_

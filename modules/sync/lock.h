// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// lock.h: `conc::Lock`, Python's `threading.Lock`, and `conc::LockGuard`, the
// scoped guard that plays `with lock:`.
//
// A Lock is a binary flag with a queue of sleepers: `acquire()` takes it
// (blocking, polling, or with a timeout), `release()` gives it back. As in
// Python, and unlike `std::mutex`, a Lock has no owner: any thread may release
// it, which makes it usable as a one-shot signal ("a binary semaphore without
// the counting"). That is why it is not a bare `std::mutex`, for which a
// release by another thread is undefined behaviour.
//
// Where it differs from Python:
//   * `acquire(blocking, timeout)`: Python's `timeout=-1` ("forever") is
//     `std::nullopt`; zero polls once. Python raises ValueError for a negative
//     timeout other than -1 and for `blocking=False` with a timeout; here
//     `acquire` returns false at once (acquiring nothing) and
//     `acquire_checked` returns the ValueError (kInvalidArgument).
//   * `release()` of an unlocked Lock returns FailedPrecondition (Python raises
//     RuntimeError) and changes nothing.
//
// Performance: the uncontended acquire+release is one compare-and-swap and one
// exchange, inlined (no syscall), plus a note of the holder's CPU. A contended
// acquire spins briefly and adaptively (common/internal/spin.h), or yields if the
// holder runs on its CPU, then sleeps on a futex.
//
// Memory ordering: `release()` happens-before the `acquire()` that next takes
// the lock (release/acquire on the lock word), as for any mutex.
//
// Lifetime: destroy a Lock only when no thread is blocked in `acquire()`.
//
// Example:
//
//   conc::Lock lock;
//   {
//     conc::LockGuard guard(lock);         // with lock:
//     ++counter;
//   }
//   if (lock.acquire(true, absl::Milliseconds(10))) {  // lock.acquire(timeout=0.01)
//     ++counter;
//     (void)lock.release();
//   }

#ifndef MODULES_SYNC_LOCK_H_
#define MODULES_SYNC_LOCK_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/internal/spin.h"

namespace conc {

class ABSL_LOCKABLE Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Python's `acquire(blocking=True, timeout=-1)`.
  //   blocking, nullopt:   waits until the lock is free; returns true.
  //   blocking, timeout:   waits at most `timeout` (zero polls once); returns
  //                        true if acquired.
  //   !blocking:           polls once; returns true if acquired.
  // Invalid arguments (a negative timeout, or a timeout with !blocking: Python's
  // ValueError) return false without acquiring; see `acquire_checked`.
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout =
                                 std::nullopt) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    if (timeout.has_value() && !ValidArgs(blocking, timeout)) return false;
    uint32_t expected = kUnlocked;
    if (state_.compare_exchange_strong(expected, kLocked,
                                       std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      // The line is ours after the CAS: an unconditional store is cheapest.
      holder_cpu_.store(internal::CurrentCpu(), std::memory_order_relaxed);
      return true;
    }
    if (!blocking) return false;
    return AcquireSlow(timeout);
  }

  // As `acquire`, but an invalid argument is reported: kInvalidArgument
  // (Python's ValueError) instead of false.
  [[nodiscard]] absl::StatusOr<bool> acquire_checked(
      bool blocking = true,
      std::optional<absl::Duration> timeout = std::nullopt)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Python's `release()`. Any thread may release a locked Lock; one sleeper
  // wakes. Releasing an unlocked Lock returns FailedPrecondition (Python's
  // RuntimeError) and changes nothing.
  [[nodiscard]] absl::Status release() ABSL_UNLOCK_FUNCTION() {
    const uint32_t prev = state_.exchange(kUnlocked, std::memory_order_seq_cst);
    if (prev == kLockedWithSleepers) {
      WakeSleepers();
    } else if (prev == kUnlocked) {
      return UnlockedError();
    }
    return absl::OkStatus();
  }

  // Python's `locked()`: true if some thread holds the lock (a snapshot).
  [[nodiscard]] bool locked() const {
    return state_.load(std::memory_order_relaxed) != kUnlocked;
  }

 private:
  friend class Condition;
  friend class RLock;

  // For Condition::notify, which holds the lock and must wake a sleeping
  // waiter whose next step is to take this lock. Waking it now would only let
  // it run into the held lock (on one CPU: two extra context switches), so:
  //   DeferWake: the next release() wakes `word` (one slot; false if taken or
  //     the lock is not held).
  //   PrepareRequeue: marks the held lock as having sleepers (so its release
  //     wakes one) and returns its futex word for FUTEX_CMP_REQUEUE; nullptr
  //     if the lock is not held (the caller then wakes its waiter itself).
  bool DeferWake(std::atomic<uint32_t>* word);
  std::atomic<uint32_t>* PrepareRequeue();
  // Takes the lock as a thread that slept on its futex must (Drepper's rule:
  // leave kLockedWithSleepers behind, since others may sleep there too).
  void AcquireAfterSleep();

  // The lock word (Drepper, "Futexes Are Tricky", mutex 2):
  //   kUnlocked             free
  //   kLocked               held, nobody sleeping
  //   kLockedWithSleepers   held, and some thread may sleep on the futex, or
  //                         a deferred wake is pending: the release goes
  //                         through WakeSleepers().
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kLockedWithSleepers = 2;

  static bool ValidArgs(bool blocking, std::optional<absl::Duration> timeout) {
    if (!timeout.has_value()) return true;
    return blocking && *timeout >= absl::ZeroDuration();
  }
  bool AcquireSlow(std::optional<absl::Duration> timeout);
  bool Took(bool acquired);  // records holder_cpu_ if acquired
  void WakeSleepers();
  static absl::Status UnlockedError();

  std::atomic<uint32_t> state_{kUnlocked};
  // Threads in AcquireSlow's sleep loop or requeued onto state_ (they may
  // sleep on the futex): a release with a deferred wake skips the futex wake
  // of state_ when this is 0.
  std::atomic<uint32_t> sleepers_{0};
  // A futex word the next release() wakes (DeferWake), or nullptr.
  std::atomic<std::atomic<uint32_t>*> deferred_wake_{nullptr};
  // The CPU of the last thread to take the lock: a contended acquire spins
  // only if the holder runs elsewhere (common/internal/spin.h, rule 2). A hint.
  std::atomic<int> holder_cpu_{-1};
  internal::AdaptiveSpin spin_;
};

// `with lock:` — acquires on construction (waiting forever), releases on
// destruction. Works with any type that has `bool acquire()` and
// `absl::Status release()` (Lock, RLock, Semaphore, Condition).
template <typename L>
class ABSL_SCOPED_LOCKABLE ScopedAcquire {
 public:
  explicit ScopedAcquire(L& lock) ABSL_EXCLUSIVE_LOCK_FUNCTION(lock)
      : lock_(lock) {
    // An untimed, blocking acquire always succeeds.
    const bool acquired = lock_.acquire();
    (void)acquired;
  }
  ~ScopedAcquire() ABSL_UNLOCK_FUNCTION() {
    // Cannot fail: this guard holds the lock.
    (void)lock_.release();
  }
  ScopedAcquire(const ScopedAcquire&) = delete;
  ScopedAcquire& operator=(const ScopedAcquire&) = delete;

 private:
  L& lock_;
};

// The guard for the most common case, `with lock:` on a Lock.
using LockGuard = ScopedAcquire<Lock>;

}  // namespace conc

#endif  // MODULES_SYNC_LOCK_H_

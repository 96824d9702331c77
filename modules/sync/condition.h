// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// condition.h: `conc::Condition`, Python's `threading.Condition`.
//
// The design is CPython's (see reference/condition.h: a deque of waiter locks,
// statement for statement; condition_test.cc runs every case on both); what
// this one changes and why:
//   * No lock allocated per wait: each waiter is a record on its own stack,
//     linked into an intrusive FIFO, with its own futex word; `notify(n)`
//     unlinks n of them and sets their words.
//   * A waiter spins or yields briefly and adaptively before it sleeps
//     (internal/spin.h): a futex wake-up across CPUs costs ~50 µs on these
//     VMs, a running waiter sees the store in well under a microsecond.
//   * Wait morphing: a sleeping waiter picked by `notify` is not woken into
//     the lock its notifier still holds; the lock's next release wakes it
//     (Lock::DeferWake), or it is requeued onto the lock's futex.
//   * An RLock is released and restored in one step, all levels at once
//     (RLock's private ReleaseSave/AcquireRestore), not level by level.
// The FIFO order, the exact `notify(n)` and the statuses are the reference's.
//
// A Condition is a lock plus a queue of threads waiting to be told that
// something changed. A thread holding the lock calls `wait()`, which releases
// the lock, sleeps until `notify()`/`notify_all()` (or the timeout), then takes
// the lock back before it returns. Waiters wake in FIFO order, and `notify(n)`
// wakes exactly n of them (or all, if fewer wait).
//
// The lock is a `Lock` or an `RLock` the caller passes (and keeps alive), or,
// as in Python's `Condition()`, an RLock the Condition owns. Waiting on an RLock
// held several times releases every level and restores them all on return.
//
// Where it differs from Python:
//   * Calling `wait`/`wait_for`/`notify`/`notify_all` without holding the lock
//     raises RuntimeError in Python. Here `notify*` return FailedPrecondition;
//     `wait` and `wait_for` keep Python's bool result, return false at once
//     (releasing nothing), and have `_checked` twins that return the
//     FailedPrecondition. Over a Lock (which has no owner) only "is it held by
//     someone" can be checked, as in Python; a notify from a thread while
//     *another* thread holds the Lock is not detected, and the waiter it picks
//     may then wait until the Lock's next release. Over an RLock (the
//     default) ownership is checked exactly.
//   * A negative timeout polls, as a zero one does (Python's `wait` treats
//     both alike too); the lock is still released and taken back.
//   * A waiter whose timeout expires just as it is notified returns true, so
//     `notify(n)` always accounts for exactly n waiters.
//
// Compared with C++: `std::condition_variable` needs a `std::mutex` held by the
// same thread, wakes spuriously and has no `notify(n)`; `absl::CondVar` likewise.
// This one mirrors Python's contract (no spurious wake-ups: `wait()` returns
// true only when notified).
//
// Performance: a waiter spins (or yields) briefly and adaptively before it
// sleeps (common/internal/spin.h). A sleeping waiter picked by notify() is not woken
// at once ("wait morphing"): the lock's next release wakes it
// (Lock::DeferWake), or it is moved onto the lock's futex (FUTEX_CMP_REQUEUE)
// and wakes as one of the lock's sleepers; either way it does not wake only to
// find the lock still held by its notifier and sleep again.
//
// Memory ordering: everything the notifier did before it released the lock
// happens-before the waiter's return from `wait` (the waiter re-takes the lock).
//
// Lifetime: destroy a Condition only when no thread is waiting on it.
//
// Example:
//
//   conc::Condition c;                     // c = Condition()
//   bool ready = false;
//   // consumer                           // with c:
//   { conc::ScopedAcquire g(c);           //     c.wait_for(lambda: ready)
//     (void)c.wait_for([&] { return ready; }); }
//   // producer
//   { conc::ScopedAcquire g(c); ready = true; (void)c.notify_all(); }

#ifndef MODULES_SYNC_CONDITION_H_
#define MODULES_SYNC_CONDITION_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/spin.h"
#include "modules/sync/lock.h"
#include "modules/sync/rlock.h"

namespace conc {

class Condition {
 public:
  // Python's `Condition()`: over an RLock the Condition owns.
  Condition();
  // Python's `Condition(lock)`: over the caller's Lock or RLock, which must
  // outlive the Condition.
  explicit Condition(Lock& lock);
  explicit Condition(RLock& lock);
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // The underlying lock's `acquire` and `release` (Python's `with c:`).
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout = std::nullopt);
  [[nodiscard]] absl::StatusOr<bool> acquire_checked(
      bool blocking = true, std::optional<absl::Duration> timeout = std::nullopt);
  [[nodiscard]] absl::Status release() ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Python's `wait(timeout=None)`. Requires: the lock is held by the caller.
  // Releases it (every level of an RLock), sleeps until notified or until the
  // timeout (nullopt: forever; zero or negative: no sleep), takes the lock back
  // and returns true if notified, false on timeout. Without the lock: returns
  // false at once (see `wait_checked`).
  [[nodiscard]] bool wait(std::optional<absl::Duration> timeout = std::nullopt);

  // As `wait`, but calling it without holding the lock returns
  // FailedPrecondition (Python's RuntimeError).
  [[nodiscard]] absl::StatusOr<bool> wait_checked(
      std::optional<absl::Duration> timeout = std::nullopt);

  // Python's `wait_for(predicate, timeout=None)`: waits until `predicate()`
  // (called with the lock held) is true or the timeout passes; one timeout
  // covers all the waits. Returns the predicate's last value. Without the
  // lock: returns false without calling the predicate.
  template <typename Predicate>
  [[nodiscard]] bool wait_for(Predicate predicate,
                              std::optional<absl::Duration> timeout = std::nullopt) {
    if (!is_owned()) return false;
    return WaitFor(predicate, timeout);
  }

  // As `wait_for`, but without the lock returns FailedPrecondition.
  template <typename Predicate>
  [[nodiscard]] absl::StatusOr<bool> wait_for_checked(
      Predicate predicate, std::optional<absl::Duration> timeout = std::nullopt) {
    if (!is_owned()) return NotOwnedError("wait_for");
    return WaitFor(predicate, timeout);
  }

  // Python's `notify(n=1)`: wakes the n longest waiters (all, if fewer wait;
  // none for n <= 0). Requires the lock; without it returns FailedPrecondition
  // and wakes nobody. The woken threads return from `wait` once they get the
  // lock back, i.e. after the caller releases it.
  [[nodiscard]] absl::Status notify(int64_t n = 1);

  // Python's `notify_all()`: wakes every waiter.
  [[nodiscard]] absl::Status notify_all();

 private:
  // One waiting thread, on its own stack. `state` is also its futex word.
  struct Waiter {
    static constexpr uint32_t kWaiting = 0;   // enqueued, maybe spinning
    static constexpr uint32_t kSleeping = 1;  // may sleep on the futex: wake it
    static constexpr uint32_t kNotified = 2;  // removed from the queue by notify
    static constexpr uint32_t kNotifiedRequeued = 3;  // ... and moved onto the
                                                      // lock's futex
    std::atomic<uint32_t> state{kWaiting};
    Waiter* next = nullptr;
    Waiter* prev = nullptr;
    bool queued = false;  // guarded by list_lock_
  };

  bool is_owned() const;
  static absl::Status NotOwnedError(const char* what);

  // Releases the user's lock completely; returns what AcquireRestore needs.
  uint64_t ReleaseSave() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  void AcquireRestore(uint64_t saved, bool after_sleep) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  Lock& underlying_lock() { return lock_ != nullptr ? *lock_ : rlock_->lock_; }

  bool WaitUntil(const Deadline& deadline);
  // Marks one dequeued waiter notified and arranges its wake-up.
  void Notify(Waiter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(list_lock_);

  template <typename Predicate>
  bool WaitFor(Predicate& predicate, std::optional<absl::Duration> timeout) {
    const Deadline deadline = Deadline::FromTimeout(timeout);
    bool result = predicate();
    bool waited = false;
    while (!result) {
      if (waited && deadline.expired()) break;
      (void)WaitUntil(deadline);
      waited = true;
      result = predicate();
    }
    return result;
  }

  RLock own_rlock_;         // used when constructed without a lock
  Lock* const lock_;        // exactly one of lock_ and rlock_ is non-null
  RLock* const rlock_;

  // The FIFO of waiters. It has its own small lock, so that a caller misusing
  // a Lock-based Condition (notify without the lock) cannot corrupt it.
  Lock list_lock_;
  Waiter* head_ ABSL_GUARDED_BY(list_lock_) = nullptr;
  Waiter* tail_ ABSL_GUARDED_BY(list_lock_) = nullptr;

  internal::AdaptiveSpin spin_;
  // Hints for the spin (spin.h, rule 2): the CPU of the last notify, and of
  // the last thread to start waiting. A waiter spins only if the thread likely
  // to notify it (the last notifier, or when that was the waiter itself, as in
  // a ping-pong, the previous waiter) runs on another CPU.
  std::atomic<int> notifier_cpu_{-1};
  std::atomic<int> waiter_cpu_{-1};
};

}  // namespace conc

#endif  // MODULES_SYNC_CONDITION_H_

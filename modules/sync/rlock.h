// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// rlock.h: `conc::RLock`, Python's `threading.RLock`, a re-entrant lock.
//
// The thread that holds an RLock may acquire it again; it is free for others
// once that thread has released it as many times as it acquired it. Unlike a
// Lock, an RLock has an owner: only the owner may release it.
//
// Where it differs from Python:
//   * Arguments as for `Lock::acquire` (lock.h): Python's `timeout=-1` is
//     `std::nullopt`; a negative timeout or a timeout with `blocking=false`
//     (Python's ValueError) makes `acquire` return false and `acquire_checked`
//     return kInvalidArgument.
//   * `release()` by a thread that does not own the lock returns
//     FailedPrecondition (Python's RuntimeError, "cannot release un-acquired
//     lock") and changes nothing.
//   * A re-entrant `acquire` by the owner always succeeds at once, whatever
//     `blocking` and `timeout` say (as in Python).
//
// Compared with C++: `std::recursive_mutex` has the same rules but no timeout
// on `lock()`, no way to ask who owns it, and no way for a condition variable
// to release every level at once (`Condition` over an RLock does that).
//
// Memory ordering: as for Lock; re-entrant acquires and releases by the owner
// synchronise with nothing (they need not).
//
// Example:
//
//   conc::RLock rlock;
//   void Outer() { conc::ScopedAcquire guard(rlock); Inner(); }
//   void Inner() { conc::ScopedAcquire guard(rlock); /* still ours */ }

#ifndef MODULES_SYNC_RLOCK_H_
#define MODULES_SYNC_RLOCK_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/sync/lock.h"

namespace conc {

class Condition;

class ABSL_LOCKABLE RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // Python's `acquire(blocking=True, timeout=-1)`: as `Lock::acquire`, except
  // that the owner acquires again at once (the recursion level goes up).
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout =
                                 std::nullopt) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);

  // As `acquire`, but an invalid argument returns kInvalidArgument.
  [[nodiscard]] absl::StatusOr<bool> acquire_checked(
      bool blocking = true, std::optional<absl::Duration> timeout = std::nullopt)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Python's `release()`: the recursion level goes down by one; at zero the
  // lock is free and one waiter wakes. A thread that does not own the lock gets
  // FailedPrecondition and nothing changes.
  [[nodiscard]] absl::Status release() ABSL_UNLOCK_FUNCTION();

  // True if some thread holds the lock (Python 3.14's `locked()`; a snapshot).
  [[nodiscard]] bool locked() const { return lock_.locked(); }

  // True if the calling thread holds the lock (Python's private `_is_owned()`).
  [[nodiscard]] bool is_owned() const {
    return owner_.load(std::memory_order_relaxed) == CurrentThreadId();
  }

  // The calling thread's recursion level: how many releases it owes (Python
  // 3.12's private `_recursion_count()`); 0 if it does not own the lock, also
  // while it waits on a Condition over this lock. As mp::RLock's.
  [[nodiscard]] uint64_t recursion_level() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    // count_ is written only by the owner: reading it is safe once we know
    // that we are the owner.
    return is_owned() ? count_ : 0;
  }

 private:
  friend class Condition;

  // A value unique to the calling thread among live threads (never 0).
  static uintptr_t CurrentThreadId();

  // Condition::wait's helpers (Python's `_release_save`/`_acquire_restore`):
  // release every level at once, returning the count; take the lock back
  // (waiting forever) with that count. Requires: is_owned().
  uint64_t ReleaseSave() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // `after_sleep`: the caller slept and may have been requeued onto lock_'s
  // futex (see Lock::AcquireAfterSleep).
  void AcquireRestore(uint64_t count, bool after_sleep) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  Lock lock_;
  // The owner's CurrentThreadId(), 0 when free. Written only by the owner
  // (while it holds lock_); read by anyone, who can only ever find their own id
  // there if they own the lock.
  std::atomic<uintptr_t> owner_{0};
  // Recursion level; read and written only by the owner.
  uint64_t count_ ABSL_GUARDED_BY(lock_) = 0;
};

}  // namespace conc

#endif  // MODULES_SYNC_RLOCK_H_

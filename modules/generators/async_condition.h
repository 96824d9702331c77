// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// async_condition.h: conc::AsyncCondition, Python's `asyncio.Condition`.
//
// A condition variable for tasks of one loop, over an AsyncLock (its own, or
// one given to share). With the lock held:
//
//   * `co_await cond.wait()` releases the lock, suspends until notify() or
//     notify_all() wakes this task, and re-acquires the lock before it
//     returns. The lock is re-acquired EVEN IF the task is cancelled while
//     waiting (or while re-acquiring): CancelledError reaches the caller only
//     once it holds the lock again, so a `{ auto g = co_await lock.scoped(); }`
//     around it stays correct. A waiter cancelled after notify() picked it
//     passes the notification on to another waiter (CPython 3.12's
//     `_notify(1)` on any error: a spurious wake-up, which the protocol
//     allows), so no notification is lost.
//   * `co_await cond.wait_for(pred)` loops `while (!pred()) wait();`.
//   * `notify(n)` wakes up to n waiters (in FIFO order), `notify_all()` every
//     waiter; each then queues for the lock.
//
// CPython's algorithm (Lib/asyncio/locks.py), statement for statement.
//
// Python -> C++:
//
//   cond = asyncio.Condition(lock=None)   conc::AsyncCondition cond;  (or cond(&lock))
//   async with cond: ...                  { auto g = co_await cond.scoped(); ... }
//   await cond.wait()                     absl::Status s = co_await cond.wait();
//   await cond.wait_for(pred)             absl::Status s = co_await cond.wait_for(pred);
//   cond.notify(n); cond.notify_all()     absl::Status s = cond.notify(n); ... notify_all();
//   cond.locked(), acquire(), release()   same
//
// Errors: wait() / wait_for() / notify() without the lock held are
// FailedPrecondition "cannot wait on un-acquired lock" / "cannot notify on
// un-acquired lock" (Python's RuntimeError); nothing happens then.
//
// Where it differs from Python: errors are statuses; wait() gives OK rather
// than True, wait_for() OK rather than the predicate's value. Not bound to a
// loop. The condition (and its lock) must outlive its waiters.
//
// Thread-safety: none; loop thread only. Never blocks a thread.
//
// Example:
//
//   conc::AsyncCondition cond;
//   std::deque<int> items;
//   conc::Task<int> consumer() {
//     auto g = co_await cond.scoped();
//     (void)co_await cond.wait_for([&] { return !items.empty(); });
//     int v = items.front(); items.pop_front();
//     co_return v;
//   }
//   // producer, with the lock held: items.push_back(1); (void)cond.notify();

#ifndef MODULES_GENERATORS_ASYNC_CONDITION_H_
#define MODULES_GENERATORS_ASYNC_CONDITION_H_

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "modules/common/status.h"
#include "modules/generators/async_event.h"
#include "modules/generators/async_lock.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/task.h"

namespace conc {

class AsyncCondition {
 public:
  // A condition with a lock of its own.
  AsyncCondition() : lock_(&own_lock_) {}
  // A condition over `lock`, which must outlive it (Python's lock=).
  explicit AsyncCondition(AsyncLock* lock) : lock_(lock) {}
  AsyncCondition(const AsyncCondition&) = delete;
  AsyncCondition& operator=(const AsyncCondition&) = delete;

  // The underlying lock's operations.
  [[nodiscard]] bool locked() const { return lock_->locked(); }
  Task<void> acquire() { return lock_->acquire(); }
  Task<AsyncLock::Guard> scoped() { return lock_->scoped(); }
  absl::Status release() { return lock_->release(); }

  // See the contract. OK once notified and holding the lock again;
  // FailedPrecondition if the lock is not held. Throws CancelledError (with
  // the lock held again) if the task is cancelled.
  Task<absl::Status> wait() {
    if (!lock_->locked()) co_return MisuseError("cannot wait on un-acquired lock");
    (void)lock_->release();
    bool cancelled = false;
    {
      internal::FutureWaiter w(&waiters_);
      try {
        co_await w;
      } catch (const CancelledError&) {
        cancelled = true;
      }
    }
    // Must re-acquire the lock even if the wait was cancelled.
    while (true) {
      try {
        co_await lock_->acquire();
        break;
      } catch (const CancelledError&) {
        cancelled = true;
      }
    }
    if (cancelled) {
      // We may have been notified: make sure another waiter is instead.
      do_notify(1);
      throw CancelledError();
    }
    co_return absl::OkStatus();
  }

  // Python's wait_for(predicate): waits until pred() is true (checked first,
  // and after every wake-up, with the lock held).
  template <class Pred>
  Task<absl::Status> wait_for(Pred pred) {
    while (!pred()) {
      absl::Status s = co_await wait();
      if (!s.ok()) co_return s;
    }
    co_return absl::OkStatus();
  }

  // Wakes up to n waiters (n <= 0: none). FailedPrecondition if the lock is
  // not held.
  absl::Status notify(int64_t n = 1) {
    if (!lock_->locked()) return MisuseError("cannot notify on un-acquired lock");
    do_notify(n);
    return absl::OkStatus();
  }

  // Wakes every waiter. FailedPrecondition if the lock is not held.
  absl::Status notify_all() { return notify(std::numeric_limits<int64_t>::max()); }

 private:
  void do_notify(int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if (!waiters_.wake_one()) break;
    }
  }

  AsyncLock own_lock_;
  AsyncLock* lock_;
  internal::WaiterList waiters_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_ASYNC_CONDITION_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// async_lock.h: conc::AsyncLock, Python's `asyncio.Lock`.
//
// A mutex for tasks of one loop: `co_await lock.acquire()` takes it if it is
// free and nobody is queued, and otherwise suspends the calling task (not the
// thread) in a FIFO queue; `release()` frees it and wakes the first queued
// task, which then owns it when it runs. CPython 3.11's algorithm (Lib/asyncio/
// locks.py), statement for statement:
//
//   * Fairness: strictly FIFO. A task woken by release() has the lock
//     reserved until it runs: an acquire() arriving in between queues behind
//     it (Python: its future is done but still first in _waiters).
//   * Cancellation: a waiter cancelled while queued leaves the queue and sees
//     conc::CancelledError; it never takes the lock. A waiter cancelled after
//     release() woke it, before it ran, does not take the lock either, and
//     passes the wake-up on to the next waiter, so no wake-up is lost.
//
// Python -> C++:
//
//   lock = asyncio.Lock()                 conc::AsyncLock lock;
//   await lock.acquire()                  co_await lock.acquire();
//   lock.release()                        absl::Status s = lock.release();
//   lock.locked()                         same
//   async with lock: ...                  { auto g = co_await lock.scoped(); ... }  // released at '}'
//
// Errors: release() of an unlocked lock is FailedPrecondition "Lock is not
// acquired." (Python's RuntimeError). Any task may release it (no owner), as
// in Python.
//
// Where it differs from Python: not bound to a loop (Python 3.10+ binds on
// first use); `acquire()` returns nothing (Python's returns True). The lock
// must outlive its waiters.
//
// Thread-safety: none; loop thread only. Never blocks a thread.
//
// Example:
//
//   conc::AsyncLock lock;
//   conc::Task<void> worker(int* shared) {
//     auto guard = co_await lock.scoped();
//     int v = *shared;
//     co_await conc::sleep(absl::Milliseconds(1));   // others queue meanwhile
//     *shared = v + 1;
//   }

#ifndef MODULES_GENERATORS_ASYNC_LOCK_H_
#define MODULES_GENERATORS_ASYNC_LOCK_H_

#include <utility>

#include "absl/status/status.h"
#include "modules/common/status.h"
#include "modules/generators/async_event.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/internal/release_guard.h"
#include "modules/generators/task.h"

namespace conc {

class AsyncLock {
 public:
  // Releases the lock it holds when destroyed (Python's `async with`).
  using Guard = internal::ReleaseGuard<AsyncLock>;

  AsyncLock() = default;
  AsyncLock(const AsyncLock&) = delete;
  AsyncLock& operator=(const AsyncLock&) = delete;

  // True while some task holds the lock.
  [[nodiscard]] bool locked() const { return locked_; }

  // Takes the lock, waiting in FIFO order if it is held or others wait.
  // Throws CancelledError (inside the coroutine) if the task is cancelled
  // while waiting; the lock is then not taken.
  Task<void> acquire() {
    if (!locked_ && waiters_.empty() && woken_ == 0) {
      locked_ = true;
      co_return;
    }
    bool cancelled = false;
    bool woken = false;
    {
      internal::FutureWaiter w(&waiters_);
      try {
        co_await w;
      } catch (const CancelledError&) {
        cancelled = true;
      }
      woken = w.woken();
    }
    if (woken) --woken_;
    if (cancelled) {
      if (!locked_) wake_up_first();  // pass a wake-up we may have had on
      throw CancelledError();
    }
    locked_ = true;
  }

  // acquire(), then a Guard that releases at the end of its scope.
  Task<Guard> scoped() {
    co_await acquire();
    co_return Guard(this);
  }

  // Frees the lock and wakes the first waiter. FailedPrecondition "Lock is
  // not acquired." if it is not held.
  absl::Status release() {
    if (!locked_) return MisuseError("Lock is not acquired.");
    locked_ = false;
    wake_up_first();
    return absl::OkStatus();
  }

 private:
  // Python's _wake_up_first: wakes the first waiter unless one is already
  // woken and has not run yet (its future is done).
  void wake_up_first() {
    if (woken_ > 0) return;
    if (waiters_.wake_one()) ++woken_;
  }

  bool locked_ = false;
  int woken_ = 0;  // waiters woken by release() that have not run yet (0 or 1)
  internal::WaiterList waiters_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_ASYNC_LOCK_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// async_semaphore.h: conc::AsyncSemaphore and conc::AsyncBoundedSemaphore,
// Python's `asyncio.Semaphore` and `asyncio.BoundedSemaphore`.
//
// A counter of permits for tasks of one loop: `co_await sem.acquire()` takes
// one if the semaphore is not locked() and otherwise suspends the calling
// task in a FIFO queue; `release()` adds one and wakes the first waiter.
// CPython 3.12's algorithm (Lib/asyncio/locks.py), statement for statement:
//
//   * The permit is handed over at wake-up: release() decrements the value
//     for the waiter it wakes (Python's _wake_up_next), so an acquire()
//     arriving before the woken task runs cannot take it; locked() is true
//     while the value is 0 or anyone waits or is woken and not yet running.
//   * Cancellation: a waiter cancelled while queued leaves the queue and sees
//     conc::CancelledError; one cancelled after it was woken gives its permit
//     back. Either way the semaphore then wakes as many waiters as it has
//     permits, so no wake-up is lost (CPython's test_acquire_cancel_*).
//
// Python -> C++:
//
//   sem = asyncio.Semaphore(3)            conc::AsyncSemaphore sem(3);   // or AsyncSemaphore::Create(3)
//   await sem.acquire(); sem.release()    co_await sem.acquire(); (void)sem.release();
//   sem.locked()                          same
//   async with sem: ...                   { auto g = co_await sem.scoped(); ... }
//   asyncio.BoundedSemaphore(2)           conc::AsyncBoundedSemaphore sem(2);
//   ValueError('BoundedSemaphore released too many times')
//                                         release() -> InvalidArgument, same message
//
// Errors: Create(value) refuses a negative value, or one above INT32_MAX, with
// InvalidArgument (ValueError "Semaphore initial value must be >= 0"); the
// constructor clamps silently. release() that would take the value above
// INT32_MAX (plain) or above the bound (bounded) is refused with
// InvalidArgument and changes nothing.
//
// Where it differs from Python: not bound to a loop; the value is limited to
// INT32_MAX (as conc::Semaphore, modules/sync/semaphore.h); `acquire()`
// returns nothing. The semaphore must outlive its waiters.
//
// Thread-safety: none; loop thread only. Never blocks a thread.
//
// Example:
//
//   conc::AsyncSemaphore slots(2);            // at most two downloads at once
//   conc::Task<void> download(int i) {
//     auto g = co_await slots.scoped();
//     co_await conc::sleep(absl::Milliseconds(10));
//   }

#ifndef MODULES_GENERATORS_ASYNC_SEMAPHORE_H_
#define MODULES_GENERATORS_ASYNC_SEMAPHORE_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/status.h"
#include "modules/generators/async_event.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/internal/release_guard.h"
#include "modules/generators/task.h"

namespace conc {

class AsyncSemaphore {
 public:
  static constexpr int64_t kMaxValue = std::numeric_limits<int32_t>::max();

  // Releases the permit it holds when destroyed (Python's `async with`).
  using Guard = internal::ReleaseGuard<AsyncSemaphore>;

  // Python's Semaphore(value=1); a value outside [0, INT32_MAX] is clamped.
  explicit AsyncSemaphore(int64_t value = 1) : AsyncSemaphore(value, /*bounded=*/false) {}

  // Python's Semaphore(value) with its check; see the contract.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AsyncSemaphore>> Create(int64_t value = 1) {
    if (absl::Status s = CheckValue(value); !s.ok()) return s;
    return std::make_unique<AsyncSemaphore>(value);
  }

  AsyncSemaphore(const AsyncSemaphore&) = delete;
  AsyncSemaphore& operator=(const AsyncSemaphore&) = delete;

  // Python's locked(): no permit can be taken without waiting.
  [[nodiscard]] bool locked() const { return value_ == 0 || !waiters_.empty() || woken_ > 0; }

  // The free permits (Python's _value), for diagnostics and tests.
  [[nodiscard]] int64_t value() const { return value_; }

  // Takes a permit, waiting in FIFO order if locked(). Throws CancelledError
  // (inside the coroutine) if the task is cancelled while waiting; no permit
  // is then taken.
  Task<void> acquire() {
    if (!locked()) {
      --value_;
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
    // Woken (the permit was handed to us) but cancelled: give it back.
    if (cancelled && woken) ++value_;
    // New waiters may have queued behind us: wake as many as there are permits.
    while (value_ > 0) {
      if (!wake_up_next()) break;
    }
    if (cancelled) throw CancelledError();
  }

  // acquire(), then a Guard that releases at the end of its scope.
  Task<Guard> scoped() {
    co_await acquire();
    co_return Guard(this);
  }

  // Adds a permit and wakes the first waiter. InvalidArgument (ValueError)
  // if the value would pass INT32_MAX, or the bound of a bounded semaphore.
  absl::Status release() {
    if (value_ >= bound_) {
      return ValueError(bounded_ ? "BoundedSemaphore released too many times"
                                 : "Semaphore value would exceed INT32_MAX");
    }
    ++value_;
    (void)wake_up_next();
    return absl::OkStatus();
  }

 protected:
  // A bounded semaphore's bound is its initial value (clamped).
  AsyncSemaphore(int64_t value, bool bounded)
      : value_(std::clamp<int64_t>(value, 0, kMaxValue)),
        bound_(bounded ? value_ : kMaxValue),
        bounded_(bounded) {}

  static absl::Status CheckValue(int64_t value) {
    if (value < 0) return ValueError("Semaphore initial value must be >= 0");
    if (value > kMaxValue) return ValueError("Semaphore initial value must be <= INT32_MAX");
    return absl::OkStatus();
  }

 private:
  // Python's _wake_up_next: hands a permit to the first waiter, if any.
  bool wake_up_next() {
    if (!waiters_.wake_one()) return false;
    --value_;
    ++woken_;
    return true;
  }

  int64_t value_;
  const int64_t bound_;
  const bool bounded_;
  int64_t woken_ = 0;  // waiters handed a permit that have not run yet
  internal::WaiterList waiters_;
};

class AsyncBoundedSemaphore : public AsyncSemaphore {
 public:
  // Python's BoundedSemaphore(value=1): release() past `value` is refused.
  explicit AsyncBoundedSemaphore(int64_t value = 1)
      : AsyncSemaphore(value, /*bounded=*/true) {}

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AsyncBoundedSemaphore>> Create(
      int64_t value = 1) {
    if (absl::Status s = CheckValue(value); !s.ok()) return s;
    return std::make_unique<AsyncBoundedSemaphore>(value);
  }
};

}  // namespace conc

#endif  // MODULES_GENERATORS_ASYNC_SEMAPHORE_H_

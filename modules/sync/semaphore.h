// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// semaphore.h: `conc::Semaphore` and `conc::BoundedSemaphore`, Python's
// `threading.Semaphore` and `threading.BoundedSemaphore`.
//
// A semaphore is a counter of permits: `acquire()` takes one (waiting while
// there are none), `release(n)` gives n back and wakes up to n waiters. Any
// thread may release. `Semaphore(0)` is a gate that opens one `release()` at a
// time (the notebook's cell); `Semaphore(k)` lets at most k threads into a section.
// A BoundedSemaphore refuses to be released above its initial value, which
// catches a release without a matching acquire.
//
// Where it differs from Python:
//   * Python's `Semaphore.acquire(blocking=True, timeout=None)`: `timeout` is
//     already `None` for "forever", as here (`std::nullopt`). A negative
//     timeout polls, as zero does (it does in Python too, unlike
//     `Lock.acquire`, which raises ValueError). `blocking=false` with a timeout
//     is Python's ValueError: `acquire` returns false, `acquire_checked`
//     returns kInvalidArgument.
//   * `release(n)` with n < 1 is Python's ValueError: kInvalidArgument.
//     Over-releasing a BoundedSemaphore is ValueError in Python and
//     FailedPrecondition here (the misuse row of docs/DESIGN.md); either way the count
//     does not change.
//   * A negative initial value is Python's ValueError. The constructors
//     cannot fail: they silently use 0 instead (and INT32_MAX for a larger
//     value). `Semaphore::Create(value)` / `BoundedSemaphore::Create(value)`
//     say it instead: kInvalidArgument for a negative value (Python's
//     ValueError) or one above INT32_MAX (Python has no limit). The count is
//     limited to INT32_MAX permits; a release beyond that is kInvalidArgument
//     and changes nothing.
//   * Waiters are not woken in FIFO order (Python 3 wakes in FIFO order).
//
// Compared with C++: `std::counting_semaphore` has the same core but a
// compile-time maximum, no bounded check (over-release is undefined) and
// `try_acquire_for` instead of Python's signature.
//
// Performance: acquire and release are one atomic read-modify-write each when
// uncontended; a blocked acquire spins briefly and adaptively, then sleeps on
// a futex; release makes a syscall only if someone sleeps.
//
// Memory ordering: a `release()` happens-before the `acquire()` that takes one
// of the permits it gave.
//
// Example:
//
//   conc::BoundedSemaphore pool(3);           // at most 3 connections at once
//   {
//     conc::ScopedAcquire slot(pool);
//     UseConnection();
//   }

#ifndef MODULES_SYNC_SEMAPHORE_H_
#define MODULES_SYNC_SEMAPHORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/internal/spin.h"

namespace conc {

class Semaphore {
 public:
  // Python's `Semaphore(value=1)`. A negative value is taken as 0, one above
  // INT32_MAX as INT32_MAX, silently: prefer Create.
  explicit Semaphore(int64_t value = 1);

  // Python's `Semaphore(value)`, with its check: InvalidArgument (ValueError
  // "semaphore initial value must be >= 0") for a negative value, or for one
  // above INT32_MAX.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Semaphore>> Create(int64_t value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Python's `acquire(blocking=True, timeout=None)`: takes one permit.
  //   blocking, nullopt:  waits until a permit is free; returns true.
  //   blocking, timeout:  waits at most `timeout` (zero or negative: polls);
  //                       returns true if it got a permit.
  //   !blocking:          polls; a timeout with it (Python's ValueError)
  //                       returns false (see `acquire_checked`).
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout = std::nullopt) {
    if (timeout.has_value() && !blocking) return false;
    if (TryTake()) return true;
    if (!blocking) return false;
    return AcquireSlow(timeout);
  }

  // As `acquire`, but `blocking=false` with a timeout returns kInvalidArgument.
  [[nodiscard]] absl::StatusOr<bool> acquire_checked(
      bool blocking = true, std::optional<absl::Duration> timeout = std::nullopt);

  // Python's `release(n=1)`: adds n permits and wakes up to n waiters.
  // n < 1: kInvalidArgument. Nothing changes on error.
  [[nodiscard]] absl::Status release(int64_t n = 1);

  // The number of free permits (Python's private `_value`): a snapshot, for
  // diagnostics and tests.
  [[nodiscard]] int64_t value() const {
    return count_.load(std::memory_order_relaxed);
  }

 protected:
  // The most permits a semaphore may hold: BoundedSemaphore's bound.
  Semaphore(int64_t value, int64_t bound);
  // Adds n permits if the count stays <= max_; `kind` names the class in errors.
  absl::Status Release(int64_t n, const char* kind);

 private:
  bool TryTake() {
    uint32_t c = count_.load(std::memory_order_relaxed);
    while (c > 0) {
      if (count_.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  bool AcquireSlow(std::optional<absl::Duration> timeout);

  const int64_t max_;               // INT32_MAX, or BoundedSemaphore's bound
  std::atomic<uint32_t> count_;     // free permits; also the futex word
  std::atomic<uint32_t> sleepers_{0};  // threads in (or about to enter) the futex
  internal::AdaptiveSpin spin_;
  std::atomic<int> releaser_cpu_{-1};  // CPU of the last release (spin.h, rule 2)
};

class BoundedSemaphore : public Semaphore {
 public:
  // Python's `BoundedSemaphore(value=1)`: `value` is also the bound. Clamps
  // as Semaphore's constructor: prefer Create.
  explicit BoundedSemaphore(int64_t value = 1);

  // As Semaphore::Create, for a BoundedSemaphore.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BoundedSemaphore>> Create(
      int64_t value = 1);

  // As `Semaphore::release`, but a release that would raise the count above
  // the initial value returns FailedPrecondition and changes nothing.
  [[nodiscard]] absl::Status release(int64_t n = 1);
};

}  // namespace conc

#endif  // MODULES_SYNC_SEMAPHORE_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// barrier.h: `conc::Barrier`, Python's `threading.Barrier`.
//
// A Barrier lets a fixed number of threads (`parties`) meet: each calls
// `wait()`, which blocks until all have arrived; then all are released at once
// and the barrier is ready for the next round. Optionally one of them (the
// last to arrive) runs an `action` first, before any is released.
//
// States (as CPython's threading.py names them):
//
//   state      meaning                                    wait() on entry
//   ---------  -----------------------------------------  ------------------------
//   filling    threads arriving for this round            joins the round
//   draining   round complete, threads leaving            waits for it to finish
//   resetting  reset() while threads were waiting         waits for it to finish
//   broken     abort(), a timeout or a failed action      returns Aborted at once
//
// A timeout in any waiter, `abort()`, or an action that fails breaks the
// barrier: every thread waiting, and every later `wait()`, gets Aborted
// (Python's BrokenBarrierError) until `reset()`. `reset()` wakes the current
// waiters with Aborted and makes the barrier usable again for the next round.
//
// Where it differs from Python:
//   * Errors are statuses: Python's BrokenBarrierError is kAborted.
//   * A party whose round completed always gets its index, even if another
//     party aborts the barrier before this one has left `wait()`; CPython
//     raises BrokenBarrierError in that window.
//   * The action returns `absl::Status` (or void). If it returns an error or
//     throws, the barrier breaks; the thread that ran it gets the action's own
//     status (a throw becomes kAborted, "Barrier action threw: <what>"), the
//     others get kAborted. Python re-raises the action's exception in that
//     thread; here nothing propagates out of the library.
//   * `parties < 1` is Python's ValueError. The constructors cannot fail:
//     they silently use 1 instead. `Barrier::Create(parties, ...)` says it:
//     kInvalidArgument for parties < 1.
//
// Compared with C++: `std::barrier` has no timeout, no abort or reset, and a
// completion function that must not throw; `std::latch` is single-use.
//
// Memory ordering: everything each party did before `wait()` happens-before
// the action and every party's return from that round's `wait()`.
//
// Lifetime: destroy a Barrier only when no thread is in `wait()`.
//
// Example:
//
//   conc::Barrier barrier(3, [] { std::puts("all three here"); });
//   // in each of three threads:
//   absl::StatusOr<int> index = barrier.wait(absl::Seconds(5));
//   if (!index.ok()) { /* broken: timeout, abort or failed action */ }

#ifndef MODULES_SYNC_BARRIER_H_
#define MODULES_SYNC_BARRIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/sync/condition.h"
#include "modules/sync/lock.h"

namespace conc {

class Barrier {
 public:
  using Action = std::function<absl::Status()>;

  // Python's `Barrier(parties, action=None, timeout=None)`. `timeout` is the
  // default for `wait()`.
  explicit Barrier(int parties, Action action = nullptr,
                   std::optional<absl::Duration> timeout = std::nullopt);
  // An action that returns nothing (it can still fail by throwing).
  template <typename F>
    requires std::is_void_v<std::invoke_result_t<F&>>
  Barrier(int parties, F action,
          std::optional<absl::Duration> timeout = std::nullopt)
      : Barrier(parties,
                Action([action = std::move(action)]() mutable {
                  action();
                  return absl::OkStatus();
                }),
                timeout) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Python's `Barrier(parties, action, timeout)`, with its check:
  // InvalidArgument (ValueError "parties must be >= 1") for parties < 1. The
  // constructors above take such a value as 1, silently.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Barrier>> Create(
      int parties, Action action = nullptr,
      std::optional<absl::Duration> timeout = std::nullopt);
  template <typename F>
    requires std::is_void_v<std::invoke_result_t<F&>>
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Barrier>> Create(
      int parties, F action, std::optional<absl::Duration> timeout = std::nullopt) {
    if (parties < 1) return PartiesError(parties);
    return std::make_unique<Barrier>(parties, std::move(action), timeout);
  }

  // Python's `wait(timeout=None)`: waits for all parties; returns this
  // thread's arrival index in the round (0 .. parties-1; the last to arrive,
  // parties-1, runs the action). `timeout` (nullopt: the barrier's default)
  // bounds the wait; when it passes the barrier breaks. Errors: kAborted if the
  // barrier is or becomes broken or is reset while waiting; the action's own
  // error for the thread that ran a failing action.
  [[nodiscard]] absl::StatusOr<int> wait(
      std::optional<absl::Duration> timeout = std::nullopt);

  // Python's `reset()`: back to the empty filling state. Threads waiting now
  // get kAborted; the next round works normally.
  void reset();

  // Python's `abort()`: breaks the barrier; waiting and future `wait()` calls
  // get kAborted until `reset()`.
  void abort();

  // Python's `parties`.
  [[nodiscard]] int parties() const { return parties_; }

  // Python's `n_waiting`: threads waiting in the current filling round.
  [[nodiscard]] int n_waiting() const;

  // Python's `broken`.
  [[nodiscard]] bool broken() const;

 private:
  enum class State { kFilling, kDraining, kResetting, kBroken };

  // Create's InvalidArgument for `parties` < 1.
  static absl::Status PartiesError(int parties);

  // CPython's helpers, same names; all run with lock_ held.
  absl::Status Enter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  absl::Status Release() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  absl::Status Wait(uint64_t my_round, const Deadline& deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  void Exit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  void Break() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);

  const int parties_;
  const Action action_;
  const std::optional<absl::Duration> default_timeout_;

  // As in CPython: a Condition over a Lock. It is notified (notify_all) on
  // every state change: round complete, drained, broken, reset.
  mutable Lock lock_;
  mutable Condition cond_{lock_};
  State state_ ABSL_GUARDED_BY(lock_) = State::kFilling;
  // Threads inside wait() (arrived in this round, or still draining from it).
  int count_ ABSL_GUARDED_BY(lock_) = 0;
  // Rounds completed so far. A waiter whose round completed returns its index
  // even if the barrier is aborted before it gets the lock back (CPython
  // would raise BrokenBarrierError in that window).
  uint64_t round_ ABSL_GUARDED_BY(lock_) = 0;
};

}  // namespace conc

#endif  // MODULES_SYNC_BARRIER_H_

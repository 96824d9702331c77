// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timeout.h: the project's timeout convention and `Deadline`, the monotonic
// deadline every blocking call measures its wait against.
//
// The convention (docs/DESIGN.md, "API conventions"): a blocking call takes
//
//   std::optional<absl::Duration> timeout = std::nullopt
//
//   * `std::nullopt` waits forever (Python's `timeout=None`);
//   * a positive duration waits at most that long (`timeout=2.5`);
//   * zero or a negative duration polls once and never blocks (Python's
//     `block=False`, or `timeout=0`). Python rejects a negative timeout in some
//     places (`queue.Queue.get` raises `ValueError`); where a chapter follows
//     Python instead, its header says so.
//
// A call converts its timeout to a `Deadline` once, on entry, and then asks the
// deadline how long is left before each wait. Spurious wake-ups, retries after
// `EINTR` and several waits in a row (take a lock, then wait on a condition)
// therefore share one budget instead of restarting the clock each time.
//
// Deadlines live on `std::chrono::steady_clock` (CLOCK_MONOTONIC on Linux), never
// on the wall clock: `absl::Now()` jumps when the administrator or NTP sets the
// time, and a wait measured on it could end early or last for hours. Python's
// `threading` uses `time.monotonic()` for the same reason.
//
// Example:
//
//   bool Event::wait(std::optional<absl::Duration> timeout) {
//     const conc::Deadline deadline = conc::Deadline::FromTimeout(timeout);
//     std::unique_lock<std::mutex> lock(mu_);
//     if (deadline.is_infinite()) {
//       cv_.wait(lock, [&] { return flag_; });
//       return true;
//     }
//     return cv_.wait_until(lock, deadline.to_steady_time_point(),
//                           [&] { return flag_; });
//   }
//
// For system calls: `poll(fds, n, deadline.remaining_poll_milliseconds())`, and
// `ppoll`/`FUTEX_WAIT` with `deadline.remaining_timespec()` (a null pointer when
// infinite).
//
// Guarantees:
//   * `remaining()` never goes up and is never negative.
//   * The integer and `timespec` conversions round up, so a wait never ends
//     before the deadline; a caller that wakes early (a signal, a spurious
//     wake-up) simply asks again.
//   * A timeout larger than `TIMEOUT_MAX` (below), `absl::InfiniteDuration()`
//     included, is an infinite deadline, never an overflow.
//
// TIMEOUT_MAX, Python's `threading.TIMEOUT_MAX`: the largest timeout honoured
// as finite. Exactly 2^63 - 1 nanoseconds halved, rounded down:
// 4'611'686'018.427387903 s (about 146 years). `FromTimeout(d)` gives a finite
// deadline for every 0 < d <= TIMEOUT_MAX (rounded up to a whole nanosecond)
// and an infinite one for every d > TIMEOUT_MAX; a blocking call given such a
// d waits until it is woken, as with nullopt. The bound is half the range of
// steady_clock's int64 nanoseconds, so now + TIMEOUT_MAX never overflows while
// the machine has been up less than ~146 years; the cut-off therefore does
// not depend on the uptime. Where it differs from Python: Python's
// TIMEOUT_MAX is larger (about 292 years) and a larger timeout raises
// OverflowError; here it waits forever.
//
// A `Deadline` is a small value (16 bytes): copy it freely. Its const methods are
// safe to call from several threads at once.

#ifndef MODULES_COMMON_TIMEOUT_H_
#define MODULES_COMMON_TIMEOUT_H_

#include <time.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/time/time.h"

namespace conc {

// The largest timeout conc honours as finite (see the top of this file);
// larger timeouts wait forever.
inline constexpr absl::Duration TIMEOUT_MAX =
    absl::Nanoseconds(std::numeric_limits<int64_t>::max() / 2);

class Deadline {
 public:
  // The clock every deadline in the project is measured on.
  using Clock = std::chrono::steady_clock;

  // Converts a timeout in the project's convention into a deadline measured from
  // now: `nullopt` (or any duration above TIMEOUT_MAX) gives an infinite
  // deadline, zero or negative gives a deadline that has already expired, so the
  // caller polls once.
  static Deadline FromTimeout(std::optional<absl::Duration> timeout);

  // A deadline that never expires.
  static Deadline Infinite();

  // A deadline at a given instant of the monotonic clock (may be in the past).
  static Deadline At(Clock::time_point when);

  // True for a deadline that never expires. Callers use it to pick the
  // untimed wait (`cv.wait` instead of `cv.wait_until`).
  bool is_infinite() const { return infinite_; }

  // True once the deadline has passed; always false when infinite.
  bool expired() const;

  // The time left: `absl::InfiniteDuration()` when infinite, otherwise
  // non-negative (zero once expired).
  absl::Duration remaining() const;

  // The instant for `std::condition_variable::wait_until` and friends;
  // `Clock::time_point::max()` when infinite (prefer the untimed wait then).
  Clock::time_point to_steady_time_point() const;

  // The time left as a relative `timespec` for `ppoll(2)`, `sigtimedwait(2)` and
  // `FUTEX_WAIT`, rounded up to the next nanosecond; `nullopt` when infinite
  // (pass a null pointer). Zero once expired.
  std::optional<timespec> remaining_timespec() const;

  // The deadline as an absolute CLOCK_MONOTONIC `timespec`, for
  // `FUTEX_WAIT_BITSET` and `sem_clockwait`; `nullopt` when infinite.
  std::optional<timespec> to_monotonic_timespec() const;

  // The time left as the millisecond argument of `poll(2)` and `epoll_wait(2)`:
  // -1 when infinite, 0 once expired, otherwise rounded UP to a whole
  // millisecond (1 µs left gives 1, so the caller never wakes early and spins)
  // and clamped to INT_MAX (~24.8 days; the caller loops if it wakes then).
  int remaining_poll_milliseconds() const;

 private:
  Deadline(bool infinite, Clock::time_point when) : infinite_(infinite), when_(when) {}

  bool infinite_;
  Clock::time_point when_;  // Meaningful only when !infinite_.
};

}  // namespace conc

#endif  // MODULES_COMMON_TIMEOUT_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// event.h: `conc::Event`, Python's `threading.Event`.
//
// An Event is a flag threads can wait for: `set()` raises it and wakes every
// waiter, `clear()` lowers it, `wait()` returns at once while it is up and
// otherwise sleeps until a `set()`. It stays set until cleared, so a thread
// that waits in a loop passes straight through every later `wait()` (the notebook's
// three-round cell shows exactly that).
//
// Guarantees:
//   * A `set()` wakes every thread waiting at that moment, even if `clear()`
//     follows at once: those waiters return true (as in Python, where they
//     were notified under the condition's lock).
//   * `wait()` returns true if the flag was set or a `set()` happened while it
//     waited, false only on timeout.
//
// Where it differs from Python: nothing but spelling; the timeout follows the
// project convention (nullopt forever, zero or negative polls), and Python's
// `wait` treats a negative timeout as zero too.
//
// Compared with C++: `std::latch(1)` and `absl::Notification` are one-shot (no
// `clear`); `std::atomic<bool>::wait` has no timeout. An Event is reusable and
// timed.
//
// Performance: a `wait` that must block spins briefly and adaptively first
// (common/internal/spin.h), so a ping-pong between threads on two CPUs answers
// without a futex wake-up (which costs far more than the spin), while threads sharing
// one CPU do not spin but yield the CPU to each other. `set()` makes a syscall
// only if someone sleeps.
//
// Memory ordering: everything a thread did before `set()` happens-before the
// return of a `wait()` that returns true because of it, and of an `is_set()`
// that returns true.
//
// Lifetime: destroy an Event only when no thread is in `wait()`.
//
// Example:
//
//   conc::Event ready;
//   std::jthread worker([&] { Prepare(); ready.set(); });
//   if (!ready.wait(absl::Seconds(5))) { /* timed out */ }

#ifndef MODULES_SYNC_EVENT_H_
#define MODULES_SYNC_EVENT_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "modules/common/internal/spin.h"

namespace conc {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Python's `is_set()`.
  [[nodiscard]] bool is_set() const {
    return (word_.load(std::memory_order_acquire) & kFlag) != 0;
  }

  // Python's `set()`: sets the flag and wakes every waiter.
  void set();

  // Python's `clear()`: lowers the flag; later waits block until `set()`.
  void clear();

  // Threads blocked in `wait()` past their spin (not a Python API: a snapshot
  // for tests and diagnostics).
  [[nodiscard]] int n_waiting() const {
    return static_cast<int>(sleeping_.load(std::memory_order_relaxed));
  }

  // Python's `wait(timeout=None)`: returns true at once if the flag is set,
  // otherwise waits for a `set()` (nullopt: forever; zero or negative: not at
  // all). Returns false only if the timeout passed.
  [[nodiscard]] bool wait(std::optional<absl::Duration> timeout = std::nullopt) {
    if (is_set()) return true;
    return WaitSlow(timeout);
  }

 private:
  // The word, also the futex:
  //   bit 0      the flag
  //   bit 1      someone may sleep on the futex: set() must wake
  //   bits 2..   generation: +1 on every set() that raises the flag
  // A waiter that found the flag down returns as soon as the word's
  // generation moves, whatever the flag says by then.
  static constexpr uint32_t kFlag = 1;
  static constexpr uint32_t kSleepers = 2;
  static constexpr uint32_t kGenerationOne = 4;

  bool WaitSlow(std::optional<absl::Duration> timeout);

  std::atomic<uint32_t> word_{0};
  std::atomic<uint32_t> sleeping_{0};  // see n_waiting()
  std::atomic<int> setter_cpu_{-1};    // CPU of the last set() (spin.h, rule 2)
  internal::AdaptiveSpin spin_;
};

}  // namespace conc

#endif  // MODULES_SYNC_EVENT_H_

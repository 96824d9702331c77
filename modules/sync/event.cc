// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/event.h"

#include "modules/common/timeout.h"
#include "modules/common/internal/futex.h"

namespace conc {

void Event::set() {
  // Written only when it changes: a store would pull the cache line away
  // from a thread spinning on this object.
  if (const int cpu = internal::CurrentCpu();
      setter_cpu_.load(std::memory_order_relaxed) != cpu) {
    setter_cpu_.store(cpu, std::memory_order_relaxed);
  }
  uint32_t word = word_.load(std::memory_order_relaxed);
  uint32_t next;
  do {
    if ((word & kFlag) != 0) {
      // Already set: nobody can be waiting for this generation. A release
      // RMW anyway, so that this set() also publishes what preceded it.
      word_.fetch_or(0, std::memory_order_release);
      return;
    }
    next = ((word & ~(kFlag | kSleepers)) + kGenerationOne) | kFlag;
  } while (!word_.compare_exchange_weak(word, next, std::memory_order_release,
                                        std::memory_order_relaxed));
  if ((word & kSleepers) != 0) internal::FutexWakeAll(&word_, internal::FutexScope::kPrivate);
}

void Event::clear() { word_.fetch_and(~kFlag, std::memory_order_relaxed); }

bool Event::WaitSlow(std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  uint32_t seen = word_.load(std::memory_order_acquire);
  if ((seen & kFlag) != 0) return true;
  const uint32_t generation = seen >> 2;
  auto moved = [&] {
    return (word_.load(std::memory_order_acquire) >> 2) != generation;
  };
  if (deadline.expired()) return false;
  if (spin_.Spin(moved, setter_cpu_.load(std::memory_order_relaxed))) {
    return true;
  }
  sleeping_.fetch_add(1, std::memory_order_relaxed);
  bool result;
  while (true) {
    seen = word_.load(std::memory_order_acquire);
    if ((seen >> 2) != generation) {
      result = true;
      break;
    }
    if ((seen & kSleepers) == 0 &&
        !word_.compare_exchange_strong(seen, seen | kSleepers,
                                       std::memory_order_acquire,
                                       std::memory_order_acquire)) {
      continue;  // The word changed under us: look again.
    }
    if (!internal::FutexWait(&word_, seen | kSleepers, deadline, internal::FutexScope::kPrivate)) {
      result = moved();
      break;
    }
  }
  sleeping_.fetch_sub(1, std::memory_order_relaxed);
  return result;
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#include <optional>

namespace conc::internal {

bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected, const Deadline& deadline) {
  if (deadline.expired()) return false;
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (plain FUTEX_WAIT
  // a relative one): no drift when the wait is restarted after a signal.
  const std::optional<timespec> abs = deadline.to_monotonic_timespec();
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_BITSET, expected,
            abs ? &*abs : nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
  return !deadline.expired();
}

void FutexWake(std::atomic<uint32_t>* word, int count) {
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, count, nullptr, nullptr,
            0);
}

}  // namespace conc::internal

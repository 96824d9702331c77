// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/internal/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <optional>

namespace conc::sync_internal {
namespace {

uint32_t* Address(std::atomic<uint32_t>* word) {
  // std::atomic<uint32_t> is lock-free and layout-compatible with uint32_t on
  // every platform Linux runs on (checked by the static_assert in the header).
  return reinterpret_cast<uint32_t*>(word);
}

}  // namespace

bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
               const Deadline& deadline) {
  if (deadline.is_infinite()) {
    syscall(SYS_futex, Address(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
            nullptr, 0);
    return true;
  }
  const std::optional<timespec> when = deadline.to_monotonic_timespec();
  if (deadline.expired()) return false;
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, so a wait
  // interrupted by a signal and retried by the caller keeps its deadline.
  const long rc = syscall(SYS_futex, Address(word),
                          FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected,
                          &*when, nullptr, FUTEX_BITSET_MATCH_ANY);
  if (rc == -1 && errno == ETIMEDOUT) return false;
  return !deadline.expired();
}

void FutexWake(std::atomic<uint32_t>* word, int n) {
  syscall(SYS_futex, Address(word), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr,
          0);
}

void FutexRequeueOne(std::atomic<uint32_t>* from, uint32_t expected,
                     std::atomic<uint32_t>* to) {
  // nr_wake = 0; nr_requeue (passed in the timeout slot) = 1.
  syscall(SYS_futex, Address(from), FUTEX_CMP_REQUEUE_PRIVATE, 0,
          reinterpret_cast<void*>(uintptr_t{1}), Address(to), expected);
}

void FutexWakeAll(std::atomic<uint32_t>* word) { FutexWake(word, INT_MAX); }

}  // namespace conc::sync_internal

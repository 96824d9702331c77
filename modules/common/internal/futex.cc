// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <optional>

namespace conc::internal {
namespace {

uint32_t* Address(std::atomic<uint32_t>* word) {
  // Layout-compatible with uint32_t (the static_assert in the header).
  return reinterpret_cast<uint32_t*>(word);
}

int Op(int op, FutexScope scope) {
  return scope == FutexScope::kPrivate ? op | FUTEX_PRIVATE_FLAG : op;
}

}  // namespace

bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected, const Deadline& deadline,
               FutexScope scope) {
  if (deadline.is_infinite()) {
    ::syscall(SYS_futex, Address(word), Op(FUTEX_WAIT, scope), expected, nullptr, nullptr, 0);
    return true;
  }
  if (deadline.expired()) return false;
  const std::optional<timespec> when = deadline.to_monotonic_timespec();
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (plain FUTEX_WAIT a
  // relative one), so a wait interrupted by a signal and retried keeps its deadline.
  const long rc = ::syscall(SYS_futex, Address(word), Op(FUTEX_WAIT_BITSET, scope), expected,
                            when ? &*when : nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
  if (rc == -1 && errno == ETIMEDOUT) return false;
  return !deadline.expired();
}

void FutexWake(std::atomic<uint32_t>* word, int n, FutexScope scope) {
  ::syscall(SYS_futex, Address(word), Op(FUTEX_WAKE, scope), n, nullptr, nullptr, 0);
}

void FutexWakeAll(std::atomic<uint32_t>* word, FutexScope scope) {
  FutexWake(word, INT_MAX, scope);
}

void FutexRequeueOne(std::atomic<uint32_t>* from, uint32_t expected, std::atomic<uint32_t>* to,
                     FutexScope scope) {
  // nr_wake = 0; nr_requeue (passed in the timeout slot) = 1.
  ::syscall(SYS_futex, Address(from), Op(FUTEX_CMP_REQUEUE, scope), 0,
            reinterpret_cast<void*>(uintptr_t{1}), Address(to), expected);
}

}  // namespace conc::internal

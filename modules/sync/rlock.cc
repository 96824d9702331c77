// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/rlock.h"

#include "modules/common/status.h"

namespace conc {

uintptr_t RLock::CurrentThreadId() {
  // The address of a thread_local is unique among live threads and never null.
  thread_local char marker;
  return reinterpret_cast<uintptr_t>(&marker);
}

bool RLock::acquire(bool blocking, std::optional<absl::Duration> timeout)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (timeout.has_value() && (!blocking || *timeout < absl::ZeroDuration())) {
    return false;
  }
  const uintptr_t me = CurrentThreadId();
  if (owner_.load(std::memory_order_relaxed) == me) {
    ++count_;
    return true;
  }
  if (!lock_.acquire(blocking, timeout)) return false;
  owner_.store(me, std::memory_order_relaxed);
  count_ = 1;
  return true;
}

absl::StatusOr<bool> RLock::acquire_checked(
    bool blocking, std::optional<absl::Duration> timeout) {
  if (timeout.has_value() && !blocking) {
    return ValueError("RLock.acquire: can't specify a timeout for a non-blocking call");
  }
  if (timeout.has_value() && *timeout < absl::ZeroDuration()) {
    return ValueError("RLock.acquire: timeout value must be a non-negative number "
                      "(Python's -1 is std::nullopt)");
  }
  return acquire(blocking, timeout);
}

absl::Status RLock::release() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (!is_owned()) {
    return MisuseError("RLock.release: cannot release un-acquired lock");
  }
  if (--count_ == 0) {
    owner_.store(0, std::memory_order_relaxed);
    return lock_.release();
  }
  return absl::OkStatus();
}

uint64_t RLock::ReleaseSave() {
  const uint64_t count = count_;
  count_ = 0;
  owner_.store(0, std::memory_order_relaxed);
  (void)lock_.release();  // Cannot fail: we hold it.
  return count;
}

void RLock::AcquireRestore(uint64_t count, bool after_sleep) {
  if (after_sleep) {
    lock_.AcquireAfterSleep();
  } else {
    (void)lock_.acquire();  // Untimed: always true.
  }
  owner_.store(CurrentThreadId(), std::memory_order_relaxed);
  count_ = count;
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/lock.h"

#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/futex.h"

namespace conc {

absl::StatusOr<bool> Lock::acquire_checked(
    bool blocking, std::optional<absl::Duration> timeout) {
  if (timeout.has_value() && !blocking) {
    return ValueError("Lock.acquire: can't specify a timeout for a non-blocking call");
  }
  if (timeout.has_value() && *timeout < absl::ZeroDuration()) {
    return ValueError("Lock.acquire: timeout value must be a non-negative number "
                      "(Python's -1 is std::nullopt)");
  }
  return acquire(blocking, timeout);
}

bool Lock::AcquireSlow(std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  auto try_take = [this] {
    uint32_t expected = kUnlocked;
    return state_.load(std::memory_order_relaxed) == kUnlocked &&
           state_.compare_exchange_strong(expected, kLocked,
                                          std::memory_order_acquire,
                                          std::memory_order_relaxed);
  };
  // timeout=0 polls once (the fast path already did): no spin, no sleep.
  if (deadline.expired()) return Took(try_take());
  // The holder may be about to let go: spin briefly (adaptive, see spin.h).
  if (spin_.Spin(try_take, holder_cpu_.load(std::memory_order_relaxed))) {
    return Took(true);
  }
  // Sleep. From now on we take the lock as kLockedWithSleepers, because we
  // cannot tell whether other sleepers remain; at worst one release makes a
  // needless wake-up call.
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  bool acquired;
  while (true) {
    if (state_.exchange(kLockedWithSleepers, std::memory_order_seq_cst) ==
        kUnlocked) {
      acquired = true;
      break;
    }
    if (!internal::FutexWait(&state_, kLockedWithSleepers, deadline, internal::FutexScope::kPrivate)) {
      uint32_t expected = kUnlocked;
      acquired = state_.compare_exchange_strong(expected, kLockedWithSleepers,
                                                std::memory_order_seq_cst,
                                                std::memory_order_relaxed);
      break;
    }
  }
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return Took(acquired);
}

bool Lock::Took(bool acquired) {
  if (acquired) {
    const int cpu = internal::CurrentCpu();
    if (holder_cpu_.load(std::memory_order_relaxed) != cpu) {
      holder_cpu_.store(cpu, std::memory_order_relaxed);
    }
  }
  return acquired;
}

std::atomic<uint32_t>* Lock::PrepareRequeue() {
  // The requeued thread counts as a sleeper until AcquireAfterSleep.
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  uint32_t state = state_.load(std::memory_order_relaxed);
  while (state != kLockedWithSleepers) {
    if (state == kUnlocked) {
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      return nullptr;
    }
    if (state_.compare_exchange_weak(state, kLockedWithSleepers,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  return &state_;
}

void Lock::AcquireAfterSleep() {
  // Counted in sleepers_ by PrepareRequeue on our behalf.
  while (state_.exchange(kLockedWithSleepers, std::memory_order_seq_cst) !=
         kUnlocked) {
    internal::FutexWait(&state_, kLockedWithSleepers, Deadline::Infinite(), internal::FutexScope::kPrivate);
  }
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  (void)Took(true);
}

bool Lock::DeferWake(std::atomic<uint32_t>* word) {
  if (deferred_wake_.load(std::memory_order_relaxed) != nullptr) return false;
  // Route the next release() through WakeSleepers().
  uint32_t state = state_.load(std::memory_order_relaxed);
  while (state != kLockedWithSleepers) {
    if (state == kUnlocked) return false;
    if (state_.compare_exchange_weak(state, kLockedWithSleepers,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  deferred_wake_.store(word, std::memory_order_relaxed);
  return true;
}

void Lock::WakeSleepers() {
  // The holder (a Condition's notifier) may have left a waiter to wake now
  // that the lock is free; it sleeps on its own futex, not on state_.
  if (std::atomic<uint32_t>* deferred =
          deferred_wake_.exchange(nullptr, std::memory_order_relaxed)) {
    internal::FutexWake(deferred, 1, internal::FutexScope::kPrivate);
    // A thread that counts itself in sleepers_ after our exchange(kUnlocked)
    // finds the lock free and takes it without sleeping (both seq_cst).
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
  }
  internal::FutexWake(&state_, 1, internal::FutexScope::kPrivate);
}

absl::Status Lock::UnlockedError() {
  return MisuseError("Lock.release: release unlocked lock");
}

}  // namespace conc

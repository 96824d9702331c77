// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/semaphore.h"

#include <algorithm>
#include <climits>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/futex.h"

namespace conc {
namespace {

constexpr int64_t kMaxPermits = INT32_MAX;

uint32_t Clamp(int64_t value, int64_t bound) {
  return static_cast<uint32_t>(std::clamp<int64_t>(value, 0, bound));
}

// Python's check of an initial value, and ours of the INT32_MAX limit.
absl::Status CheckInitialValue(int64_t value, const char* kind) {
  if (value < 0) {
    return ValueError(absl::StrCat(kind, ": semaphore initial value must be >= 0 (got ", value,
                                   ")"));
  }
  if (value > kMaxPermits) {
    return ValueError(absl::StrCat(kind, ": initial value ", value, " exceeds the limit of ",
                                   kMaxPermits, " permits"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Semaphore>> Semaphore::Create(int64_t value) {
  if (absl::Status s = CheckInitialValue(value, "Semaphore"); !s.ok()) return s;
  return std::make_unique<Semaphore>(value);
}

absl::StatusOr<std::unique_ptr<BoundedSemaphore>> BoundedSemaphore::Create(int64_t value) {
  if (absl::Status s = CheckInitialValue(value, "BoundedSemaphore"); !s.ok()) return s;
  return std::make_unique<BoundedSemaphore>(value);
}

Semaphore::Semaphore(int64_t value) : Semaphore(value, kMaxPermits) {}

Semaphore::Semaphore(int64_t value, int64_t bound)
    : max_(std::clamp<int64_t>(bound, 0, kMaxPermits)),
      count_(Clamp(value, max_)) {}

absl::StatusOr<bool> Semaphore::acquire_checked(
    bool blocking, std::optional<absl::Duration> timeout) {
  if (timeout.has_value() && !blocking) {
    return ValueError("Semaphore.acquire: can't specify timeout for non-blocking acquire");
  }
  return acquire(blocking, timeout);
}

bool Semaphore::AcquireSlow(std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (deadline.expired()) return TryTake();
  if (spin_.Spin([this] { return TryTake(); },
                 releaser_cpu_.load(std::memory_order_relaxed))) {
    return true;
  }
  // Announce ourselves before the last look at the count; release() adds to
  // the count before it reads sleepers_. Both sides are seq_cst, so at least
  // one of them sees the other (no lost wake-up).
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  bool got = false;
  while (true) {
    uint32_t c = count_.load(std::memory_order_seq_cst);
    if (c > 0) {
      if (count_.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        got = true;
        break;
      }
      continue;
    }
    if (!internal::FutexWait(&count_, 0, deadline, internal::FutexScope::kPrivate)) {
      got = TryTake();
      break;
    }
  }
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return got;
}

absl::Status Semaphore::release(int64_t n) { return Release(n, "Semaphore"); }

absl::Status Semaphore::Release(int64_t n, const char* kind) {
  if (n < 1) {
    return ValueError(std::string(kind) + ".release: n must be one or more");
  }
  // Written only when it changes: a store would pull the cache line away
  // from a thread spinning on this object.
  if (const int cpu = internal::CurrentCpu();
      releaser_cpu_.load(std::memory_order_relaxed) != cpu) {
    releaser_cpu_.store(cpu, std::memory_order_relaxed);
  }
  uint32_t c = count_.load(std::memory_order_relaxed);
  do {
    if (n > max_ - static_cast<int64_t>(c)) {
      if (max_ < kMaxPermits) {
        return MisuseError(std::string(kind) + ".release: released too many times");
      }
      return ValueError(std::string(kind) + ".release: more than INT32_MAX permits");
    }
  } while (!count_.compare_exchange_weak(c, c + static_cast<uint32_t>(n),
                                         std::memory_order_seq_cst,
                                         std::memory_order_relaxed));
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    internal::FutexWake(&count_, static_cast<int>(std::min<int64_t>(n, INT_MAX)), internal::FutexScope::kPrivate);
  }
  return absl::OkStatus();
}

BoundedSemaphore::BoundedSemaphore(int64_t value) : Semaphore(value, value) {}

absl::Status BoundedSemaphore::release(int64_t n) {
  return Release(n, "BoundedSemaphore");
}

}  // namespace conc

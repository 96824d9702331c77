// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/mp_semaphore.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/futex.h"

namespace conc::mp {
namespace internal {

inline constexpr uint32_t kSemMagic = 0x6d536d31u;  // "mSm1"

// The shared state. magic, kind and max are written once by the creator before
// the region is shared and only read afterwards.
struct SemState {
  uint32_t magic;
  uint32_t kind;  // Semaphore::Kind
  uint32_t max;   // INT32_MAX, or a BoundedSemaphore's bound
  // The free permits; also the futex word acquirers sleep on. On its own cache
  // line: it is the only word written on the fast path.
  alignas(64) std::atomic<uint32_t> count;
  // Acquirers that announced they may sleep (release() wakes only if > 0).
  std::atomic<uint32_t> sleepers;
};

}  // namespace internal

namespace {

constexpr int64_t kMaxPermits = INT32_MAX;

const char* KindName(uint32_t kind) { return kind == 2 ? "BoundedSemaphore" : "Semaphore"; }

}  // namespace

absl::StatusOr<Semaphore> Semaphore::CreateKind(int64_t value, Kind kind) {
  const char* name = KindName(static_cast<uint32_t>(kind));
  if (value < 0) return ValueError(std::string(name) + ": initial value must be >= 0");
  if (value > kMaxPermits) {
    return ValueError(std::string(name) + ": initial value exceeds INT32_MAX (SEM_VALUE_MAX)");
  }
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Create(sizeof(internal::SemState), "conc-mp-semaphore");
  if (!region.ok()) return region.status();
  auto* state = new ((*region)->data()) internal::SemState;
  state->kind = static_cast<uint32_t>(kind);
  state->max = static_cast<uint32_t>(kind == Kind::kBounded ? value : kMaxPermits);
  state->count.store(static_cast<uint32_t>(value), std::memory_order_relaxed);
  state->sleepers.store(0, std::memory_order_relaxed);
  // The magic last: a region is a semaphore once it is complete.
  std::atomic_ref<uint32_t>(state->magic).store(internal::kSemMagic, std::memory_order_release);
  return Semaphore(*std::move(region), state);
}

absl::StatusOr<Semaphore> Semaphore::AttachKind(SemaphoreHandle handle, Kind kind) {
  const char* name = KindName(static_cast<uint32_t>(kind));
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Attach({handle.fd}, sizeof(internal::SemState));
  if (!region.ok()) return region.status();
  auto* state = reinterpret_cast<internal::SemState*>((*region)->data());
  if (std::atomic_ref<uint32_t>(state->magic).load(std::memory_order_acquire) !=
          internal::kSemMagic ||
      state->kind != static_cast<uint32_t>(kind)) {
    return ValueError(std::string(name) + "::Attach: descriptor " + std::to_string(handle.fd) +
                      " does not hold a " + name);
  }
  return Semaphore(*std::move(region), state);
}

absl::StatusOr<Semaphore> Semaphore::Create(int64_t value) {
  return CreateKind(value, Kind::kSemaphore);
}

absl::StatusOr<Semaphore> Semaphore::Attach(SemaphoreHandle handle) {
  return AttachKind(handle, Kind::kSemaphore);
}

bool Semaphore::TryTake() const {
  uint32_t c = state_->count.load(std::memory_order_relaxed);
  while (c > 0) {
    if (state_->count.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

bool Semaphore::acquire(bool blocking, std::optional<absl::Duration> timeout) const {
  if (TryTake()) return true;
  if (!blocking) return false;
  return AcquireSlow(timeout);
}

bool Semaphore::AcquireSlow(std::optional<absl::Duration> timeout) const {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (deadline.expired()) return TryTake();
  // Announce ourselves before the last look at the count; release() adds to
  // the count before it reads `sleepers`. Both sides are seq_cst, so at least
  // one sees the other: either we see the permit or release() wakes us.
  state_->sleepers.fetch_add(1, std::memory_order_seq_cst);
  bool got = false;
  while (true) {
    uint32_t c = state_->count.load(std::memory_order_seq_cst);
    if (c > 0) {
      if (state_->count.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
        got = true;
        break;
      }
      continue;
    }
    if (!conc::internal::FutexWait(&state_->count, 0, deadline, conc::internal::FutexScope::kShared)) {
      got = TryTake();  // a permit released at the very end still counts
      break;
    }
  }
  state_->sleepers.fetch_sub(1, std::memory_order_relaxed);
  return got;
}

absl::Status Semaphore::release(int64_t n) const {
  const char* name = KindName(state_->kind);
  if (n < 1) return ValueError(std::string(name) + ".release: n must be one or more");
  const int64_t max = state_->max;
  uint32_t c = state_->count.load(std::memory_order_relaxed);
  do {
    if (n > max - static_cast<int64_t>(c)) {
      if (state_->kind == static_cast<uint32_t>(Kind::kBounded)) {
        return MisuseError(std::string(name) + ".release: semaphore released too many times");
      }
      return ValueError(std::string(name) + ".release: more than INT32_MAX permits");
    }
  } while (!state_->count.compare_exchange_weak(
      c, c + static_cast<uint32_t>(n), std::memory_order_seq_cst, std::memory_order_relaxed));
  if (state_->sleepers.load(std::memory_order_seq_cst) > 0) {
    conc::internal::FutexWake(&state_->count, static_cast<int>(std::min<int64_t>(n, INT_MAX)), conc::internal::FutexScope::kShared);
  }
  return absl::OkStatus();
}

int64_t Semaphore::get_value() const { return state_->count.load(std::memory_order_relaxed); }

int64_t Semaphore::bound() const { return state_->max; }

int Semaphore::sleepers() const {
  return static_cast<int>(state_->sleepers.load(std::memory_order_relaxed));
}

absl::StatusOr<BoundedSemaphore> BoundedSemaphore::Create(int64_t value) {
  absl::StatusOr<Semaphore> s = CreateKind(value, Kind::kBounded);
  if (!s.ok()) return s.status();
  return BoundedSemaphore(*std::move(s));
}

absl::StatusOr<BoundedSemaphore> BoundedSemaphore::Attach(SemaphoreHandle handle) {
  absl::StatusOr<Semaphore> s = AttachKind(handle, Kind::kBounded);
  if (!s.ok()) return s.status();
  return BoundedSemaphore(*std::move(s));
}

}  // namespace conc::mp

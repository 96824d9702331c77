// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The algorithm is CPython's (Lib/threading.py, class Barrier), as in
// modules/sync/barrier.cc, over a robust mutex and a futex word in shared
// memory, plus the "acting" state (the action runs unlocked) and the slots
// that let waiters notice a dead party.

#include "modules/ipc/mp_barrier.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "modules/common/status.h"
#include "modules/common/internal/futex.h"
#include "modules/common/internal/robust_mutex.h"

namespace conc::mp {
namespace internal {

inline constexpr uint32_t kBarrierMagic = 0x6d427231u;  // "mBr1"

enum State : uint32_t {
  kFilling = 0,
  kActing = 1,  // the last party runs its action, with `mu` released
  kDraining = 2,
  kResetting = 3,
  kBroken = 4,
};

// One per party that can be inside wait(). `alive` is held by the party for
// as long as it is inside wait(): when it dies, the kernel marks the robust
// mutex, and the next TryLock says EOWNERDEAD.
struct BarrierSlot {
  conc::internal::RobustMutex alive;
  uint32_t used;  // guarded by BarrierState::mu
};

// The shared state. magic, parties and the default timeout are written once
// by the creator before the region is shared.
//
// Invariant (with `mu` held): count == the number of slots with `used` set.
struct BarrierState {
  uint32_t magic;
  int32_t parties;
  int64_t default_timeout_ns;  // < 0: none (wait forever)
  conc::internal::RobustMutex mu;
  // Guarded by mu; atomic so that broken()/n_waiting() can read a snapshot
  // without the lock (relaxed).
  std::atomic<uint32_t> state;
  std::atomic<int32_t> count;  // parties inside wait(): arrived or draining
  uint64_t round;              // rounds completed (guarded by mu)
  // The futex word: +1 (under mu) on every state change; waiters sleep on it.
  alignas(64) std::atomic<uint32_t> seq;
  std::atomic<uint32_t> sleepers;    // changed under mu
  alignas(64) BarrierSlot slots[1];  // `parties` of them
};

size_t BarrierSize(int parties) {
  return offsetof(BarrierState, slots) + sizeof(BarrierSlot) * static_cast<size_t>(parties);
}

}  // namespace internal

namespace {

using internal::BarrierState;
using internal::State;

constexpr absl::Duration kReapInterval = absl::Milliseconds(100);

absl::Status BrokenBarrier() { return BrokenError("Barrier: broken"); }

}  // namespace

absl::StatusOr<Barrier> Barrier::Create(int parties, Action action,
                                        std::optional<absl::Duration> timeout) {
  if (parties < 1 || parties > kMaxParties) {
    return ValueError("Barrier: parties must be between 1 and " + std::to_string(kMaxParties) +
                      ", got " + std::to_string(parties));
  }
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Create(internal::BarrierSize(parties), "conc-mp-barrier");
  if (!region.ok()) return region.status();
  auto* state = new ((*region)->data()) BarrierState;
  state->parties = parties;
  state->default_timeout_ns =
      timeout.has_value() ? std::max<int64_t>(0, absl::ToInt64Nanoseconds(*timeout)) : -1;
  if (absl::Status s = state->mu.Init(); !s.ok()) return s;
  for (int i = 0; i < parties; ++i) {
    auto* slot = new (&state->slots[i]) internal::BarrierSlot;
    if (absl::Status s = slot->alive.Init(); !s.ok()) return s;
    slot->used = 0;
  }
  state->state.store(internal::kFilling, std::memory_order_relaxed);
  state->count.store(0, std::memory_order_relaxed);
  state->round = 0;
  state->seq.store(0, std::memory_order_relaxed);
  state->sleepers.store(0, std::memory_order_relaxed);
  std::atomic_ref<uint32_t>(state->magic).store(internal::kBarrierMagic, std::memory_order_release);
  return Barrier(*std::move(region), state, std::move(action));
}

absl::StatusOr<Barrier> Barrier::Attach(BarrierHandle handle, Action action) {
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Attach({handle.fd}, internal::BarrierSize(1));
  if (!region.ok()) return region.status();
  auto* state = reinterpret_cast<BarrierState*>((*region)->data());
  if (std::atomic_ref<uint32_t>(state->magic).load(std::memory_order_acquire) !=
          internal::kBarrierMagic ||
      state->parties < 1 || state->parties > kMaxParties ||
      internal::BarrierSize(state->parties) > (*region)->size()) {
    return ValueError("Barrier::Attach: descriptor " + std::to_string(handle.fd) +
                      " does not hold a Barrier");
  }
  return Barrier(*std::move(region), state, std::move(action));
}

absl::Status Barrier::Lock() const {
  absl::Status s = state_->mu.Lock();
  if (!IsOwnerDied(s)) return s;
  // The previous holder died in the middle of some bookkeeping: condemn the
  // round, reclaim dead parties and recompute the count from the slots.
  state_->mu.MarkConsistent();
  (void)ReapLocked(-1);
  int32_t used = 0;
  for (int i = 0; i < state_->parties; ++i) used += state_->slots[i].used != 0 ? 1 : 0;
  state_->count.store(used, std::memory_order_relaxed);
  BreakLocked();
  return OwnerDiedError(
      "Barrier: a process died holding the barrier's lock; the barrier is broken until reset()");
}

void Barrier::Unlock() const { state_->mu.Unlock(); }

void Barrier::NotifyLocked() const {
  state_->seq.fetch_add(1, std::memory_order_release);
  if (state_->sleepers.load(std::memory_order_relaxed) > 0) {
    conc::internal::FutexWake(&state_->seq, INT_MAX, conc::internal::FutexScope::kShared);
  }
}

void Barrier::BreakLocked() const {
  state_->state.store(internal::kBroken, std::memory_order_relaxed);
  NotifyLocked();
}

int Barrier::ReapLocked(int my_slot) const {
  int reaped = 0;
  for (int i = 0; i < state_->parties; ++i) {
    internal::BarrierSlot& slot = state_->slots[i];
    if (i == my_slot || slot.used == 0) continue;
    absl::Status s = slot.alive.TryLock();
    if (absl::IsDeadlineExceeded(s)) continue;  // held: its party is alive
    // Its holder died (EOWNERDEAD), or died between claiming and locking it
    // (OK: nobody held it). Either way the party is gone.
    if (IsOwnerDied(s)) slot.alive.MarkConsistent();
    if (s.ok() || IsOwnerDied(s)) slot.alive.Unlock();
    slot.used = 0;
    state_->count.fetch_sub(1, std::memory_order_relaxed);
    ++reaped;
  }
  if (reaped == 0) return 0;
  const uint32_t st = state_->state.load(std::memory_order_relaxed);
  if (st == internal::kFilling || st == internal::kActing) {
    // A party of the current round is gone: the round can never complete.
    BreakLocked();
  } else if (state_->count.load(std::memory_order_relaxed) == 0 &&
             (st == internal::kDraining || st == internal::kResetting)) {
    state_->state.store(internal::kFilling, std::memory_order_relaxed);
    NotifyLocked();
  }
  return reaped;
}

bool Barrier::SleepLocked(const Deadline& deadline, int my_slot) const {
  if (deadline.expired()) return false;
  const Deadline slice = Deadline::FromTimeout(
      deadline.is_infinite() ? kReapInterval : std::min(kReapInterval, deadline.remaining()));
  const uint32_t seen = state_->seq.load(std::memory_order_acquire);
  state_->sleepers.fetch_add(1, std::memory_order_relaxed);
  Unlock();
  (void)conc::internal::FutexWait(&state_->seq, seen, slice, conc::internal::FutexScope::kShared);
  // A dead holder of `mu` is handled (and reported) by the barrier's
  // breaking: the caller sees the broken state.
  (void)Lock();
  state_->sleepers.fetch_sub(1, std::memory_order_relaxed);
  if (slice.expired()) (void)ReapLocked(my_slot);
  return true;
}

absl::Status Barrier::RunAction() const {
  try {
    return action_();
  } catch (const std::exception& e) {
    return BrokenError(std::string("Barrier action threw: ") + e.what());
  } catch (...) {
    return BrokenError("Barrier action threw a non-std::exception");
  }
}

absl::StatusOr<int> Barrier::wait(std::optional<absl::Duration> timeout) const {
  if (!timeout.has_value() && state_->default_timeout_ns >= 0) {
    timeout = absl::Nanoseconds(state_->default_timeout_ns);
  }
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (absl::Status s = Lock(); !s.ok()) {
    if (IsOwnerDied(s)) Unlock();
    return s;
  }
  // _enter: block while the previous round drains, an action runs or a reset
  // completes (bounded by the deadline: giving up breaks the barrier).
  while (true) {
    const uint32_t st = state_->state.load(std::memory_order_relaxed);
    if (st != internal::kDraining && st != internal::kResetting && st != internal::kActing) break;
    if (!SleepLocked(deadline, -1)) {
      BreakLocked();
      Unlock();
      return BrokenError("Barrier: timed out waiting for the previous round; barrier broken");
    }
  }
  if (state_->state.load(std::memory_order_relaxed) == internal::kBroken) {
    Unlock();
    return BrokenBarrier();
  }
  // Join the round: take an index and a slot (count < parties here: a full
  // round is acting or draining).
  const int index = state_->count.fetch_add(1, std::memory_order_relaxed);
  const uint64_t my_round = state_->round;
  int my_slot = 0;
  while (state_->slots[my_slot].used != 0) ++my_slot;
  internal::BarrierSlot& slot = state_->slots[my_slot];
  slot.used = 1;
  // Uncontended (free slots are unlocked); a dead former holder's mark is
  // cleared by ReapLocked before the slot is freed.
  (void)slot.alive.Lock();

  absl::Status status;
  if (index + 1 == state_->parties) {
    // _release: the last party runs its handle's action, unlocked.
    if (action_) {
      state_->state.store(internal::kActing, std::memory_order_relaxed);
      NotifyLocked();
      Unlock();
      absl::Status acted = RunAction();
      (void)Lock();  // a death meanwhile shows as a broken state below
      if (state_->state.load(std::memory_order_relaxed) != internal::kActing ||
          state_->round != my_round) {
        status = BrokenBarrier();  // broken or reset while the action ran
      } else if (!acted.ok()) {
        BreakLocked();
        status = acted;
      }
    }
    if (status.ok()) {
      ++state_->round;
      state_->state.store(internal::kDraining, std::memory_order_relaxed);
      NotifyLocked();
    }
  } else {
    // _wait: until the round completes, or the barrier breaks or resets.
    while (true) {
      if (state_->round != my_round) break;  // our round completed: success
      const uint32_t st = state_->state.load(std::memory_order_relaxed);
      if (st == internal::kBroken || st == internal::kResetting) {
        status = BrokenBarrier();
        break;
      }
      if (!SleepLocked(deadline, my_slot)) {
        if (state_->round != my_round) break;
        BreakLocked();
        status = BrokenError("Barrier: timed out, barrier broken");
        break;
      }
    }
  }

  // _exit: leave the slot; the last to leave ends draining or resetting.
  slot.alive.Unlock();
  slot.used = 0;
  if (state_->count.fetch_sub(1, std::memory_order_relaxed) == 1) {
    const uint32_t st = state_->state.load(std::memory_order_relaxed);
    if (st == internal::kDraining || st == internal::kResetting) {
      state_->state.store(internal::kFilling, std::memory_order_relaxed);
      NotifyLocked();
    }
  }
  Unlock();
  if (!status.ok()) return status;
  return index;
}

absl::Status Barrier::reset() const {
  absl::Status locked = Lock();
  if (!locked.ok() && !IsOwnerDied(locked)) return locked;
  (void)ReapLocked(-1);
  if (state_->count.load(std::memory_order_relaxed) > 0) {
    const uint32_t st = state_->state.load(std::memory_order_relaxed);
    if (st == internal::kFilling || st == internal::kActing || st == internal::kBroken) {
      // Wake the waiters with a broken status; the last to leave refills.
      state_->state.store(internal::kResetting, std::memory_order_relaxed);
    }
  } else {
    state_->state.store(internal::kFilling, std::memory_order_relaxed);
  }
  NotifyLocked();
  Unlock();
  return locked;
}

absl::Status Barrier::abort() const {
  absl::Status locked = Lock();
  if (!locked.ok() && !IsOwnerDied(locked)) return locked;
  BreakLocked();
  Unlock();
  return locked;
}

int Barrier::parties() const { return state_->parties; }

int Barrier::n_waiting() const {
  if (state_->state.load(std::memory_order_relaxed) != internal::kFilling) return 0;
  return state_->count.load(std::memory_order_relaxed);
}

bool Barrier::broken() const {
  return state_->state.load(std::memory_order_relaxed) == internal::kBroken;
}

}  // namespace conc::mp

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/mp_event.h"

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

inline constexpr uint32_t kEventMagic = 0x6d457631u;  // "mEv1"

struct EventState {
  uint32_t magic;  // written once, before the region is shared
  // The futex word: bit 0 the flag, bits 1..31 the generation (see mp_event.h).
  alignas(64) std::atomic<uint32_t> word;
  // Waiters that announced they may sleep (set() wakes only if > 0).
  std::atomic<uint32_t> sleepers;
};

}  // namespace internal

namespace {
constexpr uint32_t kFlag = 1;
constexpr uint32_t kGenerationOne = 2;
}  // namespace

absl::StatusOr<Event> Event::Create() {
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Create(sizeof(internal::EventState), "conc-mp-event");
  if (!region.ok()) return region.status();
  auto* state = new ((*region)->data()) internal::EventState;
  state->word.store(0, std::memory_order_relaxed);
  state->sleepers.store(0, std::memory_order_relaxed);
  std::atomic_ref<uint32_t>(state->magic).store(internal::kEventMagic, std::memory_order_release);
  return Event(*std::move(region), state);
}

absl::StatusOr<Event> Event::Attach(EventHandle handle) {
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Attach({handle.fd}, sizeof(internal::EventState));
  if (!region.ok()) return region.status();
  auto* state = reinterpret_cast<internal::EventState*>((*region)->data());
  if (std::atomic_ref<uint32_t>(state->magic).load(std::memory_order_acquire) !=
      internal::kEventMagic) {
    return ValueError("Event::Attach: descriptor " + std::to_string(handle.fd) +
                      " does not hold an Event");
  }
  return Event(*std::move(region), state);
}

bool Event::is_set() const { return (state_->word.load(std::memory_order_acquire) & kFlag) != 0; }

void Event::set() const {
  // Acquire on the loads: a set() that finds the flag up already is still a
  // synchronisation point for the caller (it sees what the first setter did).
  uint32_t w = state_->word.load(std::memory_order_acquire);
  do {
    if ((w & kFlag) != 0) return;  // already up: nobody sleeps for this flag
  } while (!state_->word.compare_exchange_weak(
      w, (w + kGenerationOne) | kFlag, std::memory_order_seq_cst, std::memory_order_acquire));
  if (state_->sleepers.load(std::memory_order_seq_cst) > 0) {
    conc::internal::FutexWake(&state_->word, INT_MAX, conc::internal::FutexScope::kShared);
  }
}

void Event::clear() const { state_->word.fetch_and(~kFlag, std::memory_order_release); }

bool Event::wait(std::optional<absl::Duration> timeout) const {
  const uint32_t seen = state_->word.load(std::memory_order_acquire);
  if ((seen & kFlag) != 0) return true;
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (deadline.expired()) return is_set();
  // Announce ourselves before looking again; set() changes the word before it
  // reads `sleepers` (both seq_cst): either we see its generation or it wakes us.
  state_->sleepers.fetch_add(1, std::memory_order_seq_cst);
  const uint32_t generation = seen & ~kFlag;
  bool result = false;
  while (true) {
    const uint32_t w = state_->word.load(std::memory_order_seq_cst);
    if ((w & kFlag) != 0 || (w & ~kFlag) != generation) {
      result = true;  // the seq_cst load above acquired what the setter did
      break;
    }
    if (!conc::internal::FutexWait(&state_->word, w, deadline, conc::internal::FutexScope::kShared)) {
      const uint32_t last = state_->word.load(std::memory_order_acquire);
      result = (last & kFlag) != 0 || (last & ~kFlag) != generation;
      break;
    }
  }
  state_->sleepers.fetch_sub(1, std::memory_order_relaxed);
  return result;
}

int Event::n_waiting() const {
  return static_cast<int>(state_->sleepers.load(std::memory_order_relaxed));
}

}  // namespace conc::mp

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/mp_condition.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/internal/futex.h"

namespace conc::mp {

using conc::internal::MpKind;
using conc::internal::MpLayout;
using conc::internal::MpLockKind;
using conc::internal::MpRegion;

namespace {

MpLayout ConditionLayout(bool own_lock, size_t slot_size, size_t slot_align, size_t nslots) {
  return MpLayout{MpKind::kCondition, own_lock ? MpLockKind::kRLock : MpLockKind::kNone,
                  slot_size, slot_align, nslots};
}

// False only if `pid` is certainly gone (pids are reused, but not within the
// time a waiter's slot stays claimed in practice).
bool Alive(int32_t pid) { return !(::kill(pid, 0) != 0 && errno == ESRCH); }

}  // namespace

absl::StatusOr<Condition> Condition::CreateWith(std::optional<Lock> lock,
                                                std::optional<RLock> rlock,
                                                ConditionOptions options) {
  if (options.max_waiters < 1 || options.max_waiters > 65536) {
    return ValueError(absl::StrCat("Condition max_waiters must be in 1..65536, not ",
                                   options.max_waiters));
  }
  const bool own = !lock.has_value() && !rlock.has_value();
  const uint32_t nslots = static_cast<uint32_t>(options.max_waiters) + 1;
  absl::StatusOr<MpRegion> r = conc::internal::CreateMpRegion(
      ConditionLayout(own, sizeof(Slot), alignof(Slot), nslots), "conc-mp-condition");
  if (!r.ok()) return r.status();
  if (own) rlock.emplace(RLock(r->region, r->lock));
  // The region is zero-filled: every slot is kFree, the ticket counter 0.
  return Condition(r->region, reinterpret_cast<Slot*>(r->data), nslots, std::move(lock),
                   std::move(rlock), own);
}

absl::StatusOr<Condition> Condition::Create(ConditionOptions options) {
  return CreateWith(std::nullopt, std::nullopt, options);
}
absl::StatusOr<Condition> Condition::Create(const Lock& lock, ConditionOptions options) {
  return CreateWith(lock, std::nullopt, options);
}
absl::StatusOr<Condition> Condition::Create(const RLock& lock, ConditionOptions options) {
  return CreateWith(std::nullopt, lock, options);
}

absl::StatusOr<Condition> Condition::Attach(const ConditionHandle& handle) {
  absl::StatusOr<MpRegion> r = conc::internal::AttachMpRegion(
      handle.fd, ConditionLayout(handle.own_lock, sizeof(Slot), alignof(Slot), 0));
  if (!r.ok()) return r.status();
  if (r->header->count < 2) return absl::InvalidArgumentError("corrupt Condition header");
  const uint32_t nslots = static_cast<uint32_t>(r->header->count);
  std::optional<Lock> lock;
  std::optional<RLock> rlock;
  if (handle.own_lock) {
    rlock.emplace(RLock(r->region, r->lock));
  } else if (handle.lock_kind == static_cast<uint32_t>(MpLockKind::kLock)) {
    absl::StatusOr<Lock> l = Lock::Attach(handle.lock);
    if (!l.ok()) return l.status();
    lock.emplace(*std::move(l));
  } else if (handle.lock_kind == static_cast<uint32_t>(MpLockKind::kRLock)) {
    absl::StatusOr<RLock> l = RLock::Attach(handle.lock);
    if (!l.ok()) return l.status();
    rlock.emplace(*std::move(l));
  } else {
    return absl::InvalidArgumentError("Condition handle: unknown lock kind");
  }
  return Condition(r->region, reinterpret_cast<Slot*>(r->data), nslots, std::move(lock),
                   std::move(rlock), handle.own_lock);
}

ConditionHandle Condition::handle() const {
  ConditionHandle h;
  h.fd = region_->handle().fd;
  h.own_lock = own_lock_;
  if (lock_) {
    h.lock = lock_->handle();
    h.lock_kind = static_cast<uint32_t>(MpLockKind::kLock);
  } else {
    h.lock = rlock_->handle();
    h.lock_kind = static_cast<uint32_t>(MpLockKind::kRLock);
  }
  return h;
}

std::vector<int> Condition::fds_to_pass() const {
  std::vector<int> fds = region_->fds_to_pass();
  if (!own_lock_) {
    for (int fd : lock_ ? lock_->fds_to_pass() : rlock_->fds_to_pass()) fds.push_back(fd);
  }
  return fds;
}

conc::internal::LockCore* Condition::core() const {
  return lock_ ? lock_->core_ : rlock_->core_;
}

absl::StatusOr<bool> Condition::acquire(bool blocking, std::optional<absl::Duration> timeout) {
  return lock_ ? lock_->acquire(blocking, timeout) : rlock_->acquire(blocking, timeout);
}

absl::Status Condition::release() { return lock_ ? lock_->release() : rlock_->release(); }

bool Condition::is_owned() const { return core()->IsMine(); }

absl::Status Condition::NotOwnedError(const char* what) {
  return MisuseError(absl::StrCat("cannot ", what, " on un-acquired lock"));
}

Condition::Slot* Condition::ClaimSlot() {
  for (uint32_t i = 1; i < nslots_; ++i) {
    if (slots_[i].state.load(std::memory_order_relaxed) == Slot::kFree) return &slots_[i];
  }
  // Full: reclaim the slots of waiters that died (waiting, or notified but
  // never back).
  Slot* found = nullptr;
  for (uint32_t i = 1; i < nslots_; ++i) {
    if (!Alive(slots_[i].pid.load(std::memory_order_relaxed))) {
      slots_[i].state.store(Slot::kFree, std::memory_order_relaxed);
      if (found == nullptr) found = &slots_[i];
    }
  }
  return found;
}

absl::StatusOr<bool> Condition::wait(std::optional<absl::Duration> timeout) {
  if (!is_owned()) return NotOwnedError("wait");
  return WaitUntil(Deadline::FromTimeout(timeout));
}

absl::StatusOr<bool> Condition::WaitUntil(const Deadline& deadline) {
  // With the lock held: claim a slot and take a ticket.
  Slot* slot = ClaimSlot();
  if (slot == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("Condition: ", nslots_ - 1, " waiters already (ConditionOptions::max_waiters)"));
  }
  slot->pid.store(static_cast<int32_t>(::getpid()), std::memory_order_relaxed);
  slot->ticket.store(slots_[0].ticket.fetch_add(1, std::memory_order_relaxed),
                     std::memory_order_relaxed);
  slot->state.store(Slot::kWaiting, std::memory_order_relaxed);

  // Release every level (Python's _release_save).
  conc::internal::LockCore* lock = core();
  const uint32_t saved = lock->count.load(std::memory_order_relaxed);
  lock->count.store(0, std::memory_order_relaxed);
  (void)lock->Release();  // Cannot fail: is_owned() held.

  // Sleep until notify() marks the slot (acquire: pairs with its release
  // store), or the deadline passes. FutexWait re-checks the word atomically
  // with going to sleep, so a notify between the load and the sleep is seen.
  while (slot->state.load(std::memory_order_acquire) == Slot::kWaiting) {
    if (!conc::internal::FutexWait(&slot->state, Slot::kWaiting, deadline, conc::internal::FutexScope::kShared)) break;
  }

  // Take the lock back (Python's _acquire_restore), then decide: a notify
  // that raced with the timeout counts, since notify() also runs under it.
  absl::Status restored = lock->Acquire(true, Deadline::Infinite());
  lock->count.store(saved, std::memory_order_relaxed);
  const bool notified = slot->state.load(std::memory_order_relaxed) == Slot::kNotified;
  slot->state.store(Slot::kFree, std::memory_order_relaxed);
  if (!restored.ok()) return restored;  // OwnerDiedError: we hold the lock.
  return notified;
}

absl::Status Condition::notify(int64_t n) {
  if (!is_owned()) return NotOwnedError("notify");
  while (n > 0) {
    // The oldest waiting slot (lowest ticket).
    Slot* oldest = nullptr;
    uint64_t best = std::numeric_limits<uint64_t>::max();
    for (uint32_t i = 1; i < nslots_; ++i) {
      if (slots_[i].state.load(std::memory_order_relaxed) != Slot::kWaiting) continue;
      const uint64_t t = slots_[i].ticket.load(std::memory_order_relaxed);
      if (oldest == nullptr || t < best) {
        oldest = &slots_[i];
        best = t;
      }
    }
    if (oldest == nullptr) break;
    if (!Alive(oldest->pid.load(std::memory_order_relaxed))) {
      oldest->state.store(Slot::kFree, std::memory_order_relaxed);  // a dead waiter
      continue;
    }
    oldest->state.store(Slot::kNotified, std::memory_order_release);
    conc::internal::FutexWake(&oldest->state, 1, conc::internal::FutexScope::kShared);
    --n;
  }
  return absl::OkStatus();
}

absl::Status Condition::notify_all() { return notify(std::numeric_limits<int64_t>::max()); }

}  // namespace conc::mp

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/mp_lock.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/timeout.h"

namespace conc::mp {

using conc::internal::AttachMpRegion;
using conc::internal::CreateMpRegion;
using conc::internal::MpKind;
using conc::internal::MpLayout;
using conc::internal::MpLockKind;
using conc::internal::MpRegion;

namespace {

// Python's SemLock.acquire(block, timeout): block=False ignores the timeout;
// a negative timeout is treated as zero (a poll).
Deadline MakeDeadline(bool blocking, std::optional<absl::Duration> timeout) {
  if (!blocking) return Deadline::FromTimeout(absl::ZeroDuration());
  return Deadline::FromTimeout(timeout);
}

// Turns LockCore::Acquire's status into acquire()'s result.
absl::StatusOr<bool> ToResult(absl::Status s) {
  if (s.ok()) return true;
  if (absl::IsDeadlineExceeded(s)) return false;
  return s;
}

MpLayout StandaloneLayout(MpLockKind kind) {
  return MpLayout{kind == MpLockKind::kLock ? MpKind::kLock : MpKind::kRLock, kind, 1, 1, 0};
}

}  // namespace

namespace internal {

absl::StatusOr<LockBase> LockBase::AttachBase(LockHandle handle, MpLockKind kind) {
  // A lock may live in its own region or inside a Value, Array or Condition:
  // read the header's kind first, then check the lock found at the offset.
  absl::StatusOr<std::shared_ptr<conc::internal::SharedRegion>> region =
      conc::internal::SharedRegion::Attach(conc::internal::SharedRegionHandle{handle.fd},
                                           sizeof(conc::internal::MpRegionHeader));
  if (!region.ok()) return region.status();
  const auto* h = reinterpret_cast<const conc::internal::MpRegionHeader*>((*region)->data());
  if (h->magic != conc::internal::kMpMagic || h->lock_kind != kind || h->lock_offset == 0 ||
      h->lock_offset != handle.offset ||
      h->lock_offset + sizeof(conc::internal::LockCore) > (*region)->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("descriptor ", handle.fd, " offset ", handle.offset, " holds no mp::",
                     kind == MpLockKind::kLock ? "Lock" : "RLock"));
  }
  auto* core = reinterpret_cast<conc::internal::LockCore*>((*region)->data() + handle.offset);
  return LockBase(*std::move(region), core);
}

}  // namespace internal

absl::StatusOr<Lock> Lock::Create() {
  absl::StatusOr<MpRegion> r = CreateMpRegion(StandaloneLayout(MpLockKind::kLock), "conc-mp-lock");
  if (!r.ok()) return r.status();
  return Lock(std::move(r->region), r->lock);
}

absl::StatusOr<Lock> Lock::Attach(LockHandle handle) {
  absl::StatusOr<LockBase> base = AttachBase(handle, MpLockKind::kLock);
  if (!base.ok()) return base.status();
  return Lock(*std::move(base));
}

absl::StatusOr<bool> Lock::acquire(bool blocking, std::optional<absl::Duration> timeout) {
  return ToResult(core_->Acquire(blocking, MakeDeadline(blocking, timeout)));
}

absl::StatusOr<RLock> RLock::Create() {
  absl::StatusOr<MpRegion> r =
      CreateMpRegion(StandaloneLayout(MpLockKind::kRLock), "conc-mp-rlock");
  if (!r.ok()) return r.status();
  return RLock(std::move(r->region), r->lock);
}

absl::StatusOr<RLock> RLock::Attach(LockHandle handle) {
  absl::StatusOr<LockBase> base = AttachBase(handle, MpLockKind::kRLock);
  if (!base.ok()) return base.status();
  return RLock(*std::move(base));
}

absl::StatusOr<bool> RLock::AcquireSlow(bool blocking, std::optional<absl::Duration> timeout) {
  absl::Status s = core_->Acquire(blocking, MakeDeadline(blocking, timeout));
  if (s.ok() || IsOwnerDied(s)) core_->count.store(1, std::memory_order_relaxed);
  return ToResult(std::move(s));
}

}  // namespace conc::mp

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/mp_lock_core.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/internal/robust_mutex.h"
#include "modules/common/internal/spin.h"

namespace conc::internal {
namespace {

// A forked child's thread has a new tid: the atfork hook, registered before
// main, clears the cache (CurrentTid in the header) in the child.
void ResetTidInChild() { cached_tid = 0; }

[[maybe_unused]] const int kAtforkRegistered =
    ::pthread_atfork(nullptr, nullptr, &ResetTidInChild);


// A contended Acquire first spins (AdaptiveSpin, the one policy of
// common/internal/spin.h, re-reading the lock word and trying the lock only when
// the word shows no owner), then yields the CPU for up to kYieldFor, and only
// then sleeps in the kernel. Why: the critical sections under these locks (one
// increment of a Value) last tens of nanoseconds, while a futex sleep costs its
// sleeper microseconds and, worse, makes every later unlock a futex-wake system
// call. The spin reads the word and tries the compare-and-swap only when the
// word is free, so a spinner does not pull the line away from the holder with
// failing writes. The yield phase is the lock's own: across processes the
// holder is often preempted on a busy machine, and a holder in a tight
// acquire/release loop is caught between two iterations without anyone
// sleeping in the kernel.
constexpr absl::Duration kYieldFor = absl::Milliseconds(1);

// Process-local, as an AdaptiveSpin must be (the LockCore itself is in shared
// memory); one for all the process's mp locks: the budget is a hint about how
// long this machine's holders keep these locks, which they share.
conc::internal::AdaptiveSpin& LockSpin() {
  static conc::internal::AdaptiveSpin spin;
  return spin;
}

absl::Status FromErrno(int rc, const char* what) {
  switch (rc) {
    case 0:
      return absl::OkStatus();
    case EBUSY:
    case ETIMEDOUT:
      return absl::DeadlineExceededError("lock is held");
    case EOWNERDEAD:
      return OwnerDiedError("the owner of a process-shared lock died holding it");
    case ENOTRECOVERABLE:
      return MisuseError("process-shared lock is not recoverable");
    default:
      return ErrnoToStatus(rc, what);
  }
}

size_t AlignUp(size_t n, size_t align) { return (n + align - 1) / align * align; }

constexpr size_t kMaxRegion = size_t{1} << 30;

// Where the lock and the data go for `layout`; false if it does not fit.
bool Place(const MpLayout& layout, size_t* lock_offset, size_t* data_offset, size_t* total) {
  size_t off = AlignUp(sizeof(MpRegionHeader), 64);
  *lock_offset = 0;
  if (layout.lock_kind != MpLockKind::kNone) {
    *lock_offset = off;
    off = AlignUp(off + sizeof(LockCore), 64);
  }
  const size_t align = layout.elem_align < 64 ? 64 : layout.elem_align;
  const size_t bytes = layout.elem_size * layout.count;  // small, or checked below
  if (layout.lock_kind != MpLockKind::kNone && layout.elem_align <= 16 &&
      layout.count <= 64 && bytes <= 64) {
    // Small data shares the lock's cache line when it fits: a process that
    // takes the lock from another then misses once, not twice.
    // 16-aligned, so that every power-of-two sized element is aligned to its
    // size (std::atomic_ref's requirement, mp_lock_data.h).
    const size_t beside = AlignUp(*lock_offset + sizeof(LockCore), 16);
    if (beside + bytes <= *lock_offset + 64) {
      *data_offset = beside;
      *total = beside + bytes;
      return true;
    }
  }
  off = AlignUp(off, align);
  *data_offset = off;
  if (layout.elem_size != 0 && layout.count > (kMaxRegion - off) / layout.elem_size) return false;
  *total = off + layout.elem_size * layout.count;
  return true;
}

const char* KindName(MpKind kind) {
  switch (kind) {
    case MpKind::kLock:
      return "Lock";
    case MpKind::kRLock:
      return "RLock";
    case MpKind::kCondition:
      return "Condition";
    case MpKind::kValue:
      return "Value";
    case MpKind::kArray:
      return "Array";
  }
  return "?";
}

}  // namespace

constinit __attribute__((tls_model("initial-exec"))) thread_local pid_t cached_tid = 0;

pid_t CurrentTidSlow() {
  cached_tid = static_cast<pid_t>(::syscall(SYS_gettid));
  return cached_tid;
}

absl::Status LockCore::Init() { return InitRobustSharedMutex(&mu_); }

absl::Status LockCore::AcquireSlow(int rc, bool blocking, const Deadline& deadline) {
  // The inline path skipped the CAS on a non-zero word; a word with no owner
  // (a dead owner's FUTEX_OWNER_DIED) is worth one try, even when polling.
  if (rc == EBUSY && (static_cast<uint32_t>(LockWord()) & FUTEX_TID_MASK) == 0) {
    rc = ::pthread_mutex_trylock(&mu_);
  }
  if (rc == EBUSY && IsMine()) {
    // A non-recursive lock taken again by its holder: pthread would sleep for
    // ever (or until the timeout). Report the infinite case; honour a bounded
    // wait by waiting it out (nobody else can release it).
    if (!blocking || deadline.expired()) return absl::DeadlineExceededError("lock is held");
    if (deadline.is_infinite()) {
      return MisuseError("deadlock: the calling thread already holds this process-shared lock");
    }
    absl::SleepFor(deadline.remaining());
    return absl::DeadlineExceededError("lock is held (by the caller)");
  }
  if (rc == EBUSY && blocking && !deadline.expired()) {
    // Spin while the holder is (probably) inside a short critical section.
    LockSpin().Spin([&] {
      if ((static_cast<uint32_t>(LockWord()) & FUTEX_TID_MASK) == 0) {
        rc = ::pthread_mutex_trylock(&mu_);
      }
      return rc != EBUSY;
    });
    // Then yield for up to kYieldFor (see above).
    if (rc == EBUSY) {
      const Deadline stop_yielding = Deadline::FromTimeout(kYieldFor);
      while (rc == EBUSY && !stop_yielding.expired() && !deadline.expired()) {
        if (!internal::YieldCpu()) break;  // A slow yield: sleep (spin.h's rule 5).
        if ((static_cast<uint32_t>(LockWord()) & FUTEX_TID_MASK) == 0) {
          rc = ::pthread_mutex_trylock(&mu_);
        }
      }
    }
    if (rc == EBUSY) {
      if (deadline.is_infinite()) {
        rc = ::pthread_mutex_lock(&mu_);
      } else {
#if defined(__SANITIZE_THREAD__)
        // TSan (gcc 12) intercepts pthread_mutex_timedlock but not
        // clocklock: a lock it did not see taken would make its unlock a
        // report. timedlock measures CLOCK_REALTIME, so re-check the
        // monotonic deadline when it times out (the wall clock may jump).
        for (;;) {
          const absl::Time when = absl::Now() + deadline.remaining();
          const timespec ts = absl::ToTimespec(when);
          rc = ::pthread_mutex_timedlock(&mu_, &ts);
          if (rc != ETIMEDOUT || deadline.expired()) break;
        }
#else
        const timespec ts = *deadline.to_monotonic_timespec();
        rc = ::pthread_mutex_clocklock(&mu_, CLOCK_MONOTONIC, &ts);
#endif
      }
    }
  }
  if (rc == EOWNERDEAD) {
    // We own it now. Make it usable again at once: the caller is told through
    // the status and repairs what it guards; the lock itself is sound.
    ::pthread_mutex_consistent(&mu_);
    count.store(0, std::memory_order_relaxed);
  }
  return FromErrno(rc, "pthread_mutex_lock");
}

absl::Status LockCore::ReleaseError(int rc) const {
  if (rc != 0) return ErrnoToStatus(rc, "pthread_mutex_unlock");
  return MisuseError(Locked() ? "cannot release a process-shared lock held by another thread"
                              : "cannot release un-acquired lock");
}

absl::StatusOr<MpRegion> CreateMpRegion(const MpLayout& layout, const char* debug_name) {
  if (layout.elem_align == 0 || layout.elem_align > 4096 ||
      (layout.elem_align & (layout.elem_align - 1)) != 0) {
    return absl::InvalidArgumentError("unsupported alignment");
  }
  size_t lock_offset = 0, data_offset = 0, total = 0;
  if (!Place(layout, &lock_offset, &data_offset, &total)) {
    return absl::InvalidArgumentError(absl::StrCat("shared ", KindName(layout.kind), " of ",
                                                   layout.count, " elements of ", layout.elem_size,
                                                   " bytes exceeds 1 GiB"));
  }
  absl::StatusOr<std::shared_ptr<SharedRegion>> region = SharedRegion::Create(total, debug_name);
  if (!region.ok()) return region.status();
  MpRegion r;
  r.region = *std::move(region);
  std::byte* base = r.region->data();
  r.header = new (base) MpRegionHeader{kMpMagic,
                                       layout.kind,
                                       layout.lock_kind,
                                       static_cast<uint32_t>(layout.elem_size),
                                       static_cast<uint32_t>(layout.elem_align),
                                       layout.type_tag,
                                       layout.count,
                                       lock_offset,
                                       data_offset};
  if (lock_offset != 0) {
    r.lock = new (base + lock_offset) LockCore;
    if (absl::Status s = r.lock->Init(); !s.ok()) return s;
  }
  r.data = base + data_offset;
  return r;
}

absl::StatusOr<MpRegion> AttachMpRegion(int fd, const MpLayout& layout) {
  absl::StatusOr<std::shared_ptr<SharedRegion>> region =
      SharedRegion::Attach(SharedRegionHandle{fd}, sizeof(MpRegionHeader));
  if (!region.ok()) return region.status();
  MpRegion r;
  r.region = *std::move(region);
  std::byte* base = r.region->data();
  r.header = reinterpret_cast<MpRegionHeader*>(base);
  const MpRegionHeader& h = *r.header;
  const std::string what = absl::StrCat("descriptor ", fd, " is not a shared ",
                                        KindName(layout.kind), " of this type");
  if (h.magic != kMpMagic || h.kind != layout.kind) return absl::InvalidArgumentError(what);
  if (h.lock_kind != layout.lock_kind || h.elem_size != layout.elem_size ||
      h.elem_align != layout.elem_align || h.type_tag != layout.type_tag || (layout.count != 0 && h.count != layout.count)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " (lock kind, element type or count differ)"));
  }
  MpLayout actual = layout;
  actual.count = h.count;
  size_t lock_offset = 0, data_offset = 0, total = 0;
  if (!Place(actual, &lock_offset, &data_offset, &total) || lock_offset != h.lock_offset ||
      data_offset != h.data_offset || total > r.region->size()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " (corrupt header)"));
  }
  if (lock_offset != 0) r.lock = reinterpret_cast<LockCore*>(base + lock_offset);
  r.data = base + data_offset;
  return r;
}

}  // namespace conc::internal

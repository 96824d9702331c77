// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/mp_lock_core.h: what mp::Lock, mp::RLock, mp::Condition, Value and
// Array (and their Raw twins) share: the lock word that lives in shared memory
// (`LockCore`) and the layout of the memfd region that holds each object
// (`MpRegionHeader`, `CreateMpRegion`, `AttachMpRegion`).
//
// LockCore is a robust, process-shared pthread mutex (PTHREAD_MUTEX_ROBUST,
// PTHREAD_PROCESS_SHARED, type NORMAL) plus a recursion count for RLock:
//   * a holder that dies (SIGKILL included) is noticed by the kernel through
//     the thread's robust list; the next acquirer gets EOWNERDEAD, which
//     Acquire() turns into OwnerDiedError *after* marking the mutex consistent:
//     the caller holds the lock and the lock works afterwards;
//   * timeouts use pthread_mutex_clocklock on CLOCK_MONOTONIC (glibc >= 2.30);
//   * ownership is read from the mutex's own futex word (glibc keeps the
//     owner's kernel tid in its low 30 bits, and the kernel clears them when the
//     owner dies), so "is it mine" is exact even after a holder died and its tid
//     was reused: a dead owner's word holds FUTEX_OWNER_DIED and no tid.
// Before sleeping in the kernel, a contended Acquire spins briefly (the one
// AdaptiveSpin policy of common/internal/spin.h), watching the word, then
// yields for up to a millisecond: the critical sections under these locks (one
// increment of a Value) are far shorter than a futex sleep and wake-up.
//
// Region layout (all offsets from the start of the mapping):
//   0             MpRegionHeader (magic, kind, lock kind, element size, ...)
//   lock_offset   LockCore, if the object has a lock (64-byte aligned)
//   data_offset   the payload: Value/Array elements or Condition slots
//
// Thread-safety: LockCore's methods may be called from any thread of any
// process mapping it; Release() only by the owner (it checks).

#ifndef MODULES_IPC_INTERNAL_MP_LOCK_CORE_H_
#define MODULES_IPC_INTERNAL_MP_LOCK_CORE_H_

#include <linux/futex.h>
#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <typeinfo>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/shared_region.h"

namespace conc::internal {

// The calling thread's kernel thread id, cached per thread (cleared in a
// forked child, whose only thread has a new id). Inline and initial-exec: it
// is on every acquire's and release's path.
extern constinit __attribute__((tls_model("initial-exec"))) thread_local pid_t cached_tid;
pid_t CurrentTidSlow();
inline pid_t CurrentTid() {
  const pid_t tid = cached_tid;
  return __builtin_expect(tid != 0, 1) ? tid : CurrentTidSlow();
}

class LockCore {
 public:
  LockCore() = default;
  LockCore(const LockCore&) = delete;
  LockCore& operator=(const LockCore&) = delete;

  // Initialises the mutex (robust, process-shared). Once, before sharing.
  [[nodiscard]] absl::Status Init();

  // Takes the lock. `blocking` false, or an expired deadline: one try.
  // Returns OK (acquired); DeadlineExceeded (not acquired in time);
  // OwnerDiedError (acquired: the previous owner died holding it, the mutex is
  // already consistent again); FailedPrecondition if the caller already holds
  // it and would wait forever (a self-deadlock: reported, not entered). When
  // the caller already holds it and the wait is bounded, it waits out the
  // deadline and returns DeadlineExceeded, as a non-recursive lock must.
  [[nodiscard]] absl::Status Acquire(bool blocking, const Deadline& deadline) {
    // The uncontended case, inline. Look before the compare-and-swap: a failing
    // CAS would still take the cache line away from the holder.
    if (__builtin_expect(LockWord() == 0, 1)) {
      const int rc = ::pthread_mutex_trylock(&mu_);
      if (__builtin_expect(rc == 0, 1)) return absl::OkStatus();
      return AcquireSlow(rc, blocking, deadline);
    }
    return AcquireSlow(EBUSY, blocking, deadline);
  }

  // Releases the lock. FailedPrecondition (and nothing changes) if the calling
  // thread does not hold it. (Checked first: glibc would refuse a robust
  // mutex's unlock by a non-owner too, but TSan would report it.)
  [[nodiscard]] absl::Status Release() {
    if (__builtin_expect(!IsMine(), 0)) return ReleaseError(0);
    const int rc = ::pthread_mutex_unlock(&mu_);
    if (__builtin_expect(rc != 0, 0)) return ReleaseError(rc);
    return absl::OkStatus();
  }

  // True if the calling thread holds the lock.
  bool IsMine() const {
    return (static_cast<uint32_t>(LockWord()) & FUTEX_TID_MASK) ==
           static_cast<uint32_t>(CurrentTid());
  }
  // True if some thread holds it (a snapshot; false once a dead owner's lock
  // is waiting to be recovered by the next acquirer).
  bool Locked() const { return (static_cast<uint32_t>(LockWord()) & FUTEX_TID_MASK) != 0; }

  // The recursion level of an RLock; read and written only by the owner.
  // Atomic (relaxed) so that a reader that is not the owner is never a data
  // race, only a stale value.
  std::atomic<uint32_t> count{0};

 private:
  absl::Status AcquireSlow(int trylock_rc, bool blocking, const Deadline& deadline);
  absl::Status ReleaseError(int rc) const;

  // glibc's robust mutexes keep the owner's tid (and FUTEX_WAITERS /
  // FUTEX_OWNER_DIED) in __data.__lock, the futex word the kernel's robust
  // list handling rewrites when the owner dies. Read atomically: other
  // processes change it concurrently.
  int LockWord() const { return __atomic_load_n(&mu_.__data.__lock, __ATOMIC_RELAXED); }

  pthread_mutex_t mu_;
};

inline constexpr uint32_t kMpMagic = 0x634d704cu;  // "cMpL"

enum class MpKind : uint32_t {
  kLock = 1,
  kRLock = 2,
  kCondition = 3,
  kValue = 4,  // Value or RawValue (lock_kind tells)
  kArray = 5,  // Array or RawArray
};

enum class MpLockKind : uint32_t { kNone = 0, kLock = 1, kRLock = 2 };

// The first bytes of every region of this family. Written once by the creator
// before the region is shared; read-only afterwards.
struct MpRegionHeader {
  uint32_t magic;
  MpKind kind;
  MpLockKind lock_kind;
  uint32_t elem_size;
  uint32_t elem_align;
  uint32_t type_tag;     // a hash of the element type's name (0: untyped)
  uint64_t count;        // elements (Value: 1; Condition: waiter slots)
  uint64_t lock_offset;  // 0 if no lock
  uint64_t data_offset;
};

// What a region holds: `count` elements of `elem_size` bytes aligned to
// `elem_align`, and a lock of `lock_kind`.
struct MpLayout {
  MpKind kind;
  MpLockKind lock_kind;
  size_t elem_size;
  size_t elem_align;
  size_t count;
  uint32_t type_tag = 0;  // TypeTag<T>(): Attach refuses another element type
};

// A fingerprint of T's name, so that attaching a Value<float> to a
// Value<int> (same size) is refused. Spawned children run the same program,
// so the names agree.
template <class T>
uint32_t TypeTag() {
  uint32_t h = 2166136261u;
  for (const char* p = typeid(T).name(); *p != '\0'; ++p) {
    h = (h ^ static_cast<unsigned char>(*p)) * 16777619u;
  }
  return h == 0 ? 1 : h;
}

// A mapped region and pointers into it.
struct MpRegion {
  std::shared_ptr<SharedRegion> region;
  MpRegionHeader* header = nullptr;
  LockCore* lock = nullptr;  // nullptr if the layout has no lock
  std::byte* data = nullptr;
};

// Creates a zero-filled region for `layout`, writes the header and
// initialises the lock. InvalidArgument if the sizes overflow (or exceed
// 1 GiB) or the alignment is above 4096; the errno's status otherwise.
[[nodiscard]] absl::StatusOr<MpRegion> CreateMpRegion(const MpLayout& layout,
                                                      const char* debug_name);

// Maps the region of `fd` and checks that it holds what `layout` describes
// (a `layout.count` of 0 accepts any count; the header's is returned).
// InvalidArgument if the descriptor is not open, is not such a region, or
// holds another kind, lock kind or element type.
[[nodiscard]] absl::StatusOr<MpRegion> AttachMpRegion(int fd, const MpLayout& layout);

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MP_LOCK_CORE_H_

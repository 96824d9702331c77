// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/pid_lock.h: a lock in memory shared between processes that records
// which process holds it, so that a waiter can tell a dead holder from a slow
// one. The producer and consumer locks of mp::Queue's ring (shm_ring.h).
//
// WHY NOT A ROBUST PTHREAD MUTEX. A robust mutex tells the next locker that
// its owner died (EOWNERDEAD) because the kernel walks the dead thread's list
// of held robust mutexes at exit. That list costs glibc a few stores with full
// fences on every lock and unlock, and its unlock is an
// atomic read-modify-write, which waits until the message just copied into
// shared memory has reached the other CPU. Between two processes that is
// where most of an mp::Queue message's time went. A PidLock's unlock is one
// plain store.
//
// HOW. The lock is one 64-bit word: 0 when free, otherwise the holder's
// process id and the low 32 bits of its start time (field 22 of
// /proc/<pid>/stat, in clock ticks since boot). Lock is a compare-and-swap
// from 0. A waiter spins a little, then sleeps on a futex with a bounded
// period and, each time it wakes with the lock still held, asks /proc whether
// the holder lives: the process is gone, or its start time differs (the pid
// was reused), or it is a zombie (killed, not yet reaped) with no thread left.
// Then the waiter takes the lock over with a compare-and-swap from the dead
// holder's word (exactly one waiter wins) and gets OwnerDiedError: it holds
// the lock and must repair what the lock guards before unlocking.
//
// Unlock stores 0 and wakes sleepers only if the `sleepers` counter says there
// are any; the store-then-load race with a waiter that is just going to sleep
// is closed by the asymmetric fence (asymmetric_fence.h): nearly free here,
// a membarrier system call on the sleeper's side.
//
// LIMITS. Death is detected for whole processes (SIGKILL, _exit while holding
// the lock): a thread cannot die alone in the middle of the short critical
// sections this lock is for. All processes sharing a PidLock must see the
// same process ids, i.e. live in one pid namespace (ShmRing checks this when
// a process attaches). Without /proc, only `kill(pid, 0)` is asked, so a
// zombie holder counts as alive until it is reaped.
//
// Layout: 16 bytes, valid when zero-filled (a fresh memfd or MAP_ANONYMOUS
// page is an unlocked PidLock); place it in shared memory before sharing it.
//
// Example:
//
//   PidLock* lock = &shared_page->lock;
//   absl::Status s = lock->Lock(deadline);
//   if (conc::IsOwnerDied(s)) { RepairWhatTheDeadHolderLeft(); }
//   else if (!s.ok()) return s;  // DeadlineExceeded
//   ...
//   lock->Unlock();
//
// Thread-safety: any thread of any process that maps the lock may call Lock
// and TryLock; Unlock only the holder.

#ifndef MODULES_IPC_INTERNAL_PID_LOCK_H_
#define MODULES_IPC_INTERNAL_PID_LOCK_H_

#include <atomic>
#include <cstdint>
#include <sys/types.h>

#include "absl/status/status.h"
#include "modules/common/timeout.h"

namespace conc::mp::internal {

struct PidLockTestPeer;

class PidLock {
 public:
  PidLock() = default;
  PidLock(const PidLock&) = delete;
  PidLock& operator=(const PidLock&) = delete;

  // Takes the lock if it is free, at once. Never blocks.
  bool TryLock() {
    uint64_t expected = 0;
    return owner_.compare_exchange_strong(expected, SelfWord(), std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  // Takes the lock, waiting until `deadline`. OK; or OwnerDiedError when the
  // holder's process died holding it (the caller holds the lock now: repair,
  // then Unlock); or DeadlineExceeded ("lock is held") at the deadline.
  [[nodiscard]] absl::Status Lock(const Deadline& deadline) {
    if (TryLock()) return absl::OkStatus();
    return LockSlow(deadline);
  }

  // Releases the lock. Requires: the caller holds it.
  void Unlock();

  // The word this process writes when it holds a lock: pid << 32 | start tag.
  // Recomputed in the child after fork().
  static uint64_t SelfWord();

  // The holder's word, 0 if free (racy: for tests and diagnostics).
  uint64_t holder() const { return owner_.load(std::memory_order_relaxed); }

  // True if the process a lock word names is gone (see HOW above). Exposed
  // for tests; a word naming this process is always alive.
  static bool HolderIsDead(uint64_t word);


 private:
  // Tests reach SetHolder through PidLockTestPeer (testing/pid_lock_test_peer.h).
  friend struct PidLockTestPeer;
  // Makes `word` the holder, as if that process had locked it.
  void SetHolder(uint64_t word) { owner_.store(word, std::memory_order_release); }

  absl::Status LockSlow(const Deadline& deadline);

  std::atomic<uint64_t> owner_{0};
  std::atomic<uint32_t> sleepers_{0};   // Waiters in (or entering) a futex sleep.
  std::atomic<uint32_t> wake_seq_{0};   // The futex word: bumped by Unlock when sleepers.
};

static_assert(sizeof(PidLock) == 16);

// The word for process `pid` started at `start_ticks` (as in /proc/<pid>/stat).
constexpr uint64_t PidLockWord(pid_t pid, uint64_t start_ticks) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(pid)) << 32) | (start_ticks & 0xffffffffu);
}

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_INTERNAL_PID_LOCK_H_

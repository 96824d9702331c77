// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// robust_mutex.h: a pthread mutex that lives in shared memory and survives the
// death of its owner (PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST).
//
// An internal building block of `Connection` (and of anything else that puts a
// lock in a page shared by several processes). It has no Python counterpart:
// `multiprocessing.Lock` is a POSIX semaphore, which stays taken for ever when
// its holder dies; a robust mutex instead hands the next locker EOWNERDEAD,
// which `Lock()` reports as `OwnerDiedError` (Aborted + payload
// "conc/owner_died"). The caller then owns the lock, repairs (or condemns) the
// data it guards, calls `MarkConsistent()` and unlocks as usual.
//
// Lifetime: construct it in place (placement new) in memory mapped MAP_SHARED
// before any other process or thread can see it, then `Init()` once. It is
// never destroyed explicitly: the memory is unmapped when the last process
// lets go of it (a robust mutex needs no pthread_mutex_destroy on Linux).
//
// Example:
//
//   auto* mu = new (shared_page) conc::internal::RobustMutex;
//   if (absl::Status s = mu->Init(); !s.ok()) return s;
//   absl::Status locked = mu->Lock();
//   if (conc::IsOwnerDied(locked)) { RepairOrCondemn(); mu->MarkConsistent(); }
//   else if (!locked.ok()) return locked;
//   ...
//   mu->Unlock();
//
// Thread-safety: every method except Init may be called from any thread of
// any process that maps the page; Unlock and MarkConsistent only by the owner.

#ifndef MODULES_COMMON_INTERNAL_ROBUST_MUTEX_H_
#define MODULES_COMMON_INTERNAL_ROBUST_MUTEX_H_

#include <pthread.h>

#include "absl/status/status.h"

namespace conc::internal {

// Initialises `*mu` as a process-shared, robust pthread mutex (what every lock
// of this chapter that lives in shared memory is). Errors: pthread's, via
// ErrnoToStatus.
[[nodiscard]] absl::Status InitRobustSharedMutex(pthread_mutex_t* mu);

class RobustMutex {
 public:
  RobustMutex() = default;
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;

  // Initialises the mutex as process-shared and robust. Call once, before the
  // mutex is used or the page is shared. Errors: pthread's, via ErrnoToStatus.
  [[nodiscard]] absl::Status Init();

  // Blocks until the caller owns the mutex. OK; or `OwnerDiedError` when the
  // previous owner died holding it (the caller owns it now and must call
  // MarkConsistent before Unlock, or the mutex becomes unusable); or
  // `FailedPrecondition` if an owner died and nobody made it consistent
  // (ENOTRECOVERABLE), or on a deadlock (EDEADLK).
  [[nodiscard]] absl::Status Lock();

  // As Lock, but never blocks: `DeadlineExceeded` if another owner holds it.
  [[nodiscard]] absl::Status TryLock();

  // After an OwnerDiedError: declares the guarded state repaired.
  void MarkConsistent();

  // Releases the mutex. Requires: the caller owns it.
  void Unlock();

 private:
  absl::Status FromErrno(int rc, const char* what);

  pthread_mutex_t mu_;
};

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_ROBUST_MUTEX_H_

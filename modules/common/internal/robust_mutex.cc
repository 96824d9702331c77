// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/robust_mutex.h"

#include <cerrno>

#include "modules/common/status.h"

namespace conc::internal {

absl::Status InitRobustSharedMutex(pthread_mutex_t* mu) {
  pthread_mutexattr_t attr;
  int rc = ::pthread_mutexattr_init(&attr);
  if (rc != 0) return ErrnoToStatus(rc, "pthread_mutexattr_init");
  rc = ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (rc == 0) rc = ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  if (rc == 0) rc = ::pthread_mutex_init(mu, &attr);
  ::pthread_mutexattr_destroy(&attr);
  if (rc != 0) return ErrnoToStatus(rc, "pthread_mutex_init (robust, process-shared)");
  return absl::OkStatus();
}

absl::Status RobustMutex::Init() { return InitRobustSharedMutex(&mu_); }

absl::Status RobustMutex::FromErrno(int rc, const char* what) {
  switch (rc) {
    case 0:
      return absl::OkStatus();
    case EOWNERDEAD:
      return OwnerDiedError("the owner of a process-shared lock died holding it");
    case EBUSY:
      return absl::DeadlineExceededError("lock is held");
    case ENOTRECOVERABLE:
      return MisuseError("process-shared lock is not recoverable (owner died, never repaired)");
    default:
      return ErrnoToStatus(rc, what);
  }
}

absl::Status RobustMutex::Lock() { return FromErrno(::pthread_mutex_lock(&mu_), "pthread_mutex_lock"); }

absl::Status RobustMutex::TryLock() {
  return FromErrno(::pthread_mutex_trylock(&mu_), "pthread_mutex_trylock");
}

void RobustMutex::MarkConsistent() { (void)::pthread_mutex_consistent(&mu_); }

void RobustMutex::Unlock() { (void)::pthread_mutex_unlock(&mu_); }

}  // namespace conc::internal

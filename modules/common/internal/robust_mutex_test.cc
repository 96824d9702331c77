// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/robust_mutex.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <new>

#include "gtest/gtest.h"
#include "modules/common/status.h"

namespace {

using conc::internal::RobustMutex;

// A mutex in an anonymous shared page, visible to forked children.
RobustMutex* NewSharedMutex() {
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  EXPECT_NE(page, MAP_FAILED);
  auto* mu = new (page) RobustMutex;
  EXPECT_TRUE(mu->Init().ok());
  return mu;
}

TEST(RobustMutexTest, LockTryLockUnlock) {
  RobustMutex* mu = NewSharedMutex();
  ASSERT_TRUE(mu->Lock().ok());
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(absl::IsDeadlineExceeded(mu->TryLock()) ? 0 : 1);  // Held by the parent.
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  mu->Unlock();
  EXPECT_TRUE(mu->TryLock().ok());
  mu->Unlock();
  ::munmap(mu, 4096);
}

TEST(RobustMutexTest, OwnerDeathIsReportedAndRecoverable) {
  RobustMutex* mu = NewSharedMutex();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!mu->Lock().ok()) ::_exit(1);
    ::_exit(0);  // Dies holding the lock.
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  absl::Status s = mu->Lock();
  EXPECT_TRUE(conc::IsOwnerDied(s)) << s;
  mu->MarkConsistent();
  mu->Unlock();
  EXPECT_TRUE(mu->Lock().ok());  // Repaired: an ordinary lock again.
  mu->Unlock();
  ::munmap(mu, 4096);
}

TEST(RobustMutexTest, NotMadeConsistentBecomesUnrecoverable) {
  RobustMutex* mu = NewSharedMutex();
  const pid_t pid = ::fork();
  if (pid == 0) {
    (void)mu->Lock();
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(conc::IsOwnerDied(mu->Lock()));
  mu->Unlock();  // Without MarkConsistent.
  EXPECT_EQ(mu->Lock().code(), absl::StatusCode::kFailedPrecondition);
  ::munmap(mu, 4096);
}

}  // namespace

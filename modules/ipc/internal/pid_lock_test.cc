// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/pid_lock.h"
#include "modules/ipc/testing/pid_lock_test_peer.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"

namespace conc::mp::internal {
namespace {

// Bounds of waits that must end: generous, for a loaded 2-CPU VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(20);

// A page shared with forked children: the lock and a counter it guards.
struct Page {
  PidLock lock;
  int64_t counter = 0;
};

class PidLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    void* mem = ::mmap(nullptr, sizeof(Page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
    ASSERT_NE(mem, MAP_FAILED);
    page_ = new (mem) Page();
  }
  void TearDown() override { ::munmap(page_, sizeof(Page)); }

  // Forks a child that takes the lock, reports on `ready_`, and holds it until
  // the parent writes a byte on `release_` (then unlocks and exits 0), or for
  // ever if `hold_forever`.
  pid_t ForkHolder(bool hold_forever) {
    if (::pipe(ready_) != 0 || ::pipe(release_) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (!page_->lock.Lock(Deadline::Infinite()).ok()) ::_exit(2);
      const uint64_t word = PidLock::SelfWord();
      if (::write(ready_[1], &word, sizeof word) != sizeof word) ::_exit(3);
      char c;
      if (hold_forever) {
        for (;;) ::pause();
      }
      if (::read(release_[0], &c, 1) != 1) ::_exit(4);
      page_->lock.Unlock();
      ::_exit(0);
    }
    uint64_t word = 0;
    if (pid > 0 && ::read(ready_[0], &word, sizeof word) != sizeof word) return -1;
    holder_word_ = word;
    return pid;
  }
  void Release() {
    const char c = 'r';
    ASSERT_EQ(::write(release_[1], &c, 1), 1);
  }
  static int ExitCode(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -100;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  Page* page_ = nullptr;
  int ready_[2] = {-1, -1};
  int release_[2] = {-1, -1};
  uint64_t holder_word_ = 0;
};

TEST_F(PidLockTest, FreeLockIsTakenAtOnceAndNotTwice) {
  EXPECT_TRUE(page_->lock.Lock(Deadline::FromTimeout(absl::ZeroDuration())).ok());
  EXPECT_EQ(page_->lock.holder(), PidLock::SelfWord());
  EXPECT_FALSE(page_->lock.TryLock());
  page_->lock.Unlock();
  EXPECT_EQ(page_->lock.holder(), 0u);
  EXPECT_TRUE(page_->lock.TryLock());
  page_->lock.Unlock();
}

TEST_F(PidLockTest, SelfWordNamesThisProcessAndDiffersInAForkedChild) {
  const uint64_t word = PidLock::SelfWord();
  EXPECT_EQ(word >> 32, static_cast<uint64_t>(::getpid()));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const uint64_t child = PidLock::SelfWord();
    ::_exit(child >> 32 == static_cast<uint64_t>(::getpid()) && child != word ? 0 : 1);
  }
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ExitCode(pid), 0);
}

TEST_F(PidLockTest, HeldByALiveProcessTimesOutWithZeroNegativeAndPositiveDeadlines) {
  const pid_t pid = ForkHolder(false);
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(PidLock::HolderIsDead(holder_word_));
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::Milliseconds(-5)}) {
    EXPECT_TRUE(absl::IsDeadlineExceeded(page_->lock.Lock(Deadline::FromTimeout(timeout))));
  }
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      page_->lock.Lock(Deadline::FromTimeout(absl::Milliseconds(100)))));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  Release();
  EXPECT_TRUE(page_->lock.Lock(Deadline::FromTimeout(kLong)).ok());
  page_->lock.Unlock();
  EXPECT_EQ(ExitCode(pid), 0);
}

TEST_F(PidLockTest, SleepingWaiterGetsTheLockWhenTheHolderUnlocks) {
  const pid_t pid = ForkHolder(false);
  ASSERT_GT(pid, 0);
  std::atomic<bool> waiting{false};
  absl::Status status;
  std::thread waiter([&] {
    waiting.store(true);
    status = page_->lock.Lock(Deadline::FromTimeout(kLong));
  });
  while (!waiting.load()) std::this_thread::yield();
  // Not synchronisation: only gives the waiter time to pass its spin and go to
  // sleep, so that the wake-up path is the one tested (it passes either way).
  absl::SleepFor(absl::Milliseconds(50));
  Release();
  waiter.join();
  EXPECT_TRUE(status.ok()) << status;  // Not OwnerDied: the holder unlocked.
  page_->lock.Unlock();
  EXPECT_EQ(ExitCode(pid), 0);
}

TEST_F(PidLockTest, HolderKilledAndNotYetReapedIsOwnerDied) {
  const pid_t pid = ForkHolder(true);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // A zombie until waitpid below: dead for the lock.
  const absl::Time start = absl::Now();
  absl::Status s = page_->lock.Lock(Deadline::FromTimeout(kLong));
  EXPECT_TRUE(IsOwnerDied(s)) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(page_->lock.holder(), PidLock::SelfWord());  // The caller holds it now.
  page_->lock.Unlock();
  EXPECT_EQ(ExitCode(pid), -SIGKILL);
  EXPECT_TRUE(page_->lock.Lock(Deadline::FromTimeout(absl::ZeroDuration())).ok());
  page_->lock.Unlock();
}

TEST_F(PidLockTest, HolderKilledAndReapedIsOwnerDied) {
  const pid_t pid = ForkHolder(true);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(ExitCode(pid), -SIGKILL);
  EXPECT_TRUE(PidLock::HolderIsDead(holder_word_));
  EXPECT_TRUE(IsOwnerDied(page_->lock.Lock(Deadline::FromTimeout(kLong))));
  page_->lock.Unlock();
}

TEST_F(PidLockTest, ALivePidWithAnotherStartTimeIsAReusedPidAndDead) {
  // This process's own pid, but another start time: the process that locked
  // with that word is not this one.
  const uint64_t self = PidLock::SelfWord();
  const uint64_t reused = PidLockWord(::getpid(), static_cast<uint32_t>(self) + 1);
  EXPECT_FALSE(PidLock::HolderIsDead(self));
  EXPECT_TRUE(PidLock::HolderIsDead(reused));
  PidLockTestPeer::SetHolder(page_->lock, reused);
  EXPECT_TRUE(IsOwnerDied(page_->lock.Lock(Deadline::FromTimeout(kLong))));
  page_->lock.Unlock();
}

TEST_F(PidLockTest, OfTwoWaitersForADeadHolderExactlyOneRepairs) {
  const pid_t pid = ForkHolder(true);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(ExitCode(pid), -SIGKILL);
  std::atomic<int> owner_died{0}, ok{0};
  auto take = [&] {
    absl::Status s = page_->lock.Lock(Deadline::FromTimeout(kLong));
    if (IsOwnerDied(s)) ++owner_died;
    if (s.ok()) ++ok;
    if (s.ok() || IsOwnerDied(s)) page_->lock.Unlock();
  };
  std::thread a(take), b(take);
  a.join();
  b.join();
  EXPECT_EQ(owner_died.load(), 1);
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(PidLockTest, ThreeProcessesAndTwoThreadsExcludeEachOther) {
  constexpr int kIncrements = 20000;
  auto work = [this] {
    for (int i = 0; i < kIncrements; ++i) {
      if (!page_->lock.Lock(Deadline::FromTimeout(kLong)).ok()) return false;
      const int64_t v = page_->counter;  // A plain read-modify-write: torn if not excluded.
      page_->counter = v + 1;
      page_->lock.Unlock();
    }
    return true;
  };
  pid_t children[2];
  for (pid_t& child : children) {
    child = ::fork();
    if (child == 0) ::_exit(work() ? 0 : 1);
    ASSERT_GT(child, 0);
  }
  bool thread_ok = false;
  std::thread t([&] { thread_ok = work(); });
  EXPECT_TRUE(work());
  t.join();
  EXPECT_TRUE(thread_ok);
  for (pid_t child : children) EXPECT_EQ(ExitCode(child), 0);
  EXPECT_EQ(page_->counter, 4 * kIncrements);
}

}  // namespace
}  // namespace conc::mp::internal

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of the two building blocks under the process-shared primitives:
// SharedRegion (memfd memory crossing fork and a re-attach by descriptor) and
// FutexWait/FutexWake (sleeping on a shared word across processes).

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/futex.h"
#include "modules/common/internal/shared_region.h"

namespace conc::internal {
namespace {

TEST(SharedRegionTest, ZeroSizeIsInvalidArgument) {
  EXPECT_EQ(SharedRegion::Create(0, "conc-test").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SharedRegionTest, SizeIsRoundedUpToPagesAndZeroFilled) {
  auto region = SharedRegion::Create(10, "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ASSERT_EQ((*region)->size(), page);
  for (size_t i = 0; i < page; ++i) ASSERT_EQ((*region)->data()[i], std::byte{0}) << i;
}

TEST(SharedRegionTest, AttachSeesTheSameMemory) {
  auto region = SharedRegion::Create(100, "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  auto again = SharedRegion::Attach((*region)->handle(), 100);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE((*again)->data(), (*region)->data());  // a second mapping...
  std::memcpy((*region)->data(), "hello", 5);
  EXPECT_EQ(std::memcmp((*again)->data(), "hello", 5), 0);  // ...of the same pages
  EXPECT_EQ((*again)->fds_to_pass().size(), 1u);
}

TEST(SharedRegionTest, AttachOutlivesTheCreator) {
  auto region = SharedRegion::Create(100, "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  std::memcpy((*region)->data(), "kept", 4);
  auto again = SharedRegion::Attach((*region)->handle());
  ASSERT_TRUE(again.ok()) << again.status();
  region->reset();  // unmaps and closes the creator's descriptor
  EXPECT_EQ(std::memcmp((*again)->data(), "kept", 4), 0);
}

TEST(SharedRegionTest, AttachToAClosedDescriptorIsInvalidArgument) {
  auto region = SharedRegion::Attach(SharedRegionHandle{-1});
  EXPECT_EQ(region.status().code(), absl::StatusCode::kInvalidArgument);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(SharedRegion::Attach(SharedRegionHandle{fds[0]}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SharedRegionTest, AttachRefusesARegionSmallerThanRequired) {
  auto region = SharedRegion::Create(100, "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  EXPECT_EQ(SharedRegion::Attach((*region)->handle(), (*region)->size() + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SharedRegionTest, AForkedChildWritesWhatTheParentReads) {
  auto region = SharedRegion::Create(sizeof(uint64_t), "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  auto* word = new ((*region)->data()) std::atomic<uint64_t>(0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    word->store(42);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(word->load(), 42u);
}

TEST(FutexTest, WaitReturnsAtOnceWhenTheWordDiffers) {
  std::atomic<uint32_t> word{1};
  EXPECT_TRUE(FutexWait(&word, 0, Deadline::Infinite(), FutexScope::kShared));
}

TEST(FutexTest, ExpiredDeadlineReturnsFalseWithoutSleeping) {
  std::atomic<uint32_t> word{0};
  EXPECT_FALSE(FutexWait(&word, 0, Deadline::FromTimeout(absl::ZeroDuration()), FutexScope::kShared));
  EXPECT_FALSE(FutexWait(&word, 0, Deadline::FromTimeout(absl::Seconds(-1)), FutexScope::kShared));
}

TEST(FutexTest, TimedWaitEndsWithFalse) {
  std::atomic<uint32_t> word{0};
  const absl::Time start = absl::Now();
  const Deadline deadline = Deadline::FromTimeout(absl::Milliseconds(20));
  while (FutexWait(&word, 0, deadline, FutexScope::kShared)) {
  }  // spurious wake-ups loop; the deadline ends it
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
}

// A child process sleeps on a word in shared memory; the parent changes the
// word and wakes it. Bounded: the child gives up after 30 s (far above any
// scheduling delay on a loaded VM) and reports failure by its exit code.
TEST(FutexTest, WakesASleeperInAnotherProcess) {
  auto region = SharedRegion::Create(2 * sizeof(uint32_t), "conc-test");
  ASSERT_TRUE(region.ok()) << region.status();
  auto* word = new ((*region)->data()) std::atomic<uint32_t>(0);
  auto* asleep = new ((*region)->data() + sizeof(uint32_t)) std::atomic<uint32_t>(0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const Deadline deadline = Deadline::FromTimeout(absl::Seconds(30));
    asleep->store(1);
    while (word->load() == 0) {
      if (!FutexWait(word, 0, deadline, FutexScope::kShared)) ::_exit(1);
    }
    ::_exit(word->load() == 7 ? 0 : 2);
  }
  while (asleep->load() == 0) ::usleep(100);  // polling the child's progress, not a sleep-for-sync
  word->store(7);
  FutexWake(word, INT_MAX, FutexScope::kShared);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace conc::internal

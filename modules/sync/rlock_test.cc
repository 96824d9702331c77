// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/rlock.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sync/testing/test_util.h"

namespace conc {
namespace {

using sync_testing::PollUntil;

// ABSL_NO_THREAD_SAFETY_ANALYSIS below: these tests acquire under ASSERT_TRUE and release
// on other threads or past zero, which -Wthread-safety cannot follow.
TEST(RLockTest, OwnerAcquiresRecursively) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  EXPECT_FALSE(rlock.is_owned());
  ASSERT_TRUE(rlock.acquire());
  ASSERT_TRUE(rlock.acquire());
  ASSERT_TRUE(rlock.acquire(false));                       // never blocks for the owner
  ASSERT_TRUE(rlock.acquire(true, absl::ZeroDuration()));  // nor with a timeout
  EXPECT_TRUE(rlock.is_owned());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(rlock.release().ok());
    EXPECT_TRUE(rlock.locked());
  }
  EXPECT_TRUE(rlock.release().ok());
  EXPECT_FALSE(rlock.locked());
  EXPECT_FALSE(rlock.is_owned());
  EXPECT_EQ(rlock.release().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RLockTest, RecursionLevelCountsTheOwnersAcquires) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  EXPECT_EQ(rlock.recursion_level(), 0u);
  for (uint64_t level = 1; level <= 3; ++level) {
    ASSERT_TRUE(rlock.acquire());
    EXPECT_EQ(rlock.recursion_level(), level);
  }
  // Another thread does not own it: 0 for it, and its failed release
  // changes nothing.
  uint64_t seen_by_other = 99;
  absl::Status other_release;
  std::thread([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    seen_by_other = rlock.recursion_level();
    other_release = rlock.release();
  }).join();
  EXPECT_EQ(seen_by_other, 0u);
  EXPECT_EQ(other_release.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rlock.recursion_level(), 3u);
  for (uint64_t level = 3; level >= 1; --level) {
    EXPECT_TRUE(rlock.release().ok());
    EXPECT_EQ(rlock.recursion_level(), level - 1);
  }
  EXPECT_FALSE(rlock.locked());
}

TEST(RLockTest, OtherThreadsAreExcludedUntilFullyReleased) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  ASSERT_TRUE(rlock.acquire());
  ASSERT_TRUE(rlock.acquire());
  std::thread([&] {
    EXPECT_FALSE(rlock.acquire(false));
    EXPECT_FALSE(rlock.acquire(true, absl::Milliseconds(20)));
    EXPECT_FALSE(rlock.is_owned());
  }).join();
  EXPECT_TRUE(rlock.release().ok());
  std::thread([&] { EXPECT_FALSE(rlock.acquire(false)); }).join();
  EXPECT_TRUE(rlock.release().ok());
  std::thread([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    EXPECT_TRUE(rlock.acquire(false));
    EXPECT_TRUE(rlock.release().ok());
  }).join();
}

TEST(RLockTest, NonOwnerReleaseFailsAndChangesNothing) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  ASSERT_TRUE(rlock.acquire());
  absl::Status status;
  std::thread([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { status = rlock.release(); }).join();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(rlock.locked());
  EXPECT_TRUE(rlock.is_owned());
  EXPECT_TRUE(rlock.release().ok());
  EXPECT_FALSE(rlock.locked());
}

TEST(RLockTest, InvalidArgumentsAsLock) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  EXPECT_FALSE(rlock.acquire(true, absl::Seconds(-1)));
  EXPECT_FALSE(rlock.acquire(false, absl::Seconds(1)));
  EXPECT_FALSE(rlock.locked());
  EXPECT_EQ(rlock.acquire_checked(true, absl::Seconds(-2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rlock.acquire_checked(false, absl::Seconds(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<bool> ok = rlock.acquire_checked();
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_TRUE(rlock.release().ok());
}

TEST(RLockTest, BlockedAcquireWakesOnLastRelease) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  ASSERT_TRUE(rlock.acquire());
  ASSERT_TRUE(rlock.acquire());
  std::atomic<bool> started{false}, acquired{false};
  std::thread t([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    started = true;
    EXPECT_TRUE(rlock.acquire(true, absl::Seconds(60)));
    acquired = true;
    EXPECT_TRUE(rlock.release().ok());
  });
  ASSERT_TRUE(PollUntil([&] { return started.load(); }));
  EXPECT_TRUE(rlock.release().ok());
  EXPECT_FALSE(acquired.load());  // still held once
  EXPECT_TRUE(rlock.release().ok());
  t.join();
  EXPECT_TRUE(acquired.load());
}

TEST(RLockTest, MutualExclusionWithRecursion) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  int64_t counter = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (int j = 0; j < 5000; ++j) {
        ScopedAcquire outer(rlock);
        ScopedAcquire inner(rlock);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, 20000);
  EXPECT_FALSE(rlock.locked());
}

}  // namespace
}  // namespace conc

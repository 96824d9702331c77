// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/lock.h"

#include <atomic>
#include <chrono>
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
TEST(LockTest, AcquireAndRelease) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  EXPECT_FALSE(lock.locked());
  ASSERT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.locked());
  EXPECT_TRUE(lock.release().ok());
  EXPECT_FALSE(lock.locked());
}

TEST(LockTest, NonBlockingAcquireFailsWhileHeld) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  ASSERT_TRUE(lock.acquire(false));
  EXPECT_FALSE(lock.acquire(false));
  std::thread([&] { EXPECT_FALSE(lock.acquire(false)); }).join();
  EXPECT_TRUE(lock.release().ok());
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_TRUE(lock.release().ok());
}

TEST(LockTest, ZeroTimeoutPollsOnce) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  EXPECT_TRUE(lock.acquire(true, absl::ZeroDuration()));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(lock.acquire(true, absl::ZeroDuration()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(lock.release().ok());
}

TEST(LockTest, TimeoutExpiresWhileHeld) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  ASSERT_TRUE(lock.acquire());
  const absl::Time start = absl::Now();
  EXPECT_FALSE(lock.acquire(true, absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_TRUE(lock.locked());
  EXPECT_TRUE(lock.release().ok());
}

TEST(LockTest, NegativeTimeoutIsValueError) {
  Lock lock;
  // Python: ValueError; -1 ("forever") is std::nullopt here.
  EXPECT_FALSE(lock.acquire(true, absl::Seconds(-1)));
  EXPECT_FALSE(lock.locked());
  absl::StatusOr<bool> r = lock.acquire_checked(true, absl::Milliseconds(-5));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(lock.locked());
}

TEST(LockTest, TimeoutWithNonBlockingIsValueError) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  EXPECT_FALSE(lock.acquire(false, absl::Seconds(1)));
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(lock.acquire_checked(false, absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(lock.locked());
  absl::StatusOr<bool> ok = lock.acquire_checked(false);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_TRUE(lock.release().ok());
}

TEST(LockTest, InfiniteDurationWaitsForever) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  EXPECT_TRUE(lock.acquire(true, absl::InfiniteDuration()));
  EXPECT_TRUE(lock.release().ok());
}

TEST(LockTest, ReleaseUnlockedIsFailedPrecondition) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  EXPECT_EQ(lock.release().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(lock.locked());
  ASSERT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.release().ok());
  EXPECT_EQ(lock.release().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LockTest, AnotherThreadMayRelease) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  ASSERT_TRUE(lock.acquire());
  absl::Status released;
  std::thread([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { released = lock.release(); }).join();
  EXPECT_TRUE(released.ok());
  EXPECT_FALSE(lock.locked());
}

TEST(LockTest, BlockedAcquireWakesOnRelease) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Lock lock;
  ASSERT_TRUE(lock.acquire());
  std::atomic<bool> started{false}, acquired{false};
  std::thread t([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    started = true;
    EXPECT_TRUE(lock.acquire(true, absl::Seconds(60)));
    acquired = true;
    EXPECT_TRUE(lock.release().ok());
  });
  ASSERT_TRUE(PollUntil([&] { return started.load(); }));
  EXPECT_FALSE(acquired.load());
  EXPECT_TRUE(lock.release().ok());
  t.join();
  EXPECT_TRUE(acquired.load());
}

TEST(LockTest, UsedAsASignalBetweenThreads) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Python's idiom: a Lock acquired by one thread and released by another.
  Lock done;
  ASSERT_TRUE(done.acquire());
  int value = 0;
  std::thread t([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    value = 42;
    EXPECT_TRUE(done.release().ok());
  });
  ASSERT_TRUE(done.acquire(true, absl::Seconds(60)));
  EXPECT_EQ(value, 42);
  t.join();
}

TEST(LockTest, MutualExclusion) {
  Lock lock;
  int64_t counter = 0;  // Guarded by lock: TSan checks that it is.
  constexpr int kThreads = 4;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (int j = 0; j < kIterations; ++j) {
        LockGuard guard(lock);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, int64_t{kThreads} * kIterations);
  EXPECT_FALSE(lock.locked());
}

TEST(LockTest, TimedAcquiresUnderContention) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Timed waiters that give up must not lose a wake-up for the others.
  Lock lock;
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (int j = 0; j < 2000; ++j) {
        const absl::Duration timeout = absl::Microseconds((i + j) % 3 * 20);
        if (lock.acquire(true, timeout)) {
          got.fetch_add(1);
          EXPECT_TRUE(lock.release().ok());
        }
      }
      ASSERT_TRUE(lock.acquire(true, absl::Seconds(60)));  // never stuck
      EXPECT_TRUE(lock.release().ok());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(got.load(), 0);
  EXPECT_FALSE(lock.locked());
}

TEST(LockTest, GuardReleasesOnScopeExit) {
  Lock lock;
  {
    LockGuard guard(lock);
    EXPECT_TRUE(lock.locked());
  }
  EXPECT_FALSE(lock.locked());
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/contention.h"

#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/sync/event.h"
#include "modules/sync/lock.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

// ABSL_NO_THREAD_SAFETY_ANALYSIS below: these tests acquire under ASSERT_TRUE and release
// on other threads or past zero, which -Wthread-safety cannot follow.
TEST(ContentionTest, UncontendedAcquiresAreCountedWithNoWait) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> lock("t.uncontended");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(lock.acquire());
    ASSERT_TRUE(lock.release().ok());
  }
  const ContentionStats s = lock.stats();
  EXPECT_EQ(s.name, "t.uncontended");
  EXPECT_EQ(s.acquisitions, 10u);
  EXPECT_EQ(s.contended, 0u);
  EXPECT_EQ(s.wait_ns, 0u);
}

// A Lock that says when a non-blocking poll found it taken: the moment a
// ProfiledLock's acquire has certainly counted itself as contended.
struct ObservedLock {
  Lock lock;
  Event polled_busy;
  // Forwarders of `lock`, which the analysis cannot follow through `ok`.
  bool acquire(bool blocking) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const bool ok = lock.acquire(blocking);
    if (!ok && !blocking) polled_busy.set();
    return ok;
  }
  absl::Status release() ABSL_NO_THREAD_SAFETY_ANALYSIS { return lock.release(); }
};

TEST(ContentionTest, AWaiterIsCountedAsContendedWithItsWait) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<ObservedLock> lock("t.contended");
  ASSERT_TRUE(lock.acquire());
  std::thread waiter([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    ASSERT_TRUE(lock.acquire());  // finds it taken, waits for the release below
    ASSERT_TRUE(lock.release().ok());
  });
  ASSERT_TRUE(lock.lock().polled_busy.wait(absl::Minutes(1)));  // bounded: a loaded CI machine
  ASSERT_TRUE(lock.release().ok());
  waiter.join();
  const ContentionStats s = lock.stats();
  EXPECT_EQ(s.acquisitions, 2u);
  EXPECT_EQ(s.contended, 1u);
  EXPECT_GT(s.wait_ns, 0u);
  EXPECT_EQ(s.max_wait_ns, s.wait_ns);
}

TEST(ContentionTest, ManyThreadsOnOneLockAllCounted) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> lock("t.many");
  constexpr int kThreads = 4, kEach = 2000;
  int64_t counter = 0;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(lock.acquire());
        ++counter;
        ASSERT_TRUE(lock.release().ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter, kThreads * kEach);
  const ContentionStats s = lock.stats();
  EXPECT_EQ(s.acquisitions, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LE(s.contended, s.acquisitions);
  EXPECT_LE(s.max_wait_ns, s.wait_ns);
}

TEST(ContentionTest, NonBlockingAcquireOfAHeldLockFailsAndCountsNothing) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> lock("t.poll");
  ASSERT_TRUE(lock.acquire());
  std::thread other([&] { EXPECT_FALSE(lock.acquire(false)); });
  other.join();
  ASSERT_TRUE(lock.release().ok());
  EXPECT_EQ(lock.stats().acquisitions, 1u);
  EXPECT_EQ(lock.stats().contended, 0u);
}

TEST(ContentionTest, OverReleaseIsTheWrappedLocksError) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> lock("t.over");
  EXPECT_EQ(lock.release().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ContentionTest, TheReportListsLiveLocksMostWaitedFirstAndForgetsDestroyedOnes) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> quiet("t.report.quiet");  // registered first, never waited for
  auto busy = std::make_unique<ProfiledLock<ObservedLock>>("t.report.busy");
  ASSERT_TRUE(quiet.acquire());
  ASSERT_TRUE(quiet.release().ok());
  ASSERT_TRUE(busy->acquire());
  std::thread waiter([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    ASSERT_TRUE(busy->acquire());
    ASSERT_TRUE(busy->release().ok());
  });
  ASSERT_TRUE(busy->lock().polled_busy.wait(absl::Minutes(1)));
  ASSERT_TRUE(busy->release().ok());
  waiter.join();
  std::vector<ContentionStats> rows;
  for (const ContentionStats& s : ContentionSnapshot()) {
    if (s.name.rfind("t.report.", 0) == 0) rows.push_back(s);
  }
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "t.report.busy");  // most waited first, though registered second
  EXPECT_EQ(rows[1].name, "t.report.quiet");
  const std::string report = ContentionReport();
  EXPECT_THAT(report, HasSubstr("t.report.busy"));
  EXPECT_THAT(report, HasSubstr("waited total"));
  busy.reset();
  EXPECT_THAT(ContentionReport(), ::testing::Not(HasSubstr("t.report.busy")));
}

TEST(ContentionTest, ResetZeroesTheCounters) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ProfiledLock<Lock> lock("t.reset");
  ASSERT_TRUE(lock.acquire());
  ASSERT_TRUE(lock.release().ok());
  lock.reset_stats();
  EXPECT_EQ(lock.stats().acquisitions, 0u);
}

}  // namespace
}  // namespace conc

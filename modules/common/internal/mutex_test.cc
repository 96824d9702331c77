// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/mutex.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "gtest/gtest.h"

namespace conc::internal {
namespace {

struct Counter {
  Mutex mu;
  std::condition_variable changed;
  int64_t value ABSL_GUARDED_BY(mu) = 0;
};

TEST(MutexTest, ExcludesAndPublishesWhatTheHolderWrote) {
  // A plain counter: a lost update or, under TSan, a data race shows that the
  // lock failed to exclude or to order (TSan sees the std::mutex inside).
  Counter c;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        MutexLock hold(c.mu);
        ++c.value;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  MutexLock hold(c.mu);
  EXPECT_EQ(c.value, int64_t{kThreads} * kPerThread);
}

TEST(MutexTest, TryLockFailsWhileHeld) {
  Mutex mu;
  // Not ASSERT_TRUE(mu.try_lock()): -Wthread-safety follows a try_lock only
  // through a branch on its result.
  if (!mu.try_lock()) GTEST_FAIL() << "try_lock failed on a free mutex";
  EXPECT_FALSE(std::async(std::launch::async, [&] {
                 const bool got = mu.try_lock();
                 if (got) mu.unlock();
                 return got;
               }).get());
  mu.unlock();
}

TEST(MutexLockTest, UnlockAndLockDropAndRetakeTheMutexInsideTheScope) {
  Mutex mu;
  auto free_elsewhere = [&] {
    return std::async(std::launch::async, [&] {
             const bool got = mu.try_lock();
             if (got) mu.unlock();
             return got;
           }).get();
  };
  {
    MutexLock hold(mu);
    EXPECT_FALSE(free_elsewhere());
    hold.unlock();
    EXPECT_TRUE(free_elsewhere());
    hold.lock();
    EXPECT_FALSE(free_elsewhere());
  }
  EXPECT_TRUE(free_elsewhere());
  {
    MutexLock hold(mu);
    hold.unlock();
  }  // Not unlocked twice.
  EXPECT_TRUE(free_elsewhere());
}

TEST(MutexLockTest, ConditionVariableWaitsThroughNative) {
  Counter c;
  std::thread setter([&] {
    MutexLock hold(c.mu);
    c.value = 1;
    c.changed.notify_one();
  });
  {
    MutexLock hold(c.mu);
    // Bounded: a lost wake-up fails the test instead of hanging it.
    EXPECT_TRUE(c.changed.wait_for(hold.native(), std::chrono::seconds(60),
                                   [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu) { return c.value == 1; }));
  }
  setter.join();
}

}  // namespace
}  // namespace conc::internal

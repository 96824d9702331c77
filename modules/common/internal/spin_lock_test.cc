// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/spin_lock.h"

#include <atomic>
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

TEST(SpinLockTest, ExcludesAndPublishesWhatTheHolderWrote) {
  // A plain (non-atomic) counter: a lost update or, under TSan, a data race
  // shows that the lock failed to exclude or to order.
  SpinLock mu;
  int64_t counter = 0;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        SpinLockHolder lock(mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, int64_t{kThreads} * kPerThread);
}

TEST(SpinLockTest, TryLockFailsWhileHeld) {
  SpinLock mu;
  // Not ASSERT_TRUE(mu.try_lock()): -Wthread-safety follows a try_lock only
  // through a branch on its result.
  if (!mu.try_lock()) GTEST_FAIL() << "try_lock failed on a free lock";
  EXPECT_FALSE(std::async(std::launch::async, [&] { return mu.try_lock(); }).get());
  mu.unlock();
  EXPECT_TRUE(std::async(std::launch::async, [&] {
                const bool got = mu.try_lock();
                if (got) mu.unlock();
                return got;
              }).get());
}

TEST(SpinLockTest, WaiterGetsTheLockWhenTheHolderReleasesIt) {
  SpinLock mu;
  mu.lock();
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    SpinLockHolder lock(mu);  // Polls, then yields.
    acquired.store(true);
  });
  // Only a negative can be checked without a bound on the scheduler: the
  // waiter cannot have the lock while it is held here.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(acquired.load());
  mu.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST(SpinLockHolderTest, UnlockAndLockDropAndRetakeTheLockInsideTheScope) {
  SpinLock mu;
  auto free_now = [&] {
    const bool got = mu.try_lock();
    if (got) mu.unlock();
    return got;
  };
  {
    SpinLockHolder hold(mu);
    EXPECT_FALSE(free_now());
    hold.unlock();
    EXPECT_TRUE(free_now());
    hold.lock();
    EXPECT_FALSE(free_now());
  }
  EXPECT_TRUE(free_now());
  {
    SpinLockHolder hold(mu);
    hold.unlock();
  }  // Not unlocked twice.
  EXPECT_TRUE(free_now());
}

TEST(SpinLockHolderTest, ConditionVariableAnyWaitsOnTheHolder) {
  struct {
    SpinLock mu;
    std::condition_variable_any changed;
    int value ABSL_GUARDED_BY(mu) = 0;
  } s;
  std::thread setter([&] {
    SpinLockHolder hold(s.mu);
    s.value = 1;
    s.changed.notify_one();
  });
  {
    SpinLockHolder hold(s.mu);
    // Bounded: a lost wake-up fails the test instead of hanging it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (s.value == 0 &&
           s.changed.wait_until(hold, deadline) == std::cv_status::no_timeout) {
    }
    EXPECT_EQ(s.value, 1);
  }
  setter.join();
}

}  // namespace
}  // namespace conc::internal

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/spin_lock.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

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
        std::lock_guard<SpinLock> lock(mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, int64_t{kThreads} * kPerThread);
}

TEST(SpinLockTest, TryLockFailsWhileHeld) {
  SpinLock mu;
  ASSERT_TRUE(mu.try_lock());
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
    std::lock_guard<SpinLock> lock(mu);  // Polls, then yields.
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

}  // namespace
}  // namespace conc::internal

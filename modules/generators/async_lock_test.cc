// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// AsyncLock: mutual exclusion, FIFO order, the woken waiter's reservation, a
// cancelled waiter never takes the lock nor loses a wake-up, release of an
// unlocked lock refused. The races follow CPython's
// Lib/test/test_asyncio/test_locks.py (LockTests). Every run is bounded.

#include "modules/generators/async_lock.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

// Takes the lock, logs, holds it for `hold` yields, releases.
Task<void> locker(AsyncLock* lock, std::string name, int hold, std::vector<std::string>* log) {
  co_await lock->acquire();
  log->push_back(name);
  co_await yield_times(hold);
  EXPECT_TRUE(lock->release().ok());
}

TEST(AsyncLockTest, AcquireReleaseAndReleasingAnUnlockedLockIsRefused) {
  AsyncLock lock;
  auto main_task = [&]() -> Task<void> {
    EXPECT_FALSE(lock.locked());
    co_await lock.acquire();
    EXPECT_TRUE(lock.locked());
    EXPECT_TRUE(lock.release().ok());
    EXPECT_FALSE(lock.locked());
    absl::Status s = lock.release();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(s.message(), HasSubstr("Lock is not acquired."));
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncLockTest, WaitersTakeTheLockInFifoOrderAndExclude) {
  AsyncLock lock;
  std::vector<std::string> log;
  int inside = 0, most_inside = 0;
  auto critical = [&](std::string name) -> Task<void> {
    auto g = co_await lock.scoped();
    most_inside = std::max(most_inside, ++inside);
    log.push_back(name);
    co_await yield_times(2);
    --inside;
  };
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    co_await lock.acquire();
    std::vector<Task<void>> ts;
    for (const char* n : {"a", "b", "c", "d"}) ts.push_back(create_task(loop, critical(n)));
    co_await yield_times(3);  // all four queue
    EXPECT_THAT(log, ::testing::IsEmpty());
    EXPECT_TRUE(lock.release().ok());
    for (Task<void>& t : ts) co_await t;
    EXPECT_FALSE(lock.locked());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(most_inside, 1);
}

TEST(AsyncLockTest, ACancelledWaiterDoesNotTakeTheLock) {
  AsyncLock lock;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    co_await lock.acquire();
    Task<void> a = create_task(loop, locker(&lock, "a", 1, &log));
    Task<void> b = create_task(loop, locker(&lock, "b", 1, &log));
    co_await yield_times(2);
    EXPECT_TRUE(a.cancel());
    co_await yield_times(2);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(lock.locked());  // still ours
    EXPECT_TRUE(lock.release().ok());
    co_await b;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("b"));
}

// CPython's test_cancel_release_race: release() wakes A, A is cancelled
// before it runs; the wake-up must pass to B.
TEST(AsyncLockTest, AWokenWaiterCancelledBeforeItRunsPassesTheWakeUpOn) {
  AsyncLock lock;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    co_await lock.acquire();
    Task<void> a = create_task(loop, locker(&lock, "a", 1, &log));
    Task<void> b = create_task(loop, locker(&lock, "b", 1, &log));
    co_await yield_times(2);
    EXPECT_TRUE(lock.release().ok());  // wakes a...
    EXPECT_TRUE(a.cancel());           // ...which is cancelled before it runs
    co_await b;                        // would hang (until kBound) if the wake-up were lost
    EXPECT_TRUE(a.cancelled());
    EXPECT_FALSE(lock.locked());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("b"));
}

// CPython's test_finished_waiter_cancelled / fairness: a task that calls
// acquire() after release() woke A, but before A ran, queues behind A.
TEST(AsyncLockTest, ANewcomerQueuesBehindTheWokenWaiter) {
  AsyncLock lock;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    co_await lock.acquire();
    Task<void> a = create_task(loop, locker(&lock, "a", 1, &log));
    co_await yield_times(2);
    EXPECT_TRUE(lock.release().ok());  // a is woken; the lock is reserved for it
    EXPECT_FALSE(lock.locked());       // Python: locked() is False here too
    Task<void> newcomer = create_task(loop, locker(&lock, "newcomer", 1, &log));
    co_await a;
    co_await newcomer;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "newcomer"));
}

TEST(AsyncLockTest, CancellingAQueuedWaiterBehindAWokenOneWakesNobodyExtra) {
  AsyncLock lock;
  std::vector<std::string> log;
  int inside = 0, most_inside = 0;
  auto critical = [&](std::string name) -> Task<void> {
    co_await lock.acquire();
    most_inside = std::max(most_inside, ++inside);
    log.push_back(name);
    co_await yield_times(2);
    --inside;
    EXPECT_TRUE(lock.release().ok());
  };
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    co_await lock.acquire();
    Task<void> a = create_task(loop, critical("a"));
    Task<void> b = create_task(loop, critical("b"));
    Task<void> c = create_task(loop, critical("c"));
    co_await yield_times(2);
    // b leaves the queue and will run before a (its step is scheduled first);
    // it sees the lock free but a already woken: it must not wake c as well.
    EXPECT_TRUE(b.cancel());
    EXPECT_TRUE(lock.release().ok());  // wakes a
    co_await a;
    co_await c;
    EXPECT_TRUE(b.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "c"));
  EXPECT_EQ(most_inside, 1);
}

TEST(AsyncLockTest, TheGuardReleasesAndCanBeResetEarly) {
  AsyncLock lock;
  auto main_task = [&]() -> Task<void> {
    {
      AsyncLock::Guard g = co_await lock.scoped();
      EXPECT_TRUE(lock.locked());
      AsyncLock::Guard moved = std::move(g);
      g.reset();  // moved-from: nothing
      EXPECT_TRUE(lock.locked());
      moved.reset();
      EXPECT_FALSE(lock.locked());
      co_await lock.acquire();
    }
    EXPECT_TRUE(lock.locked());  // the reset guard did not release our second acquire
    EXPECT_TRUE(lock.release().ok());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// AsyncSemaphore / AsyncBoundedSemaphore: permits, FIFO order, the permit
// handed over at wake-up, cancelled waiters (before and after their wake-up)
// lose no permit and no wake-up, the bounded over-release refused, Create's
// checks. The races follow CPython's Lib/test/test_asyncio/test_locks.py
// (SemaphoreTests). Every run is bounded.

#include "modules/generators/async_semaphore.h"

#include <algorithm>
#include <cstdint>
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

Task<void> taker(AsyncSemaphore* sem, std::string name, std::vector<std::string>* log) {
  co_await sem->acquire();
  log->push_back(name);
}

TEST(AsyncSemaphoreTest, CreateChecksTheValueAndTheConstructorClamps) {
  EXPECT_EQ(AsyncSemaphore::Create(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(AsyncSemaphore::Create(-1).status().message(), HasSubstr(">= 0"));
  EXPECT_EQ(AsyncSemaphore::Create(int64_t{1} << 40).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AsyncBoundedSemaphore::Create(-5).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(AsyncSemaphore::Create(0).ok());
  EXPECT_EQ((*AsyncSemaphore::Create(3))->value(), 3);
  EXPECT_EQ(AsyncSemaphore(-7).value(), 0);
  EXPECT_EQ(AsyncSemaphore(int64_t{1} << 40).value(), AsyncSemaphore::kMaxValue);
}

TEST(AsyncSemaphoreTest, AtMostValueHoldersAndFifoOrder) {
  AsyncSemaphore sem(2);
  std::vector<std::string> log;
  int inside = 0, most_inside = 0;
  auto worker = [&](std::string name) -> Task<void> {
    auto g = co_await sem.scoped();
    most_inside = std::max(most_inside, ++inside);
    log.push_back(name);
    co_await yield_times(3);
    --inside;
  };
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    std::vector<Task<void>> ts;
    for (const char* n : {"a", "b", "c", "d", "e"}) ts.push_back(create_task(loop, worker(n)));
    for (Task<void>& t : ts) co_await t;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_EQ(most_inside, 2);
  EXPECT_EQ(sem.value(), 2);
}

TEST(AsyncSemaphoreTest, LockedIsTrueWhileAWokenWaiterHasNotRun) {
  AsyncSemaphore sem(0);
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    EXPECT_TRUE(sem.locked());
    Task<void> a = create_task(loop, taker(&sem, "a", &log));
    co_await yield_times(2);
    EXPECT_TRUE(sem.release().ok());  // the permit goes to a at once
    EXPECT_EQ(sem.value(), 0);
    EXPECT_TRUE(sem.locked());
    Task<void> newcomer = create_task(loop, taker(&sem, "newcomer", &log));
    co_await a;
    co_await yield_times(2);
    EXPECT_FALSE(newcomer.done());  // it queued behind a, and no permit is left
    EXPECT_TRUE(sem.release().ok());
    co_await newcomer;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "newcomer"));
}

TEST(AsyncSemaphoreTest, AWaiterCancelledBeforeItsWakeUpTakesNothing) {
  AsyncSemaphore sem(0);
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> a = create_task(loop, taker(&sem, "a", &log));
    Task<void> b = create_task(loop, taker(&sem, "b", &log));
    co_await yield_times(2);
    EXPECT_TRUE(a.cancel());
    co_await yield_times(2);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(sem.release().ok());
    co_await b;
    EXPECT_EQ(sem.value(), 0);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("b"));
}

// CPython's test_acquire_cancel_after_awoken / test_acquire_hang: release()
// hands a permit to A, A is cancelled before it runs: it gives the permit back
// and B gets it.
TEST(AsyncSemaphoreTest, AWaiterCancelledAfterItsWakeUpGivesThePermitToTheNext) {
  AsyncSemaphore sem(0);
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> a = create_task(loop, taker(&sem, "a", &log));
    Task<void> b = create_task(loop, taker(&sem, "b", &log));
    Task<void> c = create_task(loop, taker(&sem, "c", &log));
    co_await yield_times(2);
    EXPECT_TRUE(sem.release().ok());  // to a
    EXPECT_TRUE(a.cancel());          // a gives it back: b must get it
    co_await b;                       // would hang (until kBound) if it were lost
    EXPECT_TRUE(a.cancelled());
    co_await yield_times(2);
    EXPECT_FALSE(c.done());           // one permit, one taker
    EXPECT_TRUE(c.cancel());
    co_await yield_times(1);
    EXPECT_EQ(sem.value(), 0);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("b"));
}

TEST(AsyncSemaphoreTest, ReleasingManyWakesAsManyWaiters) {
  AsyncSemaphore sem(0);
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    std::vector<Task<void>> ts;
    for (const char* n : {"a", "b", "c"}) ts.push_back(create_task(loop, taker(&sem, n, &log)));
    co_await yield_times(2);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(sem.release().ok());
    for (Task<void>& t : ts) co_await t;
    EXPECT_EQ(sem.value(), 0);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "b", "c"));
}

TEST(AsyncSemaphoreTest, BoundedSemaphoreOverReleaseIsRefused) {
  AsyncBoundedSemaphore sem(2);
  auto main_task = [&]() -> Task<void> {
    absl::Status s = sem.release();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("BoundedSemaphore released too many times"));
    EXPECT_EQ(sem.value(), 2);  // unchanged
    co_await sem.acquire();
    EXPECT_TRUE(sem.release().ok());
    EXPECT_FALSE(sem.release().ok());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncSemaphoreTest, APlainSemaphoreStopsAtInt32Max) {
  AsyncSemaphore sem(AsyncSemaphore::kMaxValue);
  absl::Status s = sem.release();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sem.value(), AsyncSemaphore::kMaxValue);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// AsyncCondition: wait/notify/notify_all in FIFO order, wait_for(predicate),
// the lock held again on every return (even on cancellation, even when the
// cancellation comes while re-acquiring), a notified waiter that is cancelled
// passes the notification on, misuse without the lock refused. The cases
// follow CPython's Lib/test/test_asyncio/test_locks.py (ConditionTests).
// Every run is bounded.

#include "modules/generators/async_condition.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/async_lock.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

// `async with c: await c.wait()`, then log (holding the lock). The guard
// releases the lock also when wait() throws CancelledError.
Task<void> waiter(AsyncCondition* c, std::string name, std::vector<std::string>* log) {
  AsyncLock::Guard g = co_await c->scoped();
  absl::Status s = co_await c->wait();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(c->locked());
  log->push_back(name);
}

TEST(AsyncConditionTest, NotifyWakesWaitersInFifoOrderAndNotifyAllWakesTheRest) {
  AsyncCondition cond;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    std::vector<Task<void>> ts;
    for (const char* n : {"a", "b", "c", "d"}) ts.push_back(create_task(loop, waiter(&cond, n, &log)));
    co_await yield_times(3);
    EXPECT_THAT(log, IsEmpty());
    co_await cond.acquire();
    EXPECT_TRUE(cond.notify(1).ok());
    EXPECT_TRUE(cond.release().ok());
    co_await yield_times(3);
    EXPECT_THAT(log, ElementsAre("a"));
    co_await cond.acquire();
    EXPECT_TRUE(cond.notify(2).ok());
    EXPECT_TRUE(cond.release().ok());
    co_await yield_times(3);
    EXPECT_THAT(log, ElementsAre("a", "b", "c"));
    co_await cond.acquire();
    EXPECT_TRUE(cond.notify_all().ok());
    EXPECT_TRUE(cond.release().ok());
    for (Task<void>& t : ts) co_await t;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d"));
  EXPECT_FALSE(cond.locked());
}

TEST(AsyncConditionTest, WaitAndNotifyWithoutTheLockAreRefused) {
  AsyncCondition cond;
  auto main_task = [&]() -> Task<void> {
    absl::Status w = co_await cond.wait();
    EXPECT_EQ(w.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(w.message(), HasSubstr("cannot wait on un-acquired lock"));
    absl::Status n = cond.notify();
    EXPECT_EQ(n.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(n.message(), HasSubstr("cannot notify on un-acquired lock"));
    EXPECT_EQ(cond.notify_all().code(), absl::StatusCode::kFailedPrecondition);
    absl::Status p = co_await cond.wait_for([] { return false; });
    EXPECT_EQ(p.code(), absl::StatusCode::kFailedPrecondition);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncConditionTest, WaitForChecksThePredicateAfterEveryWakeUp) {
  AsyncLock lock;  // a shared lock (Python's lock=)
  AsyncCondition cond(&lock);
  int value = 0;
  int checks = 0;
  bool done = false;
  auto consumer = [&]() -> Task<void> {
    auto g = co_await cond.scoped();
    absl::Status s = co_await cond.wait_for([&] {
      ++checks;
      return value == 3;
    });
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_TRUE(lock.locked());
    done = true;
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> c = create_task(*EventLoop::current(), consumer());
    co_await yield_times(2);
    for (int i = 1; i <= 3; ++i) {
      auto g = co_await lock.scoped();
      value = i;
      EXPECT_TRUE(cond.notify().ok());
      g.reset();
      co_await yield_times(2);
      EXPECT_EQ(done, i == 3);
    }
    co_await c;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(checks, 4);  // once first, then after each of the three notifications
}

TEST(AsyncConditionTest, ACancelledWaiterHoldsTheLockAgainWhenItSeesCancelledError) {
  AsyncCondition cond;
  std::vector<std::string> log;
  auto cancellable = [&]() -> Task<void> {
    co_await cond.acquire();
    try {
      (void)co_await cond.wait();
    } catch (const CancelledError&) {
      log.push_back(cond.locked() ? "cancelled, lock held" : "cancelled, lock NOT held");
      EXPECT_TRUE(cond.release().ok());
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> c = create_task(*EventLoop::current(), cancellable());
    co_await yield_times(2);
    co_await cond.acquire();  // hold the lock while c is cancelled
    EXPECT_TRUE(c.cancel());
    co_await yield_times(3);
    EXPECT_FALSE(c.done());  // c waits to re-acquire the lock first
    EXPECT_TRUE(cond.release().ok());
    try {
      co_await c;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(c.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("cancelled, lock held"));
  EXPECT_FALSE(cond.locked());
}

// CPython's test_cancelled_error_re_aquire: the waiter is notified, then
// cancelled while it waits to re-acquire the lock (twice): it still returns
// holding the lock.
TEST(AsyncConditionTest, CancelledWhileReacquiringStillReacquires) {
  AsyncCondition cond;
  bool held_at_catch = false;
  auto cancellable = [&]() -> Task<void> {
    co_await cond.acquire();
    try {
      (void)co_await cond.wait();
    } catch (const CancelledError&) {
      held_at_catch = cond.locked();
      EXPECT_TRUE(cond.release().ok());
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> c = create_task(*EventLoop::current(), cancellable());
    co_await yield_times(2);
    co_await cond.acquire();
    EXPECT_TRUE(cond.notify().ok());
    co_await yield_times(2);  // c is woken and now queues for the lock
    EXPECT_TRUE(c.cancel());
    co_await yield_times(2);
    EXPECT_TRUE(c.cancel());  // again, while it re-queues
    co_await yield_times(2);
    EXPECT_FALSE(c.done());
    EXPECT_TRUE(cond.release().ok());
    try {
      co_await c;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(c.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(held_at_catch);
  EXPECT_FALSE(cond.locked());
}

// CPython's test_cancelled_wakeup: notify(1) picks A, A is cancelled before
// it runs; the notification must reach B instead.
TEST(AsyncConditionTest, ANotifiedWaiterCancelledPassesTheNotificationOn) {
  AsyncCondition cond;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> a = create_task(loop, waiter(&cond, "a", &log));
    Task<void> b = create_task(loop, waiter(&cond, "b", &log));
    co_await yield_times(3);
    co_await cond.acquire();
    EXPECT_TRUE(cond.notify(1).ok());  // picks a
    EXPECT_TRUE(a.cancel());
    EXPECT_TRUE(cond.release().ok());
    co_await b;  // would hang (until kBound) if the notification were lost
    EXPECT_TRUE(a.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("b"));
}

}  // namespace
}  // namespace conc

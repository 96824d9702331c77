// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// as_completed: completion order, failures given as done tasks, the overall
// timeout (earlier finishers first, nothing cancelled), exhaustion, the
// awaiter cancelled. After CPython's test_tasks.py (test_as_completed*).
// Every run is bounded.

#include "modules/generators/as_completed.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/async_event.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

Task<int> value_after(int v, int yields) {
  co_await yield_times(yields);
  co_return v;
}

Task<int> fail_after(int yields) {
  co_await yield_times(yields);
  throw std::runtime_error("failed");
}

Task<int> never(AsyncEvent* ev) {
  co_await ev->wait();
  co_return -1;
}

TEST(AsCompletedTest, TasksComeInCompletionOrderThenOutOfRange) {
  auto main_task = []() -> Task<std::vector<int>> {
    std::vector<Task<int>> ts;
    ts.push_back(value_after(3, 6));
    ts.push_back(fail_after(4));
    ts.push_back(value_after(1, 2));
    AsCompleted<int> ac(std::move(ts));
    std::vector<int> order;
    while (ac.remaining() > 0) {
      absl::StatusOr<Task<int>> t = co_await ac.next();
      EXPECT_TRUE(t.ok()) << t.status();
      if (!t.ok()) break;
      EXPECT_TRUE(t->done());
      absl::StatusOr<int> v = t->result();
      order.push_back(v.ok() ? *v : 0);  // 0: the failure, given as a done task
    }
    absl::StatusOr<Task<int>> past = co_await ac.next();
    EXPECT_EQ(past.status().code(), absl::StatusCode::kOutOfRange);
    co_return order;
  };
  absl::StatusOr<std::vector<int>> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ElementsAre(1, 0, 3));
}

TEST(AsCompletedTest, TheTimeoutGivesEarlierFinishersThenDeadlineExceededAndCancelsNothing) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<int> slow = create_task(loop, never(&never_set));
    std::vector<Task<int>> ts;
    // Finishes in its first step, which runs before any timer can (the loop runs
    // ready callbacks before due timers): given first even on a stalled machine.
    ts.push_back(value_after(5, 0));
    ts.push_back(slow);
    AsCompleted<int> ac(std::move(ts), absl::Milliseconds(10));
    co_await sleep(absl::Milliseconds(30));  // the fast one finished, then the timeout passed
    absl::StatusOr<Task<int>> first = co_await ac.next();
    EXPECT_TRUE(first.ok()) << first.status();
    if (first.ok()) {
      EXPECT_EQ(*first->result(), 5);
    }
    absl::StatusOr<Task<int>> second = co_await ac.next();
    EXPECT_TRUE(absl::IsDeadlineExceeded(second.status())) << second.status();
    EXPECT_FALSE(slow.done());
    never_set.set();
    co_await yield_times(2);
    EXPECT_TRUE(slow.done());
    // Finished after the timeout: never given.
    EXPECT_TRUE(absl::IsDeadlineExceeded((co_await ac.next()).status()));
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsCompletedTest, CancellingTheAwaiterLeavesTheTasksRunning) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<int> {
    EventLoop& loop = *EventLoop::current();
    Task<int> slow = create_task(loop, never(&never_set));
    auto waiter = [&]() -> Task<void> {
      std::vector<Task<int>> one(1, slow);
      AsCompleted<int> ac(std::move(one));
      (void)co_await ac.next();
    };
    Task<void> w = create_task(loop, waiter());
    co_await yield_times(2);
    EXPECT_TRUE(w.cancel());
    co_await yield_times(2);
    EXPECT_TRUE(w.cancelled());
    EXPECT_FALSE(slow.done());
    never_set.set();
    co_return co_await slow;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, -1);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// wait: FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, the timeout (nothing
// cancelled), zero timeout, empty input, the awaiter cancelled. After CPython's
// test_tasks.py (test_wait_*). Every run is bounded.
//
// Timing margins: "slow" tasks wait on an event nobody sets; "fast" ones
// finish in their first step, which the loop runs before any due timer; the
// only timed waits are 10 ms against tasks that never finish by themselves.

#include "modules/generators/wait.h"

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

std::vector<int> values(const std::vector<Task<int>>& ts) {
  std::vector<int> out;
  for (const Task<int>& t : ts) out.push_back(t.result().ok() ? *t.result() : -99);
  return out;
}

TEST(WaitTest, AllCompletedWaitsForEveryTask) {
  auto main_task = []() -> Task<std::vector<int>> {
    std::vector<Task<int>> ts;
    ts.push_back(value_after(1, 3));
    ts.push_back(value_after(2, 1));
    absl::StatusOr<AsyncWaitResult<int>> r = co_await wait(std::move(ts));
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->pending.empty());
    co_return values(r->done);
  };
  absl::StatusOr<std::vector<int>> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ::testing::ElementsAre(1, 2));  // the input order
}

TEST(WaitTest, FirstCompletedReturnsAtTheFirstAndCancelsNothing) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<void> {
    std::vector<Task<int>> ts;
    ts.push_back(never(&never_set));
    ts.push_back(value_after(2, 2));
    absl::StatusOr<AsyncWaitResult<int>> r =
        co_await wait(std::move(ts), std::nullopt, AsyncReturnWhen::kFirstCompleted);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(values(r->done), ::testing::ElementsAre(2));
    EXPECT_EQ(r->pending.size(), 1u);
    EXPECT_FALSE(r->pending[0].cancelled());
    never_set.set();
    EXPECT_EQ(co_await r->pending[0], -1);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(WaitTest, FirstExceptionReturnsAtTheFirstFailureButNotAtACancellation) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<int> cancelled = create_task(loop, never(&never_set));
    std::vector<Task<int>> ts = {cancelled, create_task(loop, fail_after(4)),
                                 create_task(loop, never(&never_set))};
    co_await yield_times(1);
    EXPECT_TRUE(cancelled.cancel());  // ends cancelled first: not an exception
    absl::StatusOr<AsyncWaitResult<int>> r =
        co_await wait(ts, std::nullopt, AsyncReturnWhen::kFirstException);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->done.size(), 2u);  // the cancelled one and the failed one
    EXPECT_EQ(r->pending.size(), 1u);
    EXPECT_TRUE(absl::IsUnknown(r->done[1].result().status()));
    never_set.set();
    (void)co_await r->pending[0];
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(WaitTest, FirstExceptionWithoutFailuresIsAllCompleted) {
  auto main_task = []() -> Task<size_t> {
    std::vector<Task<int>> ts;
    ts.push_back(value_after(1, 1));
    ts.push_back(value_after(2, 4));
    absl::StatusOr<AsyncWaitResult<int>> r =
        co_await wait(std::move(ts), std::nullopt, AsyncReturnWhen::kFirstException);
    co_return r.ok() ? r->done.size() : 0;
  };
  absl::StatusOr<size_t> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2u);
}

TEST(WaitTest, TheTimeoutReturnsThePendingOnesUncancelled) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<void> {
    std::vector<Task<int>> ts;
    ts.push_back(value_after(1, 0));  // done in its first step, before any timer
    ts.push_back(never(&never_set));
    absl::StatusOr<AsyncWaitResult<int>> r = co_await wait(std::move(ts), absl::Milliseconds(10));
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(values(r->done), ::testing::ElementsAre(1));
    EXPECT_EQ(r->pending.size(), 1u);
    EXPECT_FALSE(r->pending[0].done());
    never_set.set();
    (void)co_await r->pending[0];
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(WaitTest, AZeroTimeoutLetsTheTasksRunOneStep) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<void> {
    std::vector<Task<int>> ts;
    ts.push_back(value_after(1, 0));  // finishes in its first step
    ts.push_back(never(&never_set));
    absl::StatusOr<AsyncWaitResult<int>> r = co_await wait(std::move(ts), absl::ZeroDuration());
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->done.size(), 1u);
    EXPECT_EQ(r->pending.size(), 1u);
    never_set.set();
    (void)co_await r->pending[0];
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(WaitTest, AnEmptySetIsRefused) {
  auto main_task = []() -> Task<absl::Status> {
    absl::StatusOr<AsyncWaitResult<int>> r = co_await wait(std::vector<Task<int>>{});
    co_return r.status();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_EQ(r.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.message(), ::testing::HasSubstr("empty"));
}

TEST(WaitTest, CancellingTheAwaiterLeavesTheTasksRunning) {
  AsyncEvent never_set;
  auto main_task = [&]() -> Task<int> {
    EventLoop& loop = *EventLoop::current();
    Task<int> slow = create_task(loop, never(&never_set));
    auto waiter = [&]() -> Task<void> {
      std::vector<Task<int>> one(1, slow);
      (void)co_await wait(std::move(one));
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

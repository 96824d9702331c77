// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shield: the value and the exception pass through; cancelling the awaiter
// does not cancel the inner task, which runs to completion; cancelling the
// inner task reaches the awaiter. After CPython's test_tasks.py (test_shield_*).
// Every run is bounded.

#include "modules/generators/shield.h"

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

TEST(ShieldTest, TheValueAndTheExceptionPassThrough) {
  auto fails = []() -> Task<int> {
    co_await yield_times(1);
    throw std::runtime_error("inner failed");
  };
  auto main_task = [&]() -> Task<std::string> {
    int v = co_await shield(value_after(5, 2));
    try {
      (void)co_await shield(fails());
    } catch (const std::runtime_error& e) {
      co_return std::to_string(v) + " " + e.what();
    }
    co_return std::string("no exception");
  };
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "5 inner failed");
}

TEST(ShieldTest, CancellingTheAwaiterDoesNotCancelTheInnerTask) {
  std::vector<std::string> log;
  AsyncEvent release_inner;
  Task<int> inner;
  auto inner_body = [&]() -> Task<int> {
    co_await release_inner.wait();
    log.push_back("inner finished");
    co_return 7;
  };
  auto outer = [&]() -> Task<void> {
    try {
      (void)co_await shield(inner);
      log.push_back("outer got the value");  // must not happen
    } catch (const CancelledError&) {
      log.push_back("outer cancelled");
      throw;
    }
  };
  auto main_task = [&]() -> Task<int> {
    EventLoop& loop = *EventLoop::current();
    inner = create_task(loop, inner_body());
    Task<void> o = create_task(loop, outer());
    co_await yield_times(2);
    EXPECT_TRUE(o.cancel());
    co_await yield_times(2);
    EXPECT_TRUE(o.cancelled());
    EXPECT_FALSE(inner.done());
    EXPECT_FALSE(inner.cancelled());
    release_inner.set();
    co_return co_await inner;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 7);
  EXPECT_THAT(log, ElementsAre("outer cancelled", "inner finished"));
}

TEST(ShieldTest, CancellingTheInnerTaskReachesTheAwaiter) {
  bool outer_saw_cancel = false;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> inner = create_task(loop, sleep_task(absl::Hours(1)));
    auto outer = [&]() -> Task<void> {
      try {
        co_await shield(inner);
      } catch (const CancelledError&) {
        outer_saw_cancel = true;
      }
    };
    Task<void> o = create_task(loop, outer());
    co_await yield_times(2);
    EXPECT_TRUE(inner.cancel());
    co_await o;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(outer_saw_cancel);
}

TEST(ShieldTest, ShieldOfADoneTaskGivesItsResultAtOnce) {
  auto main_task = [&]() -> Task<int> {
    Task<int> t = create_task(*EventLoop::current(), value_after(3, 0));
    (void)co_await t;
    co_return co_await shield(t);
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 3);
}

}  // namespace
}  // namespace conc

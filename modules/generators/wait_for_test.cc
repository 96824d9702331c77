// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// wait_for: in time, timeout (the inner task is cancelled and its cleanup
// awaited), failures, cancellation of the waiter. Every run is bounded.

#include "modules/generators/wait_for.h"

#include <stdexcept>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

struct Guard {
  bool* flag;
  ~Guard() { *flag = true; }
};

Task<int> value_after(int v, absl::Duration d) {
  co_await sleep(d);
  co_return v;
}

// Sleeps (nearly) forever; on cancellation, its cleanup itself awaits before
// it lets the CancelledError go.
Task<int> slow_with_cleanup(bool* guard_ran, bool* cleanup_finished) {
  Guard g{guard_ran};
  try {
    co_await sleep(absl::Hours(1));
  } catch (const CancelledError&) {
    // co_await is not allowed in a handler: the cleanup follows it.
  }
  co_await sleep(absl::Milliseconds(2));  // cleanup that takes loop time
  *cleanup_finished = true;
  throw CancelledError();
}

TEST(WaitForTest, AResultInTimeIsReturned) {
  auto main_task = []() -> Task<int> {
    // 0 ms of work against 30 s of timeout: in time on any machine.
    absl::StatusOr<int> r = co_await wait_for(value_after(4, absl::ZeroDuration()), absl::Seconds(30));
    co_return r.ok() ? *r : -1;
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 4);
}

TEST(WaitForTest, NoTimeoutWaitsForever) {
  auto main_task = []() -> Task<int> {
    absl::StatusOr<int> r = co_await wait_for(value_after(6, absl::Milliseconds(5)), std::nullopt);
    co_return r.ok() ? *r : -1;
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 6);
}

TEST(WaitForTest, TimeoutCancelsTheInnerTaskAndWaitsForItsCleanup) {
  bool guard_ran = false, cleanup_finished = false;
  bool finished_when_returned = false;
  Task<int> inner;
  auto main_task = [&]() -> Task<absl::Status> {
    inner = create_task(*EventLoop::current(), slow_with_cleanup(&guard_ran, &cleanup_finished));
    // 10 ms against an hour: times out on any machine.
    absl::StatusOr<int> r = co_await wait_for(inner, absl::Milliseconds(10));
    finished_when_returned = cleanup_finished && guard_ran;
    co_return r.status();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
  EXPECT_THAT(std::string(r.message()), HasSubstr("timed out after 10ms"));
  EXPECT_TRUE(finished_when_returned);
  EXPECT_TRUE(inner.cancelled());
}

TEST(WaitForTest, AZeroTimeoutPollsOnce) {
  auto main_task = []() -> Task<bool> {
    Task<int> ready = create_task(*EventLoop::current(), value_after(1, absl::ZeroDuration()));
    co_await sleep(absl::Milliseconds(1));
    co_await sleep(absl::Milliseconds(1));
    absl::StatusOr<int> done = co_await wait_for(ready, absl::ZeroDuration());
    absl::StatusOr<int> pending = co_await wait_for(value_after(2, absl::Hours(1)), absl::ZeroDuration());
    co_return done.ok() && *done == 1 && absl::IsDeadlineExceeded(pending.status());
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
}

TEST(WaitForTest, TheInnerFailureIsRethrown) {
  auto failing = []() -> Task<void> {
    co_await sleep(absl::ZeroDuration());
    throw std::logic_error("bad");
  };
  std::string caught;
  auto main_task = [&]() -> Task<void> {
    try {
      absl::Status s = co_await wait_for(failing(), absl::Seconds(30));
      (void)s;
    } catch (const std::logic_error& e) {
      caught = e.what();
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(caught, "bad");
}

TEST(WaitForTest, AnInnerTaskThatSwallowsTheCancellationGivesItsValue) {
  auto stubborn = []() -> Task<int> {
    try {
      co_await sleep(absl::Hours(1));
    } catch (const CancelledError&) {
    }
    co_return 9;
  };
  auto main_task = [&]() -> Task<int> {
    absl::StatusOr<int> r = co_await wait_for(stubborn(), absl::Milliseconds(5));
    co_return r.ok() ? *r : -1;
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 9);
}

TEST(WaitForTest, CancellingTheWaiterCancelsTheInnerTaskAndWaits) {
  bool guard_ran = false, cleanup_finished = false, waiter_saw = false;
  Task<int> inner;
  Task<void> waiter;
  auto waiter_body = [&]() -> Task<void> {
    try {
      (void)co_await wait_for(inner, absl::Hours(1));
    } catch (const CancelledError&) {
      waiter_saw = cleanup_finished;  // the inner cleanup is over by now
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    inner = create_task(*EventLoop::current(), slow_with_cleanup(&guard_ran, &cleanup_finished));
    waiter = create_task(*EventLoop::current(), waiter_body());
    co_await sleep(absl::ZeroDuration());
    co_await sleep(absl::ZeroDuration());
    waiter.cancel();
    try {
      co_await waiter;
    } catch (const CancelledError&) {
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(waiter_saw);
  EXPECT_TRUE(waiter.cancelled());
  EXPECT_TRUE(inner.cancelled());
  EXPECT_TRUE(guard_ran);
}

}  // namespace
}  // namespace conc

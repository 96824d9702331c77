// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// asyncio_bridge: to_thread / run_in_executor / wrap_future give the call's
// result on the loop's thread while other tasks run; failures are statuses;
// cancelling the awaiter cancels a call not yet started and abandons one that
// runs; a loop destroyed while a call runs is never touched again. Every wait
// is bounded (kBound only a hang reaches).

#include "modules/threads/asyncio_bridge.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/sync/event.h"
#include "modules/threads/thread.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kBound = absl::Seconds(60);

TEST(AsyncioBridgeTest, ToThreadGivesTheResultWhileTheLoopRuns) {
  Event ticker_ran;  // set by a task on the loop while the call blocks
  auto tick = [&]() -> Task<void> {  // named: the coroutine refers to its captures
    co_await sleep(absl::Milliseconds(1));
    ticker_ran.set();
  };
  auto main_task = [&]() -> Task<int> {
    const std::thread::id loop_thread = std::this_thread::get_id();
    Task<void> ticker = create_task(*EventLoop::current(), tick());
    absl::StatusOr<int> r = co_await to_thread([&] {
      // Blocks until the loop has run the ticker: proves the loop was not blocked.
      return ticker_ran.wait(kBound) ? 42 : -1;
    });
    EXPECT_EQ(std::this_thread::get_id(), loop_thread);  // resumed on the loop's thread
    co_await ticker;
    co_return r.ok() ? *r : -2;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 42);
}

TEST(AsyncioBridgeTest, FailuresAndVoidAreStatuses) {
  auto main_task = []() -> Task<void> {
    absl::StatusOr<int> thrown = co_await to_thread([]() -> int { throw std::runtime_error("boom"); });
    EXPECT_TRUE(absl::IsUnknown(thrown.status())) << thrown.status();
    EXPECT_THAT(thrown.status().message(), HasSubstr("boom"));
    std::atomic<bool> ran{false};
    absl::Status v = co_await to_thread([&] { ran = true; });
    EXPECT_TRUE(v.ok()) << v;
    EXPECT_TRUE(ran);
    ThreadPoolExecutor stopped(1);
    stopped.shutdown(/*wait=*/true);
    absl::StatusOr<int> refused = co_await run_in_executor(stopped, [] { return 1; });
    EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// One worker, busy: a call queued behind it is cancelled with its awaiter and
// never runs; the running one finishes on its own while its awaiter has moved on.
TEST(AsyncioBridgeTest, CancellingTheAwaiterCancelsACallNotStarted) {
  ThreadPoolExecutor pool(1);
  Event release;
  std::atomic<bool> queued_ran{false};
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<absl::Status> running = create_task(loop, run_in_executor(pool, [&] { (void)release.wait(kBound); }));
    Task<absl::StatusOr<int>> queued =
        create_task(loop, run_in_executor(pool, [&] { queued_ran = true; return 7; }));
    co_await sleep(absl::Milliseconds(1));
    queued.cancel();
    running.cancel();
    bool queued_cancelled = false, running_cancelled = false;
    try {
      (void)co_await queued;
    } catch (const CancelledError&) {
      queued_cancelled = true;
    }
    try {
      (void)co_await running;  // returns at once: the call itself is still blocked
    } catch (const CancelledError&) {
      running_cancelled = true;
    }
    EXPECT_TRUE(queued_cancelled);
    EXPECT_TRUE(running_cancelled);
    release.set();
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  pool.shutdown(/*wait=*/true);
  EXPECT_FALSE(queued_ran);
}

// The loop goes (run's timeout) while the call runs; its completion later
// must not touch the dead loop (ASan and TSan watch this).
TEST(AsyncioBridgeTest, ALoopDestroyedWhileTheCallRunsIsNotTouched) {
  ThreadPoolExecutor pool(1);
  Event release;
  Event started;
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await run_in_executor(pool, [&] {
      started.set();
      (void)release.wait(kBound);
    });
  };
  testing::internal::CaptureStderr();  // "Task was destroyed but it is pending!"
  absl::Status r = run(main_task(), absl::Milliseconds(100));
  (void)testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
  ASSERT_TRUE(started.wait(kBound));
  release.set();
  pool.shutdown(/*wait=*/true);  // the completion ran after the loop was gone
}

TEST(AsyncioBridgeTest, WrapFutureAwaitsAFutureSetByAnyThread) {
  Future<int> f;
  Thread producer([f]() mutable {
    if (f.set_running_or_notify_cancel()) (void)f.set_result(5);
  });
  auto main_task = [&]() -> Task<int> {
    EXPECT_TRUE(producer.start().ok());
    absl::StatusOr<int> v = co_await wrap_future(f);
    co_return v.ok() ? *v : -1;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 5);
  EXPECT_TRUE(producer.join(kBound).ok());
}

}  // namespace
}  // namespace conc

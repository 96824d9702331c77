// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Task<T>, create_task, cancellation, the stderr reports, run() and sleep().
// Every loop run is bounded (kBound), so a bug fails instead of hanging.

#include "modules/generators/task.h"

#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/gather.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Only a hang reaches it: generous for a loaded 2-core VM under TSan.
constexpr absl::Duration kBound = absl::Seconds(60);

std::unique_ptr<EventLoop> NewLoop() {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  EXPECT_TRUE(loop.ok()) << loop.status();
  return std::move(*loop);
}

// Sets *flag when destroyed: observes that a coroutine's cleanup ran.
struct Guard {
  bool* flag;
  ~Guard() { *flag = true; }
};

Task<int> forty_two() { co_return 42; }

Task<int> add_one_to(Task<int> t) { co_return co_await t + 1; }

TEST(TaskTest, AwaitingACoroutineRunsItInlineAndGivesItsResult) {
  absl::StatusOr<int> r = run(add_one_to(forty_two()), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 43);
}

TEST(TaskTest, CallingATaskFunctionRunsNothing) {
  bool ran = false;
  auto body = [&]() -> Task<void> {
    ran = true;
    co_return;
  };
  {
    Task<void> t = body();
    EXPECT_FALSE(t.done());
    EXPECT_TRUE(absl::IsFailedPrecondition(t.result()));
  }
  EXPECT_FALSE(ran);
}

Task<void> counter(std::string name, int n, std::vector<std::string>* log) {
  for (int i = 0; i < n; ++i) {
    log->push_back(name + std::to_string(i));
    co_await sleep(absl::ZeroDuration());
  }
}

TEST(TaskTest, TasksInterleaveAtSleepZero) {
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    Task<void> a = create_task(*EventLoop::current(), counter("a", 3, &log));
    Task<void> b = create_task(*EventLoop::current(), counter("b", 3, &log));
    co_await a;
    co_await b;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  // sleep(0) sends each task to the back of the ready queue: strict turns.
  EXPECT_THAT(log, ElementsAre("a0", "b0", "a1", "b1", "a2", "b2"));
}

Task<int> fails() {
  co_await sleep(absl::ZeroDuration());
  throw std::runtime_error("boom");
}

TEST(TaskTest, AFailureIsRethrownIntoTheAwaiter) {
  std::string caught;
  auto main_task = [&]() -> Task<void> {
    Task<int> t = create_task(*EventLoop::current(), fails());
    try {
      (void)co_await t;
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    // Inline, too.
    try {
      (void)co_await fails();
    } catch (const std::runtime_error& e) {
      caught += std::string(",") + e.what();
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(caught, "boom,boom");
}

TEST(TaskTest, ResultFollowsTheStatusConvention) {
  auto loop = NewLoop();
  Task<int> ok = loop->create_task(forty_two());
  Task<int> bad = loop->create_task(fails());
  EXPECT_TRUE(absl::IsFailedPrecondition(ok.result().status()));
  absl::StatusOr<int> r = loop->run_until_complete(bad, kBound);
  EXPECT_TRUE(absl::IsUnknown(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("the task raised std::runtime_error: boom"));
  ASSERT_TRUE(ok.done());
  EXPECT_EQ(*ok.result(), 42);
  absl::StatusOr<std::exception_ptr> e = bad.exception();
  ASSERT_TRUE(e.ok());
  ASSERT_NE(*e, nullptr);
  EXPECT_THROW(std::rethrow_exception(*e), std::runtime_error);
  EXPECT_EQ(*ok.exception(), nullptr);
}

Task<void> sleeps_forever_with_guard(bool* cleaned, bool* caught) {
  Guard g{cleaned};
  try {
    co_await sleep(absl::InfiniteDuration());
  } catch (const CancelledError&) {
    *caught = true;
    throw;
  }
}

TEST(TaskTest, CancellationRunsTheCoroutinesCleanupAndTheAwaiterSeesCancelledError) {
  bool cleaned = false, caught = false, awaiter_saw = false;
  Task<void> t;
  auto main_task = [&]() -> Task<void> {
    t = create_task(*EventLoop::current(), sleeps_forever_with_guard(&cleaned, &caught));
    co_await sleep(absl::ZeroDuration());  // let it start and suspend
    EXPECT_FALSE(cleaned);
    EXPECT_TRUE(t.cancel());
    try {
      co_await t;
    } catch (const CancelledError&) {
      awaiter_saw = true;
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(caught);
  EXPECT_TRUE(cleaned);
  EXPECT_TRUE(awaiter_saw);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.cancelled());
  EXPECT_FALSE(t.cancel());  // done: nothing to cancel
  EXPECT_TRUE(absl::IsCancelled(t.result()));
}

TEST(TaskTest, CancelBeforeTheFirstStepEndsCancelledWithoutRunning) {
  bool ran = false;
  auto body = [&]() -> Task<void> {
    ran = true;
    co_return;
  };
  auto loop = NewLoop();
  Task<void> t = loop->create_task(body());
  EXPECT_TRUE(t.cancel());
  absl::Status s = loop->run_until_complete(t, kBound);
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_FALSE(ran);
  EXPECT_TRUE(t.cancelled());
}

TEST(TaskTest, ABodyThatSwallowsCancelledErrorIsNotCancelled) {
  auto body = []() -> Task<int> {
    try {
      co_await sleep(absl::InfiniteDuration());
    } catch (const CancelledError&) {
      co_return 7;  // asked to stop; answers instead
    }
    co_return 0;
  };
  auto main_task = [&]() -> Task<int> {
    Task<int> t = create_task(*EventLoop::current(), body());
    co_await sleep(absl::ZeroDuration());
    t.cancel();
    co_return co_await t;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 7);
}

TEST(TaskTest, CancellingAWaiterCancelsTheTaskItAwaits) {
  bool inner_cleaned = false, inner_caught = false;
  Task<void> inner, outer;
  auto outer_body = [&]() -> Task<void> { co_await inner; };
  auto main_task = [&]() -> Task<void> {
    inner = create_task(*EventLoop::current(), sleeps_forever_with_guard(&inner_cleaned, &inner_caught));
    outer = create_task(*EventLoop::current(), outer_body());
    co_await sleep(absl::ZeroDuration());
    co_await sleep(absl::ZeroDuration());
    outer.cancel();
    try {
      co_await outer;
    } catch (const CancelledError&) {
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(inner.cancelled());
  EXPECT_TRUE(inner_cleaned);
  EXPECT_TRUE(outer.cancelled());
}

TEST(TaskTest, CancellationReachesAnInlineChild) {
  bool cleaned = false, caught = false;
  auto body = [&]() -> Task<void> { co_await sleeps_forever_with_guard(&cleaned, &caught); };
  auto loop = NewLoop();
  Task<void> t = loop->create_task(body());
  loop->call_later(absl::Milliseconds(1), [&] { t.cancel(); });
  absl::Status s = loop->run_until_complete(t, kBound);
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_TRUE(caught);
  EXPECT_TRUE(cleaned);
}

TEST(TaskTest, AFireAndForgetTaskKeepsRunning) {
  int done = 0;
  auto worker = [&]() -> Task<void> {
    co_await sleep(absl::Milliseconds(1));
    ++done;
  };
  auto main_task = [&]() -> Task<void> {
    (void)create_task(*EventLoop::current(), worker());  // handle dropped at once
    while (done == 0) co_await sleep(absl::Milliseconds(1));  // bounded by run's timeout
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(done, 1);
}

TEST(TaskTest, DestroyedWhilePendingIsReported) {
  bool cleaned = false, caught = false;
  testing::internal::CaptureStderr();
  {
    auto loop = NewLoop();
    (void)loop->create_task(sleeps_forever_with_guard(&cleaned, &caught));
    // One step: it starts and suspends in its sleep.
    absl::Status s = loop->run_until_complete(sleep_task(absl::ZeroDuration()), kBound);
    EXPECT_TRUE(s.ok()) << s;
  }  // the loop goes; the task is still waiting
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("Task was destroyed but it is pending!"));
  EXPECT_TRUE(cleaned);   // its frame was destroyed: locals' destructors ran
  EXPECT_FALSE(caught);   // but no CancelledError: it was not cancelled
}

TEST(TaskTest, AHandleOutlivingItsLoopReportsWhenDropped) {
  bool cleaned = false, caught = false;
  Task<void> t;
  {
    auto loop = NewLoop();
    t = loop->create_task(sleeps_forever_with_guard(&cleaned, &caught));
    ASSERT_TRUE(loop->run_until_complete(sleep_task(absl::ZeroDuration()), kBound).ok());
  }
  EXPECT_FALSE(t.done());
  EXPECT_FALSE(cleaned);
  testing::internal::CaptureStderr();
  t = Task<void>();
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("Task was destroyed but it is pending!"));
  EXPECT_TRUE(cleaned);
}

TEST(TaskTest, AnExceptionNeverRetrievedIsReported) {
  auto loop = NewLoop();
  Task<int> t = loop->create_task(fails());
  Task<int> retrieved = loop->create_task(fails());
  auto wait_both = [&]() -> Task<void> {
    for (int i = 0; i < 100 && !(t.done() && retrieved.done()); ++i) co_await sleep(absl::ZeroDuration());
  };
  ASSERT_TRUE(loop->run_until_complete(wait_both(), kBound).ok());
  ASSERT_TRUE(t.done());
  ASSERT_TRUE(retrieved.done());
  EXPECT_FALSE(retrieved.result().ok());
  testing::internal::CaptureStderr();
  retrieved = Task<int>();
  EXPECT_THAT(testing::internal::GetCapturedStderr(), IsEmpty());
  testing::internal::CaptureStderr();
  t = Task<int>();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("Task exception was never retrieved"));
  EXPECT_THAT(err, HasSubstr("std::runtime_error: boom"));
}

TEST(TaskTest, RunInsideARunningLoopIsRefused) {
  absl::Status inner;
  auto main_task = [&]() -> Task<void> {
    inner = run(sleep_task(absl::ZeroDuration()));
    co_return;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(inner)) << inner;
  EXPECT_EQ(inner.message(), "asyncio.run() cannot be called from a running event loop");
}

TEST(TaskTest, RunCancelsTheTasksLeftBehindAndWaitsForTheirCleanup) {
  bool cleaned = false, caught = false;
  auto main_task = [&]() -> Task<int> {
    (void)create_task(*EventLoop::current(), sleeps_forever_with_guard(&cleaned, &caught));
    co_await sleep(absl::ZeroDuration());
    co_return 5;
  };
  testing::internal::CaptureStderr();
  absl::StatusOr<int> r = run(main_task(), kBound);
  EXPECT_THAT(testing::internal::GetCapturedStderr(), IsEmpty());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 5);
  EXPECT_TRUE(caught);  // cancelled, so its catch block ran
  EXPECT_TRUE(cleaned);
}

TEST(TaskTest, RunReportsACancelledOrFailedMain) {
  EXPECT_TRUE(absl::IsUnknown(run(fails(), kBound).status()));
  auto self_cancel = []() -> Task<void> {
    co_await sleep(absl::ZeroDuration());
    throw CancelledError("stop");
  };
  absl::Status s = run(self_cancel(), kBound);
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
}

TEST(TaskTest, RunUntilCompleteTimesOut) {
  auto loop = NewLoop();
  Task<void> t = loop->create_task(sleep_task(absl::InfiniteDuration()));
  absl::Status s = loop->run_until_complete(t, absl::Milliseconds(5));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_FALSE(t.done());
  t.cancel();
  EXPECT_TRUE(absl::IsCancelled(loop->run_until_complete(t, kBound)));
}

TEST(TaskTest, SleepWaitsAtLeastItsDuration) {
  auto main_task = []() -> Task<Deadline::Clock::duration> {
    const auto start = EventLoop::time();
    co_await sleep(absl::Milliseconds(20));
    co_return EventLoop::time() - start;
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(*r, std::chrono::milliseconds(20));
}

TEST(TaskTest, TenThousandTasksSleepingRandomlyAllComplete) {
  constexpr int kTasks = 10000;
  int completed = 0;
  auto sleeper = [&](int i, absl::Duration d) -> Task<int> {
    co_await sleep(d);
    ++completed;
    co_return i;
  };
  auto main_task = [&]() -> Task<std::vector<int>> {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> us(0, 20000);  // 0..20 ms
    std::vector<Task<int>> tasks;
    for (int i = 0; i < kTasks; ++i) tasks.push_back(sleeper(i, absl::Microseconds(us(rng))));
    co_return co_await gather(std::move(tasks));
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(completed, kTasks);
  ASSERT_EQ(r->size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ((*r)[i], i);
}

}  // namespace
}  // namespace conc

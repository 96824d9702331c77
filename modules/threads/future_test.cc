// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::Future, wait() and as_completed(), after CPython's
// Lib/test/test_concurrent_futures/ (test_future.py, test_wait.py,
// test_as_completed.py). Futures are completed by the test itself or by a
// thread it releases with a latch; no sleep synchronises anything.

#include "modules/threads/future.h"

#include <latch>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/threads/thread.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kLong = absl::Seconds(60);
constexpr absl::Duration kShort = absl::Milliseconds(20);

std::exception_ptr Boom() { return std::make_exception_ptr(std::runtime_error("boom")); }

TEST(FutureTest, PendingResultTimesOut) {
  Future<int> f;
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_FALSE(f.cancelled());
  EXPECT_TRUE(absl::IsDeadlineExceeded(f.result(kShort).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(f.result(absl::ZeroDuration()).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(f.exception(kShort).status()));
}

TEST(FutureTest, Result) {
  Future<std::string> f;
  EXPECT_TRUE(f.set_running_or_notify_cancel());
  EXPECT_TRUE(f.running());
  ASSERT_TRUE(f.set_result("value").ok());
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_EQ(*f.result(), "value");
  EXPECT_EQ(*f.result(absl::ZeroDuration()), "value");  // As often as asked.
  ASSERT_TRUE(f.exception().ok());
  EXPECT_EQ(*f.exception(), nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(f.set_result("again")));
  EXPECT_TRUE(absl::IsFailedPrecondition(f.set_exception(Boom())));
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.set_running_or_notify_cancel());
}

TEST(FutureTest, VoidFuture) {
  Future<void> f;
  ASSERT_TRUE(f.set_result().ok());
  absl::Status s = f.result();
  EXPECT_TRUE(s.ok()) << s;
}

TEST(FutureTest, ExceptionIsUnknownAndKeptAsExceptionPtr) {
  Future<int> f;
  ASSERT_TRUE(f.set_exception(Boom()).ok());
  absl::StatusOr<int> r = f.result();
  EXPECT_TRUE(absl::IsUnknown(r.status()));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("std::runtime_error: boom"));
  absl::StatusOr<std::exception_ptr> e = f.exception();
  ASSERT_TRUE(e.ok());
  ASSERT_NE(*e, nullptr);
  EXPECT_THROW(std::rethrow_exception(*e), std::runtime_error);
  EXPECT_TRUE(absl::IsInvalidArgument(Future<int>().set_exception(nullptr)));
}

TEST(FutureTest, SetStatus) {
  Future<int> f;
  EXPECT_TRUE(absl::IsInvalidArgument(f.set_status(absl::OkStatus())));
  ASSERT_TRUE(f.set_status(absl::FailedPreconditionError("shut down")).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(f.result().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(f.exception().status()));
}

TEST(FutureTest, CancelOnlyWhilePending) {
  Future<int> pending;
  EXPECT_TRUE(pending.cancel());
  EXPECT_TRUE(pending.cancel());  // Still cancelled: true again, as in Python.
  EXPECT_TRUE(pending.cancelled());
  EXPECT_TRUE(pending.done());
  EXPECT_TRUE(absl::IsCancelled(pending.result().status()));
  EXPECT_TRUE(absl::IsCancelled(pending.exception().status()));
  EXPECT_FALSE(pending.set_running_or_notify_cancel());
  EXPECT_TRUE(absl::IsFailedPrecondition(pending.set_result(1)));

  Future<int> running;
  ASSERT_TRUE(running.set_running_or_notify_cancel());
  EXPECT_FALSE(running.cancel());
  EXPECT_FALSE(running.cancelled());
  ASSERT_TRUE(running.set_result(1).ok());
  EXPECT_FALSE(running.cancel());
}

TEST(FutureTest, ResultFromAnotherThread) {
  Future<int> f;
  std::latch go(1);
  Thread t([f, &go]() mutable {
    go.wait();
    ASSERT_TRUE(f.set_running_or_notify_cancel());
    ASSERT_TRUE(f.set_result(42).ok());
  });
  ASSERT_TRUE(t.start().ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(f.result(kShort).status()));
  go.count_down();
  EXPECT_EQ(*f.result(kLong), 42);
  ASSERT_TRUE(t.join(kLong).ok());
}

TEST(FutureTest, CallbacksRunOnCompletionInOrder) {
  Future<int> f;
  std::vector<std::string> calls;
  f.add_done_callback([&](const Future<int>& g) { calls.push_back("a" + std::to_string(*g.result())); });
  f.add_done_callback([&](const Future<int>&) { throw std::runtime_error("callback failure"); });
  f.add_done_callback([&](const Future<int>& g) { calls.push_back(g == f ? "b same" : "b other"); });
  EXPECT_TRUE(calls.empty());
  testing::internal::CaptureStderr();
  ASSERT_TRUE(f.set_result(7).ok());
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("exception calling callback for future"));
  EXPECT_THAT(calls, ElementsAre("a7", "b same"));
}

TEST(FutureTest, CallbackAfterDoneRunsAtOnceOnTheCaller) {
  Future<int> f;
  ASSERT_TRUE(f.set_result(1).ok());
  uint64_t ran_on = 0;
  f.add_done_callback([&](const Future<int>&) { ran_on = get_ident(); });
  EXPECT_EQ(ran_on, get_ident());
}

TEST(FutureTest, CallbackOnCancel) {
  Future<int> f;
  bool saw_cancelled = false;
  f.add_done_callback([&](const Future<int>& g) { saw_cancelled = g.cancelled(); });
  ASSERT_TRUE(f.cancel());
  EXPECT_TRUE(saw_cancelled);
}

TEST(WaitTest, FirstCompleted) {
  Future<int> done, pending1, pending2;
  ASSERT_TRUE(done.set_result(1).ok());
  WaitResult<int> r = wait({pending1, done, pending2}, kLong, FIRST_COMPLETED);
  EXPECT_THAT(r.done, ElementsAre(done));
  EXPECT_THAT(r.not_done, ElementsAre(pending1, pending2));
}

TEST(WaitTest, FirstCompletedWakesWhenAnotherThreadFinishes) {
  Future<int> a, b;
  std::latch go(1);
  Thread t([b, &go]() mutable {
    go.wait();
    (void)b.set_result(2);
  });
  ASSERT_TRUE(t.start().ok());
  go.count_down();
  WaitResult<int> r = wait({a, b}, kLong, FIRST_COMPLETED);
  EXPECT_THAT(r.done, ElementsAre(b));
  EXPECT_THAT(r.not_done, ElementsAre(a));
  ASSERT_TRUE(t.join(kLong).ok());
}

TEST(WaitTest, TimeoutReturnsWhatIsDone) {
  Future<int> done, pending;
  ASSERT_TRUE(done.set_result(1).ok());
  WaitResult<int> r = wait({done, pending}, kShort, ALL_COMPLETED);
  EXPECT_THAT(r.done, ElementsAre(done));
  EXPECT_THAT(r.not_done, ElementsAre(pending));
  WaitResult<int> none = wait({pending}, kShort, FIRST_COMPLETED);
  EXPECT_TRUE(none.done.empty());
  EXPECT_THAT(none.not_done, ElementsAre(pending));
}

TEST(WaitTest, FirstException) {
  Future<int> ok, raised, cancelled, pending;
  ASSERT_TRUE(ok.set_result(1).ok());
  ASSERT_TRUE(cancelled.cancel());
  // A cancellation is not an exception: without one, FIRST_EXCEPTION waits on.
  WaitResult<int> r1 = wait({ok, cancelled, pending}, kShort, FIRST_EXCEPTION);
  EXPECT_THAT(r1.done, ElementsAre(ok, cancelled));
  EXPECT_THAT(r1.not_done, ElementsAre(pending));
  ASSERT_TRUE(raised.set_exception(Boom()).ok());
  WaitResult<int> r2 = wait({ok, raised, pending}, kLong, FIRST_EXCEPTION);
  EXPECT_THAT(r2.done, ElementsAre(ok, raised));
  EXPECT_THAT(r2.not_done, ElementsAre(pending));
  // Without any exception, it returns once all are done.
  WaitResult<int> r3 = wait({ok, cancelled}, kLong, FIRST_EXCEPTION);
  EXPECT_EQ(r3.done.size(), 2u);
}

TEST(WaitTest, AllCompletedAndDuplicates) {
  Future<int> a, b;
  ASSERT_TRUE(a.set_result(1).ok());
  ASSERT_TRUE(b.set_exception(Boom()).ok());
  WaitResult<int> r = wait({a, b, a}, kLong, ALL_COMPLETED);
  EXPECT_THAT(r.done, ElementsAre(a, b));
  EXPECT_TRUE(r.not_done.empty());
  WaitResult<int> empty = wait(std::vector<Future<int>>{}, kLong, FIRST_COMPLETED);
  EXPECT_TRUE(empty.done.empty() && empty.not_done.empty());
}

TEST(AsCompletedTest, DoneFirstThenCompletionOrder) {
  Future<int> f1, f2, f3, f4;
  ASSERT_TRUE(f2.set_result(2).ok());
  ASSERT_TRUE(f4.cancel());
  std::vector<Future<int>> order;
  auto gen = as_completed<int>({f1, f2, f3, f4, f2}, kLong);
  for (auto it = gen.begin(); it != gen.end(); ++it) {
    absl::StatusOr<Future<int>> f = *it;
    ASSERT_TRUE(f.ok()) << f.status();
    order.push_back(*f);
    // Complete the others one at a time, in the order f3, f1.
    if (order.size() == 2) {
      ASSERT_TRUE(f3.set_result(3).ok());
    }
    if (order.size() == 3) {
      ASSERT_TRUE(f1.set_exception(Boom()).ok());
    }
  }
  EXPECT_THAT(order, ElementsAre(f2, f4, f3, f1));
}

TEST(AsCompletedTest, TimeoutYieldsDeadlineExceededOnceAndEnds) {
  Future<int> done, pending1, pending2;
  ASSERT_TRUE(done.set_result(1).ok());
  std::vector<absl::Status> statuses;
  for (absl::StatusOr<Future<int>> f : as_completed<int>({done, pending1, pending2}, kShort)) {
    statuses.push_back(f.status());
  }
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(statuses[1]));
  EXPECT_EQ(statuses[1].message(), "2 (of 3) futures unfinished");
}

TEST(AsCompletedTest, StoppingEarlyStopsWatching) {
  Future<int> a, b;
  ASSERT_TRUE(a.set_result(1).ok());
  {
    auto gen = as_completed<int>({a, b});
    auto it = gen.begin();
    EXPECT_TRUE(**it == a);
  }  // Destroyed before b completes.
  ASSERT_TRUE(b.set_result(2).ok());
  EXPECT_EQ(*b.result(), 2);
}

TEST(AsCompletedTest, WithThreads) {
  constexpr int kN = 8;
  std::vector<Future<int>> fs(kN);
  std::vector<Thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([f = fs[i], i]() mutable { (void)f.set_result(i); });
    ASSERT_TRUE(threads.back().start().ok());
  }
  int sum = 0, count = 0;
  for (absl::StatusOr<Future<int>> f : as_completed(fs, kLong)) {
    ASSERT_TRUE(f.ok());
    sum += *f->result();
    ++count;
  }
  EXPECT_EQ(count, kN);
  EXPECT_EQ(sum, kN * (kN - 1) / 2);
  for (Thread& t : threads) ASSERT_TRUE(t.join(kLong).ok());
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// AsyncEvent: wait blocks until set, set wakes every waiter in order, clear,
// and a waiter cancelled while waiting leaves the event and sees
// CancelledError. Every run is bounded (kBound).

#include "modules/generators/async_event.h"

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
using ::testing::IsEmpty;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

Task<void> wait_and_log(AsyncEvent* ev, std::string name, std::vector<std::string>* log) {
  co_await ev->wait();
  log->push_back(name);
}

TEST(AsyncEventTest, WaitBlocksUntilSetAndSetWakesEveryWaiterInOrder) {
  AsyncEvent ev;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> a = create_task(loop, wait_and_log(&ev, "a", &log));
    Task<void> b = create_task(loop, wait_and_log(&ev, "b", &log));
    co_await yield_times(5);
    EXPECT_FALSE(a.done());
    EXPECT_FALSE(b.done());
    EXPECT_THAT(log, IsEmpty());
    EXPECT_FALSE(ev.is_set());
    ev.set();
    EXPECT_TRUE(ev.is_set());
    co_await a;
    co_await b;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("a", "b"));
}

TEST(AsyncEventTest, WaitOnASetEventReturnsAtOnceAndClearMakesItBlockAgain) {
  AsyncEvent ev;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    ev.set();
    co_await ev.wait();  // does not suspend: nothing else could set it
    log.push_back("passed");
    ev.clear();
    EXPECT_FALSE(ev.is_set());
    Task<void> w = create_task(*EventLoop::current(), wait_and_log(&ev, "w", &log));
    co_await yield_times(5);
    EXPECT_FALSE(w.done());
    ev.set();
    co_await w;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("passed", "w"));
}

TEST(AsyncEventTest, AWaiterWokenBySetReturnsEvenIfClearedBeforeItRuns) {
  AsyncEvent ev;
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    Task<void> w = create_task(*EventLoop::current(), wait_and_log(&ev, "w", &log));
    co_await yield_times(2);
    ev.set();
    ev.clear();
    co_await yield_times(2);
    EXPECT_TRUE(w.done());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("w"));
}

TEST(AsyncEventTest, AWaiterCancelledWhileWaitingLeavesTheEventAndSeesCancelledError) {
  AsyncEvent ev;
  std::vector<std::string> log;
  auto cancellable = [&]() -> Task<void> {
    try {
      co_await ev.wait();
      log.push_back("cancelled one woke normally");
    } catch (const CancelledError&) {
      log.push_back("CancelledError");
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<void> other = create_task(loop, wait_and_log(&ev, "other", &log));
    {
      Task<void> c = create_task(loop, cancellable());
      co_await yield_times(2);
      EXPECT_TRUE(c.cancel());
      co_await yield_times(2);
      EXPECT_TRUE(c.done());
      EXPECT_TRUE(c.cancelled());
      EXPECT_TRUE(absl::IsCancelled(c.result()));
    }  // c and its frame are gone: set() must not reach it
    EXPECT_FALSE(other.done());
    ev.set();
    co_await other;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("CancelledError", "other"));
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// AsyncQueue<T>: FIFO, back-pressure with maxsize, the nowait statuses, a
// cancelled getter loses no item (the race of CPython's test_queues:
// test_get_cancelled_race, put while the getter's cancellation is pending),
// join waits for task_done, shutdown. Every run is bounded (kBound).

#include "modules/generators/async_queue.h"

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

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

TEST(AsyncQueueTest, ItemsComeOutInTheOrderTheyWentIn) {
  AsyncQueue<std::string> q;
  std::vector<std::string> got;
  auto main_task = [&]() -> Task<void> {
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(q.put_nowait("a").ok());
    EXPECT_TRUE((co_await q.put("b")).ok());
    EXPECT_TRUE(q.put_nowait("c").ok());
    EXPECT_EQ(q.qsize(), 3u);
    EXPECT_FALSE(q.full());  // unbounded
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::string> x = co_await q.get();
      EXPECT_TRUE(x.ok()) << x.status();
      if (x.ok()) got.push_back(*x);
    }
    absl::StatusOr<std::string> none = q.get_nowait();
    EXPECT_TRUE(absl::IsDeadlineExceeded(none.status())) << none.status();  // queue.Empty
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(got, ElementsAre("a", "b", "c"));
}

TEST(AsyncQueueTest, AGetterWaitsForAPut) {
  AsyncQueue<int> q;
  auto main_task = [&]() -> Task<int> {
    Task<absl::StatusOr<int>> g = create_task(*EventLoop::current(), q.get());
    co_await yield_times(3);
    EXPECT_FALSE(g.done());
    EXPECT_TRUE(q.put_nowait(7).ok());
    absl::StatusOr<int> x = co_await g;
    co_return x.ok() ? *x : -1;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 7);
}

TEST(AsyncQueueTest, APutterWaitsWhileTheQueueIsFull) {
  AsyncQueue<int> q(2);
  std::vector<std::string> log;
  auto producer = [&]() -> Task<void> {
    for (int i = 0; i < 4; ++i) {
      absl::Status s = co_await q.put(i);
      EXPECT_TRUE(s.ok()) << s;
      log.push_back("put " + std::to_string(i));
    }
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> p = create_task(*EventLoop::current(), producer());
    co_await yield_times(5);
    EXPECT_THAT(log, ElementsAre("put 0", "put 1"));  // blocked at the third
    EXPECT_TRUE(q.full());
    EXPECT_EQ(q.qsize(), 2u);
    EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(99)));  // queue.Full
    absl::StatusOr<int> x = q.get_nowait();
    EXPECT_EQ(x.value_or(-1), 0);
    co_await yield_times(5);
    EXPECT_THAT(log, ElementsAre("put 0", "put 1", "put 2"));
    EXPECT_FALSE(p.done());
    EXPECT_EQ((co_await q.get()).value_or(-1), 1);
    co_await p;
    EXPECT_EQ((co_await q.get()).value_or(-1), 2);
    EXPECT_EQ((co_await q.get()).value_or(-1), 3);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("put 0", "put 1", "put 2", "put 3"));
}

// CPython's test_get_cancelled_race: t1 and t2 wait in get(); t1 is cancelled
// and, before it runs, an item is put. t2 gets it.
TEST(AsyncQueueTest, ACancelledGetterLosesNoItemCancelThenPut) {
  AsyncQueue<std::string> q;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<absl::StatusOr<std::string>> t1 = create_task(loop, q.get());
    Task<absl::StatusOr<std::string>> t2 = create_task(loop, q.get());
    co_await yield_times(2);
    EXPECT_TRUE(t1.cancel());
    EXPECT_TRUE(q.put_nowait("a").ok());  // t1's cancellation is still pending
    co_await yield_times(3);
    EXPECT_TRUE(t1.cancelled());
    EXPECT_TRUE(t2.done());
    if (!t2.done()) co_return;
    absl::StatusOr<std::string> x = *t2.result();
    EXPECT_EQ(x.value_or("lost"), "a");
    EXPECT_TRUE(q.empty());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// The other order: the put wakes t1 first, then t1 is cancelled before it
// runs. t1 must pass the item's wake-up on to t2.
TEST(AsyncQueueTest, ACancelledGetterLosesNoItemPutThenCancel) {
  AsyncQueue<std::string> q;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<absl::StatusOr<std::string>> t1 = create_task(loop, q.get());
    Task<absl::StatusOr<std::string>> t2 = create_task(loop, q.get());
    co_await yield_times(2);
    EXPECT_TRUE(q.put_nowait("a").ok());  // wakes t1
    EXPECT_TRUE(t1.cancel());             // before t1 ran
    co_await yield_times(3);
    EXPECT_TRUE(t1.cancelled());
    EXPECT_TRUE(t2.done());
    if (!t2.done()) co_return;
    absl::StatusOr<std::string> x = *t2.result();
    EXPECT_EQ(x.value_or("lost"), "a");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// With no other getter, the item stays at the front of the queue.
TEST(AsyncQueueTest, ACancelledGetterLeavesTheItemAtTheFront) {
  AsyncQueue<std::string> q;
  auto main_task = [&]() -> Task<void> {
    Task<absl::StatusOr<std::string>> t1 = create_task(*EventLoop::current(), q.get());
    co_await yield_times(2);
    EXPECT_TRUE(q.put_nowait("a").ok());
    EXPECT_TRUE(q.put_nowait("b").ok());
    EXPECT_TRUE(t1.cancel());
    co_await yield_times(3);
    EXPECT_TRUE(t1.cancelled());
    EXPECT_EQ(q.qsize(), 2u);
    EXPECT_EQ(q.get_nowait().value_or("lost"), "a");
    EXPECT_EQ(q.get_nowait().value_or("lost"), "b");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncQueueTest, ACancelledPutterPutsNothingAndPassesTheSlotOn) {
  AsyncQueue<int> q(1);
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    EXPECT_TRUE(q.put_nowait(0).ok());
    Task<absl::Status> p1 = create_task(loop, q.put(1));
    Task<absl::Status> p2 = create_task(loop, q.put(2));
    co_await yield_times(2);
    EXPECT_EQ(q.get_nowait().value_or(-1), 0);  // wakes p1
    EXPECT_TRUE(p1.cancel());                   // before p1 ran
    co_await yield_times(3);
    EXPECT_TRUE(p1.cancelled());
    EXPECT_TRUE(p2.done());
    EXPECT_EQ(q.qsize(), 1u);
    EXPECT_EQ(q.get_nowait().value_or(-1), 2);
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncQueueTest, JoinWaitsUntilEveryItemIsTaskDone) {
  AsyncQueue<int> q;
  auto main_task = [&]() -> Task<void> {
    co_await q.join();  // nothing unfinished: returns at once
    EXPECT_TRUE(q.put_nowait(1).ok());
    EXPECT_TRUE(q.put_nowait(2).ok());
    Task<void> j = create_task(*EventLoop::current(), q.join());
    EXPECT_EQ((co_await q.get()).value_or(-1), 1);
    EXPECT_EQ((co_await q.get()).value_or(-1), 2);
    co_await yield_times(3);
    EXPECT_FALSE(j.done());  // taken, but not task_done
    EXPECT_TRUE(q.task_done().ok());
    co_await yield_times(3);
    EXPECT_FALSE(j.done());
    EXPECT_TRUE(q.task_done().ok());
    co_await yield_times(2);
    EXPECT_TRUE(j.done());
    EXPECT_TRUE(absl::IsFailedPrecondition(q.task_done()));  // too many times
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncQueueTest, ShutdownFailsPutsAndLetsGettersDrainThenFails) {
  AsyncQueue<int> q(1);
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    EXPECT_TRUE(q.put_nowait(1).ok());
    Task<absl::Status> blocked_put = create_task(loop, q.put(2));
    co_await yield_times(2);
    q.shutdown();
    co_await yield_times(2);
    EXPECT_TRUE(blocked_put.done());
    if (!blocked_put.done()) co_return;
    EXPECT_TRUE(absl::IsCancelled(blocked_put.result()));  // QueueShutDown
    EXPECT_TRUE(absl::IsCancelled(q.put_nowait(3)));
    EXPECT_EQ((co_await q.get()).value_or(-1), 1);  // what is left still comes out
    EXPECT_TRUE(absl::IsCancelled((co_await q.get()).status()));
    EXPECT_TRUE(absl::IsCancelled(q.get_nowait().status()));
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(AsyncQueueTest, ShutdownImmediateDropsItemsWakesGettersAndReleasesJoin) {
  AsyncQueue<int> q;
  AsyncQueue<int> empty_q;
  auto main_task = [&]() -> Task<void> {
    EventLoop& loop = *EventLoop::current();
    Task<absl::StatusOr<int>> getter = create_task(loop, empty_q.get());
    EXPECT_TRUE(q.put_nowait(1).ok());
    EXPECT_TRUE(q.put_nowait(2).ok());
    Task<void> j = create_task(loop, q.join());
    co_await yield_times(2);
    EXPECT_FALSE(j.done());
    EXPECT_FALSE(getter.done());
    q.shutdown(/*immediate=*/true);
    empty_q.shutdown();
    co_await yield_times(2);
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(j.done());
    EXPECT_TRUE(getter.done());
    if (!getter.done()) co_return;
    EXPECT_TRUE(absl::IsCancelled(getter.result()->status()));
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests for Queue, LifoQueue and PriorityQueue: Python's queue.Queue semantics
// (Lib/queue.py, Python 3.13's shutdown) and the edge cases CPython's
// Lib/test/test_queue.py checks.
//
// Every case runs on both implementations (typed tests): the tuned
// conc::Queue (queue.h) and conc::reference::Queue (reference/queue.h,
// CPython's algorithm line for line), so neither can drift from the contract.
// The tuned queue's own lock has its tests with it
// (modules/common/internal/spin_lock_test.cc).
//
// No test sleeps to synchronise: to know that a thread is blocked in get(),
// put() or join(), a test polls the queue's waiter counts (WaitUntil below);
// every wait is bounded generously, for loaded sanitizer runs.

#include "modules/sync/queue.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/sync/lifo_queue.h"
#include "modules/sync/priority_queue.h"
#include "modules/sync/reference/queue.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kLong = absl::Seconds(60);  // "Never" in a test.

// The implementations under test: each names its Queue, LifoQueue and
// PriorityQueue.
struct Tuned {
  static constexpr const char* kName = "Tuned";
  template <typename T>
  using Queue = conc::Queue<T>;
  template <typename T>
  using LifoQueue = conc::LifoQueue<T>;
  template <typename T, typename Compare>
  using PriorityQueue = conc::PriorityQueue<T, Compare>;
};
struct Reference {
  static constexpr const char* kName = "Reference";
  template <typename T>
  using Queue = conc::reference::Queue<T>;
  template <typename T>
  using LifoQueue = conc::reference::LifoQueue<T>;
  template <typename T, typename Compare>
  using PriorityQueue = conc::reference::PriorityQueue<T, Compare>;
};
using Impls = ::testing::Types<Tuned, Reference>;
struct ImplName {
  template <typename Impl>
  static std::string GetName(int) { return Impl::kName; }
};

template <typename Impl, typename T>
using QueueOf = typename Impl::template Queue<T>;
template <typename Impl, typename T>
using LifoQueueOf = typename Impl::template LifoQueue<T>;
template <typename Impl, typename T, typename Compare = std::less<T>>
using PriorityQueueOf = typename Impl::template PriorityQueue<T, Compare>;

template <typename Impl>
class QueueTest : public ::testing::Test {};
TYPED_TEST_SUITE(QueueTest, Impls, ImplName);
template <typename Impl>
class LifoQueueTest : public ::testing::Test {};
TYPED_TEST_SUITE(LifoQueueTest, Impls, ImplName);
template <typename Impl>
class PriorityQueueTest : public ::testing::Test {};
TYPED_TEST_SUITE(PriorityQueueTest, Impls, ImplName);
template <typename Impl>
class QueueContentionTest : public ::testing::Test {};
TYPED_TEST_SUITE(QueueContentionTest, Impls, ImplName);

// Polls `pred` until it holds (true) or `limit` passes (false). Polling is how
// a test learns that another thread has reached a blocking call; the short
// nap only keeps the poll from burning a CPU the other thread needs.
bool WaitUntil(const std::function<bool()>& pred, absl::Duration limit = kLong) {
  const absl::Time end = absl::Now() + limit;
  while (!pred()) {
    if (absl::Now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// True if `f` is still not ready after a short look (a blocked call stays
// blocked). Used only to confirm a negative; a positive is awaited with
// Ready().
template <typename F>
bool StillBlocked(F& f) {
  return f.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout;
}

template <typename F>
bool Ready(F& f) {
  return f.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
}

template <typename Q>
std::vector<int> Drain(Q& q) {
  std::vector<int> out;
  while (true) {
    absl::StatusOr<int> item = q.get_nowait();
    if (!item.ok()) break;
    out.push_back(*item);
  }
  return out;
}

// --- Order -----------------------------------------------------------------

TYPED_TEST(QueueTest, FifoOrder) {
  QueueOf<TypeParam, int> q;
  for (int i : {3, 1, 4, 1, 5}) ASSERT_TRUE(q.put(i).ok());
  EXPECT_THAT(Drain(q), ElementsAre(3, 1, 4, 1, 5));
}

TYPED_TEST(LifoQueueTest, LifoOrder) {
  LifoQueueOf<TypeParam, int> q;
  for (int i : {3, 1, 4, 1, 5}) ASSERT_TRUE(q.put(i).ok());
  EXPECT_THAT(Drain(q), ElementsAre(5, 1, 4, 1, 3));
}

TYPED_TEST(PriorityQueueTest, LowestFirst) {
  PriorityQueueOf<TypeParam, int> q;
  for (int i : {20, 78, 12, 45}) ASSERT_TRUE(q.put(i).ok());
  EXPECT_THAT(Drain(q), ElementsAre(12, 20, 45, 78));
}

TYPED_TEST(PriorityQueueTest, TiesOrderedByTheRestOfThePair) {
  // Python's heapq compares whole tuples: equal priorities fall back to the
  // data.
  PriorityQueueOf<TypeParam, std::pair<int, std::string>> q;
  ASSERT_TRUE(q.put({1, "b"}).ok());
  ASSERT_TRUE(q.put({2, "a"}).ok());
  ASSERT_TRUE(q.put({1, "a"}).ok());
  ASSERT_TRUE(q.put({0, "z"}).ok());
  ASSERT_TRUE(q.put({1, "c"}).ok());
  std::vector<std::pair<int, std::string>> out;
  while (!q.empty()) out.push_back(*q.get());
  EXPECT_THAT(out, ElementsAre(std::pair<int, std::string>{0, "z"},
                               std::pair<int, std::string>{1, "a"},
                               std::pair<int, std::string>{1, "b"},
                               std::pair<int, std::string>{1, "c"},
                               std::pair<int, std::string>{2, "a"}));
}

TYPED_TEST(PriorityQueueTest, CustomCompare) {
  PriorityQueueOf<TypeParam, int, std::greater<int>> q;  // Largest first.
  for (int i : {20, 78, 12, 45}) ASSERT_TRUE(q.put(i).ok());
  EXPECT_THAT(Drain(q), ElementsAre(78, 45, 20, 12));
}

TYPED_TEST(PriorityQueueTest, ManyItemsComeOutSorted) {
  PriorityQueueOf<TypeParam, int> q;
  std::vector<int> in;
  for (int i = 0; i < 1000; ++i) in.push_back((i * 7919) % 1009);
  for (int i : in) ASSERT_TRUE(q.put(i).ok());
  std::sort(in.begin(), in.end());
  EXPECT_EQ(Drain(q), in);
}

// --- Size, bounds and timeouts ----------------------------------------------

TYPED_TEST(QueueTest, SizeEmptyFull) {
  QueueOf<TypeParam, int> q(3);
  EXPECT_EQ(q.maxsize(), 3);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.full());
  EXPECT_EQ(q.qsize(), 0u);
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put(2).ok());
  EXPECT_FALSE(q.empty());
  EXPECT_FALSE(q.full());
  ASSERT_TRUE(q.put(3).ok());
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 3u);
  ASSERT_TRUE(q.get().ok());
  EXPECT_FALSE(q.full());
  EXPECT_EQ(q.qsize(), 2u);
}

TYPED_TEST(QueueTest, ZeroOrNegativeMaxsizeIsUnbounded) {
  for (int maxsize : {0, -1, -100}) {
    QueueOf<TypeParam, int> q(maxsize);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.put_nowait(i).ok());
    EXPECT_FALSE(q.full());
    EXPECT_EQ(q.qsize(), 1000u);
  }
}

TYPED_TEST(QueueTest, PutOnFullQueue) {
  QueueOf<TypeParam, int> q(2);
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put_nowait(2).ok());
  // Without blocking: Full at once, whatever the timeout says.
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(3)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, /*block=*/false)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, false, absl::Seconds(-1))));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, false, kLong)));
  // A zero timeout polls.
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, true, absl::ZeroDuration())));
  // A positive timeout waits at least that long.
  const absl::Time start = absl::Now();
  const absl::Status s = q.put(3, true, absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  // A negative timeout with blocking is Python's ValueError.
  const absl::Status neg = q.put(3, true, absl::Seconds(-1));
  EXPECT_TRUE(absl::IsInvalidArgument(neg)) << neg;
  EXPECT_THAT(neg.message(), HasSubstr("non-negative"));
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_EQ(q.unfinished_tasks(), 2u);  // Failed puts count nothing.
}

TYPED_TEST(QueueTest, NegativeTimeoutChecksFollowPython) {
  // A bounded queue rejects a negative timeout even when there is room.
  QueueOf<TypeParam, int> bounded(5);
  EXPECT_TRUE(absl::IsInvalidArgument(bounded.put(1, true, absl::Seconds(-1))));
  EXPECT_TRUE(bounded.empty());
  // An unbounded queue never waits, so Python never looks at the timeout.
  QueueOf<TypeParam, int> unbounded;
  EXPECT_TRUE(unbounded.put(1, true, absl::Seconds(-1)).ok());
  // get checks it even when an item is ready.
  EXPECT_TRUE(absl::IsInvalidArgument(unbounded.get(true, absl::Seconds(-1)).status()));
  EXPECT_EQ(unbounded.qsize(), 1u);
  // Without blocking the timeout is ignored.
  EXPECT_EQ(*unbounded.get(false, absl::Seconds(-1)), 1);
}

TYPED_TEST(QueueTest, GetOnEmptyQueue) {
  QueueOf<TypeParam, int> q;
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get_nowait().status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false, kLong).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(true, absl::ZeroDuration()).status()));
  const absl::Time start = absl::Now();
  const absl::Status s = q.get(true, absl::Milliseconds(50)).status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  const absl::Status neg = q.get(true, absl::Seconds(-1)).status();
  EXPECT_TRUE(absl::IsInvalidArgument(neg)) << neg;
  EXPECT_THAT(neg.message(), HasSubstr("non-negative"));
}

TYPED_TEST(QueueTest, StatusMessagesAreTheSameOnBoth) {
  QueueOf<TypeParam, int> q(1);
  ASSERT_TRUE(q.put(1).ok());
  EXPECT_EQ(q.put_nowait(2).message(), "Queue.put: the queue is full");
  EXPECT_EQ(q.put(2, true, absl::ZeroDuration()).message(), "Queue.put: the queue is full");
  EXPECT_EQ(q.put(2, true, absl::Seconds(-1)).message(),
            "Queue.put: 'timeout' must be a non-negative number");
  ASSERT_TRUE(q.get().ok());
  EXPECT_EQ(q.get_nowait().status().message(), "Queue.get: the queue is empty");
  EXPECT_EQ(q.get(true, absl::ZeroDuration()).status().message(), "Queue.get: the queue is empty");
  EXPECT_EQ(q.get(true, absl::Seconds(-1)).status().message(),
            "Queue.get: 'timeout' must be a non-negative number");
  ASSERT_TRUE(q.task_done().ok());
  EXPECT_EQ(q.task_done().message(), "Queue.task_done: task_done() called too many times");
  q.shutdown();
  EXPECT_EQ(q.put(3).message(), "Queue.put: the queue is shut down");
  EXPECT_EQ(q.get().status().message(), "Queue.get: the queue is shut down");
}

TYPED_TEST(QueueTest, BlockedGetterGetsTheNextPut) {
  QueueOf<TypeParam, int> q;
  auto getter = std::async(std::launch::async, [&] { return q.get(); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  ASSERT_TRUE(q.put(7).ok());
  ASSERT_TRUE(Ready(getter));
  absl::StatusOr<int> item = getter.get();
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(*item, 7);
}

TYPED_TEST(QueueTest, TimedGetterGetsAPutWithinItsTimeout) {
  QueueOf<TypeParam, int> q;
  auto getter = std::async(std::launch::async, [&] { return q.get(true, kLong); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  ASSERT_TRUE(q.put(8).ok());
  ASSERT_TRUE(Ready(getter));
  EXPECT_EQ(*getter.get(), 8);
}

TYPED_TEST(QueueTest, InfiniteTimeoutWaitsLikeNoTimeout) {
  QueueOf<TypeParam, int> q;
  auto getter = std::async(std::launch::async,
                           [&] { return q.get(true, absl::InfiniteDuration()); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  ASSERT_TRUE(q.put(9).ok());
  ASSERT_TRUE(Ready(getter));
  EXPECT_EQ(*getter.get(), 9);
}

TYPED_TEST(QueueTest, BlockedPutterGoesInWhenRoomIsMade) {
  QueueOf<TypeParam, int> q(1);
  ASSERT_TRUE(q.put(1).ok());
  auto putter = std::async(std::launch::async, [&] { return q.put(2); });
  auto timed = std::async(std::launch::async, [&] { return q.put(3, true, kLong); });
  ASSERT_TRUE(WaitUntil([&] { return q.putters_waiting() == 2; }));
  EXPECT_TRUE(StillBlocked(putter));
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<int> item = q.get(true, kLong);
    ASSERT_TRUE(item.ok()) << item.status();
    got.push_back(*item);
  }
  ASSERT_TRUE(Ready(putter));
  ASSERT_TRUE(Ready(timed));
  EXPECT_TRUE(putter.get().ok());
  EXPECT_TRUE(timed.get().ok());
  std::sort(got.begin(), got.end());
  EXPECT_THAT(got, ElementsAre(1, 2, 3));
}

TYPED_TEST(QueueTest, BoundCountsItemsAlreadyHandedToConsumers) {
  // The tuned queue's get takes every queued item into the consumers' batch
  // at once; they still count against maxsize, and taking one from the batch
  // makes room. (The reference has one deque: the same holds trivially.)
  QueueOf<TypeParam, int> q(3);
  for (int i : {1, 2, 3}) ASSERT_TRUE(q.put(i).ok());
  ASSERT_EQ(*q.get(), 1);  // 2 and 3 now wait in the consumers' batch.
  EXPECT_EQ(q.qsize(), 2u);
  ASSERT_TRUE(q.put_nowait(4).ok());
  EXPECT_TRUE(q.full());
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(5)));
  auto putter = std::async(std::launch::async, [&] { return q.put(5); });
  ASSERT_TRUE(WaitUntil([&] { return q.putters_waiting() == 1; }));
  ASSERT_EQ(*q.get(), 2);  // From the batch: wakes the putter.
  ASSERT_TRUE(Ready(putter));
  EXPECT_TRUE(putter.get().ok());
  EXPECT_THAT(Drain(q), ElementsAre(3, 4, 5));
}

TYPED_TEST(QueueTest, TimedGetterIsNotHeldUpByAnUntimedOne) {
  QueueOf<TypeParam, int> q;
  auto forever = std::async(std::launch::async, [&] { return q.get(); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(true, absl::Milliseconds(30)).status()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(Ready(forever));
  EXPECT_EQ(*forever.get(), 1);
}

TYPED_TEST(QueueTest, TimedGettersRacingProducersLoseNothing) {
  // Getters that keep timing out while producers put: every item exactly once.
  constexpr int kPerProducer = 3000;
  QueueOf<TypeParam, int> q;
  std::atomic<int> received{0};
  std::atomic<long long> sum{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 3; ++c) {
    threads.emplace_back([&] {
      while (received.load() < 2 * kPerProducer) {
        absl::StatusOr<int> item = q.get(true, absl::Microseconds(100));
        if (item.ok()) {
          sum.fetch_add(*item);
          received.fetch_add(1);
        } else {
          ASSERT_TRUE(absl::IsDeadlineExceeded(item.status())) << item.status();
        }
      }
    });
  }
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&] {
      for (int i = 1; i <= kPerProducer; ++i) ASSERT_TRUE(q.put(i).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(received.load(), 2 * kPerProducer);
  EXPECT_EQ(sum.load(), 2LL * kPerProducer * (kPerProducer + 1) / 2);
  EXPECT_TRUE(q.empty());
}

// --- task_done and join ------------------------------------------------------

TYPED_TEST(QueueTest, TaskDoneTooManyTimes) {
  QueueOf<TypeParam, int> q;
  absl::Status s = q.task_done();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("task_done() called too many times"));
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put(2).ok());
  EXPECT_EQ(q.unfinished_tasks(), 2u);
  ASSERT_TRUE(q.get().ok());
  // task_done counts puts, not gets: two are allowed after a single get.
  EXPECT_TRUE(q.task_done().ok());
  EXPECT_TRUE(q.task_done().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(q.task_done()));
  EXPECT_EQ(q.unfinished_tasks(), 0u);
}

TYPED_TEST(QueueTest, JoinReturnsAtOnceWithNoTasks) {
  QueueOf<TypeParam, int> q;
  q.join();
  EXPECT_TRUE(q.join(absl::ZeroDuration()));
}

TYPED_TEST(QueueTest, JoinWaitsForEveryTaskDone) {
  QueueOf<TypeParam, int> q;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.put(i).ok());
  auto joiner = std::async(std::launch::async, [&] { q.join(); });
  ASSERT_TRUE(WaitUntil([&] { return q.joiners_waiting() == 1; }));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(q.get().ok());
    ASSERT_TRUE(q.task_done().ok());
  }
  // Gotten is not done: the third item is still out.
  ASSERT_TRUE(q.get().ok());
  EXPECT_TRUE(StillBlocked(joiner));
  EXPECT_FALSE(q.join(absl::Milliseconds(10)));
  ASSERT_TRUE(q.task_done().ok());
  ASSERT_TRUE(Ready(joiner));
  EXPECT_TRUE(q.join(absl::ZeroDuration()));
}

TYPED_TEST(QueueTest, JoinWithTimeout) {
  QueueOf<TypeParam, int> q;
  ASSERT_TRUE(q.put(1).ok());
  EXPECT_FALSE(q.join(absl::ZeroDuration()));
  EXPECT_FALSE(q.join(absl::Seconds(-1)));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(q.join(absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  auto joiner = std::async(std::launch::async, [&] { return q.join(kLong); });
  ASSERT_TRUE(WaitUntil([&] { return q.joiners_waiting() == 1; }));
  ASSERT_TRUE(q.get().ok());
  ASSERT_TRUE(q.task_done().ok());
  ASSERT_TRUE(Ready(joiner));
  EXPECT_TRUE(joiner.get());
}

// --- shutdown ----------------------------------------------------------------

TYPED_TEST(QueueTest, ShutdownGracefulDrainsThenCancels) {
  QueueOf<TypeParam, int> q;
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put(2).ok());
  EXPECT_FALSE(q.is_shutdown());
  q.shutdown();
  EXPECT_TRUE(q.is_shutdown());
  EXPECT_TRUE(absl::IsCancelled(q.put(3)));
  EXPECT_TRUE(absl::IsCancelled(q.put_nowait(3)));
  EXPECT_EQ(*q.get(), 1);
  EXPECT_EQ(*q.get_nowait(), 2);
  EXPECT_TRUE(absl::IsCancelled(q.get().status()));
  EXPECT_TRUE(absl::IsCancelled(q.get_nowait().status()));
  EXPECT_TRUE(absl::IsCancelled(q.get(true, absl::Milliseconds(10)).status()));
  // Shut down and empty is checked before the timeout (Python's order).
  EXPECT_TRUE(absl::IsCancelled(q.get(true, absl::Seconds(-1)).status()));
  // task_done and join keep working.
  EXPECT_EQ(q.unfinished_tasks(), 2u);
  ASSERT_TRUE(q.task_done().ok());
  ASSERT_TRUE(q.task_done().ok());
  q.join();
  q.shutdown();  // Twice is harmless.
  EXPECT_TRUE(q.is_shutdown());
}

TYPED_TEST(QueueTest, ShutdownPutOnFullQueueIsCancelledNotFull) {
  QueueOf<TypeParam, int> q(1);
  ASSERT_TRUE(q.put(1).ok());
  q.shutdown();
  EXPECT_TRUE(absl::IsCancelled(q.put_nowait(2)));
  EXPECT_TRUE(absl::IsCancelled(q.put(2, true, absl::Seconds(-1))));
}

TYPED_TEST(QueueTest, ShutdownWakesBlockedGetters) {
  QueueOf<TypeParam, int> q;
  std::vector<std::future<absl::StatusOr<int>>> getters;
  for (int i = 0; i < 3; ++i) {
    getters.push_back(std::async(std::launch::async, [&] { return q.get(); }));
  }
  getters.push_back(std::async(std::launch::async, [&] { return q.get(true, kLong); }));
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 4; }));
  q.shutdown();
  for (auto& g : getters) {
    ASSERT_TRUE(Ready(g));
    EXPECT_TRUE(absl::IsCancelled(g.get().status()));
  }
}

TYPED_TEST(QueueTest, ShutdownWakesBlockedPutters) {
  for (bool immediate : {false, true}) {
    QueueOf<TypeParam, int> q(1);
    ASSERT_TRUE(q.put(1).ok());
    std::vector<std::future<absl::Status>> putters;
    for (int i = 0; i < 3; ++i) {
      putters.push_back(std::async(std::launch::async, [&] { return q.put(2); }));
    }
    putters.push_back(
        std::async(std::launch::async, [&] { return q.put(3, true, kLong); }));
    ASSERT_TRUE(WaitUntil([&] { return q.putters_waiting() == 4; }));
    q.shutdown(immediate);
    for (auto& p : putters) {
      ASSERT_TRUE(Ready(p));
      EXPECT_TRUE(absl::IsCancelled(p.get()));
    }
    if (immediate) {
      EXPECT_TRUE(q.empty());
      EXPECT_TRUE(absl::IsCancelled(q.get().status()));
    } else {
      EXPECT_EQ(*q.get(), 1);  // Graceful: what was queued is still there.
    }
  }
}

TYPED_TEST(QueueTest, ShutdownImmediateEmptiesAndWakesGetters) {
  QueueOf<TypeParam, int> q;
  auto getter = std::async(std::launch::async, [&] { return q.get(); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  q.shutdown(/*immediate=*/true);
  ASSERT_TRUE(Ready(getter));
  EXPECT_TRUE(absl::IsCancelled(getter.get().status()));

  QueueOf<TypeParam, int> q2;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q2.put(i).ok());
  q2.shutdown(/*immediate=*/true);
  EXPECT_EQ(q2.qsize(), 0u);
  EXPECT_TRUE(absl::IsCancelled(q2.get_nowait().status()));
  EXPECT_TRUE(absl::IsCancelled(q2.put(9)));
}

TYPED_TEST(QueueTest, ShutdownImmediateCountsDroppedItemsAsDone) {
  QueueOf<TypeParam, int> q;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.put(i).ok());
  auto joiner = std::async(std::launch::async, [&] { q.join(); });
  ASSERT_TRUE(WaitUntil([&] { return q.joiners_waiting() == 1; }));
  q.shutdown(/*immediate=*/true);
  ASSERT_TRUE(Ready(joiner));  // All three dropped: nothing is unfinished.
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_TRUE(absl::IsFailedPrecondition(q.task_done()));
}

TYPED_TEST(QueueTest, ShutdownImmediateStillWaitsForItemsBeingProcessed) {
  // As in Python: an item already gotten is not dropped, so join waits for
  // its task_done.
  QueueOf<TypeParam, int> q;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.put(i).ok());
  ASSERT_EQ(*q.get(), 0);  // Being processed.
  auto joiner = std::async(std::launch::async, [&] { q.join(); });
  ASSERT_TRUE(WaitUntil([&] { return q.joiners_waiting() == 1; }));
  q.shutdown(/*immediate=*/true);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  ASSERT_TRUE(WaitUntil([&] { return q.joiners_waiting() == 1; }));
  EXPECT_TRUE(StillBlocked(joiner));
  ASSERT_TRUE(q.task_done().ok());
  ASSERT_TRUE(Ready(joiner));
}

TYPED_TEST(QueueTest, ShutdownImmediateDestroysDroppedItems) {
  auto token = std::make_shared<int>(0);
  QueueOf<TypeParam, std::shared_ptr<int>> q;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.put(token).ok());
  EXPECT_EQ(token.use_count(), 5);
  q.shutdown(/*immediate=*/true);
  EXPECT_EQ(token.use_count(), 1);
}

// --- Move-only items -----------------------------------------------------------

struct DerefLess {
  bool operator()(const std::unique_ptr<int>& a, const std::unique_ptr<int>& b) const {
    return *a < *b;
  }
};

TYPED_TEST(QueueTest, MoveOnlyItems) {
  QueueOf<TypeParam, std::unique_ptr<int>> fifo(2);
  ASSERT_TRUE(fifo.put(std::make_unique<int>(1)).ok());
  ASSERT_TRUE(fifo.put_nowait(std::make_unique<int>(2)).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(fifo.put_nowait(std::make_unique<int>(3))));
  EXPECT_EQ(**fifo.get(), 1);
  EXPECT_EQ(**fifo.get_nowait(), 2);

  LifoQueueOf<TypeParam, std::unique_ptr<int>> lifo;
  ASSERT_TRUE(lifo.put(std::make_unique<int>(1)).ok());
  ASSERT_TRUE(lifo.put(std::make_unique<int>(2)).ok());
  EXPECT_EQ(**lifo.get(), 2);

  PriorityQueueOf<TypeParam, std::unique_ptr<int>, DerefLess> prio;
  for (int i : {5, 1, 3}) ASSERT_TRUE(prio.put(std::make_unique<int>(i)).ok());
  EXPECT_EQ(**prio.get(), 1);
  EXPECT_EQ(**prio.get(), 3);
  EXPECT_EQ(**prio.get(), 5);
}

// --- Many producers, many consumers -------------------------------------------

template <typename Q>
class QueueFamilyTest : public ::testing::Test {};

using QueueTypes = ::testing::Types<Queue<int>, LifoQueue<int>, PriorityQueue<int>,
                                    reference::Queue<int>, reference::LifoQueue<int>,
                                    reference::PriorityQueue<int>>;
struct QueueTypeName {
  template <typename Q>
  static std::string GetName(int i) {  // i: the index in QueueTypes
    static constexpr const char* kNames[] = {
        "Queue",          "LifoQueue",          "PriorityQueue",
        "ReferenceQueue", "ReferenceLifoQueue", "ReferencePriorityQueue"};
    return kNames[i];
  }
};
TYPED_TEST_SUITE(QueueFamilyTest, QueueTypes, QueueTypeName);

TYPED_TEST(QueueFamilyTest, EveryItemExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 2000;
  TypeParam q(/*maxsize=*/16);  // Small, so putters block too.
  std::vector<std::vector<int>> got(kConsumers);
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&q, &mine = got[c]] {
      // Ends with Cancelled once shut down and drained.
      for (absl::StatusOr<int> item = q.get(); item.ok(); item = q.get()) {
        mine.push_back(*item);
        ASSERT_TRUE(q.task_done().ok());
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        ASSERT_TRUE(q.put(p * kPerProducer + i).ok());
      }
    });
  }
  for (std::thread& t : producers) t.join();
  q.join();  // Every item gotten and done.
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.shutdown();
  for (std::thread& t : consumers) t.join();
  std::vector<int> all;
  for (const auto& v : got) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kProducers * kPerProducer));
  for (int i = 0; i < kProducers * kPerProducer; ++i) ASSERT_EQ(all[i], i);
}

TYPED_TEST(QueueFamilyTest, BoundedPutterWokenByGetAndShutdownImmediateDrops) {
  TypeParam q(/*maxsize=*/2);
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put(2).ok());
  auto putter = std::async(std::launch::async, [&] { return q.put(3); });
  ASSERT_TRUE(WaitUntil([&] { return q.putters_waiting() == 1; }));
  ASSERT_TRUE(q.get().ok());  // Makes room: the putter goes in.
  ASSERT_TRUE(Ready(putter));
  EXPECT_TRUE(putter.get().ok());
  EXPECT_EQ(q.qsize(), 2u);
  auto getter_after = std::async(std::launch::async, [&] {
    // Blocks once the queue is emptied below, until the shutdown.
    std::vector<absl::Status> seen;
    for (int i = 0; i < 3; ++i) seen.push_back(q.get().status());
    return seen;
  });
  q.shutdown(/*immediate=*/true);
  ASSERT_TRUE(Ready(getter_after));
  const std::vector<absl::Status> seen = getter_after.get();
  EXPECT_TRUE(absl::IsCancelled(seen.back())) << seen.back();
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(absl::IsCancelled(q.put(4)));
}

TYPED_TEST(QueueFamilyTest, ShutdownGracefulUnderLoadLosesNothing) {
  // Producers race a graceful shutdown: every put that succeeded is gotten.
  TypeParam q(/*maxsize=*/8);
  std::atomic<int> put_ok{0};
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < 3; ++p) {
    threads.emplace_back([&] {
      for (int i = 0;; ++i) {
        if (!q.put(i).ok()) return;
        put_ok.fetch_add(1);
      }
    });
  }
  for (int c = 0; c < 3; ++c) {
    threads.emplace_back([&] {
      while (q.get().ok()) got.fetch_add(1);
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return got.load() > 1000; }));
  q.shutdown();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(got.load(), put_ok.load());
}

// --- Queue<T> under contention (the paths the benchmark exercises) ------------

// Several producers and consumers on an unbounded queue: every consumer sees
// each producer's items in the order they were put (first in, first out), and
// every item arrives exactly once.
TYPED_TEST(QueueContentionTest, FifoPerProducerAndExactlyOnceWithSeveralOfEach) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 50000;
  QueueOf<TypeParam, int64_t> q;  // Encodes (producer, sequence number).
  std::vector<std::vector<int64_t>> got(kConsumers);
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&q, &mine = got[c]] {
      for (absl::StatusOr<int64_t> item = q.get(); item.ok(); item = q.get()) {
        mine.push_back(*item);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int64_t i = 0; i < kPerProducer; ++i) {
        ASSERT_TRUE(q.put(int64_t{p} << 32 | i).ok());
      }
    });
  }
  for (std::thread& t : producers) t.join();
  q.shutdown();  // Graceful: consumers drain, then see Cancelled.
  for (std::thread& t : consumers) t.join();
  std::vector<int> seen(kProducers * kPerProducer, 0);
  for (const std::vector<int64_t>& mine : got) {
    std::vector<int64_t> last(kProducers, -1);
    for (int64_t item : mine) {
      const int p = static_cast<int>(item >> 32);
      const int64_t i = item & 0xffffffff;
      ASSERT_GT(i, last[p]) << "producer " << p << "'s items out of order";
      last[p] = i;
      ++seen[p * kPerProducer + i];
    }
  }
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "item " << i;
}

// One million items through one producer and one consumer (the benchmark's
// shape), each task_done'd: every value exactly once, in order, and join()
// returns with nothing unfinished.
TYPED_TEST(QueueContentionTest, OneMillionItemsExactlyOnceInOrder) {
  static constexpr int64_t kItems = 1000000;
  QueueOf<TypeParam, int64_t> q;
  std::thread consumer([&q] {
    int64_t expected = 0;
    for (absl::StatusOr<int64_t> item = q.get(); item.ok(); item = q.get()) {
      ASSERT_EQ(*item, expected);
      ++expected;
      ASSERT_TRUE(q.task_done().ok());
    }
    EXPECT_EQ(expected, kItems);
  });
  for (int64_t i = 0; i < kItems; ++i) ASSERT_TRUE(q.put(i).ok());
  ASSERT_TRUE(q.join(kLong));
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.shutdown();
  consumer.join();
}

// A bounded queue under contention never holds more than maxsize items, as
// seen by qsize(), full() and put_nowait().
TYPED_TEST(QueueContentionTest, MaxsizeHoldsWithSeveralProducersAndConsumers) {
  constexpr int kMaxsize = 4;
  constexpr int kProducers = 3;
  constexpr int kPerProducer = 20000;
  QueueOf<TypeParam, int> q(kMaxsize);
  std::atomic<bool> done{false};
  std::atomic<int64_t> over{0};
  std::atomic<int64_t> got{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&q] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(q.put(i).ok());
    });
  }
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      while (q.get().ok()) got.fetch_add(1);
    });
  }
  std::thread observer([&] {
    while (!done.load()) {
      if (q.qsize() > static_cast<size_t>(kMaxsize)) over.fetch_add(1);
    }
  });
  std::atomic<int64_t> nowait_ok{0};
  std::thread nowait_putter([&] {
    // Puts only when there is room: must never push the queue past maxsize.
    for (int i = 0; i < 2000; ++i) {
      if (q.put_nowait(i).ok()) nowait_ok.fetch_add(1);
    }
  });
  for (int p = 0; p < kProducers; ++p) threads[p].join();
  nowait_putter.join();
  ASSERT_TRUE(WaitUntil([&] { return q.empty(); }));
  done.store(true);
  observer.join();
  q.shutdown();
  for (size_t t = kProducers; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(over.load(), 0) << "qsize() exceeded maxsize";
  EXPECT_EQ(got.load(), int64_t{kProducers} * kPerProducer + nowait_ok.load());
}

// An immediate shutdown racing producers and consumers that task_done every
// item: every put that returned OK is either gotten or dropped (and counted
// done), so join() returns; puts after it are Cancelled.
TYPED_TEST(QueueContentionTest, ShutdownImmediateRacingPutsAccountsForEveryItem) {
  QueueOf<TypeParam, int> q;
  std::atomic<int64_t> put_ok{0};
  std::atomic<int64_t> got{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < 3; ++p) {
    threads.emplace_back([&] {
      while (q.put(1).ok()) put_ok.fetch_add(1);
    });
  }
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      while (q.get().ok()) {
        got.fetch_add(1);
        ASSERT_TRUE(q.task_done().ok());
      }
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return got.load() > 10000; }));
  q.shutdown(/*immediate=*/true);
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(q.join(kLong)) << q.unfinished_tasks() << " tasks left";
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  EXPECT_LE(got.load(), put_ok.load());
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(absl::IsCancelled(q.put(2)));
  EXPECT_TRUE(absl::IsCancelled(q.get_nowait().status()));
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests for SimpleQueue: Python's queue.SimpleQueue semantics (unbounded,
// put never blocks, get with block/timeout). No sleeps as synchronisation:
// a blocked getter is detected by polling getters_waiting().

#include "modules/sync/simple_queue.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kLong = absl::Seconds(60);

bool WaitUntil(const std::function<bool()>& pred) {
  const absl::Time end = absl::Now() + kLong;
  while (!pred()) {
    if (absl::Now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(SimpleQueueTest, FifoOrderAndSize) {
  SimpleQueue<int> q;
  EXPECT_TRUE(q.empty());
  for (int i : {3, 1, 4}) q.put(i);
  q.put_nowait(1);
  EXPECT_EQ(q.qsize(), 4u);
  EXPECT_FALSE(q.empty());
  std::vector<int> out;
  while (!q.empty()) out.push_back(*q.get());
  EXPECT_THAT(out, ElementsAre(3, 1, 4, 1));
}

TEST(SimpleQueueTest, PutNeverBlocks) {
  SimpleQueue<int> q;
  for (int i = 0; i < 100000; ++i) q.put(i);
  EXPECT_EQ(q.qsize(), 100000u);
}

TEST(SimpleQueueTest, GetOnEmptyQueue) {
  SimpleQueue<int> q;
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get_nowait().status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false, absl::Seconds(-1)).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(true, absl::ZeroDuration()).status()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(true, absl::Milliseconds(50)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsInvalidArgument(q.get(true, absl::Seconds(-1)).status()));
  // The negative timeout is rejected even with an item ready (Python).
  q.put(1);
  EXPECT_TRUE(absl::IsInvalidArgument(q.get(true, absl::Seconds(-1)).status()));
  EXPECT_EQ(*q.get(true, absl::ZeroDuration()), 1);
}

TEST(SimpleQueueTest, BlockedGetterGetsTheNextPut) {
  SimpleQueue<int> q;
  auto forever = std::async(std::launch::async, [&] { return q.get(); });
  auto timed = std::async(std::launch::async, [&] { return q.get(true, kLong); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 2; }));
  q.put(1);
  q.put(2);
  ASSERT_EQ(forever.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  ASSERT_EQ(timed.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  std::vector<int> got = {*forever.get(), *timed.get()};
  std::sort(got.begin(), got.end());
  EXPECT_THAT(got, ElementsAre(1, 2));
}

TEST(SimpleQueueTest, TimedGetterIsNotHeldUpByAnUntimedOne) {
  SimpleQueue<int> q;
  auto forever = std::async(std::launch::async, [&] { return q.get(); });
  ASSERT_TRUE(WaitUntil([&] { return q.getters_waiting() == 1; }));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(true, absl::Milliseconds(30)).status()));
  q.put(1);
  ASSERT_EQ(forever.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(*forever.get(), 1);
}

TEST(SimpleQueueTest, ItemsTakenInABatchStillComeOutInOrder) {
  SimpleQueue<int> q;
  for (int i = 0; i < 5; ++i) q.put(i);
  EXPECT_EQ(*q.get(), 0);  // Takes all five into the consumers' half.
  q.put(5);                // Lands in the producers' half, behind them.
  EXPECT_EQ(q.qsize(), 5u);
  std::vector<int> out;
  while (!q.empty()) out.push_back(*q.get());
  EXPECT_THAT(out, ElementsAre(1, 2, 3, 4, 5));
}

TEST(SimpleQueueTest, MoveOnlyItems) {
  SimpleQueue<std::unique_ptr<int>> q;
  q.put(std::make_unique<int>(5));
  q.put_nowait(std::make_unique<int>(6));
  EXPECT_EQ(**q.get(), 5);
  EXPECT_EQ(**q.get_nowait(), 6);
}

TEST(SimpleQueueTest, ManyProducersManyConsumersEveryItemExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 5000;
  constexpr int kTotal = kProducers * kPerProducer;
  SimpleQueue<int> q;
  std::vector<std::vector<int>> got(kConsumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&q, &mine = got[c]] {
      // -1 is the stop sign, one per consumer.
      for (absl::StatusOr<int> item = q.get(); *item != -1; item = q.get()) {
        mine.push_back(*item);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) q.put(p * kPerProducer + i);
    });
  }
  for (std::thread& t : producers) t.join();
  for (int c = 0; c < kConsumers; ++c) q.put(-1);
  for (std::thread& t : threads) t.join();
  std::vector<int> all;
  for (const auto& v : got) {
    // Each producer's items reach any one consumer in the order put.
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(all[i], i);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace conc

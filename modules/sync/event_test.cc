// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/event.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sync/testing/test_util.h"

namespace conc {
namespace {

using sync_testing::PollUntil;

constexpr absl::Duration kLong = absl::Seconds(60);

TEST(EventTest, SetClearIsSet) {
  Event e;
  EXPECT_FALSE(e.is_set());
  e.set();
  EXPECT_TRUE(e.is_set());
  e.set();  // idempotent
  EXPECT_TRUE(e.is_set());
  e.clear();
  EXPECT_FALSE(e.is_set());
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST(EventTest, WaitReturnsAtOnceWhileSet) {
  Event e;
  e.set();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(e.wait());
    EXPECT_TRUE(e.wait(absl::ZeroDuration()));
    EXPECT_TRUE(e.wait(absl::Seconds(-1)));
  }
}

TEST(EventTest, ZeroNegativeAndShortTimeouts) {
  Event e;
  const absl::Time start = absl::Now();
  EXPECT_FALSE(e.wait(absl::ZeroDuration()));
  EXPECT_FALSE(e.wait(absl::Seconds(-5)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const absl::Time before = absl::Now();
  EXPECT_FALSE(e.wait(absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - before, absl::Milliseconds(50));
  EXPECT_EQ(e.n_waiting(), 0);
}

TEST(EventTest, SetWakesEveryWaiter) {
  Event e;
  constexpr int kWaiters = 5;
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      EXPECT_TRUE(e.wait(kLong));
      woken.fetch_add(1);
    });
  }
  ASSERT_TRUE(PollUntil([&] { return e.n_waiting() == kWaiters; }));
  EXPECT_EQ(woken.load(), 0);
  e.set();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_EQ(e.n_waiting(), 0);
}

TEST(EventTest, SetImmediatelyClearedStillWakesEveryWaiter) {
  Event e;
  constexpr int kWaiters = 5;
  std::atomic<int> returned_true{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      if (e.wait(kLong)) returned_true.fetch_add(1);
    });
  }
  ASSERT_TRUE(PollUntil([&] { return e.n_waiting() == kWaiters; }));
  e.set();
  e.clear();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(returned_true.load(), kWaiters);
  EXPECT_FALSE(e.is_set());
}

TEST(EventTest, StaysSetAcrossRepeatedWaits) {
  // The seed's three-round cell: once set, every later wait passes.
  Event e;
  std::atomic<int> passes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(e.wait(kLong));
        passes.fetch_add(1);
      }
    });
  }
  e.set();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(passes.load(), 15);
}

TEST(EventTest, SetPublishesPriorWrites) {
  Event e;
  int data = 0;  // written before set(), read after wait(): TSan checks it
  std::thread t([&] {
    data = 42;
    e.set();
  });
  ASSERT_TRUE(e.wait(kLong));
  EXPECT_EQ(data, 42);
  t.join();
}

TEST(EventTest, TimedOutWaitThenSetWorks) {
  Event e;
  EXPECT_FALSE(e.wait(absl::Milliseconds(5)));
  std::thread t([&] { e.set(); });
  EXPECT_TRUE(e.wait(kLong));
  t.join();
}

TEST(EventTest, PingPong) {
  Event ping, pong;
  constexpr int kRounds = 5000;
  std::thread t([&] {
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(ping.wait(kLong));
      ping.clear();
      pong.set();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    ping.set();
    ASSERT_TRUE(pong.wait(kLong));
    pong.clear();
  }
  t.join();
}

}  // namespace
}  // namespace conc

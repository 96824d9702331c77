// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::Timer (CPython: Lib/test/test_threading.py, TimerTests).
// No sleep synchronises anything: a cancelled timer has a long interval, so a
// test that passed only by luck would hang on join instead.

#include "modules/threads/timer.h"

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

constexpr absl::Duration kLong = absl::Seconds(60);

TEST(TimerTest, FiresAfterTheInterval) {
  std::atomic<int> calls{0};
  std::string arg;
  Timer t(absl::Milliseconds(10), [&](std::string s) {
    arg = s;
    ++calls;
  }, std::string("hello"));
  const absl::Time start = absl::Now();
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(10));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(arg, "hello");
  t.cancel();  // After firing: no effect.
  EXPECT_EQ(calls.load(), 1);
}

TEST(TimerTest, CancelBeforeFiringMeansNeverFires) {
  std::atomic<int> calls{0};
  Timer t(kLong, [&] { ++calls; });
  ASSERT_TRUE(t.start().ok());
  EXPECT_TRUE(t.is_alive());
  t.cancel();
  // The cancel wakes the timer thread: joining does not wait out the minute.
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_EQ(calls.load(), 0);
}

TEST(TimerTest, CancelBeforeStart) {
  std::atomic<int> calls{0};
  Timer t(absl::ZeroDuration(), [&] { ++calls; });
  t.cancel();
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_EQ(calls.load(), 0);
}

TEST(TimerTest, IsAThread) {
  Timer t({.name = "alarm", .daemon = true}, absl::ZeroDuration(), [] {});
  EXPECT_EQ(t.name(), "alarm");
  EXPECT_TRUE(t.daemon());
  Thread& base = t;
  ASSERT_TRUE(base.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(t.start()));
  ASSERT_TRUE(base.join(kLong).ok());
  Timer unnamed(absl::ZeroDuration(), [] {});
  EXPECT_THAT(unnamed.name(), ::testing::MatchesRegex("Thread-[0-9]+"));
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Rule 5 of spin.h (a slow yield pauses yielding) on a clock the test drives;
// what the real scheduler does is //tools/bench:oversubscription's job.

#include "modules/common/internal/spin.h"

#include <algorithm>
#include <cstdint>

#include "gtest/gtest.h"

namespace conc::internal {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;
using P = YieldPauses;
constexpr std::int64_t kSlow = P::kSlowYieldNanos + kMs;  // a yield that lost a time slice

TEST(YieldPausesTest, FastYieldsNeverPause) {
  YieldPauses pauses;
  std::int64_t t = 5 * kSecond;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(pauses.Allowed(t));
    EXPECT_TRUE(pauses.Record(t, t + P::kSlowYieldNanos));  // At the limit: still fast.
    t += P::kSlowYieldNanos;
  }
  EXPECT_EQ(pauses.paused_until(), 0);
}

TEST(YieldPausesTest, ASlowYieldPausesFromItsEndForTheFirstPause) {
  YieldPauses pauses;
  const std::int64_t start = 7 * kSecond;
  const std::int64_t end = start + P::kSlowYieldNanos + 1;
  EXPECT_FALSE(pauses.Record(start, end));
  EXPECT_EQ(pauses.paused_until(), end + P::kFirstPauseNanos);
  EXPECT_FALSE(pauses.Allowed(end));
  EXPECT_FALSE(pauses.Allowed(end + P::kFirstPauseNanos - 1));
  EXPECT_TRUE(pauses.Allowed(end + P::kFirstPauseNanos));
}

TEST(YieldPausesTest, SlowYieldsRightAfterPausesDoubleThemUpToTheMaximum) {
  // A machine that stays busy: the first yield after each pause is slow again.
  YieldPauses pauses;
  std::int64_t t = kSecond;
  std::int64_t expected = P::kFirstPauseNanos;
  for (int i = 0; i < 40; ++i) {
    const std::int64_t end = t + kSlow;
    ASSERT_FALSE(pauses.Record(t, end));
    ASSERT_EQ(pauses.paused_until() - end, expected) << "slow yield " << i;
    expected = std::min(2 * expected, P::kMaxPauseNanos);
    t = pauses.paused_until();
  }
  EXPECT_EQ(expected, P::kMaxPauseNanos);  // Reached, and held.
}

TEST(YieldPausesTest, ASlowYieldLongAfterThePauseStartsOverAtTheFirstPause) {
  YieldPauses pauses;
  std::int64_t t = kSecond;
  for (int i = 0; i < 5; ++i) {  // Pauses of 1, 2, 4, 8, 16 ms.
    ASSERT_FALSE(pauses.Record(t, t + kSlow));
    t = pauses.paused_until();
  }
  // Quiet for kForgetSlowYields after the last pause: a one-off again.
  const std::int64_t start = t + P::kForgetSlowYieldsNanos;
  EXPECT_FALSE(pauses.Record(start, start + kSlow));
  EXPECT_EQ(pauses.paused_until(), start + kSlow + P::kFirstPauseNanos);
  // Just inside the window, it doubles.
  const std::int64_t again = pauses.paused_until() + P::kForgetSlowYieldsNanos - 2 * kSlow;
  EXPECT_FALSE(pauses.Record(again, again + kSlow));
  EXPECT_EQ(pauses.paused_until(), again + kSlow + 2 * P::kFirstPauseNanos);
}

TEST(YieldPausesTest, FastYieldsDoNotShortenAPauseThatFollows) {
  // Fast yields between slow ones (the scheduler sometimes picks our partner)
  // leave the doubling alone: what counts is how soon the next slow one comes.
  YieldPauses pauses;
  ASSERT_FALSE(pauses.Record(kSecond, kSecond + kSlow));
  std::int64_t t = pauses.paused_until();
  for (int i = 0; i < 100; ++i, t += 1000) ASSERT_TRUE(pauses.Record(t, t + 1000));
  EXPECT_FALSE(pauses.Record(t, t + kSlow));
  EXPECT_EQ(pauses.paused_until(), t + kSlow + 2 * P::kFirstPauseNanos);
}

}  // namespace
}  // namespace conc::internal

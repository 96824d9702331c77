// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/timeit.h"

#include <chrono>
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(FormatTimeTest, PrintsLikePythonsTimeit) {
  EXPECT_EQ(FormatTime(119e-9), "119 nsec");
  EXPECT_EQ(FormatTime(1.214e-6), "1.21 usec");
  EXPECT_EQ(FormatTime(3.5e-3), "3.5 msec");
  EXPECT_EQ(FormatTime(2.014), "2.01 sec");
  EXPECT_EQ(FormatTime(1e-6), "1 usec");   // exactly a unit: that unit
  EXPECT_EQ(FormatTime(0), "0 nsec");      // below every unit: the smallest
  EXPECT_EQ(FormatTime(1234.5), "1.23e+03 sec");
}

TEST(TimeitTest, CallsTheFunctionNumberTimesRepeat) {
  int64_t calls = 0;
  const TimeitResult r = timeit([&] { ++calls; }, 1000, 3);
  EXPECT_EQ(calls, 3000);
  EXPECT_EQ(r.number, 1000);
  EXPECT_EQ(r.seconds.size(), 3u);
  EXPECT_LE(r.best_per_loop(), r.worst_per_loop());
  EXPECT_THAT(r.ToString(), StartsWith("1000 loops, best of 3: "));
  EXPECT_THAT(r.ToString(), HasSubstr(" per loop"));
}

TEST(TimeitTest, NonPositiveNumberAndRepeatRunOnce) {
  int64_t calls = 0;
  const TimeitResult r = timeit([&] { ++calls; }, 0, -2);
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(r.ToString(), StartsWith("1 loop, best of 1: "));
}

TEST(TimeitTest, WarnsWhenTheWorstIsOverFourTimesTheBest) {
  TimeitResult r;
  r.number = 10;
  r.seconds = {1e-3, 1.1e-3, 1.2e-3};
  EXPECT_THAT(r.ToString(), Not(HasSubstr("unreliable")));
  r.seconds = {1e-3, 5e-3};
  EXPECT_THAT(r.ToString(), HasSubstr("The test results are likely unreliable. The worst time (500 usec) "
                                      "was 5.0 times slower than the best time (100 usec)."));
}

TEST(TimeitTest, EmptyResultIsZero) {
  TimeitResult r;
  EXPECT_EQ(r.best_per_loop(), 0);
  EXPECT_EQ(r.worst_per_loop(), 0);
}

void BusyFor(std::chrono::microseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

TEST(TimeitTest, AutorangeStopsAtTheFirstCountThatTakesAFifthOfASecond) {
  // Each call takes at least 1 ms, so 200 calls take at least 0.2 s: autorange
  // can never go past 200 (the sequence is 1, 2, 5, 10, 20, 50, 100, 200, ...).
  // On a loaded machine it may stop earlier, which is still a valid choice.
  const TimeitResult r = autorange_timeit([] { BusyFor(std::chrono::milliseconds(1)); }, 2);
  EXPECT_GE(r.number, 1);
  EXPECT_LE(r.number, 200);
  EXPECT_EQ(r.seconds.size(), 2u);
  EXPECT_GE(r.best_per_loop(), 1e-3);
}

}  // namespace
}  // namespace conc

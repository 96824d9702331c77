// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/timeout.h"

#include <climits>
#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"

namespace {

using ::conc::Deadline;

int64_t Nanos(const timespec& ts) { return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec; }

TEST(DeadlineTest, NulloptWaitsForever) {
  const Deadline d = Deadline::FromTimeout(std::nullopt);
  EXPECT_TRUE(d.is_infinite());
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), absl::InfiniteDuration());
  EXPECT_EQ(d.to_steady_time_point(), Deadline::Clock::time_point::max());
  EXPECT_FALSE(d.remaining_timespec().has_value());
  EXPECT_FALSE(d.to_monotonic_timespec().has_value());
  EXPECT_EQ(d.remaining_poll_milliseconds(), -1);
}

TEST(DeadlineTest, InfiniteEqualsNullopt) {
  const Deadline d = Deadline::Infinite();
  EXPECT_TRUE(d.is_infinite());
  EXPECT_EQ(d.remaining_poll_milliseconds(), -1);
}

TEST(DeadlineTest, HugeTimeoutsAreInfiniteNotOverflow) {
  EXPECT_TRUE(Deadline::FromTimeout(absl::InfiniteDuration()).is_infinite());
  EXPECT_TRUE(Deadline::FromTimeout(absl::Hours(24 * 365 * 1000)).is_infinite());
  EXPECT_TRUE(Deadline::FromTimeout(absl::Seconds(INT64_MAX)).is_infinite());
}

TEST(DeadlineTest, TimeoutMaxIsTheLargestFiniteTimeout) {
  EXPECT_EQ(conc::TIMEOUT_MAX, absl::Nanoseconds(INT64_MAX / 2));
  EXPECT_EQ(absl::ToInt64Seconds(conc::TIMEOUT_MAX), int64_t{4'611'686'018});
  // Up to TIMEOUT_MAX: finite, counting down from TIMEOUT_MAX.
  const Deadline at_max = Deadline::FromTimeout(conc::TIMEOUT_MAX);
  EXPECT_FALSE(at_max.is_infinite());
  EXPECT_FALSE(at_max.expired());
  EXPECT_LE(at_max.remaining(), conc::TIMEOUT_MAX);
  EXPECT_GT(at_max.remaining(), conc::TIMEOUT_MAX - absl::Hours(1));
  EXPECT_EQ(at_max.remaining_poll_milliseconds(), INT_MAX);
  EXPECT_GT(at_max.to_steady_time_point(), Deadline::Clock::now());
  EXPECT_FALSE(Deadline::FromTimeout(conc::TIMEOUT_MAX - absl::Nanoseconds(1) / 4).is_infinite());
  // Anything larger: infinite, whatever the uptime.
  for (absl::Duration timeout :
       {conc::TIMEOUT_MAX + absl::Nanoseconds(1) / 4, conc::TIMEOUT_MAX + absl::Nanoseconds(1),
        conc::TIMEOUT_MAX + absl::Hours(1), conc::TIMEOUT_MAX * 2, absl::Seconds(INT64_MAX),
        absl::InfiniteDuration()}) {
    const Deadline d = Deadline::FromTimeout(timeout);
    EXPECT_TRUE(d.is_infinite()) << timeout;
    EXPECT_EQ(d.remaining_poll_milliseconds(), -1) << timeout;
  }
}

TEST(DeadlineTest, ZeroAndNegativeTimeoutsPollOnce) {
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::Nanoseconds(-1), absl::Seconds(-5),
                                 -absl::InfiniteDuration()}) {
    const Deadline d = Deadline::FromTimeout(timeout);
    EXPECT_FALSE(d.is_infinite()) << timeout;
    EXPECT_TRUE(d.expired()) << timeout;
    EXPECT_EQ(d.remaining(), absl::ZeroDuration()) << timeout;
    EXPECT_EQ(d.remaining_poll_milliseconds(), 0) << timeout;
    ASSERT_TRUE(d.remaining_timespec().has_value());
    EXPECT_EQ(Nanos(*d.remaining_timespec()), 0) << timeout;
    EXPECT_LE(d.to_steady_time_point(), Deadline::Clock::now());
  }
}

TEST(DeadlineTest, PositiveTimeoutCountsDown) {
  const Deadline d = Deadline::FromTimeout(absl::Seconds(100));
  EXPECT_FALSE(d.is_infinite());
  EXPECT_FALSE(d.expired());
  const absl::Duration first = d.remaining();
  EXPECT_GT(first, absl::Seconds(99));
  EXPECT_LE(first, absl::Seconds(100));
  EXPECT_LE(d.remaining(), first);  // Never goes up.
  const int64_t ts = Nanos(*d.remaining_timespec());
  EXPECT_GT(ts, int64_t{99'000'000'000});
  EXPECT_LE(ts, int64_t{100'000'000'000});
  const int ms = d.remaining_poll_milliseconds();
  EXPECT_GT(ms, 99'000);
  EXPECT_LE(ms, 100'000);
}

TEST(DeadlineTest, SubMillisecondRemainderRoundsUpForPoll) {
  // 300 µs left: poll(2) must get 1 ms, not 0 (which would make the caller
  // spin); 0 only if the deadline has passed meanwhile.
  const Deadline d = Deadline::At(Deadline::Clock::now() + std::chrono::microseconds(300));
  const int ms = d.remaining_poll_milliseconds();
  EXPECT_TRUE(ms == 1 || (ms == 0 && d.expired())) << ms;
}

TEST(DeadlineTest, SubNanosecondTimeoutIsAWaitNotAPoll) {
  const Deadline::Clock::time_point before = Deadline::Clock::now();
  const Deadline tiny = Deadline::FromTimeout(absl::Nanoseconds(1) / 4);
  EXPECT_FALSE(tiny.is_infinite());
  EXPECT_GT(tiny.to_steady_time_point(), before);
}

TEST(DeadlineTest, PollMillisecondsClampToIntMax) {
  const Deadline d = Deadline::FromTimeout(absl::Hours(24 * 365));
  EXPECT_EQ(d.remaining_poll_milliseconds(), INT_MAX);
}

TEST(DeadlineTest, MonotonicTimespecMatchesClockMonotonic) {
  const Deadline d = Deadline::FromTimeout(absl::Seconds(10));
  timespec now;
  ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
  const int64_t delta = Nanos(*d.to_monotonic_timespec()) - Nanos(now);
  EXPECT_GT(delta, int64_t{9'000'000'000});
  EXPECT_LE(delta, int64_t{10'000'000'000});
}

TEST(DeadlineTest, ExpiresAfterAShortTimeout) {
  // A real wait is the thing under test here: a condition variable that is
  // never notified must return once the 20 ms deadline passes.
  const Deadline d = Deadline::FromTimeout(absl::Milliseconds(20));
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  while (cv.wait_until(lock, d.to_steady_time_point()) != std::cv_status::timeout) {
  }
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), absl::ZeroDuration());
  EXPECT_EQ(d.remaining_poll_milliseconds(), 0);
}

TEST(DeadlineTest, AtPastInstantIsExpired) {
  const Deadline d = Deadline::At(Deadline::Clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), absl::ZeroDuration());
}

}  // namespace

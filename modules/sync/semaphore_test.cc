// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/semaphore.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sync/testing/test_util.h"
#include "modules/sync/lock.h"

namespace conc {
namespace {

using sync_testing::PollUntil;

constexpr absl::Duration kLong = absl::Seconds(60);

TEST(SemaphoreTest, CountsPermits) {
  Semaphore s(2);
  EXPECT_EQ(s.value(), 2);
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
  EXPECT_EQ(s.value(), 0);
  EXPECT_TRUE(s.release().ok());
  EXPECT_TRUE(s.release(3).ok());  // a plain Semaphore may go above its start
  EXPECT_EQ(s.value(), 4);
}

TEST(SemaphoreTest, DefaultIsOneAndNegativeIsZero) {
  Semaphore one;
  EXPECT_EQ(one.value(), 1);
  Semaphore zero(-3);  // Python: ValueError; here clamped to 0
  EXPECT_EQ(zero.value(), 0);
  EXPECT_FALSE(zero.acquire(false));
}

TEST(SemaphoreTest, CreateRefusesWhatTheConstructorClamps) {
  for (int64_t bad : {int64_t{-1}, int64_t{-3}, int64_t{INT32_MAX} + 1}) {
    absl::StatusOr<std::unique_ptr<Semaphore>> s = Semaphore::Create(bad);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    absl::StatusOr<std::unique_ptr<BoundedSemaphore>> b = BoundedSemaphore::Create(bad);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(Semaphore::Create(-1).status().message().find("initial value must be >= 0"),
            absl::string_view::npos);
  for (int64_t good : {int64_t{0}, int64_t{1}, int64_t{5}, int64_t{INT32_MAX}}) {
    absl::StatusOr<std::unique_ptr<Semaphore>> s = Semaphore::Create(good);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ((*s)->value(), good);
  }
  absl::StatusOr<std::unique_ptr<Semaphore>> one = Semaphore::Create();
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ((*one)->value(), 1);
  absl::StatusOr<std::unique_ptr<BoundedSemaphore>> bounded = BoundedSemaphore::Create(2);
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  EXPECT_TRUE((*bounded)->acquire(false));
  EXPECT_TRUE((*bounded)->release().ok());
  EXPECT_EQ((*bounded)->release().code(), absl::StatusCode::kFailedPrecondition);  // Bounded.
}

TEST(SemaphoreTest, TimeoutsZeroNegativeAndShort) {
  Semaphore s(0);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(s.acquire(true, absl::ZeroDuration()));
  EXPECT_FALSE(s.acquire(true, absl::Seconds(-1)));  // polls, as in Python
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const absl::Time before = absl::Now();
  EXPECT_FALSE(s.acquire(true, absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - before, absl::Milliseconds(50));
  ASSERT_TRUE(s.release().ok());
  EXPECT_TRUE(s.acquire(true, absl::Seconds(-1)));
}

TEST(SemaphoreTest, InvalidArguments) {
  Semaphore s(1);
  EXPECT_FALSE(s.acquire(false, absl::Seconds(1)));
  EXPECT_EQ(s.value(), 1);
  EXPECT_EQ(s.acquire_checked(false, absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.release(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.release(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.value(), 1);
  EXPECT_EQ(s.release(int64_t{1} << 40).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.value(), 1);
  absl::StatusOr<bool> ok = s.acquire_checked();
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
}

TEST(SemaphoreTest, ReleaseNWakesWaiters) {
  Semaphore gate(0);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      ASSERT_TRUE(gate.acquire(true, kLong));
      passed.fetch_add(1);
    });
  }
  ASSERT_TRUE(gate.release(2).ok());
  ASSERT_TRUE(PollUntil([&] { return passed.load() == 2; }));
  EXPECT_EQ(gate.value(), 0);
  ASSERT_TRUE(gate.release(3).ok());
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(passed.load(), 5);
  EXPECT_EQ(gate.value(), 0);
}

TEST(SemaphoreTest, GateOpensOneReleaseAtATime) {
  // The seed's cell: Semaphore(0), five threads, three rounds each.
  Semaphore s(0);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(s.acquire(true, kLong));
        passed.fetch_add(1);
      }
    });
  }
  for (int k = 1; k <= 15; ++k) {
    ASSERT_TRUE(s.release().ok());
    ASSERT_TRUE(PollUntil([&] { return passed.load() == k; }));
  }
  for (std::thread& t : threads) t.join();
}

TEST(SemaphoreTest, LimitsConcurrency) {
  Semaphore s(2);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 3000; ++j) {
        ScopedAcquire slot(s);
        const int now = inside.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        inside.fetch_sub(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_EQ(s.value(), 2);
}

TEST(SemaphoreTest, ReleasePublishesPriorWrites) {
  Semaphore s(0);
  int data = 0;
  std::thread t([&] {
    data = 7;
    EXPECT_TRUE(s.release().ok());
  });
  ASSERT_TRUE(s.acquire(true, kLong));
  EXPECT_EQ(data, 7);
  t.join();
}

TEST(BoundedSemaphoreTest, OverReleaseFailsAndChangesNothing) {
  BoundedSemaphore s(2);
  EXPECT_EQ(s.release().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.value(), 2);
  ASSERT_TRUE(s.acquire());
  ASSERT_TRUE(s.acquire());
  EXPECT_EQ(s.release(3).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.value(), 0);  // all or nothing
  EXPECT_TRUE(s.release(2).ok());
  EXPECT_EQ(s.value(), 2);
  EXPECT_EQ(s.release().code(), absl::StatusCode::kFailedPrecondition);
  // Through the base class the bound still holds.
  Semaphore& base = s;
  EXPECT_EQ(base.release().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.value(), 2);
}

TEST(BoundedSemaphoreTest, ConcurrentReleasesNeverExceedTheBound) {
  BoundedSemaphore s(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.acquire());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (s.release().ok()) ok.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(s.value(), 3);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/barrier.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sync/testing/test_util.h"

namespace conc {
namespace {

using sync_testing::PollUntil;

constexpr absl::Duration kLong = absl::Seconds(60);

// Runs `n` threads that each call barrier.wait(timeout) once; returns results.
std::vector<absl::StatusOr<int>> WaitInThreads(Barrier& barrier, int n,
                                               std::optional<absl::Duration> timeout) {
  std::vector<absl::StatusOr<int>> results(n, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { results[i] = barrier.wait(timeout); });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

TEST(BarrierTest, RoundsWithIndicesAndAction) {
  constexpr int kParties = 3;
  std::atomic<int> actions{0};
  Barrier barrier(kParties, [&] { actions.fetch_add(1); });
  EXPECT_EQ(barrier.parties(), kParties);
  std::vector<std::vector<int>> indices(3);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < kParties; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        absl::StatusOr<int> index = barrier.wait(kLong);
        if (!index.ok()) {
          errors.fetch_add(1);
          return;
        }
        // The action ran before anyone was released.
        EXPECT_GE(actions.load(), round + 1);
        indices[i].push_back(*index);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(errors.load(), 0);
  EXPECT_EQ(actions.load(), 3);
  for (int round = 0; round < 3; ++round) {
    std::vector<int> got = {indices[0][round], indices[1][round], indices[2][round]};
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  }
  EXPECT_FALSE(barrier.broken());
}

TEST(BarrierTest, OnePartyPassesAtOnce) {
  int actions = 0;
  Barrier barrier(1, [&] { ++actions; });
  EXPECT_EQ(*barrier.wait(), 0);
  EXPECT_EQ(*barrier.wait(), 0);
  EXPECT_EQ(actions, 2);
  Barrier clamped(0);  // Python: ValueError; here one party
  EXPECT_EQ(clamped.parties(), 1);
  EXPECT_TRUE(clamped.wait().ok());
}

TEST(BarrierTest, CreateRefusesWhatTheConstructorClamps) {
  for (int bad : {0, -1, -5}) {
    absl::StatusOr<std::unique_ptr<Barrier>> b = Barrier::Create(bad);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(b.status().message().find("parties must be >= 1"), absl::string_view::npos);
    EXPECT_EQ(Barrier::Create(bad, [] {}).status().code(), absl::StatusCode::kInvalidArgument);
  }
  int actions = 0;
  absl::StatusOr<std::unique_ptr<Barrier>> one = Barrier::Create(1, [&] { ++actions; });
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ((*one)->parties(), 1);
  EXPECT_EQ(*(*one)->wait(), 0);
  EXPECT_EQ(actions, 1);
  absl::StatusOr<std::unique_ptr<Barrier>> three =
      Barrier::Create(3, Barrier::Action([] { return absl::OkStatus(); }), absl::Seconds(5));
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ((*three)->parties(), 3);
}

TEST(BarrierTest, NWaiting) {
  Barrier barrier(3);
  EXPECT_EQ(barrier.n_waiting(), 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(barrier.wait(kLong).ok()); });
  }
  ASSERT_TRUE(PollUntil([&] { return barrier.n_waiting() == 2; }));
  EXPECT_TRUE(barrier.wait(kLong).ok());
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(barrier.n_waiting(), 0);
}

TEST(BarrierTest, TimeoutBreaksItForEveryone) {
  Barrier barrier(3);
  std::thread patient([&] {
    EXPECT_EQ(barrier.wait(kLong).status().code(), absl::StatusCode::kAborted);
  });
  ASSERT_TRUE(PollUntil([&] { return barrier.n_waiting() == 1; }));
  EXPECT_EQ(barrier.wait(absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kAborted);
  patient.join();
  EXPECT_TRUE(barrier.broken());
  // Broken until reset: later waits fail at once.
  EXPECT_EQ(barrier.wait(kLong).status().code(), absl::StatusCode::kAborted);
  barrier.reset();
  EXPECT_FALSE(barrier.broken());
}

TEST(BarrierTest, DefaultTimeoutFromTheConstructor) {
  Barrier barrier(2, nullptr, absl::Milliseconds(20));
  EXPECT_EQ(barrier.wait().status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(barrier.broken());
}

TEST(BarrierTest, ZeroTimeoutBreaksUnlessLast) {
  Barrier barrier(2);
  EXPECT_EQ(barrier.wait(absl::ZeroDuration()).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_TRUE(barrier.broken());
}

TEST(BarrierTest, AbortWakesWaitersWithBrokenStatus) {
  Barrier barrier(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      EXPECT_EQ(barrier.wait(kLong).status().code(), absl::StatusCode::kAborted);
    });
  }
  ASSERT_TRUE(PollUntil([&] { return barrier.n_waiting() == 2; }));
  barrier.abort();
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(barrier.broken());
  EXPECT_EQ(barrier.n_waiting(), 0);
}

TEST(BarrierTest, ResetWakesWaitersAndTheNextRoundWorks) {
  Barrier barrier(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      EXPECT_EQ(barrier.wait(kLong).status().code(), absl::StatusCode::kAborted);
    });
  }
  ASSERT_TRUE(PollUntil([&] { return barrier.n_waiting() == 2; }));
  barrier.reset();
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(barrier.broken());
  for (const absl::StatusOr<int>& r : WaitInThreads(barrier, 3, kLong)) {
    EXPECT_TRUE(r.ok()) << r.status();
  }
}

TEST(BarrierTest, ResetAfterBreakMakesItUsable) {
  Barrier barrier(2);
  barrier.abort();
  EXPECT_EQ(barrier.wait().status().code(), absl::StatusCode::kAborted);
  barrier.reset();
  for (const absl::StatusOr<int>& r : WaitInThreads(barrier, 2, kLong)) {
    EXPECT_TRUE(r.ok()) << r.status();
  }
}

TEST(BarrierTest, AbortByOnePartyThenResetAndMeetAgain) {
  // Round 1 completes; in round 2 one party aborts instead of waiting, the
  // others see it broken; a second barrier lines everyone up, one party
  // resets, and round 3 passes for all.
  constexpr int kParties = 5;
  Barrier barrier(kParties), line_up(kParties);
  std::atomic<int> passed_round2{0}, broken_round2{0}, passed_round3{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kParties; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<int> index = barrier.wait(kLong);
      ASSERT_TRUE(index.ok()) << index.status();
      if (*index == kParties / 2) {
        barrier.abort();
      } else {
        absl::StatusOr<int> again = barrier.wait(kLong);
        if (again.ok()) passed_round2.fetch_add(1);
        if (absl::IsAborted(again.status())) broken_round2.fetch_add(1);
      }
      absl::StatusOr<int> lined = line_up.wait(kLong);
      ASSERT_TRUE(lined.ok());
      if (*lined == kParties / 2) barrier.reset();
      ASSERT_TRUE(line_up.wait(kLong).ok());
      if (barrier.wait(kLong).ok()) passed_round3.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(passed_round2.load(), 0);
  EXPECT_EQ(broken_round2.load(), kParties - 1);
  EXPECT_EQ(passed_round3.load(), kParties);
}

TEST(BarrierTest, FailingActionBreaksTheBarrier) {
  Barrier barrier(3, Barrier::Action([] {
                    return absl::InternalError("action failed");
                  }));
  std::vector<absl::StatusOr<int>> results = WaitInThreads(barrier, 3, kLong);
  int internal = 0, aborted = 0;
  for (const absl::StatusOr<int>& r : results) {
    if (r.status().code() == absl::StatusCode::kInternal) ++internal;
    if (r.status().code() == absl::StatusCode::kAborted) ++aborted;
  }
  EXPECT_EQ(internal, 1);  // the thread that ran the action gets its error
  EXPECT_EQ(aborted, 2);
  EXPECT_TRUE(barrier.broken());
}

TEST(BarrierTest, ThrowingActionBreaksTheBarrier) {
  Barrier barrier(2, [] { throw std::runtime_error("boom"); });
  std::vector<absl::StatusOr<int>> results = WaitInThreads(barrier, 2, kLong);
  int with_message = 0;
  for (const absl::StatusOr<int>& r : results) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
    if (r.status().message().find("boom") != absl::string_view::npos) ++with_message;
  }
  EXPECT_EQ(with_message, 1);
  EXPECT_TRUE(barrier.broken());
  barrier.reset();
  EXPECT_FALSE(barrier.broken());
}

}  // namespace
}  // namespace conc

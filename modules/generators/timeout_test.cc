// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timeout / timeout_at: a block in time is unaffected; one that overruns is
// cancelled, its cleanup awaited, and the scope gives DeadlineExceeded;
// reschedule, expired(); zero, negative, infinite and huge timeouts; nested
// scopes; the awaiter cancelled. The cases follow CPython's
// Lib/test/test_asyncio/test_timeouts.py. Every run is bounded (kBound).
//
// Timing margins: "in time" blocks do no sleeping against a 30 s deadline;
// "overrunning" blocks sleep an hour against a few milliseconds; so a loaded
// 2-core CI machine (or TSan) cannot flip a result.

#include "modules/generators/timeout.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/async_event.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

TEST(TimeoutTest, ABlockThatFinishesInTimeIsUnaffected) {
  std::vector<std::string> log;
  bool expired = true;
  auto main_task = [&]() -> Task<absl::Status> {
    absl::Status s = co_await timeout(absl::Seconds(30), [&](Timeout& t) -> Task<void> {
      co_await yield_times(3);
      log.push_back("block done");
      expired = t.expired();
    });
    co_return s;
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(expired);
  EXPECT_THAT(log, ElementsAre("block done"));
}

TEST(TimeoutTest, AnOverrunningBlockIsCancelledItsCleanupAwaitedAndTheScopeTimesOut) {
  std::vector<std::string> log;
  const Timeout* seen = nullptr;
  bool expired_after = false;
  auto main_task = [&]() -> Task<absl::Status> {
    absl::Status s = co_await timeout(absl::Milliseconds(5), [&](Timeout& t) -> Task<void> {
      seen = &t;
      try {
        co_await sleep(absl::Hours(1));
      } catch (const CancelledError&) {
        log.push_back("cancelled");
        expired_after = t.expired();
      }
      co_await yield_times(2);  // cleanup that takes loop time
      log.push_back("cleanup done");
      throw CancelledError();
    });
    log.push_back("scope returned");
    co_return s;
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
  EXPECT_THAT(r.message(), HasSubstr("timeout"));
  EXPECT_NE(seen, nullptr);
  EXPECT_TRUE(expired_after);
  EXPECT_THAT(log, ElementsAre("cancelled", "cleanup done", "scope returned"));
}

TEST(TimeoutTest, ABlockThatSwallowsTheCancellationFinishesOkButExpired) {
  bool expired = false;
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::Milliseconds(1), [&](Timeout& t) -> Task<void> {
      try {
        co_await sleep(absl::Hours(1));
      } catch (const CancelledError&) {
      }
      expired = t.expired();
    });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(expired);
}

TEST(TimeoutTest, ZeroAndNegativeTimeoutsExpireAtTheFirstSuspension) {
  for (absl::Duration d : {absl::ZeroDuration(), absl::Seconds(-11)}) {
    std::vector<std::string> log;
    auto main_task = [&]() -> Task<absl::Status> {
      co_return co_await timeout(d, [&](Timeout&) -> Task<void> {
        log.push_back("ran to first suspension");
        co_await sleep(absl::ZeroDuration());  // CPython: timeout in the past + sleep(0)
        log.push_back("went past it");
      });
    };
    absl::Status r = run(main_task(), kBound);
    EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << absl::FormatDuration(d) << ": " << r;
    EXPECT_THAT(log, ElementsAre("ran to first suspension"));
  }
}

TEST(TimeoutTest, AZeroTimeoutOverABlockThatNeverSuspendsIsOk) {
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::ZeroDuration(), [](Timeout&) -> Task<void> { co_return; });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(TimeoutTest, NoneInfiniteAndHugeTimeoutsNeverExpire) {
  for (std::optional<absl::Duration> d :
       {std::optional<absl::Duration>(), std::optional<absl::Duration>(absl::InfiniteDuration()),
        std::optional<absl::Duration>(absl::Hours(24 * 365 * 1000))}) {
    bool infinite = false;
    auto main_task = [&]() -> Task<absl::Status> {
      co_return co_await timeout(d, [&](Timeout& t) -> Task<void> {
        co_await sleep(absl::Milliseconds(2));
        infinite = t.when().is_infinite();
      });
    };
    absl::Status r = run(main_task(), kBound);
    EXPECT_TRUE(r.ok()) << r;
    if (!d.has_value() || *d == absl::InfiniteDuration()) {
      EXPECT_TRUE(infinite);
    }
  }
}

TEST(TimeoutTest, RescheduleLaterLetsTheBlockFinish) {
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::Milliseconds(1), [&](Timeout& t) -> Task<void> {
      EXPECT_TRUE(t.reschedule(absl::Seconds(30)).ok());
      co_await sleep(absl::Milliseconds(20));  // well past the first deadline
      EXPECT_FALSE(t.expired());
    });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(TimeoutTest, RescheduleToNoneDisablesAndRescheduleEarlierExpires) {
  auto disabled = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::Milliseconds(1), [&](Timeout& t) -> Task<void> {
      EXPECT_TRUE(t.reschedule(std::nullopt).ok());
      EXPECT_TRUE(t.when().is_infinite());
      co_await sleep(absl::Milliseconds(10));
    });
  };
  absl::Status r = run(disabled(), kBound);
  EXPECT_TRUE(r.ok()) << r;

  auto earlier = [&]() -> Task<absl::Status> {
    co_return co_await timeout_at(Deadline::Infinite(), [&](Timeout& t) -> Task<void> {
      EXPECT_TRUE(t.reschedule_at(Deadline::FromTimeout(absl::Milliseconds(2))).ok());
      co_await sleep(absl::Hours(1));
    });
  };
  r = run(earlier(), kBound);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
}

TEST(TimeoutTest, RescheduleAfterExpiryIsRefused) {
  absl::Status late;
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::ZeroDuration(), [&](Timeout& t) -> Task<void> {
      try {
        co_await sleep(absl::Hours(1));
      } catch (const CancelledError&) {
        late = t.reschedule(absl::Seconds(1));
        throw;
      }
    });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.message(), HasSubstr("expired"));
}

TEST(TimeoutTest, NestedOuterExpiresFirstOnlyTheOuterReportsTheTimeout) {
  std::vector<std::string> log;
  bool inner_expired = true;
  auto main_task = [&]() -> Task<absl::Status> {
    // 100 ms: the inner block must have started (two loop iterations) before
    // the outer deadline passes, even on a stalled CI machine.
    co_return co_await timeout(absl::Milliseconds(100), [&](Timeout&) -> Task<void> {
      try {
        absl::Status inner = co_await timeout(absl::Hours(1), [&](Timeout& t) -> Task<void> {
          try {
            co_await sleep(absl::Hours(2));
          } catch (const CancelledError&) {
            inner_expired = t.expired();
            log.push_back("inner block cancelled");
            throw;
          }
        });
        log.push_back("inner scope returned " + inner.ToString());  // must not happen
      } catch (const CancelledError&) {
        log.push_back("inner scope let CancelledError through");
        throw;
      }
    });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r)) << r;
  EXPECT_FALSE(inner_expired);
  EXPECT_THAT(log, ElementsAre("inner block cancelled", "inner scope let CancelledError through"));
}

TEST(TimeoutTest, NestedInnerExpiresFirstTheOuterCarriesOn) {
  absl::Status inner;
  auto main_task = [&]() -> Task<absl::Status> {
    co_return co_await timeout(absl::Seconds(30), [&](Timeout&) -> Task<void> {
      inner = co_await timeout(absl::Milliseconds(2),
                               [](Timeout&) -> Task<void> { co_await sleep(absl::Hours(1)); });
      co_await yield_times(1);
    });
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(absl::IsDeadlineExceeded(inner)) << inner;
}

TEST(TimeoutTest, TheBlocksExceptionIsRethrown) {
  auto main_task = [&]() -> Task<std::string> {
    try {
      (void)co_await timeout(absl::Seconds(30), [](Timeout&) -> Task<void> {
        co_await yield_times(1);
        throw std::runtime_error("block failed");
      });
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return std::string("no exception");
  };
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "block failed");
}

TEST(TimeoutTest, CancellingTheAwaiterCancelsTheBlockAndIsNotATimeout) {
  std::vector<std::string> log;
  AsyncEvent started;
  auto user = [&]() -> Task<void> {
    (void)co_await timeout(absl::Hours(1), [&](Timeout&) -> Task<void> {
      started.set();
      try {
        co_await sleep(absl::Hours(2));
      } catch (const CancelledError&) {
        log.push_back("block cleanup");
        throw;
      }
    });
    log.push_back("user went on");  // must not happen
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> u = create_task(*EventLoop::current(), user());
    co_await started.wait();
    EXPECT_TRUE(u.cancel());
    try {
      co_await u;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(u.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("block cleanup"));
}

}  // namespace
}  // namespace conc

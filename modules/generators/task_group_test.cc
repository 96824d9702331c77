// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// TaskGroup: the group waits for every child; the first failure cancels the
// siblings (and the body), whose cleanup runs, and is rethrown; every failure
// is reported; create_task while shutting down is refused; an external
// cancellation cancels the children; nested groups. The cases follow CPython's
// Lib/test/test_asyncio/test_taskgroups.py. Every run is bounded (kBound).

#include "modules/generators/task_group.h"

#include <exception>
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
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

Task<void> yield_times(int n) {
  for (int i = 0; i < n; ++i) co_await sleep(absl::ZeroDuration());
}

// Runs `yields` loop iterations, then logs its name.
Task<int> worker(std::string name, int yields, std::vector<std::string>* log) {
  co_await yield_times(yields);
  log->push_back(name);
  co_return yields;
}

// Waits (practically) forever; on cancellation logs "<name> cleanup" and lets
// the CancelledError go.
Task<void> sleeper(std::string name, std::vector<std::string>* log) {
  try {
    co_await sleep(absl::Hours(1));
  } catch (const CancelledError&) {
    log->push_back(name + " cleanup");
    throw;
  }
  log->push_back(name + " woke");
}

// Waits until cancelled, then fails in its cleanup (a failure the group
// collects although it is already aborting).
Task<void> fail_on_cancel(std::string what) {
  try {
    co_await sleep(absl::Hours(1));
  } catch (const CancelledError&) {
  }
  throw std::runtime_error(what);
}

Task<void> fail_after(int yields, std::string what) {
  co_await yield_times(yields);
  throw std::runtime_error(what);
}

TEST(TaskGroupTest, TheGroupWaitsForEveryChildAndTheBody) {
  std::vector<std::string> log;
  std::vector<Task<int>> kids;
  auto main_task = [&]() -> Task<void> {
    co_await task_group([&](TaskGroup& g) -> Task<void> {
      for (int n : {3, 1, 2}) {
        absl::StatusOr<Task<int>> t = g.create_task(worker("w" + std::to_string(n), n, &log));
        EXPECT_TRUE(t.ok()) << t.status();
        if (t.ok()) kids.push_back(*t);
      }
      log.push_back("body done");  // before any child ran: they wait for the body to suspend
      co_return;
    });
    log.push_back("after group");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("body done", "w1", "w2", "w3", "after group"));
  ASSERT_EQ(kids.size(), 3u);
  for (const Task<int>& k : kids) EXPECT_TRUE(k.done());
  EXPECT_EQ(*kids[0].result(), 3);
}

TEST(TaskGroupTest, AFailingChildCancelsItsSiblingsAndTheBodyAndIsRethrown) {
  std::vector<std::string> log;
  std::vector<std::exception_ptr> failures;
  Task<void> sibling;
  auto main_task = [&]() -> Task<std::string> {
    try {
      co_await task_group(
          [&](TaskGroup& g) -> Task<void> {
            sibling = *g.create_task(sleeper("sibling", &log));
            EXPECT_TRUE(g.create_task(fail_after(2, "boom")).ok());
            co_await sleeper("body", &log);  // the body is a child: cancelled too
          },
          &failures);
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return std::string("no failure");
  };
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "boom");
  EXPECT_THAT(log, UnorderedElementsAre("sibling cleanup", "body cleanup"));
  EXPECT_TRUE(sibling.cancelled());
  ASSERT_EQ(failures.size(), 1u);
}

TEST(TaskGroupTest, TheBodyFailingCancelsTheChildren) {
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<std::string> {
    try {
      co_await task_group([&](TaskGroup& g) -> Task<void> {
        EXPECT_TRUE(g.create_task(sleeper("a", &log)).ok());
        EXPECT_TRUE(g.create_task(sleeper("b", &log)).ok());
        co_await yield_times(2);
        throw std::logic_error("body failed");
      });
    } catch (const std::logic_error& e) {
      co_return std::string(e.what());
    }
    co_return std::string("no failure");
  };
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "body failed");
  EXPECT_THAT(log, ElementsAre("a cleanup", "b cleanup"));
}

TEST(TaskGroupTest, EveryFailureIsReportedAndTheFirstIsRethrown) {
  std::vector<std::exception_ptr> failures;
  auto body = [&](TaskGroup& g) -> Task<void> {
    // The first failure cancels the second child, which fails in its cleanup:
    // the group collects both, in that order.
    EXPECT_TRUE(g.create_task(fail_on_cancel("second")).ok());
    EXPECT_TRUE(g.create_task(fail_after(1, "first")).ok());
    co_return;
  };
  auto main_task = [&]() -> Task<std::string> {
    try {
      co_await task_group(body, &failures);
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return std::string("no failure");
  };
  ::testing::internal::CaptureStderr();
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "first");
  ASSERT_EQ(failures.size(), 2u);
  std::vector<std::string> whats;
  for (const std::exception_ptr& e : failures) {
    try {
      std::rethrow_exception(e);
    } catch (const std::runtime_error& re) {
      whats.push_back(re.what());
    }
  }
  EXPECT_THAT(whats, ElementsAre("first", "second"));
  EXPECT_THAT(err, Not(HasSubstr("never retrieved")));  // the group retrieved both
}

TEST(TaskGroupTest, CreateTaskWhileShuttingDownIsRefused) {
  absl::Status refused;
  bool refused_ran = false;
  auto late = [&]() -> Task<void> {
    refused_ran = true;
    co_return;
  };
  auto cleanup_spawns = [&](TaskGroup* g) -> Task<void> {
    try {
      co_await sleep(absl::Hours(1));
    } catch (const CancelledError&) {
      refused = g->create_task(late()).status();
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    try {
      co_await task_group([&](TaskGroup& g) -> Task<void> {
        EXPECT_FALSE(g.aborting());
        EXPECT_TRUE(g.create_task(cleanup_spawns(&g)).ok());
        EXPECT_TRUE(g.create_task(fail_after(2, "boom")).ok());
        co_return;
      });
    } catch (const std::runtime_error&) {
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("TaskGroup is shutting down"));
  EXPECT_FALSE(refused_ran);
}

TEST(TaskGroupTest, AChildCreatedByAChildIsAwaitedToo) {
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    co_await task_group([&](TaskGroup& g) -> Task<void> {
      auto spawner = [&]() -> Task<void> {
        co_await yield_times(2);
        EXPECT_TRUE(g.create_task(worker("grandchild", 5, &log)).ok());
        log.push_back("spawner done");
      };
      EXPECT_TRUE(g.create_task(spawner()).ok());
      co_return;
    });
    log.push_back("after group");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("spawner done", "grandchild", "after group"));
}

TEST(TaskGroupTest, AChildCancelledOnItsOwnIsNotAFailure) {
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<void> {
    co_await task_group([&](TaskGroup& g) -> Task<void> {
      Task<void> s = *g.create_task(sleeper("s", &log));
      EXPECT_TRUE(g.create_task(worker("w", 4, &log)).ok());
      co_await yield_times(1);
      EXPECT_TRUE(s.cancel());
    });
    log.push_back("after group");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log, ElementsAre("s cleanup", "w", "after group"));
}

TEST(TaskGroupTest, CancellingTheAwaiterCancelsEveryChildThenRaisesCancelledError) {
  std::vector<std::string> log;
  AsyncEvent started;
  auto group_user = [&]() -> Task<void> {
    try {
      co_await task_group([&](TaskGroup& g) -> Task<void> {
        EXPECT_TRUE(g.create_task(sleeper("a", &log)).ok());
        EXPECT_TRUE(g.create_task(sleeper("b", &log)).ok());
        started.set();
        co_await sleeper("body", &log);
      });
    } catch (const CancelledError&) {
      log.push_back("awaiter saw CancelledError");
      throw;
    }
    log.push_back("awaiter carried on");
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> u = create_task(*EventLoop::current(), group_user());
    co_await started.wait();
    co_await yield_times(1);
    EXPECT_TRUE(u.cancel());
    try {
      co_await u;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(u.cancelled());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(log,
              ElementsAre("body cleanup", "a cleanup", "b cleanup", "awaiter saw CancelledError"));
}

// Python 3.11: when the awaiter is cancelled and a child fails in its cleanup,
// the failure (ExceptionGroup there) is raised, not CancelledError.
TEST(TaskGroupTest, AChildFailureWinsOverTheAwaitersCancellation) {
  AsyncEvent started;
  std::string seen;
  auto user = [&]() -> Task<void> {
    try {
      co_await task_group([&](TaskGroup& g) -> Task<void> {
        EXPECT_TRUE(g.create_task(fail_on_cancel("cleanup failed")).ok());
        started.set();
        co_return;
      });
      seen = "no exception";
    } catch (const CancelledError&) {
      seen = "CancelledError";
    } catch (const std::runtime_error& e) {
      seen = e.what();
    }
  };
  auto main_task = [&]() -> Task<void> {
    Task<void> u = create_task(*EventLoop::current(), user());
    co_await started.wait();
    EXPECT_TRUE(u.cancel());
    co_await u;  // user caught whatever came out of the group
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(seen, "cleanup failed");
}

// Many children, one failure: every sibling is cancelled and waited for.
TEST(TaskGroupTest, AThousandSiblingsAreAllCancelledByOneFailure) {
  constexpr int kChildren = 1000;
  int cleanups = 0;
  auto counted_sleeper = [&]() -> Task<void> {
    try {
      co_await sleep(absl::Hours(1));
    } catch (const CancelledError&) {
      ++cleanups;
      throw;
    }
  };
  auto main_task = [&]() -> Task<bool> {
    try {
      co_await task_group([&](TaskGroup& g) -> Task<void> {
        for (int i = 0; i < kChildren; ++i) EXPECT_TRUE(g.create_task(counted_sleeper()).ok());
        EXPECT_TRUE(g.create_task(fail_after(3, "one")).ok());
        co_return;
      });
    } catch (const std::runtime_error&) {
      co_return true;
    }
    co_return false;
  };
  absl::StatusOr<bool> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  EXPECT_EQ(cleanups, kChildren);
}

TEST(TaskGroupTest, NestedGroupsAFailureInTheInnerCancelsTheOuterSiblings) {
  std::vector<std::string> log;
  auto main_task = [&]() -> Task<std::string> {
    try {
      co_await task_group([&](TaskGroup& outer) -> Task<void> {
        EXPECT_TRUE(outer.create_task(sleeper("outer sibling", &log)).ok());
        co_await task_group([&](TaskGroup& inner) -> Task<void> {
          EXPECT_TRUE(inner.create_task(sleeper("inner sibling", &log)).ok());
          EXPECT_TRUE(inner.create_task(fail_after(2, "inner boom")).ok());
          co_return;
        });
        log.push_back("outer body went on");  // must not happen
      });
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return std::string("no failure");
  };
  absl::StatusOr<std::string> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "inner boom");
  EXPECT_THAT(log, ElementsAre("inner sibling cleanup", "outer sibling cleanup"));
}

TEST(TaskGroupTest, NestedGroupsCancellingTheOuterReachesTheInnerChildren) {
  std::vector<std::string> log;
  AsyncEvent started;
  auto user = [&]() -> Task<void> {
    co_await task_group([&](TaskGroup& outer) -> Task<void> {
      (void)outer;
      co_await task_group([&](TaskGroup& inner) -> Task<void> {
        EXPECT_TRUE(inner.create_task(sleeper("inner child", &log)).ok());
        started.set();
        co_return;
      });
    });
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
  EXPECT_THAT(log, ElementsAre("inner child cleanup"));
}

TEST(TaskGroupTest, AnEmptyBodyFinishesAtOnce) {
  auto main_task = []() -> Task<int> {
    co_await task_group([](TaskGroup&) -> Task<void> { co_return; });
    co_return 1;
  };
  absl::StatusOr<int> r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 1);
}

TEST(TaskGroupTest, AnAlreadyScheduledTaskIsRefused) {
  absl::Status s;
  auto main_task = [&]() -> Task<void> {
    Task<void> t = create_task(*EventLoop::current(), yield_times(1));
    co_await task_group([&](TaskGroup& g) -> Task<void> {
      s = g.create_task(t).status();
      co_return;
    });
    co_await t;
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// gather: results in order, the first failure (in time) propagates while the
// others keep running, cancellation reaches the children, return_exceptions.
// Every run is bounded (kBound).

#include "modules/generators/gather.h"

#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kBound = absl::Seconds(60);  // only a hang reaches it

struct Guard {
  bool* flag;
  ~Guard() { *flag = true; }
};

Task<int> value_after(int v, absl::Duration d, std::vector<int>* finished) {
  co_await sleep(d);
  finished->push_back(v);
  co_return v;
}

Task<int> fail_after(std::string what, absl::Duration d) {
  co_await sleep(d);
  throw std::runtime_error(what);
}

Task<void> forever(bool* cleaned) {
  Guard g{cleaned};
  co_await sleep(absl::InfiniteDuration());
}

TEST(GatherTest, ResultsComeInTheOrderGivenNotTheOrderFinished) {
  std::vector<int> finished;
  auto main_task = [&]() -> Task<std::vector<int>> {
    std::vector<Task<int>> tasks;
    // The first given finishes last. The gaps only order `finished` (checked
    // loosely below); the result order does not depend on timing at all.
    tasks.push_back(value_after(1, absl::Milliseconds(30), &finished));
    tasks.push_back(value_after(2, absl::Milliseconds(15), &finished));
    tasks.push_back(value_after(3, absl::ZeroDuration(), &finished));
    co_return co_await gather(std::move(tasks));
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ElementsAre(1, 2, 3));
  ASSERT_EQ(finished.size(), 3u);
  EXPECT_EQ(finished.back(), 1);  // 30 ms vs 0 and 15: last on any machine
}

TEST(GatherTest, TheVariadicFormGivesATupleOfMixedTypes) {
  auto text = []() -> Task<std::string> {
    co_await sleep(absl::Milliseconds(1));
    co_return "hello";
  };
  std::vector<int> finished;
  auto main_task = [&]() -> Task<std::tuple<int, std::string, std::monostate>> {
    co_return co_await gather(value_after(7, absl::Milliseconds(2), &finished), text(),
                              sleep_task(absl::ZeroDuration()));
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<0>(*r), 7);
  EXPECT_EQ(std::get<1>(*r), "hello");
}

TEST(GatherTest, EmptyGatherGivesNothing) {
  auto main_task = []() -> Task<size_t> {
    auto r = co_await gather(std::vector<Task<int>>{});
    co_return r.size();
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 0u);
}

TEST(GatherTest, TheFirstFailurePropagatesAndTheOthersKeepRunning) {
  std::vector<int> finished;
  std::string caught;
  bool slow_done_when_caught = true;
  Task<int> slow;
  auto main_task = [&]() -> Task<void> {
    slow = create_task(*EventLoop::current(), value_after(1, absl::Milliseconds(50), &finished));
    try {
      (void)co_await gather(slow, fail_after("fast", absl::ZeroDuration()),
                            fail_after("second", absl::Milliseconds(1)));
    } catch (const std::runtime_error& e) {
      caught = e.what();
      slow_done_when_caught = slow.done();
    }
    co_await slow;  // not cancelled: it finishes
  };
  testing::internal::CaptureStderr();
  ASSERT_TRUE(run(main_task(), kBound).ok());
  // The second failure came after gather was over; it counts as retrieved.
  EXPECT_THAT(testing::internal::GetCapturedStderr(), IsEmpty());
  EXPECT_EQ(caught, "fast");
  EXPECT_FALSE(slow_done_when_caught);
  EXPECT_THAT(finished, ElementsAre(1));
  EXPECT_FALSE(slow.cancelled());
}

TEST(GatherTest, TheFirstFailureInTimeWinsNotTheFirstGiven) {
  std::string caught;
  auto main_task = [&]() -> Task<void> {
    try {
      // 0 vs 40 ms: "fast" fails first even on a loaded machine, since the
      // loop runs timers in deadline order.
      (void)co_await gather(fail_after("slow", absl::Milliseconds(40)), fail_after("fast", absl::ZeroDuration()));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_EQ(caught, "fast");
}

TEST(GatherTest, CancellingTheAwaiterCancelsEveryChild) {
  bool a_cleaned = false, b_cleaned = false, saw_cancelled = false;
  Task<void> a, b, waiter;
  auto waiter_body = [&]() -> Task<void> {
    try {
      (void)co_await gather(a, b);
    } catch (const CancelledError&) {
      saw_cancelled = true;
      throw;
    }
  };
  auto main_task = [&]() -> Task<void> {
    a = create_task(*EventLoop::current(), forever(&a_cleaned));
    b = create_task(*EventLoop::current(), forever(&b_cleaned));
    waiter = create_task(*EventLoop::current(), waiter_body());
    co_await sleep(absl::ZeroDuration());
    co_await sleep(absl::ZeroDuration());
    EXPECT_TRUE(waiter.cancel());
    try {
      co_await waiter;
    } catch (const CancelledError&) {
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(saw_cancelled);
  EXPECT_TRUE(waiter.cancelled());
  EXPECT_TRUE(a.cancelled());
  EXPECT_TRUE(b.cancelled());
  EXPECT_TRUE(a_cleaned);
  EXPECT_TRUE(b_cleaned);
}

TEST(GatherTest, ACancelledChildCountsAsFailingWithCancelledError) {
  bool cleaned = false, caught = false;
  Task<void> child;
  auto main_task = [&]() -> Task<void> {
    child = create_task(*EventLoop::current(), forever(&cleaned));
    EventLoop::current()->call_soon([&] { child.cancel(); });
    try {
      (void)co_await gather(child);
    } catch (const CancelledError&) {
      caught = true;  // the awaiter itself was not cancelled: it goes on
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(caught);
  EXPECT_TRUE(cleaned);
}

TEST(GatherTest, ReturnExceptionsWaitsForAllAndGivesEachOutcome) {
  std::vector<int> finished;
  bool cleaned = false;
  Task<void> doomed;
  auto as_int = [](Task<void> t) -> Task<int> {
    co_await t;
    co_return 0;
  };
  auto main_task = [&]() -> Task<std::vector<absl::StatusOr<int>>> {
    doomed = create_task(*EventLoop::current(), forever(&cleaned));
    EventLoop::current()->call_later(absl::Milliseconds(1), [&] { doomed.cancel(); });
    std::vector<Task<int>> tasks;
    tasks.push_back(fail_after("boom", absl::ZeroDuration()));
    tasks.push_back(value_after(5, absl::Milliseconds(20), &finished));
    tasks.push_back(as_int(doomed));
    co_return co_await gather_return_exceptions(std::move(tasks));
  };
  auto r = run(main_task(), kBound);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TRUE(absl::IsUnknown((*r)[0].status()));
  EXPECT_THAT(std::string((*r)[0].status().message()), HasSubstr("boom"));
  ASSERT_TRUE((*r)[1].ok());
  EXPECT_EQ(*(*r)[1], 5);
  EXPECT_TRUE(absl::IsCancelled((*r)[2].status())) << (*r)[2].status();
  EXPECT_TRUE(cleaned);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Event: the behaviours CPython's Lib/test/lock_tests.py
// (EventTests) and _test_multiprocessing.py (_TestEvent) check, threads in one
// process (TSan-checked), forked and spawned processes — above all that a
// set() immediately followed by clear() wakes every waiter in other
// processes — and a waiter killed while asleep.

#include "modules/ipc/mp_event.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/ipc/mp_semaphore.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

namespace {

using ::conc::mp::Event;
using ::conc::mp::EventHandle;
using ::conc::mp::Semaphore;
using ::conc::mp::SemaphoreHandle;

// Every wait in these tests is bounded, generously: a 2-core VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;
using ::conc::mp::testing::Eventually;
using ::conc::mp::testing::Fds;

// Spawned: waits for the event; releases `woken` if wait() returned true.
void wait_then_report(EventHandle event, SemaphoreHandle woken) {
  absl::StatusOr<Event> e = Event::Attach(event);
  absl::StatusOr<Semaphore> w = Semaphore::Attach(woken);
  if (!e.ok() || !w.ok()) std::exit(2);
  if (!e->wait(kLong)) std::exit(3);
  if (!w->release().ok()) std::exit(4);
}

// Spawned: sets the event (a start signal travelling child -> parent).
void set_event(EventHandle event) {
  absl::StatusOr<Event> e = Event::Attach(event);
  if (!e.ok()) std::exit(2);
  e->set();
}

}  // namespace

CONC_PROCESS_FUNCTION(wait_then_report);
CONC_PROCESS_FUNCTION(set_event);

namespace {

TEST(MpEventTest, AttachChecksWhatTheDescriptorHolds) {
  Event e = Make(Event::Create());
  Semaphore s = Make(Semaphore::Create(1));
  EXPECT_TRUE(absl::IsInvalidArgument(Event::Attach({s.handle().fd}).status()));
  EXPECT_FALSE(Event::Attach({-1}).ok());
  Event again = Make(Event::Attach(e.handle()));
  again.set();
  EXPECT_TRUE(e.is_set());
}

// lock_tests.py test_is_set, test_timeout; _TestEvent.test_event.
TEST(MpEventTest, SetClearAndTimeouts) {
  Event e = Make(Event::Create());
  EXPECT_FALSE(e.is_set());
  EXPECT_FALSE(e.wait(absl::ZeroDuration()));
  EXPECT_FALSE(e.wait(absl::Seconds(-1)));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(e.wait(absl::Milliseconds(100)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  e.set();
  EXPECT_TRUE(e.is_set());
  e.set();  // idempotent
  EXPECT_TRUE(e.is_set());
  EXPECT_TRUE(e.wait());
  EXPECT_TRUE(e.wait(absl::ZeroDuration()));
  EXPECT_TRUE(e.wait(absl::Seconds(-1)));
  e.clear();
  EXPECT_FALSE(e.is_set());
  e.clear();
  EXPECT_FALSE(e.wait(absl::ZeroDuration()));
}

// lock_tests.py test_notify: every waiting thread wakes.
TEST(MpEventTest, SetWakesEveryThread) {
  Event e = Make(Event::Create());
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      if (e.wait(kLong)) woken.fetch_add(1);
    });
  }
  ASSERT_TRUE(Eventually([&] { return e.n_waiting() == 4; }));
  e.set();
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), 4);
  EXPECT_EQ(e.n_waiting(), 0);
}

// lock_tests.py test_set_and_clear, threads: set() then clear() at once.
TEST(MpEventTest, SetThenClearWakesEveryThread) {
  Event e = Make(Event::Create());
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      if (e.wait(kLong)) woken.fetch_add(1);
    });
  }
  ASSERT_TRUE(Eventually([&] { return e.n_waiting() == 4; }));
  e.set();
  e.clear();
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), 4);
  EXPECT_FALSE(e.is_set());
}

// The same across processes: the waiters are asleep in the kernel in other
// processes when set() and clear() happen back to back; every one returns
// true (none sees the flag, all see the generation move).
TEST(MpEventTest, SetThenClearWakesEveryWaiterInOtherProcesses) {
  Event e = Make(Event::Create());
  Semaphore woken = Make(Semaphore::Create(0));
  std::vector<conc::Process> children;
  for (int i = 0; i < 2; ++i) {
    children.emplace_back(conc::kForkMethod, [e, woken] {
      if (!e.wait(kLong)) std::_Exit(3);
      if (!woken.release().ok()) std::_Exit(4);
    });
  }
  for (int i = 0; i < 2; ++i) {
    children.emplace_back(
        conc::ProcessOptions{.pass_fds = Fds({e.fds_to_pass(), woken.fds_to_pass()})},
        conc::process_function<wait_then_report>, e.handle(), woken.handle());
  }
  for (auto& c : children) ASSERT_TRUE(c.start().ok());
  ASSERT_TRUE(Eventually([&] { return e.n_waiting() == 4; }));
  e.set();
  e.clear();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(woken.acquire(true, kLong)) << i;
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  EXPECT_FALSE(e.is_set());
}

// A waiter in another process that nobody sets times out with false.
TEST(MpEventTest, WaitInAChildTimesOutWithFalse) {
  Event e = Make(Event::Create());
  conc::Process p(conc::kForkMethod, [e] {
    const absl::Time start = absl::Now();
    if (e.wait(absl::Milliseconds(100))) std::_Exit(3);
    if (absl::Now() - start < absl::Milliseconds(99)) std::_Exit(4);
    if (e.wait(absl::ZeroDuration())) std::_Exit(5);
  });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

// A start signal from a spawned child to the parent.
TEST(MpEventTest, SpawnedChildSetsTheParentsEvent) {
  Event e = Make(Event::Create());
  conc::Process p({.pass_fds = e.fds_to_pass()}, conc::process_function<set_event>, e.handle());
  ASSERT_TRUE(p.start().ok());
  EXPECT_TRUE(e.wait(kLong));
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_TRUE(e.is_set());
}

// A waiter killed while asleep leaves the event working for the others.
TEST(MpEventTest, WaiterKilledWhileAsleepLeavesTheEventWorking) {
  Event e = Make(Event::Create());
  conc::Process p(conc::kForkMethod, [e] {
    (void)e.wait(kLong);
    std::_Exit(3);
  });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(Eventually([&] { return e.n_waiting() == 1; }));
  ASSERT_TRUE(p.kill().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), -SIGKILL);
  EXPECT_EQ(e.n_waiting(), 1);  // documented: a dead waiter stays counted
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = e.wait(kLong); });
  ASSERT_TRUE(Eventually([&] { return e.n_waiting() == 2; }));
  e.set();
  waiter.join();
  EXPECT_TRUE(got.load());
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

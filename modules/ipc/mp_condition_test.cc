// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Condition: CPython's lock_tests.ConditionTests and
// _test_multiprocessing's _TestCondition (notify, notify(n), notify_all,
// timeouts, wait_for), RLock levels restored, waiting processes, and faults: a
// waiter killed while waiting, a lock holder killed while another waits.

#include "modules/ipc/mp_condition.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/status.h"
#include "modules/ipc/mp_lock.h"
#include "modules/ipc/mp_queue.h"
#include "modules/ipc/shared_value.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

using ::conc::mp::Condition;
using ::conc::mp::ConditionHandle;
using ::conc::mp::Queue;
using ::conc::mp::QueueHandle;
using ::conc::mp::RawValue;
using ::conc::mp::RLock;
using ::conc::mp::ScopedAcquire;
using ::conc::mp::ValueHandle;

constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;

MATCHER_P(HasValue, v, "") {
  if (!arg.ok()) {
    *result_listener << arg.status();
    return false;
  }
  return *arg == v;
}

// ---- Process targets ----

// With the lock: counts itself in `waiting`, tells `arrivals`, waits on
// `wakeup`, counts itself in `woken`, tells `arrivals`. Exits 0 if notified.
void cond_waiter(ConditionHandle arrivals_h, ConditionHandle wakeup_h, ValueHandle waiting_h,
                 ValueHandle woken_h) {
  auto arrivals = Condition::Attach(arrivals_h);
  auto wakeup = Condition::Attach(wakeup_h);
  auto waiting = RawValue<int>::Attach(waiting_h);
  auto woken = RawValue<int>::Attach(woken_h);
  if (!arrivals.ok() || !wakeup.ok() || !waiting.ok() || !woken.ok()) std::exit(2);
  int code = 0;
  {
    // Released before exiting: std::exit skips this scope's destructors, and
    // a process that exits holding a robust lock leaves it owner-died.
    ScopedAcquire g(*wakeup);
    if (!g.status().ok()) std::exit(3);
    waiting->set_value(waiting->value() + 1);
    if (!arrivals->notify_all().ok()) code = 4;
    absl::StatusOr<bool> w = wakeup->wait(absl::Seconds(120));
    if (!w.ok()) code = 5;
    woken->set_value(woken->value() + 1);
    if (!arrivals->notify_all().ok()) code = 6;
    if (code == 0 && !*w) code = 1;
  }
  std::exit(code);
}

// With the lock: sets *flag = 1 and notifies everyone.
void cond_set_flag(ConditionHandle c_h, ValueHandle flag_h) {
  auto c = Condition::Attach(c_h);
  auto flag = RawValue<int>::Attach(flag_h);
  if (!c.ok() || !flag.ok()) std::exit(2);
  ScopedAcquire g(*c);
  flag->set_value(1);
  if (!c->notify_all().ok()) std::exit(3);
}

// Takes the lock (so the parent is inside wait()), notifies it, says so on
// `ready`, and dies holding the lock.
void notify_and_die_holding(ConditionHandle c_h, QueueHandle ready_h) {
  auto c = Condition::Attach(c_h);
  auto ready = Queue<int>::Attach(ready_h);
  if (!c.ok() || !ready.ok()) std::exit(2);
  absl::StatusOr<bool> got = c->acquire();
  if (!got.ok() || !*got) std::exit(3);
  if (!c->notify().ok()) std::exit(4);
  if (!ready->put(1).ok()) std::exit(5);
  ::raise(SIGKILL);
}
CONC_PROCESS_FUNCTION(cond_waiter);
CONC_PROCESS_FUNCTION(cond_set_flag);
CONC_PROCESS_FUNCTION(notify_and_die_holding);

namespace {

std::vector<int> Concat(std::vector<std::vector<int>> parts) {
  std::vector<int> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

TEST(MpConditionTest, WithoutTheLockEverythingIsMisuse) {
  Condition c = Make(Condition::Create());
  EXPECT_TRUE(absl::IsFailedPrecondition(c.wait(absl::ZeroDuration()).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(c.wait_for([] { return true; }).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(c.notify()));
  EXPECT_TRUE(absl::IsFailedPrecondition(c.notify_all()));
  EXPECT_TRUE(absl::IsFailedPrecondition(c.release()));
  // Held by another thread is not held by us.
  ASSERT_THAT(c.acquire(), HasValue(true));
  absl::Status from_other;
  std::thread([&] { from_other = c.notify(); }).join();
  EXPECT_TRUE(absl::IsFailedPrecondition(from_other));
  EXPECT_TRUE(c.release().ok());
}

TEST(MpConditionTest, TimeoutsReturnFalseAndKeepTheLock) {
  Condition c = Make(Condition::Create());
  ScopedAcquire g(c);
  ASSERT_TRUE(g.held());
  EXPECT_THAT(c.wait(absl::ZeroDuration()), HasValue(false));
  EXPECT_THAT(c.wait(absl::Seconds(-1)), HasValue(false));
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(c.wait(absl::Milliseconds(100)), HasValue(false));
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(95));
  EXPECT_TRUE(c.is_owned());
  // notify with nobody waiting is fine (and wakes nobody).
  EXPECT_TRUE(c.notify().ok());
  EXPECT_TRUE(c.notify(0).ok());
  EXPECT_TRUE(c.notify_all().ok());
}

TEST(MpConditionTest, WaitForPredicateAndTimeout) {
  Condition c = Make(Condition::Create());
  ScopedAcquire g(c);
  int calls = 0;
  EXPECT_THAT(c.wait_for([&] { ++calls; return true; }, absl::Seconds(10)), HasValue(true));
  EXPECT_EQ(calls, 1);  // true at once: no wait
  calls = 0;
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(c.wait_for([&] { ++calls; return false; }, absl::Milliseconds(100)),
              HasValue(false));
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(95));
  EXPECT_GE(calls, 2);  // before and after the wait
  EXPECT_THAT(c.wait_for([] { return false; }, absl::ZeroDuration()), HasValue(false));
}

TEST(MpConditionTest, WaitOnRLockHeldThreeTimesReleasesAndRestoresEveryLevel) {
  Condition c = Make(Condition::Create());  // over its own RLock, as Python's
  std::atomic<bool> waiting{false};
  absl::StatusOr<bool> result = false;
  std::thread waiter([&] {
    for (int i = 0; i < 3; ++i) ASSERT_THAT(c.acquire(), HasValue(true));
    waiting = true;
    result = c.wait(kLong);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.release().ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(c.release()));  // exactly three levels came back
  });
  // We can take the lock only once the waiter released all three levels.
  for (;;) {
    ASSERT_THAT(c.acquire(true, kLong), HasValue(true));
    if (waiting) break;
    ASSERT_TRUE(c.release().ok());
    std::this_thread::yield();
  }
  ASSERT_TRUE(c.notify().ok());
  ASSERT_TRUE(c.release().ok());
  waiter.join();
  EXPECT_THAT(result, HasValue(true));
}

TEST(MpConditionTest, NotifyWakesTheLongestWaiterFirst) {
  auto lock = Make(conc::mp::Lock::Create());
  Condition c = Make(Condition::Create(lock));  // over an mp::Lock
  constexpr int kWaiters = 3;
  int arrived = 0;              // guarded by the lock
  std::vector<int> order;       // guarded by the lock
  std::vector<std::thread> threads;
  for (int id = 0; id < kWaiters; ++id) {
    // Start them one at a time, so that the arrival order is known.
    threads.emplace_back([&, id] {
      ScopedAcquire g(c);
      ++arrived;
      absl::StatusOr<bool> w = c.wait(kLong);
      EXPECT_THAT(w, HasValue(true));
      order.push_back(id);
    });
    for (;;) {
      ScopedAcquire g(c);
      if (arrived == id + 1) break;
      std::this_thread::yield();
    }
  }
  for (int i = 0; i < kWaiters; ++i) {
    {
      ScopedAcquire g(c);
      ASSERT_TRUE(c.notify(1).ok());
    }
    // Let the one notified record itself before the next notify: who gets the
    // lock first among notified waiters is up to the scheduler, not FIFO.
    for (;;) {
      ScopedAcquire g(c);
      if (order.size() == static_cast<size_t>(i + 1)) break;
      std::this_thread::yield();
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_THAT(order, ::testing::ElementsAre(0, 1, 2));
}

TEST(MpConditionTest, TooManyWaitersIsResourceExhausted) {
  Condition c = Make(Condition::Create({.max_waiters = 1}));
  EXPECT_TRUE(absl::IsInvalidArgument(Condition::Create({.max_waiters = 0}).status()));
  std::atomic<bool> waiting{false};
  std::thread waiter([&] {
    ScopedAcquire g(c);
    waiting = true;
    EXPECT_THAT(c.wait(kLong), HasValue(true));
  });
  for (;;) {
    ScopedAcquire g(c);
    if (waiting) {
      EXPECT_TRUE(absl::IsResourceExhausted(c.wait(absl::ZeroDuration()).status()));
      ASSERT_TRUE(c.notify().ok());
      break;
    }
  }
  waiter.join();
}

TEST(MpConditionTest, AttachRefusesWhatIsNotACondition) {
  auto lock = Make(conc::mp::Lock::Create());
  ConditionHandle bogus;
  bogus.fd = lock.handle().fd;
  bogus.own_lock = true;
  EXPECT_TRUE(absl::IsInvalidArgument(Condition::Attach(bogus).status()));
  bogus.fd = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(Condition::Attach(bogus).status()));
  Condition c = Make(Condition::Create(lock));
  ConditionHandle wrong_kind = c.handle();
  wrong_kind.lock_kind = 2;  // says RLock; it is a Lock
  EXPECT_TRUE(absl::IsInvalidArgument(Condition::Attach(wrong_kind).status()));
  EXPECT_TRUE(Condition::Attach(c.handle()).ok());
}

// ---- Across processes ----

// _TestCondition.test_notify_n / test_notify_all, with spawned waiters and
// two conditions over one shared RLock.
TEST(MpConditionProcessTest, NotifyNThenNotifyAllAcrossProcesses) {
  RLock lock = Make(RLock::Create());
  Condition arrivals = Make(Condition::Create(lock));
  Condition wakeup = Make(Condition::Create(lock));
  RawValue<int> waiting = Make(RawValue<int>::Create(0));
  RawValue<int> woken = Make(RawValue<int>::Create(0));
  const std::vector<int> fds = Concat({arrivals.fds_to_pass(), wakeup.fds_to_pass(),
                                       waiting.fds_to_pass(), woken.fds_to_pass()});
  std::vector<conc::Process> children;
  for (int i = 0; i < 3; ++i) {
    children.emplace_back(conc::ProcessOptions{.pass_fds = fds},
                          conc::process_function<cond_waiter>, arrivals.handle(),
                          wakeup.handle(), waiting.handle(), woken.handle());
    ASSERT_TRUE(children.back().start().ok());
  }
  {
    ScopedAcquire g(lock);
    ASSERT_THAT(arrivals.wait_for([&] { return waiting.value() == 3; }, kLong), HasValue(true));
    ASSERT_TRUE(wakeup.notify(2).ok());
    ASSERT_THAT(arrivals.wait_for([&] { return woken.value() == 2; }, kLong), HasValue(true));
    // Exactly two: the third stays asleep. Proving an absence takes a wait;
    // 300 ms is plenty for a wrongly woken waiter to report itself.
    EXPECT_THAT(arrivals.wait_for([&] { return woken.value() == 3; }, absl::Milliseconds(300)),
                HasValue(false));
    ASSERT_TRUE(wakeup.notify_all().ok());
    ASSERT_THAT(arrivals.wait_for([&] { return woken.value() == 3; }, kLong), HasValue(true));
  }
  for (auto& p : children) {
    ASSERT_TRUE(p.join(kLong).ok());
    EXPECT_EQ(p.exitcode(), 0);
  }
}

TEST(MpConditionProcessTest, WaitForSeesAnotherProcessChangeThePredicate) {
  Condition c = Make(Condition::Create());
  RawValue<int> flag = Make(RawValue<int>::Create(0));
  conc::Process setter({.pass_fds = Concat({c.fds_to_pass(), flag.fds_to_pass()})},
                       conc::process_function<cond_set_flag>, c.handle(), flag.handle());
  {
    ScopedAcquire g(c);
    ASSERT_TRUE(setter.start().ok());
    EXPECT_THAT(c.wait_for([&] { return flag.value() == 1; }, kLong), HasValue(true));
  }
  ASSERT_TRUE(setter.join(kLong).ok());
  EXPECT_EQ(setter.exitcode(), 0);
}

// A waiter killed while waiting: notify(1) skips it and wakes a live one
// (CPython's notify would block for ever on the dead sleeper).
TEST(MpConditionProcessTest, DeadWaiterIsSkipped) {
  RLock lock = Make(RLock::Create());
  Condition arrivals = Make(Condition::Create(lock));
  Condition wakeup = Make(Condition::Create(lock));
  RawValue<int> waiting = Make(RawValue<int>::Create(0));
  RawValue<int> woken = Make(RawValue<int>::Create(0));
  conc::Process doomed({.pass_fds = Concat({arrivals.fds_to_pass(), wakeup.fds_to_pass(),
                                            waiting.fds_to_pass(), woken.fds_to_pass()})},
                       conc::process_function<cond_waiter>, arrivals.handle(), wakeup.handle(),
                       waiting.handle(), woken.handle());
  ASSERT_TRUE(doomed.start().ok());
  {
    ScopedAcquire g(lock);
    ASSERT_THAT(arrivals.wait_for([&] { return waiting.value() == 1; }, kLong), HasValue(true));
  }
  ASSERT_TRUE(doomed.kill().ok());
  ASSERT_TRUE(doomed.join(kLong).ok());
  absl::StatusOr<bool> live_result = false;
  std::thread live([&] {
    ScopedAcquire g(lock);
    waiting.set_value(waiting.value() + 1);
    ASSERT_TRUE(arrivals.notify_all().ok());
    live_result = wakeup.wait(kLong);
  });
  {
    ScopedAcquire g(lock);
    ASSERT_THAT(arrivals.wait_for([&] { return waiting.value() == 2; }, kLong), HasValue(true));
    ASSERT_TRUE(wakeup.notify(1).ok());  // the dead one is older: skipped
  }
  live.join();
  EXPECT_THAT(live_result, HasValue(true));
}

// The lock's holder dies while we wait: wait() takes the lock back and says so.
TEST(MpConditionProcessTest, HolderDiesWhileWeWaitOwnerDied) {
  Condition c = Make(Condition::Create());
  Queue<int> ready = Make(Queue<int>::Create());
  conc::Process child({.pass_fds = Concat({c.fds_to_pass(), ready.fds_to_pass()})},
                      conc::process_function<notify_and_die_holding>, c.handle(), ready.handle());
  ScopedAcquire g(c);
  ASSERT_TRUE(child.start().ok());
  absl::StatusOr<bool> w = c.wait(kLong);  // the child notifies us, then dies holding the lock
  EXPECT_TRUE(conc::IsOwnerDied(w.status())) << w.status();
  EXPECT_TRUE(c.is_owned());
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), -SIGKILL);
  EXPECT_TRUE(ready.get(absl::ZeroDuration()).ok());
  // The condition and its lock work afterwards.
  EXPECT_THAT(c.wait(absl::ZeroDuration()), HasValue(false));
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

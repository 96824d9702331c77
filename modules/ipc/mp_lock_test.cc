// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Lock and mp::RLock: what CPython's lock_tests.py and
// _test_multiprocessing.py (_TestLock) check, adapted to the documented
// differences (an owner; timeouts as SemLock's), across threads (TSan-checked),
// across spawned and forked processes, and the fault that motivates robust
// locks: a holder killed with SIGKILL.

#include "modules/ipc/mp_lock.h"

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
#include "modules/ipc/mp_queue.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

using ::conc::mp::Lock;
using ::conc::mp::LockHandle;
using ::conc::mp::Queue;
using ::conc::mp::QueueHandle;
using ::conc::mp::RLock;

// Every wait is bounded, generously: a loaded 2-core VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;

// An absl::StatusOr<bool> that is OK and holds `v`.
MATCHER_P(HasValue, v, "") {
  if (!arg.ok()) {
    *result_listener << arg.status();
    return false;
  }
  return *arg == v;
}

// ---- Process targets (spawned children run these by name) ----

// Exits 10 if a non-blocking acquire fails, 11 if it succeeds.
void try_acquire_lock(LockHandle h) {
  absl::StatusOr<Lock> lock = Lock::Attach(h);
  if (!lock.ok()) std::exit(2);
  absl::StatusOr<bool> got = lock->acquire(false);
  if (!got.ok()) std::exit(3);
  std::exit(*got ? 11 : 10);
}

// Takes the lock (an RLock `levels` times), says so on `ready`, and waits for
// a word on `cmd`: 1 releases and exits 0; nothing (it is killed) otherwise.
void hold_lock(LockHandle h, bool recursive, int levels, QueueHandle ready_h, QueueHandle cmd_h) {
  absl::StatusOr<Queue<int>> ready = Queue<int>::Attach(ready_h);
  absl::StatusOr<Queue<int>> cmd = Queue<int>::Attach(cmd_h);
  if (!ready.ok() || !cmd.ok()) std::exit(2);
  if (recursive) {
    absl::StatusOr<RLock> lock = RLock::Attach(h);
    if (!lock.ok()) std::exit(2);
    for (int i = 0; i < levels; ++i) {
      if (!lock->acquire().ok()) std::exit(3);
    }
    if (!ready->put(1).ok()) std::exit(4);
    if (!cmd->get(absl::Seconds(120)).ok()) std::exit(5);
    for (int i = 0; i < levels; ++i) {
      if (!lock->release().ok()) std::exit(6);
    }
  } else {
    absl::StatusOr<Lock> lock = Lock::Attach(h);
    if (!lock.ok()) std::exit(2);
    if (!lock->acquire().ok()) std::exit(3);
    if (!ready->put(1).ok()) std::exit(4);
    if (!cmd->get(absl::Seconds(120)).ok()) std::exit(5);
    if (!lock->release().ok()) std::exit(6);
  }
}

void release_foreign(LockHandle h) {
  // A process that never acquired the lock tries to release it.
  absl::StatusOr<Lock> lock = Lock::Attach(h);
  if (!lock.ok()) std::exit(2);
  absl::Status s = lock->release();
  std::exit(absl::IsFailedPrecondition(s) ? 0 : 3);
}
CONC_PROCESS_FUNCTION(try_acquire_lock);
CONC_PROCESS_FUNCTION(hold_lock);
CONC_PROCESS_FUNCTION(release_foreign);

namespace {

int RunToExit(conc::Process& p) {
  EXPECT_TRUE(p.start().ok());
  EXPECT_TRUE(p.join(kLong).ok());
  return p.exitcode().value_or(-1000);
}

// A spawned child holding `lock` until told (or killed).
struct Holder {
  Queue<int> ready = Make(Queue<int>::Create());
  Queue<int> cmd = Make(Queue<int>::Create());
  conc::Process process;

  Holder(LockHandle h, std::vector<int> lock_fds, bool recursive, int levels)
      : process(Options(lock_fds), conc::process_function<hold_lock>, h, recursive, levels,
                ready.handle(), cmd.handle()) {}

  conc::ProcessOptions Options(std::vector<int> fds) {
    fds.push_back(ready.handle().fd);
    fds.push_back(cmd.handle().fd);
    return {.pass_fds = fds};
  }
  // Starts it and waits until it holds the lock.
  void StartHolding() {
    ASSERT_TRUE(process.start().ok());
    ASSERT_TRUE(ready.get(kLong).ok());
  }
};

// ---- One process: the API (CPython's lock_tests BaseLockTests) ----

TEST(MpLockTest, AcquireReleaseLockedOwned) {
  Lock lock = Make(Lock::Create());
  EXPECT_FALSE(lock.locked());
  EXPECT_FALSE(lock.is_owned());
  EXPECT_THAT(lock.acquire(), HasValue(true));
  EXPECT_TRUE(lock.locked());
  EXPECT_TRUE(lock.is_owned());
  // The holder polling again: a non-recursive lock says no (as CPython).
  EXPECT_THAT(lock.acquire(false), HasValue(false));
  EXPECT_TRUE(lock.release().ok());
  EXPECT_FALSE(lock.locked());
  // Released too often: Python's ValueError, here FailedPrecondition.
  EXPECT_TRUE(absl::IsFailedPrecondition(lock.release()));
  EXPECT_THAT(lock.acquire(false), HasValue(true));
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpLockTest, SelfDeadlockIsReportedAndTimedSelfAcquireTimesOut) {
  Lock lock = Make(Lock::Create());
  ASSERT_THAT(lock.acquire(), HasValue(true));
  EXPECT_TRUE(absl::IsFailedPrecondition(lock.acquire().status()));
  const absl::Time start = absl::Now();
  EXPECT_THAT(lock.acquire(true, absl::Milliseconds(50)), HasValue(false));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpLockTest, TimeoutsZeroNegativeAndNonBlockingPollOnce) {
  Lock lock = Make(Lock::Create());
  std::atomic<bool> held{false}, done{false};
  std::thread holder([&] {
    ASSERT_THAT(lock.acquire(), HasValue(true));
    held = true;
    while (!done) std::this_thread::yield();
    ASSERT_TRUE(lock.release().ok());
  });
  while (!held) std::this_thread::yield();
  const absl::Time start = absl::Now();
  EXPECT_THAT(lock.acquire(true, absl::ZeroDuration()), HasValue(false));
  EXPECT_THAT(lock.acquire(true, absl::Seconds(-1)), HasValue(false));
  // SemLock ignores the timeout when block=False.
  EXPECT_THAT(lock.acquire(false, absl::Seconds(30)), HasValue(false));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // none of them waited
  // A positive timeout waits about that long (lower bound only: a loaded VM).
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(lock.acquire(true, absl::Milliseconds(100)), HasValue(false));
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(95));
  done = true;
  holder.join();
  EXPECT_THAT(lock.acquire(true, absl::Milliseconds(100)), HasValue(true));
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpLockTest, ReleaseByAnotherThreadFailsAndChangesNothing) {
  Lock lock = Make(Lock::Create());
  ASSERT_THAT(lock.acquire(), HasValue(true));
  absl::Status from_other;
  std::thread([&] { from_other = lock.release(); }).join();
  EXPECT_TRUE(absl::IsFailedPrecondition(from_other)) << from_other;
  EXPECT_TRUE(lock.locked());
  EXPECT_TRUE(lock.is_owned());
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpLockTest, ContendedThreadsLoseNoUpdate) {
  Lock lock = Make(Lock::Create());
  constexpr int kThreads = 4, kEach = 5000;
  int counter = 0;  // guarded by lock (TSan checks it)
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        conc::mp::ScopedAcquire g(lock);
        ASSERT_TRUE(g.held());
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, kThreads * kEach);
}

TEST(MpRLockTest, RecursionAndRelease) {
  RLock rlock = Make(RLock::Create());
  EXPECT_TRUE(absl::IsFailedPrecondition(rlock.release()));  // release_unacquired
  for (int i = 1; i <= 3; ++i) {
    EXPECT_THAT(rlock.acquire(), HasValue(true));
    EXPECT_EQ(rlock.recursion_level(), static_cast<uint32_t>(i));
  }
  // The owner re-acquires at once whatever the arguments say.
  EXPECT_THAT(rlock.acquire(false), HasValue(true));
  EXPECT_THAT(rlock.acquire(true, absl::ZeroDuration()), HasValue(true));
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(rlock.locked());
    EXPECT_TRUE(rlock.release().ok());
  }
  EXPECT_FALSE(rlock.locked());
  EXPECT_FALSE(rlock.is_owned());
  EXPECT_TRUE(absl::IsFailedPrecondition(rlock.release()));
}

TEST(MpRLockTest, OtherThreadCannotAcquireOrRelease) {
  RLock rlock = Make(RLock::Create());
  ASSERT_THAT(rlock.acquire(), HasValue(true));
  ASSERT_THAT(rlock.acquire(), HasValue(true));
  absl::StatusOr<bool> polled = true, zero = true, negative = true, timed = true;
  absl::Status released;
  bool owned_there = true;
  std::thread([&] {
    polled = rlock.acquire(false);
    zero = rlock.acquire(true, absl::ZeroDuration());
    negative = rlock.acquire(true, absl::Seconds(-1));
    timed = rlock.acquire(true, absl::Milliseconds(20));
    released = rlock.release();
    owned_there = rlock.is_owned();
  }).join();
  EXPECT_THAT(polled, HasValue(false));
  EXPECT_THAT(zero, HasValue(false));
  EXPECT_THAT(negative, HasValue(false));
  EXPECT_THAT(timed, HasValue(false));
  EXPECT_TRUE(absl::IsFailedPrecondition(released)) << released;
  EXPECT_FALSE(owned_there);
  EXPECT_EQ(rlock.recursion_level(), 2u);
  EXPECT_TRUE(rlock.release().ok());
  EXPECT_TRUE(rlock.release().ok());
  std::thread([&] {
    polled = rlock.acquire(false);
    released = rlock.release();
  }).join();
  EXPECT_THAT(polled, HasValue(true));
  EXPECT_TRUE(released.ok());
}

TEST(MpLockTest, AttachRefusesWhatIsNotThatLock) {
  Lock lock = Make(Lock::Create());
  RLock rlock = Make(RLock::Create());
  EXPECT_TRUE(absl::IsInvalidArgument(Lock::Attach({-1, 0}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Lock::Attach(rlock.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(RLock::Attach(lock.handle()).status()));
  LockHandle shifted = lock.handle();
  shifted.offset += 8;
  EXPECT_TRUE(absl::IsInvalidArgument(Lock::Attach(shifted).status()));
  Queue<int> not_a_lock = Make(Queue<int>::Create());
  EXPECT_TRUE(absl::IsInvalidArgument(Lock::Attach({not_a_lock.handle().fd, 64}).status()));
  // The real thing attaches, and is the same lock.
  Lock again = Make(Lock::Attach(lock.handle()));
  ASSERT_THAT(lock.acquire(), HasValue(true));
  EXPECT_TRUE(again.locked());
  EXPECT_TRUE(again.is_owned());  // same thread, same lock
  EXPECT_TRUE(again.release().ok());
  EXPECT_FALSE(lock.locked());
}

// ---- Across processes ----

TEST(MpLockProcessTest, SpawnedChildSeesTheLockHeldThenFree) {
  Lock lock = Make(Lock::Create());
  ASSERT_THAT(lock.acquire(), HasValue(true));
  conc::Process busy({.pass_fds = lock.fds_to_pass()}, conc::process_function<try_acquire_lock>,
                     lock.handle());
  EXPECT_EQ(RunToExit(busy), 10);
  conc::Process foreign({.pass_fds = lock.fds_to_pass()}, conc::process_function<release_foreign>,
                        lock.handle());
  EXPECT_EQ(RunToExit(foreign), 0);
  EXPECT_TRUE(lock.locked());  // the foreign release changed nothing
  ASSERT_TRUE(lock.release().ok());
  conc::Process free_now({.pass_fds = lock.fds_to_pass()}, conc::process_function<try_acquire_lock>,
                         lock.handle());
  EXPECT_EQ(RunToExit(free_now), 11);
  // The child exited holding it: the kernel marked it, we are told.
  absl::StatusOr<bool> got = lock.acquire(true, kLong);
  EXPECT_TRUE(conc::IsOwnerDied(got.status())) << got.status();
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpLockProcessTest, BlockedAcquireWakesWhenAnotherProcessReleases) {
  Lock lock = Make(Lock::Create());
  Holder holder(lock.handle(), lock.fds_to_pass(), false, 1);
  holder.StartHolding();
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(lock.is_owned());
  EXPECT_TRUE(absl::IsFailedPrecondition(lock.release()));  // not ours
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(lock.acquire(true, absl::Milliseconds(100)), HasValue(false));
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(95));
  std::thread teller([&] { ASSERT_TRUE(holder.cmd.put(1).ok()); });
  EXPECT_THAT(lock.acquire(true, kLong), HasValue(true));  // blocks until released
  teller.join();
  EXPECT_TRUE(lock.release().ok());
  ASSERT_TRUE(holder.process.join(kLong).ok());
  EXPECT_EQ(holder.process.exitcode(), 0);
}

// The fault: a holder killed with SIGKILL. CPython's SemLock would stay taken
// for ever; here the next acquirer is told and holds the lock, which works.
TEST(MpLockProcessTest, HolderKilledOwnerDiedThenTheLockWorks) {
  Lock lock = Make(Lock::Create());
  Holder holder(lock.handle(), lock.fds_to_pass(), false, 1);
  holder.StartHolding();
  EXPECT_THAT(lock.acquire(false), HasValue(false));
  ASSERT_TRUE(holder.process.kill().ok());
  ASSERT_TRUE(holder.process.join(kLong).ok());
  EXPECT_EQ(holder.process.exitcode(), -SIGKILL);
  absl::StatusOr<bool> got = lock.acquire(true, kLong);
  ASSERT_TRUE(conc::IsOwnerDied(got.status())) << got.status();
  EXPECT_TRUE(lock.is_owned());  // we hold it now
  EXPECT_TRUE(lock.release().ok());
  // Only one acquirer is told; the lock is sound afterwards.
  EXPECT_THAT(lock.acquire(false), HasValue(true));
  EXPECT_TRUE(lock.release().ok());
  EXPECT_THAT(lock.acquire(true, absl::Seconds(1)), HasValue(true));
  EXPECT_TRUE(lock.release().ok());
}

TEST(MpRLockProcessTest, HolderKilledAtLevelThreeOwnerDiedAtLevelOne) {
  RLock rlock = Make(RLock::Create());
  Holder holder(rlock.handle(), rlock.fds_to_pass(), true, 3);
  holder.StartHolding();
  EXPECT_TRUE(rlock.locked());
  EXPECT_THAT(rlock.acquire(false), HasValue(false));
  EXPECT_TRUE(absl::IsFailedPrecondition(rlock.release()));
  ASSERT_TRUE(holder.process.kill().ok());
  ASSERT_TRUE(holder.process.join(kLong).ok());
  absl::StatusOr<bool> got = rlock.acquire(false);  // a poll also recovers it
  ASSERT_TRUE(conc::IsOwnerDied(got.status())) << got.status();
  EXPECT_EQ(rlock.recursion_level(), 1u);  // the dead owner's levels died with it
  EXPECT_TRUE(rlock.release().ok());
  EXPECT_FALSE(rlock.locked());
  EXPECT_THAT(rlock.acquire(false), HasValue(true));
  EXPECT_TRUE(rlock.release().ok());
}

TEST(MpLockProcessTest, ForkedChildUsesTheSameObject) {
  Lock lock = Make(Lock::Create());
  Queue<int> ready = Make(Queue<int>::Create());
  // The forked child takes the lock and dies holding it (exit, not release).
  conc::Process child(conc::kForkMethod, [lock, ready]() mutable {
    absl::StatusOr<bool> got = lock.acquire(true, absl::Seconds(60));
    if (!got.ok() || !*got) std::_Exit(3);
    if (!ready.put(1).ok()) std::_Exit(4);
    ::raise(SIGKILL);
  });
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), -SIGKILL);
  EXPECT_TRUE(ready.get(absl::ZeroDuration()).ok());
  absl::StatusOr<bool> got = lock.acquire(true, kLong);
  EXPECT_TRUE(conc::IsOwnerDied(got.status())) << got.status();
  EXPECT_TRUE(lock.release().ok());
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

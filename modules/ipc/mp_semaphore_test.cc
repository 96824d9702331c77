// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Semaphore and mp::BoundedSemaphore: the behaviours
// CPython's Lib/test/lock_tests.py (BaseSemaphoreTests, BoundedSemaphoreTests)
// and _test_multiprocessing.py (_TestSemaphore) check, threads in one process
// (TSan-checked), forked and spawned processes, and faults: a process killed
// while holding a permit (not recovered: the documented behaviour) and one
// killed while asleep in acquire().

#include "modules/ipc/mp_semaphore.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/internal/shared_region.h"
#include "modules/ipc/mp_event.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

namespace {

using ::conc::internal::SharedRegion;
using ::conc::mp::BoundedSemaphore;
using ::conc::mp::Event;
using ::conc::mp::EventHandle;
using ::conc::mp::Semaphore;
using ::conc::mp::SemaphoreHandle;

// Every wait in these tests is bounded, generously: a 2-core VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;
using ::conc::mp::testing::Eventually;
using ::conc::mp::testing::Fds;

// Spawned: takes a permit of `sem` and reports it by releasing `done`.
void acquire_then_report(SemaphoreHandle sem, SemaphoreHandle done) {
  absl::StatusOr<Semaphore> s = Semaphore::Attach(sem);
  absl::StatusOr<Semaphore> d = Semaphore::Attach(done);
  if (!s.ok() || !d.ok()) std::exit(2);
  if (!s->acquire(true, kLong)) std::exit(3);
  if (!d->release().ok()) std::exit(4);
}

// Spawned: over-releases a BoundedSemaphore attached by handle and checks the
// error; then gives back one permit it may give.
void bounded_child(SemaphoreHandle h) {
  absl::StatusOr<BoundedSemaphore> b = BoundedSemaphore::Attach(h);
  if (!b.ok()) std::exit(2);
  if (b->get_value() != 1 || b->bound() != 2) std::exit(3);
  if (!absl::IsFailedPrecondition(b->release(2))) std::exit(4);
  if (b->get_value() != 1) std::exit(5);
  if (!b->release().ok()) std::exit(6);
}

}  // namespace

CONC_PROCESS_FUNCTION(acquire_then_report);
CONC_PROCESS_FUNCTION(bounded_child);

namespace {

// ---- Construction and arguments ----

TEST(MpSemaphoreTest, CreateRejectsBadInitialValues) {
  EXPECT_TRUE(absl::IsInvalidArgument(Semaphore::Create(-1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(BoundedSemaphore::Create(-1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Semaphore::Create(int64_t{INT32_MAX} + 1).status()));
  Semaphore zero = Make(Semaphore::Create(0));
  EXPECT_EQ(zero.get_value(), 0);
  Semaphore dflt = Make(Semaphore::Create());
  EXPECT_EQ(dflt.get_value(), 1);
  EXPECT_EQ(dflt.bound(), INT32_MAX);
}

TEST(MpSemaphoreTest, AttachChecksWhatTheDescriptorHolds) {
  Semaphore s = Make(Semaphore::Create(1));
  BoundedSemaphore b = Make(BoundedSemaphore::Create(1));
  Event e = Make(Event::Create());
  EXPECT_TRUE(absl::IsInvalidArgument(Semaphore::Attach(b.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(BoundedSemaphore::Attach(s.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Semaphore::Attach({e.handle().fd}).status()));
  EXPECT_FALSE(Semaphore::Attach({-1}).ok());
  // The right kind attaches to the same count.
  Semaphore again = Make(Semaphore::Attach(s.handle()));
  EXPECT_TRUE(again.acquire(false));
  EXPECT_EQ(s.get_value(), 0);
}

// lock_tests.py test_acquire / test_acquire_timeout / test_try_acquire.
TEST(MpSemaphoreTest, AcquireWithZeroNegativeAndPositiveTimeouts) {
  Semaphore s = Make(Semaphore::Create(2));
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire(true, absl::ZeroDuration()));
  EXPECT_EQ(s.get_value(), 0);
  EXPECT_FALSE(s.acquire(false));
  EXPECT_FALSE(s.acquire(true, absl::ZeroDuration()));
  EXPECT_FALSE(s.acquire(true, absl::Seconds(-1)));
  absl::Time start = absl::Now();
  EXPECT_FALSE(s.acquire(true, absl::Milliseconds(100)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  // block=False ignores the timeout, as SemLock does: no 10 s wait.
  start = absl::Now();
  EXPECT_FALSE(s.acquire(false, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(s.release(2).ok());
  EXPECT_EQ(s.get_value(), 2);
}

// lock_tests.py test_constructor / release(n) with n < 1 (ValueError).
TEST(MpSemaphoreTest, ReleaseOfLessThanOneIsInvalidAndChangesNothing) {
  Semaphore s = Make(Semaphore::Create(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s.release(0)));
  EXPECT_TRUE(absl::IsInvalidArgument(s.release(-3)));
  EXPECT_EQ(s.get_value(), 1);
}

TEST(MpSemaphoreTest, ReleaseBeyondInt32MaxIsInvalidAndChangesNothing) {
  Semaphore s = Make(Semaphore::Create(INT32_MAX - 1));
  EXPECT_TRUE(absl::IsInvalidArgument(s.release(2)));
  EXPECT_EQ(s.get_value(), INT32_MAX - 1);
  EXPECT_TRUE(s.release(1).ok());
  EXPECT_EQ(s.get_value(), INT32_MAX);
}

// lock_tests.py BoundedSemaphoreTests.test_release_unacquired and
// _test_multiprocessing's test_bounded_semaphore.
TEST(MpSemaphoreTest, BoundedOverReleaseFailsAndChangesNothing) {
  BoundedSemaphore b = Make(BoundedSemaphore::Create(2));
  EXPECT_EQ(b.bound(), 2);
  absl::Status s = b.release();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_EQ(b.get_value(), 2);
  ASSERT_TRUE(b.acquire(false));
  EXPECT_TRUE(absl::IsFailedPrecondition(b.release(2)));  // one over
  EXPECT_EQ(b.get_value(), 1);
  EXPECT_TRUE(b.release(1).ok());
  EXPECT_EQ(b.get_value(), 2);
  EXPECT_TRUE(absl::IsInvalidArgument(b.release(0)));
}

// ---- Threads of one process (TSan sees these) ----

TEST(MpSemaphoreTest, AtMostValueThreadsInsideAtOnce) {
  Semaphore s = Make(Semaphore::Create(2));
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!s.acquire(true, kLong)) {
          failed = true;
          return;
        }
        const int now = inside.fetch_add(1) + 1;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
        inside.fetch_sub(1);
        if (!s.release().ok()) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(s.get_value(), 2);
}

// lock_tests.py test_multirelease_acquire / "release(n) wakes n".
TEST(MpSemaphoreTest, ReleaseNWakesNThreads) {
  Semaphore s = Make(Semaphore::Create(0));
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      if (s.acquire(true, kLong)) got.fetch_add(1);
    });
  }
  ASSERT_TRUE(Eventually([&] { return s.sleepers() == 3; }));
  ASSERT_TRUE(s.release(2).ok());
  ASSERT_TRUE(Eventually([&] { return got.load() == 2; }));
  EXPECT_EQ(s.get_value(), 0);  // the third is still waiting: no permit left
  ASSERT_TRUE(s.release().ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(got.load(), 3);
}

// ---- Processes ----

TEST(MpSemaphoreTest, ReleaseNWakesNForkedProcesses) {
  Semaphore s = Make(Semaphore::Create(0));
  Semaphore done = Make(Semaphore::Create(0));
  std::vector<conc::Process> children;
  for (int i = 0; i < 3; ++i) {
    children.emplace_back(conc::kForkMethod, [s, done] {
      if (!s.acquire(true, kLong)) std::_Exit(3);
      if (!done.release().ok()) std::_Exit(4);
    });
    ASSERT_TRUE(children.back().start().ok());
  }
  ASSERT_TRUE(Eventually([&] { return s.sleepers() == 3; }));
  ASSERT_TRUE(s.release(2).ok());
  EXPECT_TRUE(done.acquire(true, kLong));
  EXPECT_TRUE(done.acquire(true, kLong));
  // Two permits, two takers: the third child cannot have passed.
  EXPECT_EQ(s.get_value(), 0);
  EXPECT_EQ(done.get_value(), 0);
  EXPECT_TRUE(Eventually([&] { return s.sleepers() == 1; }));
  ASSERT_TRUE(s.release().ok());
  EXPECT_TRUE(done.acquire(true, kLong));
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
}

TEST(MpSemaphoreTest, SpawnedChildrenAttachAndTakePermits) {
  Semaphore s = Make(Semaphore::Create(0));
  Semaphore done = Make(Semaphore::Create(0));
  std::vector<conc::Process> children;
  for (int i = 0; i < 2; ++i) {
    children.emplace_back(
        conc::ProcessOptions{.pass_fds = Fds({s.fds_to_pass(), done.fds_to_pass()})},
        conc::process_function<acquire_then_report>, s.handle(), done.handle());
    ASSERT_TRUE(children.back().start().ok());
  }
  EXPECT_FALSE(done.acquire(true, absl::Milliseconds(50)));  // nobody has a permit yet
  ASSERT_TRUE(s.release(2).ok());
  EXPECT_TRUE(done.acquire(true, kLong));
  EXPECT_TRUE(done.acquire(true, kLong));
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  EXPECT_EQ(s.get_value(), 0);
}

TEST(MpSemaphoreTest, SpawnedChildSeesTheBoundedSemaphore) {
  BoundedSemaphore b = Make(BoundedSemaphore::Create(2));
  ASSERT_TRUE(b.acquire(false));
  ASSERT_TRUE(b.acquire(false));
  ASSERT_TRUE(b.release().ok());
  conc::Process p({.pass_fds = b.fds_to_pass()}, conc::process_function<bounded_child>, b.handle());
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(b.get_value(), 2);
}

// Three processes hammer a Semaphore(2): never more than two inside at once,
// no permit lost or created.
TEST(MpSemaphoreTest, StressAcrossProcessesKeepsTheCount) {
  struct Shared {
    std::atomic<int> inside;
    std::atomic<int> most;
    std::atomic<int> passes;
  };
  std::shared_ptr<SharedRegion> region = Make(SharedRegion::Create(sizeof(Shared), "test-shared"));
  auto* sh = new (region->data()) Shared{};
  Semaphore s = Make(Semaphore::Create(2));
  constexpr int kProcesses = 3, kIterations = 3000;
  std::vector<conc::Process> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.emplace_back(conc::kForkMethod, [s, sh] {
      for (int i = 0; i < kIterations; ++i) {
        if (!s.acquire(true, kLong)) std::_Exit(3);
        const int now = sh->inside.fetch_add(1) + 1;
        int m = sh->most.load();
        while (now > m && !sh->most.compare_exchange_weak(m, now)) {
        }
        sh->passes.fetch_add(1);
        sh->inside.fetch_sub(1);
        if (!s.release().ok()) std::_Exit(4);
      }
    });
    ASSERT_TRUE(children.back().start().ok());
  }
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  EXPECT_EQ(sh->passes.load(), kProcesses * kIterations);
  EXPECT_LE(sh->most.load(), 2);
  EXPECT_EQ(s.get_value(), 2);
}

// The documented limit: a permit held by a process that dies is not given
// back (a permit has no owner; CPython's SemLock behaves the same).
TEST(MpSemaphoreTest, PermitsOfAKilledHolderAreNotRecovered) {
  Semaphore s = Make(Semaphore::Create(1));
  Event holding = Make(Event::Create());
  conc::Process p(conc::kForkMethod, [s, holding] {
    if (!s.acquire(true, kLong)) std::_Exit(3);
    holding.set();
    for (;;) ::pause();
  });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(holding.wait(kLong));
  ASSERT_TRUE(p.kill().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), -SIGKILL);
  EXPECT_EQ(s.get_value(), 0);
  EXPECT_FALSE(s.acquire(true, absl::Milliseconds(100)));
  // Whoever knows better gives it back by hand.
  ASSERT_TRUE(s.release().ok());
  EXPECT_TRUE(s.acquire(false));
}

// A process killed while asleep in acquire() takes nothing with it: the next
// release goes to a live waiter (the stale sleeper count only costs a spare
// futex call).
TEST(MpSemaphoreTest, WaiterKilledWhileAsleepTakesNothing) {
  Semaphore s = Make(Semaphore::Create(0));
  conc::Process p(conc::kForkMethod, [s] {
    if (s.acquire(true, kLong)) std::_Exit(5);  // must not get one
    std::_Exit(6);
  });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(Eventually([&] { return s.sleepers() == 1; }));
  ASSERT_TRUE(p.kill().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), -SIGKILL);
  EXPECT_EQ(s.sleepers(), 1);  // documented: a dead sleeper stays counted
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = s.acquire(true, kLong); });
  ASSERT_TRUE(Eventually([&] { return s.sleepers() == 2; }));
  ASSERT_TRUE(s.release().ok());
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(s.get_value(), 0);
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Barrier: the behaviours CPython's Lib/test/lock_tests.py
// (BarrierTests) and _test_multiprocessing.py (_TestBarrier) check — distinct
// indices per round over several rounds, the action run once per round before
// anyone leaves, timeouts (zero, negative, positive, the default) breaking the
// barrier for everyone, abort, reset, a failing action — with threads (TSan
// sees those), forked and spawned processes; and faults: a party killed with
// SIGKILL while the others wait, a process dying holding the barrier's lock.

#include "modules/ipc/mp_barrier.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/status.h"
#include "modules/ipc/testing/mp_barrier_test_peer.h"
#include "modules/common/internal/shared_region.h"
#include "modules/ipc/mp_event.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

namespace {

using ::conc::internal::SharedRegion;
using ::conc::internal::SharedRegionHandle;
using ::conc::mp::Barrier;
using ::conc::mp::BarrierHandle;
using ::conc::mp::Event;
using ::conc::mp::EventHandle;

// Every wait in these tests is bounded, generously: a 2-core VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;
using ::conc::mp::testing::Eventually;
using ::conc::mp::testing::Fds;
constexpr int kMaxRounds = 16;

// What the parties of a test record, in shared memory.
struct Record {
  std::atomic<uint32_t> masks[kMaxRounds];  // bit i: index i was returned in round r
  std::atomic<uint32_t> actions;            // action runs
  std::atomic<uint32_t> who_acted;          // the last action's tag
};

Barrier::Action CountingAction(Record* rec, uint32_t tag) {
  return [rec, tag] {
    rec->actions.fetch_add(1);
    rec->who_acted.store(tag);
    return absl::OkStatus();
  };
}

// One party's rounds. 0 if all went well, else what went wrong first.
int RunRounds(const Barrier& b, Record* rec, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    absl::StatusOr<int> i = b.wait(kLong);
    if (!i.ok()) return 3;
    if (*i < 0 || *i >= b.parties()) return 4;
    if (rec->actions.load() < static_cast<uint32_t>(r + 1)) return 5;  // released before the action
    const uint32_t bit = 1u << *i;
    // An index given twice in one round (the first kMaxRounds are recorded).
    if (r < kMaxRounds && (rec->masks[r].fetch_or(bit) & bit) != 0) return 6;
  }
  return 0;
}

// Spawned: a party of `rounds` rounds, with its own action.
void spawned_party(BarrierHandle bh, SharedRegionHandle rh, int rounds) {
  absl::StatusOr<std::shared_ptr<SharedRegion>> region = SharedRegion::Attach(rh, sizeof(Record));
  if (!region.ok()) std::exit(2);
  auto* rec = reinterpret_cast<Record*>((*region)->data());
  absl::StatusOr<Barrier> b = Barrier::Attach(bh, CountingAction(rec, 2));
  if (!b.ok()) std::exit(2);
  std::exit(RunRounds(*b, rec, rounds));
}

// Spawned: waits for `go`, then arrives (last) in round 1 and (first) in round 2.
void spawned_two_rounds_after_go(BarrierHandle bh, SharedRegionHandle rh, EventHandle go) {
  absl::StatusOr<std::shared_ptr<SharedRegion>> region = SharedRegion::Attach(rh, sizeof(Record));
  absl::StatusOr<Event> g = Event::Attach(go);
  if (!region.ok() || !g.ok()) std::exit(2);
  auto* rec = reinterpret_cast<Record*>((*region)->data());
  absl::StatusOr<Barrier> b = Barrier::Attach(bh, CountingAction(rec, 2));
  if (!b.ok()) std::exit(2);
  if (!g->wait(kLong)) std::exit(3);
  absl::StatusOr<int> first = b->wait(kLong);
  if (!first.ok() || *first != 1) std::exit(4);
  absl::StatusOr<int> second = b->wait(kLong);
  if (!second.ok() || *second != 0) std::exit(5);
}

}  // namespace

CONC_PROCESS_FUNCTION(spawned_party);
CONC_PROCESS_FUNCTION(spawned_two_rounds_after_go);

namespace {

// A zeroed Record in shared memory.
struct SharedRecord {
  std::shared_ptr<SharedRegion> region;
  Record* rec;
};
SharedRecord NewRecord() {
  std::shared_ptr<SharedRegion> region = Make(SharedRegion::Create(sizeof(Record), "test-record"));
  return {region, new (region->data()) Record{}};
}

void ExpectFullMasks(const Record* rec, int rounds, int parties) {
  for (int r = 0; r < rounds; ++r) {
    EXPECT_EQ(rec->masks[r].load(), (1u << parties) - 1) << "round " << r;
  }
}

// A full round of `parties` threads (index checked); true if all got one.
bool ThreadRound(const Barrier& b) {
  std::atomic<uint32_t> mask{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < b.parties(); ++t) {
    threads.emplace_back([&] {
      absl::StatusOr<int> i = b.wait(kLong);
      if (!i.ok()) {
        ok = false;
        return;
      }
      mask.fetch_or(1u << *i);
    });
  }
  for (auto& t : threads) t.join();
  return ok.load() && mask.load() == (1u << b.parties()) - 1;
}

// ---- Construction ----

TEST(MpBarrierTest, CreateRejectsBadParties) {
  EXPECT_TRUE(absl::IsInvalidArgument(Barrier::Create(0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Barrier::Create(-1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Barrier::Create(Barrier::kMaxParties + 1).status()));
  Barrier b = Make(Barrier::Create(3));
  EXPECT_EQ(b.parties(), 3);
  EXPECT_EQ(b.n_waiting(), 0);
  EXPECT_FALSE(b.broken());
}

TEST(MpBarrierTest, AttachChecksWhatTheDescriptorHolds) {
  Event e = Make(Event::Create());
  EXPECT_TRUE(absl::IsInvalidArgument(Barrier::Attach({e.handle().fd}).status()));
  EXPECT_FALSE(Barrier::Attach({-1}).ok());
  Barrier b = Make(Barrier::Create(2));
  Barrier again = Make(Barrier::Attach(b.handle()));
  EXPECT_EQ(again.parties(), 2);
}

TEST(MpBarrierTest, OnePartyPassesAndRunsTheActionEachTime) {
  SharedRecord r = NewRecord();
  Barrier b = Make(Barrier::Create(1, CountingAction(r.rec, 1)));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<int> index = b.wait(absl::ZeroDuration());
    ASSERT_TRUE(index.ok()) << index.status();
    EXPECT_EQ(*index, 0);
  }
  EXPECT_EQ(r.rec->actions.load(), 3u);
}

// ---- Rounds: threads, forked and spawned processes ----

// lock_tests.py test_barrier / test_wait_return / test_action, with threads.
TEST(MpBarrierTest, ThreadsGetDistinctIndicesRoundAfterRound) {
  constexpr int kParties = 4, kRounds = 5;
  SharedRecord r = NewRecord();
  Barrier b = Make(Barrier::Create(kParties, CountingAction(r.rec, 1)));
  std::vector<int> results(kParties, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kParties; ++t) {
    threads.emplace_back([&, t] { results[t] = RunRounds(b, r.rec, kRounds); });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kParties; ++t) EXPECT_EQ(results[t], 0) << t;
  ExpectFullMasks(r.rec, kRounds, kParties);
  EXPECT_EQ(r.rec->actions.load(), static_cast<uint32_t>(kRounds));
  EXPECT_FALSE(b.broken());
}

TEST(MpBarrierTest, ForkedProcessesGetDistinctIndicesRoundAfterRound) {
  constexpr int kParties = 4, kRounds = 5;
  SharedRecord r = NewRecord();
  Barrier b = Make(Barrier::Create(kParties, CountingAction(r.rec, 1)));
  std::vector<conc::Process> children;
  for (int i = 0; i < kParties - 1; ++i) {
    Record* rec = r.rec;
    children.emplace_back(conc::kForkMethod, [b, rec] { std::_Exit(RunRounds(b, rec, kRounds)); });
    ASSERT_TRUE(children.back().start().ok());
  }
  EXPECT_EQ(RunRounds(b, r.rec, kRounds), 0);
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  ExpectFullMasks(r.rec, kRounds, kParties);
  EXPECT_EQ(r.rec->actions.load(), static_cast<uint32_t>(kRounds));
}

TEST(MpBarrierTest, SpawnedProcessesGetDistinctIndicesRoundAfterRound) {
  constexpr int kParties = 3, kRounds = 4;
  SharedRecord r = NewRecord();
  Barrier b = Make(Barrier::Create(kParties, CountingAction(r.rec, 1)));
  std::vector<conc::Process> children;
  for (int i = 0; i < kParties - 1; ++i) {
    children.emplace_back(
        conc::ProcessOptions{.pass_fds = Fds({b.fds_to_pass(), r.region->fds_to_pass()})},
        conc::process_function<spawned_party>, b.handle(), r.region->handle(), kRounds);
    ASSERT_TRUE(children.back().start().ok());
  }
  EXPECT_EQ(RunRounds(b, r.rec, kRounds), 0);
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  ExpectFullMasks(r.rec, kRounds, kParties);
  EXPECT_EQ(r.rec->actions.load(), static_cast<uint32_t>(kRounds));
}

// Many rounds back to back, three processes and a thread of the parent: no
// party is ever released before the action or twice with one index.
TEST(MpBarrierTest, StressManyRoundsAcrossProcesses) {
  constexpr int kParties = 4, kRounds = 300;
  SharedRecord r = NewRecord();
  Barrier b = Make(Barrier::Create(kParties, CountingAction(r.rec, 1)));
  std::vector<conc::Process> children;
  for (int i = 0; i < kParties - 1; ++i) {
    Record* rec = r.rec;
    children.emplace_back(conc::kForkMethod, [b, rec] { std::_Exit(RunRounds(b, rec, kRounds)); });
    ASSERT_TRUE(children.back().start().ok());
  }
  EXPECT_EQ(RunRounds(b, r.rec, kRounds), 0);
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  ExpectFullMasks(r.rec, kMaxRounds, kParties);
  EXPECT_EQ(r.rec->actions.load(), static_cast<uint32_t>(kRounds));
  EXPECT_FALSE(b.broken());
}

// Each process's handle carries its own action; the last to arrive runs its.
TEST(MpBarrierTest, TheLastArrivalRunsItsOwnHandlesAction) {
  SharedRecord r = NewRecord();
  Event go = Make(Event::Create());
  Barrier b = Make(Barrier::Create(2, CountingAction(r.rec, 1)));
  conc::Process child(
      conc::ProcessOptions{.pass_fds =
                               Fds({b.fds_to_pass(), r.region->fds_to_pass(), go.fds_to_pass()})},
      conc::process_function<spawned_two_rounds_after_go>, b.handle(), r.region->handle(),
      go.handle());
  ASSERT_TRUE(child.start().ok());
  // Round 1: we arrive first (in a thread), the child last: its action runs.
  absl::StatusOr<int> first = absl::UnknownError("not run");
  std::thread t([&] { first = b.wait(kLong); });
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 1; }));
  go.set();
  t.join();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(r.rec->who_acted.load(), 2u);
  // Round 2: the child arrives first, we last: our action runs.
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 1; }));
  absl::StatusOr<int> second = b.wait(kLong);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(r.rec->who_acted.load(), 1u);
  EXPECT_EQ(r.rec->actions.load(), 2u);
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), 0);
}

// ---- Timeouts, abort, reset, failing actions ----

// lock_tests.py test_timeout: one party's timeout breaks the barrier for all,
// here for a party in another process too.
TEST(MpBarrierTest, ATimeoutBreaksItForEveryProcess) {
  Barrier b = Make(Barrier::Create(3));
  conc::Process child(conc::kForkMethod, [b] {
    absl::StatusOr<int> i = b.wait(kLong);
    std::_Exit(absl::IsAborted(i.status()) ? 0 : 3);
  });
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 1; }));
  const absl::Time start = absl::Now();
  absl::StatusOr<int> mine = b.wait(absl::Milliseconds(100));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  EXPECT_TRUE(absl::IsAborted(mine.status())) << mine.status();
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(b.broken());
  // Broken until reset: later waits fail at once.
  EXPECT_TRUE(absl::IsAborted(b.wait(kLong).status()));
  ASSERT_TRUE(b.reset().ok());
  EXPECT_FALSE(b.broken());
  EXPECT_TRUE(ThreadRound(b));
}

// A zero or negative timeout: a party that is not the last breaks the barrier
// at once; the last one needs no wait and succeeds.
TEST(MpBarrierTest, ZeroAndNegativeTimeouts) {
  Barrier b = Make(Barrier::Create(2));
  EXPECT_TRUE(absl::IsAborted(b.wait(absl::ZeroDuration()).status()));
  EXPECT_TRUE(b.broken());
  ASSERT_TRUE(b.reset().ok());
  EXPECT_TRUE(absl::IsAborted(b.wait(absl::Seconds(-1)).status()));
  EXPECT_TRUE(b.broken());
  ASSERT_TRUE(b.reset().ok());
  conc::Process child(conc::kForkMethod, [b] {
    absl::StatusOr<int> i = b.wait(kLong);
    std::_Exit(i.ok() && *i == 0 ? 0 : 3);
  });
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 1; }));
  absl::StatusOr<int> last = b.wait(absl::ZeroDuration());
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, 1);
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_FALSE(b.broken());
}

// lock_tests.py test_default_timeout: the Create timeout applies to wait().
TEST(MpBarrierTest, DefaultTimeoutIsShared) {
  Barrier b = Make(Barrier::Create(2, nullptr, absl::Milliseconds(100)));
  Barrier attached = Make(Barrier::Attach(b.handle()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsAborted(attached.wait().status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  EXPECT_TRUE(b.broken());
}

// lock_tests.py test_abort.
TEST(MpBarrierTest, AbortWakesWaitersInOtherProcessesWithBroken) {
  Barrier b = Make(Barrier::Create(3));
  std::vector<conc::Process> children;
  for (int i = 0; i < 2; ++i) {
    children.emplace_back(conc::kForkMethod, [b] {
      absl::StatusOr<int> r = b.wait(kLong);
      std::_Exit(absl::IsAborted(r.status()) ? 0 : 3);
    });
    ASSERT_TRUE(children.back().start().ok());
  }
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 2; }));
  ASSERT_TRUE(b.abort().ok());
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  EXPECT_TRUE(b.broken());
  EXPECT_EQ(b.n_waiting(), 0);
  EXPECT_TRUE(absl::IsAborted(b.wait(kLong).status()));
  ASSERT_TRUE(b.reset().ok());
  EXPECT_TRUE(ThreadRound(b));
}

// lock_tests.py test_reset: waiters get broken, the next round works.
TEST(MpBarrierTest, ResetWakesWaitersWithBrokenAndTheNextRoundWorks) {
  Barrier b = Make(Barrier::Create(3));
  std::vector<conc::Process> children;
  for (int i = 0; i < 2; ++i) {
    children.emplace_back(conc::kForkMethod, [b] {
      absl::StatusOr<int> r = b.wait(kLong);
      if (!absl::IsAborted(r.status())) std::_Exit(3);
      // The next round, with the parent and the other child.
      r = b.wait(kLong);
      std::_Exit(r.ok() ? 0 : 4);
    });
    ASSERT_TRUE(children.back().start().ok());
  }
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 2; }));
  ASSERT_TRUE(b.reset().ok());
  EXPECT_FALSE(b.broken());
  absl::StatusOr<int> mine = b.wait(kLong);
  EXPECT_TRUE(mine.ok()) << mine.status();
  for (auto& c : children) {
    ASSERT_TRUE(c.join(kLong).ok());
    EXPECT_EQ(c.exitcode(), 0);
  }
  EXPECT_FALSE(b.broken());
}

// lock_tests.py test_action_exception: a failing action breaks the barrier;
// its runner gets the action's status, the others Aborted.
TEST(MpBarrierTest, AFailingActionBreaksIt) {
  Barrier b = Make(Barrier::Create(2, [] { return absl::InternalError("boom"); }));
  conc::Process child(conc::kForkMethod, [b] {
    absl::StatusOr<int> r = b.wait(kLong);
    std::_Exit(absl::IsAborted(r.status()) ? 0 : 3);
  });
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 1; }));
  absl::StatusOr<int> mine = b.wait(kLong);  // the last: runs the action
  EXPECT_TRUE(absl::IsInternal(mine.status())) << mine.status();
  ASSERT_TRUE(child.join(kLong).ok());
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(b.broken());
}

TEST(MpBarrierTest, AThrowingActionBreaksIt) {
  Barrier b = Make(Barrier::Create(1, Barrier::MakeAction([] { throw std::runtime_error("no"); })));
  absl::StatusOr<int> r = b.wait(kLong);
  EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("no"));
  EXPECT_TRUE(b.broken());
}

// ---- Faults ----

// A party killed with SIGKILL while others wait: they are told the barrier is
// broken within ~0.1 s (far inside their 60 s timeout), and after reset() the
// barrier works without the dead party.
TEST(MpBarrierTest, APartyKilledWhileOthersWaitBreaksItPromptly) {
  Barrier b = Make(Barrier::Create(4));
  conc::Process survivor(conc::kForkMethod, [b] {
    const absl::Time start = absl::Now();
    absl::StatusOr<int> r = b.wait(kLong);
    if (!absl::IsAborted(r.status())) std::_Exit(3);
    // Told by the death, not by the timeout (a wide margin for a loaded VM).
    std::_Exit(absl::Now() - start < absl::Seconds(30) ? 0 : 4);
  });
  conc::Process victim(conc::kForkMethod, [b] {
    (void)b.wait(kLong);
    std::_Exit(5);
  });
  ASSERT_TRUE(survivor.start().ok());
  ASSERT_TRUE(victim.start().ok());
  ASSERT_TRUE(Eventually([&] { return b.n_waiting() == 2; }));
  ASSERT_TRUE(victim.kill().ok());
  ASSERT_TRUE(victim.join(kLong).ok());
  EXPECT_EQ(victim.exitcode(), -SIGKILL);
  ASSERT_TRUE(survivor.join(kLong).ok());
  EXPECT_EQ(survivor.exitcode(), 0);
  EXPECT_TRUE(b.broken());
  ASSERT_TRUE(b.reset().ok());
  EXPECT_FALSE(b.broken());
  EXPECT_TRUE(ThreadRound(b));
}

// A process that dies holding the barrier's internal lock: the next caller
// gets OwnerDiedError (Aborted + conc/owner_died), the barrier is broken,
// reset() repairs it.
TEST(MpBarrierTest, DeathHoldingTheLockIsReportedAndRepaired) {
  Barrier b = Make(Barrier::Create(2));
  conc::Process holder(conc::kForkMethod, [b] {
    if (!conc::mp::internal::BarrierTestPeer::LockState(b).ok()) std::_Exit(3);
    std::_Exit(0);  // dies holding it
  });
  ASSERT_TRUE(holder.start().ok());
  ASSERT_TRUE(holder.join(kLong).ok());
  ASSERT_EQ(holder.exitcode(), 0);
  absl::StatusOr<int> r = b.wait(kLong);
  EXPECT_TRUE(conc::IsOwnerDied(r.status())) << r.status();
  EXPECT_TRUE(absl::IsAborted(r.status()));
  EXPECT_TRUE(b.broken());
  EXPECT_TRUE(absl::IsAborted(b.wait(kLong).status()));  // still broken, no owner-died now
  ASSERT_TRUE(b.reset().ok());
  EXPECT_TRUE(ThreadRound(b));

  // reset() and abort() report it too, and do their job.
  conc::Process holder2(conc::kForkMethod, [b] {
    if (!conc::mp::internal::BarrierTestPeer::LockState(b).ok()) std::_Exit(3);
    std::_Exit(0);
  });
  ASSERT_TRUE(holder2.start().ok());
  ASSERT_TRUE(holder2.join(kLong).ok());
  ASSERT_EQ(holder2.exitcode(), 0);
  EXPECT_TRUE(conc::IsOwnerDied(b.reset()));
  EXPECT_FALSE(b.broken());
  EXPECT_TRUE(ThreadRound(b));
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::wait (Python's multiprocessing.connection.wait): a parent
// watching its workers' Connections and sentinels, EOF from a dead peer, the
// timeout convention, the shared read-ahead buffer, and the errors. Waits are
// bounded generously (a loaded 2-core VM under the sanitizers); nothing sleeps
// to synchronise.

#include "modules/ipc/wait.h"

#include <signal.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/fd.h"
#include "modules/ipc/pipe.h"
#include "modules/threads/process.h"

namespace {

constexpr absl::Duration kLong = absl::Seconds(120);

// A worker: answers each number n >= 0 with 10 * n; returns on a negative one.
void answer_tens(conc::ConnectionHandle h) {
  absl::StatusOr<conc::Connection> c = conc::Connection::FromHandle(h);
  if (!c.ok()) std::exit(2);
  for (;;) {
    absl::StatusOr<int> n = c->recv<int>();
    if (!n.ok()) std::exit(3);
    if (*n < 0) return;
    if (!c->send(10 * *n).ok()) std::exit(4);
  }
}

}  // namespace

CONC_PROCESS_FUNCTION(answer_tens);

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Ends = std::pair<conc::Connection, conc::Connection>;

Ends MakePipe(bool duplex = true) {
  absl::StatusOr<Ends> p = conc::Pipe(duplex);
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

std::vector<size_t> Ready(std::span<const conc::WaitObject> objects,
                          std::optional<absl::Duration> timeout) {
  absl::StatusOr<std::vector<size_t>> r = conc::wait(objects, timeout);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<size_t>{};
}

// The parent's view of three workers: for each, its end of a duplex pipe
// (results, then EOF) and the Process (its sentinel).
struct Workers {
  std::vector<conc::Connection> ends;
  std::vector<conc::Process> processes;
  std::vector<std::string> labels;  // "end0".."end2", "proc0".."proc2"
  std::vector<conc::WaitObject> watch;

  Workers() {
    for (int i = 0; i < 3; ++i) {
      auto [a, b] = MakePipe();
      conc::Process p({.pass_fds = b.fds_to_pass()}, conc::process_function<answer_tens>,
                      b.handle());
      EXPECT_TRUE(p.start().ok());
      EXPECT_TRUE(b.close().ok());
      ends.push_back(std::move(a));
      processes.push_back(std::move(p));
    }
    for (int i = 0; i < 3; ++i) {
      watch.emplace_back(ends[i]);
      labels.push_back("end" + std::to_string(i));
    }
    for (int i = 0; i < 3; ++i) {
      watch.emplace_back(processes[i]);
      labels.push_back("proc" + std::to_string(i));
    }
  }

  // What wait() says is ready, by label.
  std::set<std::string> ReadyLabels(std::optional<absl::Duration> timeout) {
    std::set<std::string> out;
    for (size_t i : Ready(watch, timeout)) out.insert(labels.at(i));
    return out;
  }

  // Stops watching `label`.
  void Forget(const std::string& label) {
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == label) {
        labels.erase(labels.begin() + static_cast<ptrdiff_t>(i));
        watch.erase(watch.begin() + static_cast<ptrdiff_t>(i));
        return;
      }
    }
    ADD_FAILURE() << "not watched: " << label;
  }

  // Waits until worker i's end (EOF) and sentinel are both ready, and that
  // nothing else is; then checks the EOF and the exit code, and forgets both.
  void ExpectEnded(int i, int exitcode) {
    const std::string end = "end" + std::to_string(i), proc = "proc" + std::to_string(i);
    const absl::Time limit = absl::Now() + kLong;
    std::set<std::string> got;
    // The end sees EOF as the child's descriptors close, a moment before the
    // child is a zombie (its sentinel): wait until both are there.
    while (got.size() < 2 && absl::Now() < limit) {
      got = ReadyLabels(kLong);
      for (const std::string& l : got) ASSERT_TRUE(l == end || l == proc) << l;
    }
    EXPECT_EQ(got, (std::set<std::string>{end, proc}));
    EXPECT_EQ(ends[i].recv<int>().status().code(), absl::StatusCode::kOutOfRange);  // EOF
    ASSERT_TRUE(processes[i].join(absl::ZeroDuration()).ok());  // Already ended.
    EXPECT_EQ(processes[i].exitcode(), exitcode);
    Forget(end);
    Forget(proc);
  }
};

TEST(WaitTest, ParentSeesEachWorkerAsItBecomesReady) {
  Workers w;
  EXPECT_THAT(w.ReadyLabels(absl::ZeroDuration()), IsEmpty());

  // Results, one worker at a time, out of order.
  for (int i : {1, 2, 0}) {
    ASSERT_TRUE(w.ends[i].send(i + 1).ok());
    EXPECT_EQ(w.ReadyLabels(kLong), (std::set<std::string>{"end" + std::to_string(i)}));
    absl::StatusOr<int> got = w.ends[i].recv<int>();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, 10 * (i + 1));
    EXPECT_THAT(w.ReadyLabels(absl::ZeroDuration()), IsEmpty());
  }

  // Endings: worker 1 returns, worker 0 is killed, worker 2 returns.
  ASSERT_TRUE(w.ends[1].send(-1).ok());
  w.ExpectEnded(1, 0);
  EXPECT_THAT(w.ReadyLabels(absl::ZeroDuration()), IsEmpty());
  ASSERT_TRUE(w.processes[0].kill().ok());
  w.ExpectEnded(0, -SIGKILL);
  EXPECT_THAT(w.ReadyLabels(absl::ZeroDuration()), IsEmpty());
  ASSERT_TRUE(w.ends[2].send(-1).ok());
  w.ExpectEnded(2, 0);
}

TEST(WaitTest, SentinelStaysReadyAfterJoin) {
  Workers w;
  ASSERT_TRUE(w.ends[0].send(-1).ok());
  ASSERT_TRUE(w.processes[0].join(kLong).ok());
  const conc::Process& p = w.processes[0];
  EXPECT_THAT(Ready(std::vector<conc::WaitObject>{p}, absl::ZeroDuration()), ElementsAre(0));
  // The raw sentinel, as Python passes it.
  absl::StatusOr<int> sentinel = p.sentinel();
  ASSERT_TRUE(sentinel.ok()) << sentinel.status();
  EXPECT_THAT(*conc::wait({w.processes[1], *sentinel}, absl::ZeroDuration()), ElementsAre(1));
  for (int i : {1, 2}) ASSERT_TRUE(w.ends[i].send(-1).ok());
  for (int i : {1, 2}) ASSERT_TRUE(w.processes[i].join(kLong).ok());
}

TEST(WaitTest, DeadPeersConnectionIsReadyWithEof) {
  auto [r, w] = MakePipe(/*duplex=*/false);
  conc::Process peer(conc::kForkMethod, [] { ::pause(); });
  ASSERT_TRUE(peer.start().ok());  // The forked peer holds a copy of `w`.
  ASSERT_TRUE(w.close().ok());
  EXPECT_THAT(*conc::wait({r}, absl::ZeroDuration()), IsEmpty());  // The peer still has it.
  ASSERT_TRUE(peer.kill().ok());
  EXPECT_THAT(*conc::wait({r}, kLong), ElementsAre(0));
  EXPECT_EQ(r.recv<int>().status().code(), absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(peer.join(kLong).ok());
}

TEST(WaitTest, TimeoutZeroOnNothingReadyReturnsEmptyAtOnce) {
  auto [a, b] = MakePipe();
  absl::StatusOr<std::pair<conc::FileDescriptor, conc::FileDescriptor>> raw = conc::MakePipe();
  ASSERT_TRUE(raw.ok()) << raw.status();
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::vector<size_t>> r = conc::wait({a, b, raw->first.get()}, timeout);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(*r, IsEmpty());
    // "At once": a poll, not a 50 ms slice, let alone a wait (wide margin).
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << timeout;
  }
  // A positive timeout waits that long, then returns nothing.
  const absl::Time start = absl::Now();
  EXPECT_THAT(*conc::wait({a, raw->first.get()}, absl::Milliseconds(30)), IsEmpty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  // A raw descriptor that becomes readable.
  ASSERT_EQ(::write(raw->second.get(), "x", 1), 1);
  EXPECT_THAT(*conc::wait({a, raw->first.get()}, kLong), ElementsAre(1));
}

TEST(WaitTest, SeesBytesInTheSharedReadAheadBuffer) {
  // Two small messages come in one read(2): after the first recv the second
  // waits in the pipe's shared read-ahead buffer, and the descriptor is empty.
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send(1).ok());
  ASSERT_TRUE(a.send(2).ok());
  ASSERT_EQ(*b.recv<int>(), 1);
  EXPECT_THAT(*conc::wait({a, b}, absl::ZeroDuration()), ElementsAre(1));
  ASSERT_EQ(*b.recv<int>(), 2);
  EXPECT_THAT(*conc::wait({a, b}, absl::ZeroDuration()), IsEmpty());
}

TEST(WaitTest, ListedTwiceIsReportedUnderBothIndices) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send(7).ok());
  EXPECT_THAT(*conc::wait({b, a, b}, kLong), ElementsAre(0, 2));
}

TEST(WaitTest, BadObjectsAreRefusedAndNamed) {
  auto [a, b] = MakePipe();
  auto [r, w] = MakePipe(/*duplex=*/false);
  conc::Connection closed;
  absl::StatusOr<std::vector<size_t>> got = conc::wait({a, closed}, absl::ZeroDuration());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(got.status().message(), HasSubstr("object 1: handle is closed"));
  got = conc::wait({w}, absl::ZeroDuration());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(got.status().message(), HasSubstr("write-only"));
  got = conc::wait({a, -1}, absl::ZeroDuration());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  conc::Process never(conc::kForkMethod, [] {});
  got = conc::wait({never}, absl::ZeroDuration());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(got.status().message(), HasSubstr("not started"));
  got = conc::wait({conc::current_process()}, absl::ZeroDuration());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

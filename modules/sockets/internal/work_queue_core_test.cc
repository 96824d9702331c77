// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The work queue's core without gRPC: results, cancellation, forgetting, and
// listeners and waiters racing the workers (the part TSan checks for both
// server APIs, since the callback reactors are listeners).

#include "modules/sockets/internal/work_queue_core.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sockets/work_queue_client.h"  // TaskSpecOf

namespace conc::internal {
namespace {

using conc::TaskSpecOf;

// Waits (bounded: 20 s) until the task has ended; returns its status.
sockets::TaskStatus WaitEnded(WorkQueueCore& core, int64_t id) {
  uint64_t seen = core.version();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    absl::StatusOr<sockets::TaskStatus> status = core.Get(id);
    if (!status.ok() || IsEnded(status->state())) return status.ok() ? *status : sockets::TaskStatus();
    seen = core.WaitForChange(seen, absl::Milliseconds(50));
  }
  return *core.Get(id);
}

TEST(WorkQueueCoreTest, TasksRunToTheirResults) {
  WorkQueueCore core(2, 100);
  absl::StatusOr<int64_t> squares = core.Submit(TaskSpecOf(sockets::SUM_OF_SQUARES, 1000));
  absl::StatusOr<int64_t> count = core.Submit(TaskSpecOf(sockets::COUNT, 7));
  absl::StatusOr<int64_t> empty = core.Submit(TaskSpecOf(sockets::COUNT, 0));
  ASSERT_TRUE(squares.ok() && count.ok() && empty.ok());
  EXPECT_EQ(WaitEnded(core, *squares).result(), 1000 * 1001 * 2001 / 6);
  EXPECT_EQ(WaitEnded(core, *count).result(), 7);
  sockets::TaskStatus none = WaitEnded(core, *empty);
  EXPECT_EQ(none.state(), sockets::DONE);
  EXPECT_EQ(none.result(), 0);
  EXPECT_EQ(core.steps_executed(), 1007);
}

TEST(WorkQueueCoreTest, CancelStopsTheStepsAndStopCancelsTheRest) {
  WorkQueueCore core(1, 100);
  absl::StatusOr<int64_t> running = core.Submit(TaskSpecOf(sockets::COUNT, 1'000'000, 60'000));
  absl::StatusOr<int64_t> queued = core.Submit(TaskSpecOf(sockets::COUNT, 5));
  ASSERT_TRUE(running.ok() && queued.ok());
  // The first step is taken at once, then a 60 s pause that a cancel cuts short.
  uint64_t seen = core.version();
  while (core.steps_executed() < 1) seen = core.WaitForChange(seen, absl::Milliseconds(50));
  absl::StatusOr<sockets::TaskStatus> cancelled = core.Cancel(*running, "test");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state(), sockets::CANCELLED);
  EXPECT_EQ(cancelled->error(), "test");
  EXPECT_EQ(WaitEnded(core, *queued).result(), 5);  // the worker moved on at once
  EXPECT_EQ(core.Get(*running)->steps_done(), 1);

  WorkQueueCore stopping(1, 100);
  absl::StatusOr<int64_t> a = stopping.Submit(TaskSpecOf(sockets::COUNT, 100, 60'000));
  absl::StatusOr<int64_t> b = stopping.Submit(TaskSpecOf(sockets::COUNT, 100));
  stopping.Stop();
  EXPECT_EQ(stopping.Get(*a)->error(), "server shutting down");
  EXPECT_EQ(stopping.Get(*b)->state(), sockets::CANCELLED);
  EXPECT_EQ(stopping.Submit(TaskSpecOf(sockets::COUNT, 1)).status().code(), absl::StatusCode::kUnavailable);
}

TEST(WorkQueueCoreTest, EndedTasksBeyondTheLimitAreForgotten) {
  WorkQueueCore core(1, 2);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(*core.Submit(TaskSpecOf(sockets::COUNT, 1)));
  WaitEnded(core, ids[2]);
  EXPECT_EQ(core.Get(ids[0]).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(core.Get(ids[1]).ok());
  EXPECT_TRUE(core.Get(ids[2]).ok());
}

TEST(WorkQueueCoreTest, ListenersRaceWorkersCancelsAndUnlisten) {
  WorkQueueCore core(2, 1000);
  std::vector<int64_t> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(*core.Submit(TaskSpecOf(sockets::COUNT, 2000)));
  // Each listener re-reads its task, as a reactor does, and counts; the
  // counters are shared_ptrs held by the listener, as a reactor's weak_ptr is.
  std::atomic<int64_t> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        const int64_t id = ids[(t + round) % ids.size()];
        auto seen = std::make_shared<std::atomic<int64_t>>(0);
        const uint64_t handle = core.Listen(id, [&core, &calls, seen, id] {
          if (core.Get(id).ok()) seen->fetch_add(1);
          calls.fetch_add(1);
        });
        if (round % 7 == 0) core.Cancel(id, "raced").IgnoreError();
        core.Unlisten(handle);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int64_t id : ids) EXPECT_TRUE(IsEnded(WaitEnded(core, id).state()));
  // A listener added after its task ended is never called.
  std::atomic<int> late{0};
  const uint64_t handle = core.Listen(ids[0], [&late] { late.fetch_add(1); });
  core.Poke();
  core.Unlisten(handle);
  EXPECT_EQ(late.load(), 0);
  EXPECT_GE(calls.load(), 0);
}

}  // namespace
}  // namespace conc::internal

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The work queue end to end: a WorkQueueServer on 127.0.0.1:0 and a
// WorkQueueClient in one process, every test against both server APIs (sync,
// callback). Deadlines are generous (a loaded 2-core machine, sanitizers); a
// hang still fails within them.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "modules/sockets/grpc_call.h"
#include "modules/sockets/grpc_status.h"
#include "modules/sockets/work_queue.grpc.pb.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

namespace conc {
namespace {

using grpc::health::v1::HealthCheckResponse;
using sockets::TaskStatus;

// Polls the task's status until `done` says so or 20 s pass.
template <typename Pred>
absl::StatusOr<TaskStatus> WaitForStatus(WorkQueueClient& client, int64_t id, Pred done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (true) {
    absl::StatusOr<TaskStatus> status = client.Status(id);
    if (!status.ok() || done(*status) || absl::Now() > deadline) return status;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

class WorkQueueTest : public ::testing::TestWithParam<ServerApi> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<WorkQueueServer>> server =
        WorkQueueServer::Start({.address = "127.0.0.1:0", .api = GetParam(), .workers = 2});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<WorkQueueClient>(server_->target());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::ZeroDuration());
  }

  std::unique_ptr<WorkQueueServer> server_;
  std::unique_ptr<WorkQueueClient> client_;
};

TEST_P(WorkQueueTest, UnarySubmitThenStatusGivesTheResult) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::SUM_OF_SQUARES, 10));
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<TaskStatus> status =
      WaitForStatus(*client_, *id, [](const TaskStatus& s) { return s.state() == sockets::DONE; });
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), sockets::DONE);
  EXPECT_EQ(status->result(), 385);
  EXPECT_EQ(status->steps_done(), 10);
  EXPECT_EQ(status->task_id(), *id);
  // Cancelling an ended task changes nothing.
  absl::StatusOr<TaskStatus> again = client_->Cancel(*id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), sockets::DONE);
}

TEST_P(WorkQueueTest, WatchStreamsEveryStepThenTheFinalStatus) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 5, 2));
  ASSERT_TRUE(id.ok()) << id.status();
  std::vector<int64_t> steps;
  absl::StatusOr<TaskStatus> done = client_->Watch(*id, [&](const sockets::Progress& p) {
    EXPECT_EQ(p.total_steps(), 5);
    steps.push_back(p.steps_done());
    return true;
  });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(done->state(), sockets::DONE);
  EXPECT_EQ(done->result(), 5);
  // A second watcher, after the end, gets the same replay.
  int replayed = 0;
  done = client_->Watch(*id, [&](const sockets::Progress&) { return ++replayed > 0; });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(replayed, 5);
}

TEST_P(WorkQueueTest, SubmitBatchSubmitsEachAndSummarises) {
  absl::StatusOr<sockets::BatchSummary> summary = client_->SubmitBatch(
      {TaskSpecOf(sockets::COUNT, 3), TaskSpecOf(sockets::COUNT, -1), TaskSpecOf(sockets::SUM_OF_SQUARES, 3),
       TaskSpecOf(sockets::TASK_KIND_UNSPECIFIED, 1)});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted(), 2);
  EXPECT_EQ(summary->rejected(), 2);
  EXPECT_EQ(summary->first_error(), "n must be in [0, 1000000], got -1");
  ASSERT_EQ(summary->task_ids_size(), 2);
  absl::StatusOr<TaskStatus> last = WaitForStatus(
      *client_, summary->task_ids(1), [](const TaskStatus& s) { return s.state() == sockets::DONE; });
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->result(), 14);
}

TEST_P(WorkQueueTest, SessionReportsTasksAsTheyFinish) {
  std::vector<std::string> order;
  std::vector<sockets::SessionEvent> events;
  absl::Status status = client_->Session(
      {TaskSpecOf(sockets::COUNT, 20, 10), TaskSpecOf(sockets::SUM_OF_SQUARES, 4), TaskSpecOf(sockets::COUNT, -3)},
      [&](const sockets::SessionEvent& e) {
        order.push_back(e.tag());
        events.push_back(e);
        return true;
      });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(order.size(), 3u);
  // The slow task (200 ms) finishes last; the refusal and the quick one come first.
  EXPECT_EQ(order.back(), "0");
  for (const sockets::SessionEvent& e : events) {
    if (e.tag() == "0") {
      EXPECT_EQ(e.finished().result(), 20);
    } else if (e.tag() == "1") {
      EXPECT_EQ(e.finished().result(), 30);
    } else {
      EXPECT_EQ(e.rejected(), "INVALID_ARGUMENT: n must be in [0, 1000000], got -3");
    }
  }
}

TEST_P(WorkQueueTest, ACallPastItsDeadlineIsDeadlineExceeded) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 100'000, 10));
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<TaskStatus> watched = client_->Watch(
      *id, [](const sockets::Progress&) { return true; }, false, absl::Milliseconds(200));
  EXPECT_EQ(watched.status().code(), absl::StatusCode::kDeadlineExceeded) << watched.status();
  // A zero timeout is a deadline already passed: the call fails at once.
  EXPECT_EQ(client_->Status(*id, absl::ZeroDuration()).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  // The task itself goes on (the watcher did not ask for cancel_on_abandon).
  absl::StatusOr<TaskStatus> status = client_->Status(*id);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_NE(status->state(), sockets::CANCELLED);
}

TEST_P(WorkQueueTest, ClientCancellationStopsTheServersWork) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 100'000, 5));
  ASSERT_TRUE(id.ok()) << id.status();
  // Stop watching after 3 steps: the client's TryCancel, with cancel_on_abandon.
  absl::StatusOr<TaskStatus> watched = client_->Watch(
      *id, [](const sockets::Progress& p) { return p.steps_done() < 3; }, true);
  EXPECT_EQ(watched.status().code(), absl::StatusCode::kCancelled) << watched.status();
  absl::StatusOr<TaskStatus> status = WaitForStatus(
      *client_, *id, [](const TaskStatus& s) { return s.state() == sockets::CANCELLED; });
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->state(), sockets::CANCELLED);
  EXPECT_EQ(status->error(), "its watcher went away (cancel_on_abandon)");
  // The worker takes no further step: the counter stops growing.
  const int64_t steps = server_->steps_executed();
  absl::SleepFor(absl::Milliseconds(100));  // 20 steps' worth, had it gone on
  EXPECT_EQ(server_->steps_executed(), steps);
  EXPECT_LT(steps, 1000);
}

TEST_P(WorkQueueTest, CancellingASessionCancelsItsTasks) {
  // The long task is sent first, so when the quick one's event arrives the long
  // one exists (the server reads a stream in order); stopping there cancels it.
  absl::Status status = client_->Session(
      {TaskSpecOf(sockets::COUNT, 100'000, 5), TaskSpecOf(sockets::COUNT, 1)},
      [](const sockets::SessionEvent& e) { return e.tag() != "1"; });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  // Task ids are 1, 2 in this fresh server: the long one is 1.
  absl::StatusOr<TaskStatus> long_task = WaitForStatus(
      *client_, 1, [](const TaskStatus& s) { return s.state() == sockets::CANCELLED; });
  ASSERT_TRUE(long_task.ok()) << long_task.status();
  EXPECT_EQ(long_task->state(), sockets::CANCELLED);
  EXPECT_EQ(long_task->error(), "its session was cancelled");
}

TEST_P(WorkQueueTest, CancelRpcStopsARunningTask) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 100'000, 5));
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<TaskStatus> cancelled = client_->Cancel(*id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state(), sockets::CANCELLED);
  EXPECT_EQ(cancelled->error(), "cancelled by a client");
  absl::StatusOr<TaskStatus> watched = client_->Watch(*id, [](const sockets::Progress&) { return true; });
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_EQ(watched->state(), sockets::CANCELLED);
}

TEST_P(WorkQueueTest, BadInputGivesAClearStatus) {
  absl::StatusOr<TaskStatus> unknown = client_->Status(999);
  EXPECT_EQ(unknown.status(), absl::NotFoundError("no task 999"));
  EXPECT_EQ(client_->Cancel(999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->Watch(999, [](const sockets::Progress&) { return true; }).status(),
            absl::NotFoundError("no task 999"));
  EXPECT_EQ(client_->Submit(TaskSpecOf(sockets::COUNT, -5)).status(),
            absl::InvalidArgumentError("n must be in [0, 1000000], got -5"));
  EXPECT_EQ(client_->Submit(TaskSpecOf(sockets::COUNT, 1, -1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->Submit(TaskSpecOf(sockets::TASK_KIND_UNSPECIFIED, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(WorkQueueTest, HealthIsServingThenNotServingWhileInFlightCallsFinish) {
  absl::StatusOr<HealthCheckResponse::ServingStatus> health = client_->CheckHealth();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::SERVING);
  health = client_->CheckHealth("conc.sockets.WorkQueue");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::SERVING);

  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 20, 10));
  ASSERT_TRUE(id.ok()) << id.status();
  std::promise<void> first_step;
  std::future<absl::StatusOr<TaskStatus>> watched = std::async(std::launch::async, [&] {
    bool told = false;
    return client_->Watch(*id, [&](const sockets::Progress&) {
      if (!std::exchange(told, true)) first_step.set_value();
      return true;
    });
  });
  ASSERT_EQ(first_step.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);

  server_->StartDraining();
  health = client_->CheckHealth();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::NOT_SERVING);
  health = client_->CheckHealth("conc.sockets.WorkQueue");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(client_->Submit(TaskSpecOf(sockets::COUNT, 1)).status().code(), absl::StatusCode::kUnavailable);

  // Shutdown with a grace period: the watch in flight runs to its end.
  server_->Shutdown(absl::Seconds(20));
  absl::StatusOr<TaskStatus> done = watched.get();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), sockets::DONE);
  EXPECT_EQ(done->result(), 20);
  // And afterwards nobody answers.
  EXPECT_FALSE(client_->CheckHealth("", absl::Seconds(2)).ok());
}

TEST_P(WorkQueueTest, ManyWatchersOfOneTaskEachSeeEveryStep) {
  absl::StatusOr<int64_t> id = client_->Submit(TaskSpecOf(sockets::COUNT, 50, 1));
  ASSERT_TRUE(id.ok()) << id.status();
  std::vector<std::future<int>> watchers;
  for (int i = 0; i < 8; ++i) {
    watchers.push_back(std::async(std::launch::async, [&] {
      int64_t last = 0;
      bool in_order = true;
      absl::StatusOr<TaskStatus> done = client_->Watch(*id, [&](const sockets::Progress& p) {
        in_order = in_order && p.steps_done() == last + 1;
        last = p.steps_done();
        return true;
      });
      return done.ok() && done->result() == 50 && in_order && last == 50 ? 1 : 0;
    }));
  }
  int ok = 0;
  for (auto& w : watchers) ok += w.get();
  EXPECT_EQ(ok, 8);
}

TEST_P(WorkQueueTest, APortInUseIsUnavailable) {
  absl::StatusOr<std::unique_ptr<WorkQueueServer>> second = WorkQueueServer::Start(
      {.address = "127.0.0.1:" + std::to_string(server_->port()), .api = GetParam()});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

INSTANTIATE_TEST_SUITE_P(BothApis, WorkQueueTest,
                         ::testing::Values(ServerApi::kSync, ServerApi::kCallback),
                         [](const ::testing::TestParamInfo<ServerApi>& info) {
                           return info.param == ServerApi::kSync ? "sync" : "callback";
                         });

TEST(GrpcStatusTest, EveryCanonicalCodeMapsBothWays) {
  for (int code = 0; code <= 16; ++code) {
    const absl::Status a(static_cast<absl::StatusCode>(code), code == 0 ? "" : "why");
    const grpc::Status g = ToGrpcStatus(a);
    EXPECT_EQ(static_cast<int>(g.error_code()), code);
    EXPECT_EQ(FromGrpcStatus(g), a);
  }
}

TEST(GrpcCallTest, TimeoutsFollowTheProjectConvention) {
  grpc::ClientContext forever;
  SetCallTimeout(forever, std::nullopt);
  EXPECT_GT(forever.deadline(), std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 100));
  grpc::ClientContext huge;
  SetCallTimeout(huge, absl::Hours(1e9));  // past TIMEOUT_MAX: no deadline, no overflow
  EXPECT_GT(huge.deadline(), std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 100));
  grpc::ClientContext five;
  SetCallTimeout(five, absl::Seconds(5));
  const auto left = five.deadline() - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::seconds(3));
  EXPECT_LE(left, std::chrono::seconds(5));
}

}  // namespace
}  // namespace conc

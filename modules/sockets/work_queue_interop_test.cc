// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The work queue against code no one here wrote the library of: Python's grpcio
// (Debian's python3-grpcio 1.51, with stubs generated at build time by
// //modules/sockets/testing:work_queue_py).
//   * testing/work_queue_client.py drives the C++ server, both APIs, on all four
//     call kinds, plus bad input, a deadline, Cancel and call.cancel();
//   * the C++ client calls testing/work_queue_server.py the same way.
// /usr/bin/python3 runs through conc::RunCommand, bounded in time.

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

namespace conc {
namespace {

using sockets::TaskStatus;

constexpr char kPython[] = "/usr/bin/python3";

std::string Script(const std::string& name) {
  std::optional<std::string> path = RunfilePath("modules/sockets/testing/" + name);
  return path.value_or(name);
}

class PythonClientTest : public ::testing::TestWithParam<ServerApi> {};

TEST_P(PythonClientTest, GrpcioDrivesTheCppServerOnEveryCallKind) {
  absl::StatusOr<std::unique_ptr<WorkQueueServer>> server =
      WorkQueueServer::Start({.address = "127.0.0.1:0", .api = GetParam()});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<CommandResult> run = RunCommand(
      {kPython, Script("work_queue_client.py"), "--target=" + (*server)->target()}, absl::Minutes(2));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_NE(run->output.find("python client: 13 checks passed"), std::string::npos) << run->output;
  (*server)->Shutdown(absl::Seconds(1));
}

INSTANTIATE_TEST_SUITE_P(BothApis, PythonClientTest,
                         ::testing::Values(ServerApi::kSync, ServerApi::kCallback),
                         [](const ::testing::TestParamInfo<ServerApi>& info) {
                           return info.param == ServerApi::kSync ? "sync" : "callback";
                         });

// The Python server in a thread of ours (RunCommand blocks), stopped through a
// file it polls for; bounded by its --seconds and RunCommand's timeout.
class PythonServer {
 public:
  PythonServer() {
    char dir[] = "/tmp/wq_interop.XXXXXX";
    dir_ = mkdtemp(dir) != nullptr ? dir : "/tmp";
    thread_ = std::thread([this] {
      result_ = RunCommand({kPython, Script("work_queue_server.py"), "--port-file=" + dir_ + "/port",
                            "--stop-file=" + dir_ + "/stop", "--seconds=120"},
                           absl::Minutes(3));
    });
  }
  ~PythonServer() { Stop(); }

  // The port it serves on, or 0 after 30 s without one.
  int WaitForPort() {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      std::ifstream in(dir_ + "/port");
      int port = 0;
      if (in >> port && port > 0) return port;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return 0;
  }

  // Stops it; what it printed and how it exited.
  const absl::StatusOr<CommandResult>& Stop() {
    if (thread_.joinable()) {
      std::ofstream(dir_ + "/stop") << "stop\n";
      thread_.join();
      std::remove((dir_ + "/stop").c_str());
      std::remove((dir_ + "/port").c_str());
      rmdir(dir_.c_str());
    }
    return result_;
  }

 private:
  std::string dir_;
  std::thread thread_;
  absl::StatusOr<CommandResult> result_ = absl::UnknownError("not run");
};

TEST(CppClientTest, CallsAGrpcioServerOnEveryCallKind) {
  PythonServer python;
  const int port = python.WaitForPort();
  if (port == 0) {
    const absl::StatusOr<CommandResult>& result = python.Stop();
    FAIL() << "work_queue_server.py wrote no port: "
           << (result.ok() ? result->output : result.status().ToString());
  }
  WorkQueueClient client(absl::StrCat("127.0.0.1:", port));

  // Unary, then server streaming.
  absl::StatusOr<int64_t> id = client.Submit(TaskSpecOf(sockets::SUM_OF_SQUARES, 10));
  ASSERT_TRUE(id.ok()) << id.status();
  std::vector<int64_t> steps;
  absl::StatusOr<TaskStatus> done = client.Watch(*id, [&](const sockets::Progress& p) {
    steps.push_back(p.steps_done());
    return true;
  });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(done->result(), 385);
  absl::StatusOr<TaskStatus> status = client.Status(*id);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), sockets::DONE);

  // Bad input: Python's context.abort arrives as the same statuses.
  EXPECT_EQ(client.Submit(TaskSpecOf(sockets::COUNT, -5)).status(),
            absl::InvalidArgumentError("n must be in [0, 1000000], got -5"));
  EXPECT_EQ(client.Status(999).status(), absl::NotFoundError("no task 999"));

  // Client streaming.
  absl::StatusOr<sockets::BatchSummary> summary = client.SubmitBatch(
      {TaskSpecOf(sockets::COUNT, 3), TaskSpecOf(sockets::COUNT, -1), TaskSpecOf(sockets::SUM_OF_SQUARES, 3)});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted(), 2);
  EXPECT_EQ(summary->rejected(), 1);

  // Bidirectional.
  std::vector<std::string> tags;
  absl::Status session = client.Session(
      {TaskSpecOf(sockets::COUNT, 20, 10), TaskSpecOf(sockets::SUM_OF_SQUARES, 4)},
      [&](const sockets::SessionEvent& e) {
        tags.push_back(e.tag());
        EXPECT_EQ(e.finished().result(), e.tag() == "0" ? 20 : 30);
        return true;
      });
  ASSERT_TRUE(session.ok()) << session;
  EXPECT_EQ(tags, (std::vector<std::string>{"1", "0"}));

  // A deadline, Cancel, and a cancelled Watch with cancel_on_abandon.
  absl::StatusOr<int64_t> slow = client.Submit(TaskSpecOf(sockets::COUNT, 100'000, 10));
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(client.Watch(*slow, [](const sockets::Progress&) { return true; }, false,
                         absl::Milliseconds(200))
                .status()
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  absl::StatusOr<TaskStatus> cancelled = client.Cancel(*slow);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state(), sockets::CANCELLED);
  absl::StatusOr<int64_t> watched = client.Submit(TaskSpecOf(sockets::COUNT, 100'000, 5));
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_EQ(client.Watch(*watched, [](const sockets::Progress& p) { return p.steps_done() < 2; }, true)
                .status()
                .code(),
            absl::StatusCode::kCancelled);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (true) {
    status = client.Status(*watched);
    if (!status.ok() || status->state() == sockets::CANCELLED || absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), sockets::CANCELLED);
  EXPECT_EQ(status->error(), "its watcher went away (cancel_on_abandon)");

  const absl::StatusOr<CommandResult>& result = python.Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->output;
}

}  // namespace
}  // namespace conc

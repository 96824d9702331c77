// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_deadline: every call has a deadline. A Watch of a long task with 200 ms
// to live ends with DEADLINE_EXCEEDED on time; a zero timeout fails at once.
// The deadline ends the call, not the task: the task goes on, and the client
// cancels it explicitly (Cancel, a unary call).
//
//   try: list(stub.Watch(WatchRequest(task_id=task), timeout=0.2))
//   except grpc.RpcError as e: print(e.code())   # StatusCode.DEADLINE_EXCEEDED

#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Deadlines: a call that runs too long is DEADLINE_EXCEEDED (Module 4).");
  std::unique_ptr<conc::WorkQueueServer> server =
      conc::ValueOrDie(conc::WorkQueueServer::Start({.address = "127.0.0.1:0"}), "WorkQueueServer::Start");
  conc::WorkQueueClient client(server->target());

  // Some 17 minutes of counting: 100,000 steps of 10 ms.
  const int64_t task = conc::ValueOrDie(
      client.Submit(conc::TaskSpecOf(conc::sockets::COUNT, 100'000, /*step_delay_ms=*/10)), "client.Submit");

  conc::Heading("stub.Watch(task, timeout=0.2)");
  const absl::Time start = absl::Now();
  absl::StatusOr<conc::sockets::TaskStatus> watched = client.Watch(
      task, [](const conc::sockets::Progress&) { return true; }, false, absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  std::printf("Watch -> %s\n", absl::StatusCodeToString(watched.status().code()).c_str());
  std::printf("it ended %s\n", took < absl::Seconds(5) ? "near its deadline, not 17 minutes later" : "late?!");

  conc::Heading("timeout=0: a deadline already passed");
  std::printf("Status(timeout=0) -> %s\n",
              absl::StatusCodeToString(client.Status(task, absl::ZeroDuration()).status().code()).c_str());

  conc::Heading("the deadline ended the call, not the task: Cancel it");
  conc::sockets::TaskStatus status = conc::ValueOrDie(client.Status(task), "client.Status");
  std::printf("the task is still %s\n", conc::sockets::TaskState_Name(status.state()).c_str());
  status = conc::ValueOrDie(client.Cancel(task), "client.Cancel");
  std::printf("Cancel -> %s (%s)\n", conc::sockets::TaskState_Name(status.state()).c_str(),
              status.error().c_str());

  server->Shutdown(absl::Seconds(1));
  return 0;
}

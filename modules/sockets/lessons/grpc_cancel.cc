// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_cancel: a client that stops listening stops the server's work. The
// client watches a long task with cancel_on_abandon and, after 3 steps,
// cancels the call (ClientContext::TryCancel). The server sees the call
// cancelled (ServerContext::IsCancelled in the synchronous API, OnCancel in
// the callback one), cancels the task, and its worker takes no further step:
// the server's step counter stops. Both server APIs, one after the other.
//
//   call = stub.Watch(WatchRequest(task_id=task, cancel_on_abandon=True))
//   for event in call:
//       if event.progress.steps_done == 3: call.cancel(); break

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Cancellation: the client cancels, the server stops working (Module 4).");
  for (conc::ServerApi api : {conc::ServerApi::kSync, conc::ServerApi::kCallback}) {
    const char* name = api == conc::ServerApi::kSync ? "synchronous" : "callback";
    conc::Heading(std::string("the ") + name + " server API");
    std::unique_ptr<conc::WorkQueueServer> server = conc::ValueOrDie(
        conc::WorkQueueServer::Start({.address = "127.0.0.1:0", .api = api}), "WorkQueueServer::Start");
    conc::WorkQueueClient client(server->target());

    const int64_t task = conc::ValueOrDie(
        client.Submit(conc::TaskSpecOf(conc::sockets::COUNT, 100'000, /*step_delay_ms=*/5)), "client.Submit");

    absl::StatusOr<conc::sockets::TaskStatus> watched = client.Watch(
        task,
        [](const conc::sockets::Progress& p) {
          std::printf("progress %lld\n", static_cast<long long>(p.steps_done()));
          return p.steps_done() < 3;  // false: call.cancel()
        },
        /*cancel_on_abandon=*/true);
    std::printf("Watch -> %s\n", absl::StatusCodeToString(watched.status().code()).c_str());

    // The server learns of the cancel asynchronously: wait (bounded) to see it.
    conc::sockets::TaskStatus status;
    for (int i = 0; i < 2000 && status.state() != conc::sockets::CANCELLED; ++i) {
      status = conc::ValueOrDie(client.Status(task), "client.Status");
      if (status.state() != conc::sockets::CANCELLED) absl::SleepFor(absl::Milliseconds(5));
    }
    std::printf("task: %s (%s)\n", conc::sockets::TaskState_Name(status.state()).c_str(),
                status.error().c_str());
    const int64_t steps = server->steps_executed();
    absl::SleepFor(absl::Milliseconds(100));  // 20 more steps, had the work gone on
    std::printf("the server %s\n", server->steps_executed() == steps ? "took no further step"
                                                                    : "kept working?!");
    server->Shutdown(absl::Seconds(1));
  }
  return 0;
}

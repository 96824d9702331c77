// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_server_streaming: one request, a stream of replies. Watch sends one
// Progress per step of a task, then its final status; a second watcher, later,
// gets the same steps replayed (the state lives in the queue, not the call).
//
//   for event in stub.Watch(WatchRequest(task_id=task), timeout=30):
//       if event.HasField("progress"): print(event.progress.steps_done)
//       else: print(event.final.result)

#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Shorter steps, for the tour and the tests.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Server streaming: Watch a task's progress, then its result (Module 4).");
  const int step_ms = absl::GetFlag(FLAGS_quick) ? 10 : 200;

  std::unique_ptr<conc::WorkQueueServer> server =
      conc::ValueOrDie(conc::WorkQueueServer::Start({.address = "127.0.0.1:0"}), "WorkQueueServer::Start");
  conc::WorkQueueClient client(server->target());

  conc::Heading("task = stub.Submit(COUNT to 5, a pause after each step)");
  const int64_t task =
      conc::ValueOrDie(client.Submit(conc::TaskSpecOf(conc::sockets::COUNT, 5, step_ms)), "client.Submit");
  std::printf("submitted task %lld\n", static_cast<long long>(task));

  conc::Heading("for event in stub.Watch(task): ...");
  conc::sockets::TaskStatus done = conc::ValueOrDie(
      client.Watch(task,
                   [](const conc::sockets::Progress& p) {
                     std::printf("progress %lld/%lld\n", static_cast<long long>(p.steps_done()),
                                 static_cast<long long>(p.total_steps()));
                     return true;  // keep watching
                   }),
      "client.Watch");
  std::printf("final: %s, result %lld\n", conc::sockets::TaskState_Name(done.state()).c_str(),
              static_cast<long long>(done.result()));

  conc::Heading("a watcher that comes later gets every step replayed");
  int replayed = 0;
  conc::ValueOrDie(client.Watch(task, [&](const conc::sockets::Progress&) { return ++replayed > 0; }),
                   "client.Watch again");
  std::printf("second watcher saw %d steps\n", replayed);

  server->Shutdown(absl::Seconds(1));
  return 0;
}

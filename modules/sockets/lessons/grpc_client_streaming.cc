// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_client_streaming: a stream of requests, one reply. SubmitBatch sends many
// tasks on one call; the server submits each as it arrives (the workers start
// before the batch ends) and answers once, with a summary, when the client
// half-closes. A bad task is refused alone; the rest go on.
//
//   summary = stub.SubmitBatch(iter([SubmitRequest(spec=s) for s in specs]), timeout=30)
//   print(summary.accepted, summary.rejected, summary.first_error)

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Client streaming: many tasks on one call, one summary (Module 4).");
  std::unique_ptr<conc::WorkQueueServer> server =
      conc::ValueOrDie(conc::WorkQueueServer::Start({.address = "127.0.0.1:0"}), "WorkQueueServer::Start");
  conc::WorkQueueClient client(server->target());

  conc::Heading("summary = stub.SubmitBatch(iter(requests))");
  std::vector<conc::sockets::TaskSpec> specs;
  for (int64_t n : {3, 4, -2, 5}) specs.push_back(conc::TaskSpecOf(conc::sockets::SUM_OF_SQUARES, n));  // -2: refused
  conc::sockets::BatchSummary summary = conc::ValueOrDie(client.SubmitBatch(specs), "client.SubmitBatch");
  std::printf("accepted %d, rejected %d: %s\n", summary.accepted(), summary.rejected(),
              summary.first_error().c_str());

  conc::Heading("each accepted task's result (Watch to the end)");
  for (int64_t id : summary.task_ids()) {
    conc::sockets::TaskStatus done = conc::ValueOrDie(
        client.Watch(id, [](const conc::sockets::Progress&) { return true; }), "client.Watch");
    std::printf("task %lld: sum of squares to %lld = %lld\n", static_cast<long long>(id),
                static_cast<long long>(done.total_steps()), static_cast<long long>(done.result()));
  }

  server->Shutdown(absl::Seconds(1));
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_bidi_streaming: both sides stream at once. In a Session the client
// sends tasks (each tagged) while the server sends each task's result as it
// finishes, in finishing order, not sending order: a slow task sent first
// reports last. One thread writes, one reads (gRPC allows one of each).
//
//   for event in stub.Session(iter(requests), timeout=30):
//       print(event.tag, event.finished.result)

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Shorter steps, for the tour and the tests.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Bidirectional streaming: submit as you go, results as they finish (Module 4).");
  const int step_ms = absl::GetFlag(FLAGS_quick) ? 20 : 200;
  std::unique_ptr<conc::WorkQueueServer> server = conc::ValueOrDie(
      conc::WorkQueueServer::Start({.address = "127.0.0.1:0", .workers = 2}), "WorkQueueServer::Start");
  conc::WorkQueueClient client(server->target());

  conc::Heading("tag 0: count to 10, slowly; tag 1: sum of squares to 100, at once");
  const std::vector<conc::sockets::TaskSpec> specs = {
      conc::TaskSpecOf(conc::sockets::COUNT, 10, step_ms), conc::TaskSpecOf(conc::sockets::SUM_OF_SQUARES, 100)};

  conc::Heading("for event in stub.Session(iter(requests)): ...");
  conc::CheckOk(client.Session(specs,
                               [](const conc::sockets::SessionEvent& e) {
                                 std::printf("tag %s finished: result %lld\n", e.tag().c_str(),
                                             static_cast<long long>(e.finished().result()));
                                 return true;
                               }),
                "client.Session");
  std::printf("session over: the server ended the stream after the last result\n");

  server->Shutdown(absl::Seconds(1));
  return 0;
}

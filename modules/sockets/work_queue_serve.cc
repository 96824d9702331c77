// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// work_queue_serve: the gRPC work queue (work_queue_server.h) in a process of
// its own, for clients in other processes: Python's grpcio
// (testing/work_queue_client.py), or a C++ client measured out of process.
//
//   bazel run //modules/sockets:work_queue_serve -- --api=callback --port=50051
//
// The contract is :serve's: the first line on stdout is
// `listening on 127.0.0.1:PORT`, flushed before anything is served; it serves
// until SIGINT or SIGTERM, then shuts down with a grace of --grace_ms and exits 0.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/internal/stop_signals.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(std::string, api, "callback", "gRPC server API: sync or callback.");
ABSL_FLAG(int, port, 0, "TCP port on 127.0.0.1; 0 picks a free one (printed on the first line).");
ABSL_FLAG(int, workers, 2, "Threads that run tasks.");
ABSL_FLAG(int, grace_ms, 1000, "At SIGINT/SIGTERM, calls in flight get this long to finish.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "Serves the gRPC work queue (modules/sockets/work_queue.proto) on 127.0.0.1 until "
                   "SIGINT/SIGTERM. First stdout line: `listening on 127.0.0.1:PORT`.");
  const conc::internal::StopSignals stop;  // before gRPC starts a thread
  // Debian's Abseil is built without NDEBUG: absl::Mutex, which gRPC locks
  // several times per message, would run its debug deadlock detector.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  conc::WorkQueueServerOptions options;
  const std::string api = absl::GetFlag(FLAGS_api);
  if (api == "sync") {
    options.api = conc::ServerApi::kSync;
  } else if (api == "callback") {
    options.api = conc::ServerApi::kCallback;
  } else {
    conc::CheckOk(absl::InvalidArgumentError(absl::StrCat("unknown API '", api, "' (sync, callback)")), "--api");
  }
  options.address = absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port));
  options.workers = absl::GetFlag(FLAGS_workers);
  std::unique_ptr<conc::WorkQueueServer> server =
      conc::ValueOrDie(conc::WorkQueueServer::Start(options), "WorkQueueServer::Start");
  std::printf("listening on %s\n", server->target().c_str());
  std::fflush(stdout);

  const int signal_number = stop.Wait();
  server->Shutdown(absl::Milliseconds(absl::GetFlag(FLAGS_grace_ms)));
  std::fprintf(stderr, "work_queue_serve: stopped by signal %d (API %s): %lld steps executed\n", signal_number,
               api.c_str(), static_cast<long long>(server->steps_executed()));
  return 0;
}

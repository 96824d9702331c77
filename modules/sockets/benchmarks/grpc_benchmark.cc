// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The gRPC work queue's speed: a WorkQueueServer on 127.0.0.1:0 and a
// WorkQueueClient on one channel, in one process (the server on gRPC's
// threads), for each server API.
//
//   BM_WorkQueue_Unary_{Sync,Callback}   unary ping-pong: Status of a finished
//                                        task, one call at a time; items = calls
//   BM_WorkQueue_Stream_{Sync,Callback}  server streaming: Watch of a finished
//                                        task of kSteps steps replays kSteps + 1
//                                        messages; items = messages
//
// Abseil's mutex deadlock detector is switched off first (SetUp): Debian builds
// Abseil without NDEBUG, so every absl::Mutex lock, and gRPC takes several per
// message, would otherwise update the detector's global lock graph, a check
// that a release build of Abseil does not make (see the README's "Where it
// differs"). Python's grpcio, on the same Debian libraries, keeps it: a Python
// program has no call for it.
//
// The CPython peer, tools/peers/sockets_grpc_peer.py, measures the same with a
// grpcio client and the grpcio server of modules/sockets/testing on the same
// proto; `bazel run //tools/bench:ratios -- --chapter=sockets` prints both.

#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/sockets/work_queue_client.h"
#include "modules/sockets/work_queue_server.h"

namespace {

// Steps of the watched task: messages per Watch, less its final status. A
// constant, not ->Arg(), so that the names stay those ratios.json refers to.
constexpr int64_t kSteps = 10'000;

struct Fixture {
  std::unique_ptr<conc::WorkQueueServer> server;
  std::unique_ptr<conc::WorkQueueClient> client;
  int64_t task = 0;
};

// A server of `api`, a client, and one finished task of `steps` steps.
bool SetUp(benchmark::State& state, conc::ServerApi api, int64_t steps, Fixture& f) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<std::unique_ptr<conc::WorkQueueServer>> server =
      conc::WorkQueueServer::Start({.address = "127.0.0.1:0", .api = api});
  if (!server.ok()) {
    state.SkipWithError(server.status().ToString().c_str());
    return false;
  }
  f.server = *std::move(server);
  f.client = std::make_unique<conc::WorkQueueClient>(f.server->target());
  absl::StatusOr<int64_t> task = f.client->Submit(conc::TaskSpecOf(conc::sockets::COUNT, steps));
  absl::StatusOr<conc::sockets::TaskStatus> done =
      task.ok() ? f.client->Watch(*task, [](const conc::sockets::Progress&) { return true; })
                : task.status();
  if (!done.ok()) {
    state.SkipWithError(done.status().ToString().c_str());
    return false;
  }
  f.task = *task;
  return true;
}

void Unary(benchmark::State& state, conc::ServerApi api) {
  Fixture f;
  if (!SetUp(state, api, 1, f)) return;
  for (auto _ : state) {
    absl::StatusOr<conc::sockets::TaskStatus> status = f.client->Status(f.task);
    if (!status.ok()) {
      state.SkipWithError(status.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(status->result());
  }
  state.SetItemsProcessed(state.iterations());
  f.server->Shutdown(absl::Seconds(1));
}

void Stream(benchmark::State& state, conc::ServerApi api) {
  Fixture f;
  if (!SetUp(state, api, kSteps, f)) return;
  for (auto _ : state) {
    int64_t messages = 0;
    absl::StatusOr<conc::sockets::TaskStatus> done =
        f.client->Watch(f.task, [&](const conc::sockets::Progress&) { return ++messages > 0; });
    if (!done.ok() || messages != kSteps) {
      state.SkipWithError(done.ok() ? "a step went missing" : done.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * (kSteps + 1));
  f.server->Shutdown(absl::Seconds(1));
}

void BM_WorkQueue_Unary_Sync(benchmark::State& state) { Unary(state, conc::ServerApi::kSync); }
void BM_WorkQueue_Unary_Callback(benchmark::State& state) { Unary(state, conc::ServerApi::kCallback); }
void BM_WorkQueue_Stream_Sync(benchmark::State& state) { Stream(state, conc::ServerApi::kSync); }
void BM_WorkQueue_Stream_Callback(benchmark::State& state) { Stream(state, conc::ServerApi::kCallback); }

BENCHMARK(BM_WorkQueue_Unary_Sync)->UseRealTime();
BENCHMARK(BM_WorkQueue_Unary_Callback)->UseRealTime();
BENCHMARK(BM_WorkQueue_Stream_Sync)->UseRealTime();
BENCHMARK(BM_WorkQueue_Stream_Callback)->UseRealTime();

}  // namespace

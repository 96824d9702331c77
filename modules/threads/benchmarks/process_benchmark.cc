// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// process_benchmark: the cost of a process and of a process-pool task, next to
// CPython's multiprocessing (tools/peers/process_peer.py):
//
//   BM_Process_StartJoin       spawn start + join of a child that returns at once
//                              (CPython: get_context("spawn").Process)
//   BM_Process_StartJoinFork   the same with the fork start method
//                              (CPython: get_context("fork").Process, 3.11's default)
//   BM_ProcessPool_TrivialTask per-task overhead of a 2-worker ProcessPoolExecutor:
//                              batches of 100 trivial tasks submitted, then awaited
//   BM_RawFork_ExitWait        the floor: fork, _exit(0), waitpid
//
// main() is //modules/threads/benchmarks:process_benchmark_main (spawned children go
// through conc::ProcessMain first).
//
//   bazel run //modules/threads/benchmarks:process_benchmark
//   bazel run //tools/bench:ratios -- --chapter=threads

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"

int64_t identity(int64_t x) { return x; }
void nothing() {}
CONC_PROCESS_FUNCTION(identity);
CONC_PROCESS_FUNCTION(nothing);

namespace {

void BM_Process_StartJoin(benchmark::State& state) {
  for (auto _ : state) {
    conc::Process p(conc::process_function<nothing>);
    if (!p.start().ok() || !p.join().ok() || p.exitcode() != 0) state.SkipWithError("child failed");
  }
}
BENCHMARK(BM_Process_StartJoin)->UseRealTime();

void BM_Process_StartJoinFork(benchmark::State& state) {
  for (auto _ : state) {
    conc::Process p(conc::kForkMethod, [] {});
    if (!p.start().ok() || !p.join().ok() || p.exitcode() != 0) state.SkipWithError("child failed");
  }
}
BENCHMARK(BM_Process_StartJoinFork)->UseRealTime();

// The floor under the fork row: fork, _exit in the child, waitpid.
void BM_RawFork_ExitWait(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) state.SkipWithError("fork failed");
  }
}
BENCHMARK(BM_RawFork_ExitWait)->UseRealTime();

constexpr int kBatch = 100;

void BM_ProcessPool_TrivialTask(benchmark::State& state) {
  conc::ProcessPoolExecutor pool(2);
  // Start the workers outside the timing, as the peer does.
  if (!pool.submit(conc::process_function<identity>, int64_t{0}).result().ok()) {
    state.SkipWithError("pool failed");
    return;
  }
  std::vector<conc::Future<int64_t>> fs;
  fs.reserve(kBatch);
  for (auto _ : state) {
    fs.clear();
    for (int64_t i = 0; i < kBatch; ++i) {
      fs.push_back(pool.submit(conc::process_function<identity>, i));
    }
    for (auto& f : fs) {
      if (!f.result().ok()) state.SkipWithError("task failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ProcessPool_TrivialTask)->UseRealTime();

}  // namespace

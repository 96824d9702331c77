// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_queue_benchmark: conc::mp::Queue between two processes. This process
// puts batches of messages; a spawned consumer gets them and acknowledges each
// batch on a second queue, so a batch is timed from its first put to its last
// get (end to end, not just into the ring). Items processed = messages.
// Peer: tools/peers/ipc_queue_peer.py (multiprocessing.Queue, the same shape).
//
// This binary has its own main(): spawned children must go through
// conc::ProcessMain before Google Benchmark parses the command line.

#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/ipc/mp_queue.h"
#include "modules/threads/process.h"

// The consumer: gets `batch` messages, acks, and again, until an empty message.
void bench_consumer(conc::mp::QueueHandle h, conc::mp::QueueHandle ack_h, int batch) {
  auto q = conc::mp::Queue<std::string>::Attach(h);
  auto ack = conc::mp::Queue<int>::Attach(ack_h);
  if (!q.ok() || !ack.ok()) std::exit(2);
  for (;;) {
    for (int i = 0; i < batch; ++i) {
      absl::StatusOr<std::string> m = q->get();
      if (!m.ok()) std::exit(3);
      if (m->empty()) return;
    }
    if (!ack->put(1).ok()) std::exit(4);
  }
}
CONC_PROCESS_FUNCTION(bench_consumer);
// Instantiated before Process's constructor checks it (see mp_queue_test.cc).
static_assert(sizeof(conc::ProcessFunction<&bench_consumer>) > 0);

namespace {

void RunQueue(benchmark::State& state, size_t message_size, int batch) {
  auto q = conc::mp::Queue<std::string>::Create();
  auto ack = conc::mp::Queue<int>::Create();
  if (!q.ok() || !ack.ok()) {
    state.SkipWithError("Create failed");
    return;
  }
  std::vector<int> fds = q->fds_to_pass();
  fds.push_back(ack->handle().fd);
  conc::Process consumer({.pass_fds = fds}, conc::process_function<bench_consumer>, q->handle(),
                         ack->handle(), batch);
  if (!consumer.start().ok()) {
    state.SkipWithError("spawn failed");
    return;
  }
  // The payload is message_size bytes of the encoded item (an 8-byte length
  // and the characters).
  const std::string msg(message_size - 8, 'x');
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      if (!q->put(msg).ok()) std::abort();
    }
    if (!ack->get(absl::Seconds(60)).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * batch * static_cast<int64_t>(message_size));
  if (!q->put(std::string()).ok() || !consumer.join(absl::Seconds(60)).ok()) std::abort();
}

void BM_MpQueue_64B(benchmark::State& state) { RunQueue(state, 64, 10000); }
BENCHMARK(BM_MpQueue_64B)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_MpQueue_4KiB(benchmark::State& state) { RunQueue(state, 4096, 1000); }
BENCHMARK(BM_MpQueue_4KiB)->UseRealTime()->Unit(benchmark::kMillisecond);

// The cost of one put and one get with no other process involved: what the
// ring costs when no cache line moves between CPUs.
void BM_MpQueue_64B_SameThread(benchmark::State& state) {
  auto q = conc::mp::Queue<std::string>::Create();
  if (!q.ok()) return state.SkipWithError("Create failed");
  const std::string msg(56, 'x');
  for (auto _ : state) {
    if (!q->put(msg).ok()) std::abort();
    absl::StatusOr<std::string> m = q->get();
    if (!m.ok()) std::abort();
    benchmark::DoNotOptimize(m->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MpQueue_64B_SameThread);

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned consumer stops here.
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

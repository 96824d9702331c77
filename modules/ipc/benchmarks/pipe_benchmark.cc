// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_benchmark: messages per second through a conc::Pipe between two
// processes, and the raw pipe(2) loop that bounds it. One item = one message
// (SetItemsProcessed), in the 1 MiB rows too, so the ratio runner's ns/op
// compares the same thing as the peer's (tools/peers/ipc_pipe_peer.py).
//
// Each run forks a reader child that receives until an empty message (or, for
// the raw loops, until EOF) and then answers "done"; the parent sends in the
// timed loop and waits for the answer outside it, so at most one OS buffer of
// messages is still in flight when the clock stops.

#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/common/fd.h"
#include "modules/ipc/pipe.h"
#include "modules/threads/process.h"

namespace {

constexpr size_t k1MiB = size_t{1} << 20;

// conc::Pipe: the parent sends `size`-byte messages, a forked child receives
// them with recv_bytes_into (one reused buffer, as the raw loop).
void PipeThroughput(benchmark::State& state, size_t size, bool duplex) {
  absl::StatusOr<std::pair<conc::Connection, conc::Connection>> p = conc::Pipe(duplex);
  absl::StatusOr<std::pair<conc::Connection, conc::Connection>> done = conc::Pipe(false);
  if (!p.ok() || !done.ok()) return state.SkipWithError("Pipe failed");
  auto& [r, w] = *p;
  conc::Process reader(conc::kForkMethod, [&r, &done, size] {
    std::vector<std::byte> buf(size);
    for (;;) {
      absl::StatusOr<size_t> n = r.recv_bytes_into(buf);
      if (!n.ok() || *n == 0) break;
    }
    (void)done->second.send(1);
  });
  if (!reader.start().ok()) return state.SkipWithError("fork failed");
  std::string msg(size, 'x');
  for (auto _ : state) {
    if (!w.send_bytes(msg).ok()) return state.SkipWithError("send_bytes failed");
  }
  (void)w.send_bytes("");
  (void)done->first.recv<int>();
  (void)reader.join();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

// The limit: write(2)/read(2) of `size` bytes per message on a plain pipe,
// one system call per message on each side when it fits the pipe.
void RawPipeThroughput(benchmark::State& state, size_t size) {
  absl::StatusOr<std::pair<conc::FileDescriptor, conc::FileDescriptor>> p = conc::MakePipe();
  if (!p.ok()) return state.SkipWithError("pipe failed");
  const int rfd = p->first.get(), wfd = p->second.get();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(wfd);
    std::vector<std::byte> buf(size);
    for (;;) {
      absl::StatusOr<size_t> n = conc::ReadFull(rfd, buf);
      if (!n.ok() || *n < size) ::_exit(0);
    }
  }
  p->first.reset();
  std::vector<std::byte> msg(size, std::byte{'x'});
  for (auto _ : state) {
    if (!conc::WriteFull(wfd, msg).ok()) return state.SkipWithError("write failed");
  }
  p->second.reset();  // EOF: the child exits.
  int wstatus = 0;
  (void)::waitpid(pid, &wstatus, 0);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void BM_Pipe_64B(benchmark::State& state) { PipeThroughput(state, 64, /*duplex=*/false); }
void BM_PipeDuplex_64B(benchmark::State& state) { PipeThroughput(state, 64, true); }
void BM_Pipe_1MiB(benchmark::State& state) { PipeThroughput(state, k1MiB, /*duplex=*/false); }
void BM_PipeDuplex_1MiB(benchmark::State& state) { PipeThroughput(state, k1MiB, true); }
void BM_RawPipe_64B(benchmark::State& state) { RawPipeThroughput(state, 64); }
void BM_RawPipe_1MiB(benchmark::State& state) { RawPipeThroughput(state, k1MiB); }

BENCHMARK(BM_Pipe_64B)->UseRealTime();
BENCHMARK(BM_PipeDuplex_64B)->UseRealTime();
BENCHMARK(BM_Pipe_1MiB)->UseRealTime();
BENCHMARK(BM_PipeDuplex_1MiB)->UseRealTime();
BENCHMARK(BM_RawPipe_64B)->UseRealTime();
BENCHMARK(BM_RawPipe_1MiB)->UseRealTime();

}  // namespace

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_memory_benchmark: 64 MiB handed from one process to another through
// a conc::SharedMemory, against the same bytes moved within one process.
//
// One op of BM_SharedMemory_64MiB_WriteThenReadInChild =
//   this process memcpys 64 MiB from a private buffer into the segment, sends
//   a 1-byte token on a pipe; a spawned process (attached by name) memcpys the
//   64 MiB out of the segment into its own private buffer, checks two stamp
//   bytes and answers with 1 byte. Time per op is end to end (real time).
// One op of BM_Memcpy_64MiB_WriteThenRead (the limit) =
//   the same two 64 MiB memcpys (private -> buffer -> private) in one process.
// One op of BM_RawMemfd_64MiB_WriteThenReadInChild = the first benchmark
//   without conc: a memfd mapped MAP_SHARED, a forked reader, the same pipe
//   hand-off. What two processes on two CPUs pay, whatever the library.
// Every buffer's pages are touched before timing, in both processes, as the
// CPython peer does (tools/peers/ipc_shm_peer.py: `shm.buf[:] = data` in one
// process, `bytes(shm.buf)` in another).
//
// main() is //modules/threads/benchmarks:process_benchmark_main (spawned children go
// through conc::ProcessMain first).

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/ipc/shared_memory.h"
#include "modules/threads/process.h"

namespace {
constexpr size_t kSize = size_t{64} << 20;

bool ReadByte(int fd, char* c) {
  for (;;) {
    ssize_t n = ::read(fd, c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool WriteByte(int fd, char c) {
  for (;;) {
    ssize_t n = ::write(fd, &c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}
}  // namespace

// The reader: per token, copies the whole segment out and answers.
void shm_reader(std::string name, int in_fd, int out_fd) {
  absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Attach(name);
  if (!shm.ok() || shm->size() != kSize) std::exit(2);
  std::vector<char> dst(kSize, 1);  // Touched: no page faults while timed.
  char token;
  while (ReadByte(in_fd, &token)) {
    std::memcpy(dst.data(), shm->buf().data(), kSize);
    if (dst[0] != token || dst[kSize - 1] != token) std::exit(3);
    if (!WriteByte(out_fd, token)) std::exit(4);
  }
}
CONC_PROCESS_FUNCTION(shm_reader);

namespace {

void BM_SharedMemory_64MiB_WriteThenReadInChild(benchmark::State& state) {
  absl::StatusOr<conc::SharedMemory> shm =
      conc::SharedMemory::Create(conc::SharedMemory::UniqueName("conc_bench_"), kSize);
  if (!shm.ok()) return state.SkipWithError("Create failed");
  std::vector<char> src(kSize, 'x');
  std::memset(shm->buf().data(), 0, kSize);  // Touch the mapping's pages here.
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    return state.SkipWithError("pipe failed");
  }
  conc::Process reader({.pass_fds = {to_child[0], from_child[1]}},
                       conc::process_function<shm_reader>, shm->name(), to_child[0], from_child[1]);
  if (!reader.start().ok()) return state.SkipWithError("spawn failed");
  ::close(to_child[0]);
  ::close(from_child[1]);
  char token = 0;
  auto one_op = [&] {
    ++token;
    src[0] = src[kSize - 1] = token;
    std::memcpy(shm->buf().data(), src.data(), kSize);
    char ack;
    if (!WriteByte(to_child[1], token) || !ReadByte(from_child[0], &ack) || ack != token) {
      std::abort();
    }
  };
  one_op();  // Warm-up: the reader touches its mapping and its buffer.
  for (auto _ : state) one_op();
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kSize));
  ::close(to_child[1]);  // EOF: the reader returns.
  if (!reader.join(absl::Seconds(60)).ok() || reader.exitcode() != 0) std::abort();
  ::close(from_child[0]);
  (void)shm->unlink();
}
BENCHMARK(BM_SharedMemory_64MiB_WriteThenReadInChild)->UseRealTime()->Unit(benchmark::kMillisecond);

// The limit: the same two copies without a second process.
void BM_Memcpy_64MiB_WriteThenRead(benchmark::State& state) {
  std::vector<char> src(kSize, 'x'), mid(kSize, 0), dst(kSize, 0);
  for (auto _ : state) {
    std::memcpy(mid.data(), src.data(), kSize);
    std::memcpy(dst.data(), mid.data(), kSize);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kSize));
}
BENCHMARK(BM_Memcpy_64MiB_WriteThenRead)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same hand-off with no conc code: a memfd, a forked reader.
void BM_RawMemfd_64MiB_WriteThenReadInChild(benchmark::State& state) {
  const int fd = ::memfd_create("conc_bench_raw", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, kSize) != 0) return state.SkipWithError("memfd failed");
  auto* mem = static_cast<char*>(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  ::close(fd);
  if (mem == MAP_FAILED) return state.SkipWithError("mmap failed");
  std::vector<char> src(kSize, 'x');
  std::memset(mem, 0, kSize);
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    return state.SkipWithError("pipe failed");
  }
  const pid_t child = ::fork();
  if (child < 0) return state.SkipWithError("fork failed");
  if (child == 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    std::vector<char> dst(kSize, 1);
    char token;
    while (ReadByte(to_child[0], &token)) {
      std::memcpy(dst.data(), mem, kSize);
      if (dst[0] != token || dst[kSize - 1] != token) ::_exit(3);
      if (!WriteByte(from_child[1], token)) ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  char token = 0;
  auto one_op = [&] {
    ++token;
    src[0] = src[kSize - 1] = token;
    std::memcpy(mem, src.data(), kSize);
    char ack;
    if (!WriteByte(to_child[1], token) || !ReadByte(from_child[0], &ack) || ack != token) {
      std::abort();
    }
  };
  one_op();  // Warm-up: the reader faults its mapping and its buffer in.
  for (auto _ : state) one_op();
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kSize));
  ::close(to_child[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(from_child[0]);
  ::munmap(mem, kSize);
}
BENCHMARK(BM_RawMemfd_64MiB_WriteThenReadInChild)->UseRealTime()->Unit(benchmark::kMillisecond);

// One memcpy of 64 MiB, for reference: the bandwidth of a single copy.
void BM_Memcpy_64MiB(benchmark::State& state) {
  std::vector<char> src(kSize, 'x'), dst(kSize, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kSize);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kSize));
}
BENCHMARK(BM_Memcpy_64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The machine's limits, measured once for every chapter by the performance
// report (tools/bench/report.py): what the hardware and the kernel can do at
// best, with no library of ours in the way, so that each chapter's rows can say
// how far from the limit they are.
//
//   bazel run //tools/bench:limits_benchmark
//
// Each benchmark is the floor of a family of rows: a pipe message cannot beat
// one write(2) + read(2); a cross-thread hand-over cannot beat a futex
// ping-pong; a process cannot start faster than fork + wait.

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "modules/common/internal/futex.h"
#include "modules/common/timeout.h"

namespace {

using conc::internal::FutexScope;

void Check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) state.SkipWithError(what);
}

// One write(2) of 64 bytes and one read(2) of them, on one thread.
void BM_PipeWriteRead64(benchmark::State& state) {
  int fds[2];
  if (::pipe(fds) != 0) return state.SkipWithError("pipe");
  char buf[64] = {};
  for (auto _ : state) {
    if (::write(fds[1], buf, sizeof buf) != sizeof buf || ::read(fds[0], buf, sizeof buf) != sizeof buf) {
      state.SkipWithError("pipe write/read");
      break;
    }
  }
  ::close(fds[0]);
  ::close(fds[1]);
}
BENCHMARK(BM_PipeWriteRead64);

// A 64-byte round trip over a socketpair between two threads.
void BM_SocketpairRoundTrip64(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return state.SkipWithError("socketpair");
  std::thread echo([fd = fds[1]] {
    char buf[64];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0 || ::write(fd, buf, static_cast<size_t>(n)) != n) return;
    }
  });
  char buf[64] = {};
  for (auto _ : state) {
    size_t got = 0;
    if (::write(fds[0], buf, sizeof buf) != sizeof buf) break;
    while (got < sizeof buf) {
      const ssize_t n = ::read(fds[0], buf + got, sizeof buf - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  }
  ::shutdown(fds[0], SHUT_RDWR);
  echo.join();
  ::close(fds[0]);
  ::close(fds[1]);
}
BENCHMARK(BM_SocketpairRoundTrip64)->UseRealTime();

// memcpy of 1 MiB: the bandwidth a copy of shared data meets.
void BM_Memcpy1MiB(benchmark::State& state) {
  std::vector<char> from(1 << 20, 'x'), to(1 << 20);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), from.size());
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_Memcpy1MiB);

// An uncontended std::mutex lock + unlock.
void BM_MutexUncontended(benchmark::State& state) {
  std::mutex mu;
  for (auto _ : state) {
    mu.lock();
    benchmark::ClobberMemory();
    mu.unlock();
  }
}
BENCHMARK(BM_MutexUncontended);

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Two threads hand a turn back and forth through one futex word; arg 1: both on
// CPU 0 (every hand-over is a context switch), 2: one on each of two CPUs.
void BM_FutexPingPong(benchmark::State& state) {
  const bool one_cpu = state.range(0) == 1;
  if (!one_cpu && std::thread::hardware_concurrency() < 2) return state.SkipWithError("one CPU only");
  std::atomic<uint32_t> turn{0};  // 0: main's turn, 1: the partner's, 2: stop
  std::thread partner([&] {
    if (!PinTo(one_cpu ? 0 : 1)) return;
    for (;;) {
      uint32_t t = turn.load(std::memory_order_acquire);
      while (t == 0) {
        conc::internal::FutexWait(&turn, 0, conc::Deadline::Infinite(), FutexScope::kPrivate);
        t = turn.load(std::memory_order_acquire);
      }
      if (t == 2) return;
      turn.store(0, std::memory_order_release);
      conc::internal::FutexWake(&turn, 1, FutexScope::kPrivate);
    }
  });
  Check(PinTo(0), state, "sched_setaffinity");
  for (auto _ : state) {
    turn.store(1, std::memory_order_release);
    conc::internal::FutexWake(&turn, 1, FutexScope::kPrivate);
    while (turn.load(std::memory_order_acquire) == 1) {
      conc::internal::FutexWait(&turn, 1, conc::Deadline::Infinite(), FutexScope::kPrivate);
    }
  }
  turn.store(2, std::memory_order_release);
  conc::internal::FutexWake(&turn, 1, FutexScope::kPrivate);
  partner.join();
}
BENCHMARK(BM_FutexPingPong)->Arg(1)->Arg(2)->UseRealTime();

// std::thread start + join of a thread that does nothing.
void BM_ThreadStartJoin(benchmark::State& state) {
  for (auto _ : state) std::thread([] {}).join();
}
BENCHMARK(BM_ThreadStartJoin)->UseRealTime();

// fork + _exit in the child + waitpid: the floor of starting a process.
void BM_ForkWait(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    if (pid < 0) {
      state.SkipWithError("fork");
      break;
    }
    int status;
    ::waitpid(pid, &status, 0);
  }
}
BENCHMARK(BM_ForkWait)->UseRealTime();

}  // namespace

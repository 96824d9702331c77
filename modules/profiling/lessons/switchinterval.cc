// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// switchinterval: Python's `sys.getswitchinterval()` and what the Linux scheduler
// does instead.
//
//   import sys
//   sys.getswitchinterval()    # 0.005: a thread holding the GIL is asked to
//                              # let go after 5 ms, so others may run Python code
//
// CPython runs one thread's bytecode at a time; the switch interval is how long
// the others wait for their turn. C++ threads have no GIL: each runs on its own
// CPU when there is one, and when there are more runnable threads than CPUs the
// kernel's scheduler (CFS) time-slices them, in slices of a few milliseconds that
// it computes itself. This lesson prints Python's interval, the kernel's slice,
// the measured cost of one context switch between two threads on one CPU (what a
// hand-over costs when nobody waits 5 ms for it), and two CPU-bound threads
// running at once.

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"
#include "modules/profiling/timeit.h"

ABSL_FLAG(bool, quick, false, "fewer round trips and less work (for the tour and the tests)");

namespace {

constexpr char kPython[] = "/usr/bin/python3";

// Pins the calling thread to `cpu`; false if the machine does not allow it.
bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Two threads bounce one byte through two pipes `rounds` times; with both
// pinned to one CPU every hop is a context switch. Returns seconds per switch.
double SwitchCost(int rounds, bool one_cpu) {
  int ping[2], pong[2];
  if (::pipe(ping) != 0 || ::pipe(pong) != 0) conc::CheckOk(absl::InternalError("pipe failed"), "pipe()");
  std::thread echo([&] {
    if (one_cpu) PinTo(0);
    char c;
    for (int i = 0; i < rounds; ++i) {
      if (::read(ping[0], &c, 1) != 1 || ::write(pong[1], &c, 1) != 1) break;
    }
  });
  if (one_cpu) PinTo(0);
  const auto start = std::chrono::steady_clock::now();
  char c = 'x';
  for (int i = 0; i < rounds; ++i) {
    if (::write(ping[1], &c, 1) != 1 || ::read(pong[0], &c, 1) != 1) break;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  echo.join();
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &all);
  pthread_setaffinity_np(pthread_self(), sizeof all, &all);
  for (int fd : {ping[0], ping[1], pong[0], pong[1]}) ::close(fd);
  return seconds / (2.0 * rounds);
}

// CPU-bound work that the optimiser cannot remove.
uint64_t Spin(uint64_t n) {
  uint64_t x = 0;
  for (uint64_t i = 0; i < n; ++i) {
    x += i * i;
    conc::DoNotOptimize(x);
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "sys.getswitchinterval() vs the Linux scheduler and a measured context switch.");
  const bool quick = absl::GetFlag(FLAGS_quick);

  conc::Heading("Python: the GIL's switch interval");
  if (conc::HaveProgram(kPython)) {
    auto r = conc::ValueOrDie(
        conc::RunCommand({kPython, "-c", "import sys; print(sys.getswitchinterval())"}, absl::Minutes(1)),
        "python3 sys.getswitchinterval()");
    std::printf("sys.getswitchinterval() = %s", r.output.c_str());
  }

  conc::Heading("Linux: the scheduler's slice (no GIL: threads run at once on different CPUs)");
  timespec slice{};
  if (::sched_rr_get_interval(0, &slice) == 0) {
    const double ms = slice.tv_sec * 1e3 + slice.tv_nsec / 1e6;
    if (ms > 0) {
      std::printf("sched_rr_get_interval(0) = %.3f ms (the slice CFS would give this thread now)\n", ms);
    } else {
      std::printf("sched_rr_get_interval(0) = 0: CFS has no fixed slice while a CPU is free; it divides a few "
                  "ms among the threads that compete for one\n");
    }
  }
  std::ifstream rr("/proc/sys/kernel/sched_rr_timeslice_ms");
  std::string rr_ms;
  if (rr >> rr_ms) std::printf("SCHED_RR timeslice = %s ms (/proc/sys/kernel/sched_rr_timeslice_ms)\n", rr_ms.c_str());
  std::printf("CPUs online: %ld\n", ::sysconf(_SC_NPROCESSORS_ONLN));

  conc::Heading("one context switch, measured (two threads on one CPU, a byte through two pipes)");
  const int rounds = quick ? 2000 : 50000;
  const double one_cpu = SwitchCost(rounds, true);
  const double two_cpus = SwitchCost(rounds, false);
  std::printf("one hop, both threads on CPU 0:   %s (a context switch and a pipe read/write)\n",
              conc::FormatTime(one_cpu).c_str());
  std::printf("one hop, threads free to use any CPU: %s\n", conc::FormatTime(two_cpus).c_str());
  std::printf("5 ms is about %.0f such switches\n", 0.005 / one_cpu);

  conc::Heading("two CPU-bound threads: together, not in turns");
  const uint64_t work = quick ? 20'000'000 : 300'000'000;
  auto t0 = std::chrono::steady_clock::now();
  Spin(work);
  const double alone = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t0 = std::chrono::steady_clock::now();
  std::thread a([&] { Spin(work); });
  std::thread b([&] { Spin(work); });
  a.join();
  b.join();
  const double together = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("one thread: %s; two threads, twice the work: %s (%.2fx the time; under the GIL it would be ~2x)\n",
              conc::FormatTime(alone).c_str(), conc::FormatTime(together).c_str(), together / alone);
  std::printf("done: no switch interval in C++; the kernel shares the CPUs\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// process_vs_thread: what a process costs next to a thread (Module 1, "Process
// Vs Thread: performance and design implications"). First the creation cost,
// start + join of a thread, a spawned process and a forked one; then CPU-bound
// scaling: the same 4 tasks on 1 and 2 threads, and on 1 and 2 processes.
// In CPython the GIL keeps 2 threads at the speed of 1, so CPU-bound Python
// code needs processes; C++ threads run in parallel, so both scale here, and
// threads are much cheaper to create and to talk to.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"
#include "modules/threads/thread.h"
#include "modules/threads/thread_pool_executor.h"

ABSL_FLAG(bool, quick, false, "Fewer starts and shorter tasks (for the tour and tests).");

// CPU-bound work with a result the compiler cannot drop.
double burn(int64_t iterations) {
  double sum = 0.0;
  for (int64_t i = 0; i < iterations; ++i) sum += std::sqrt(static_cast<double>(i));
  return sum;
}
void nothing() {}
CONC_PROCESS_FUNCTION(burn);
CONC_PROCESS_FUNCTION(nothing);

// The average time of `start_join()` over n runs.
absl::Duration Average(int n, const std::function<void()>& start_join) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < n; ++i) start_join();
  return (absl::Now() - start) / n;
}

// The time to run `tasks` burns on `pool` (a thread or a process pool).
template <class Pool, class Fn>
absl::Duration TimeTasks(Pool& pool, Fn fn, int tasks, int64_t iterations) {
  const absl::Time start = absl::Now();
  std::vector<conc::Future<double>> fs;
  for (int i = 0; i < tasks; ++i) fs.push_back(pool.submit(fn, iterations));
  for (auto& f : fs) conc::CheckOk(f.result().status(), "f.result()");
  return absl::Now() - start;
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // Spawned children run their target here.
  conc::InitLesson(argc, argv, "Process vs thread: creation cost and CPU-bound scaling.");
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int starts = quick ? 20 : 200;
  const int tasks = 4;
  const int64_t iterations = quick ? 5'000'000 : 100'000'000;

  conc::Heading("creation cost: start + join");
  const absl::Duration thread = Average(starts, [] {
    conc::Thread t(nothing);
    conc::CheckOk(t.start(), "t.start()");
    conc::CheckOk(t.join(), "t.join()");
  });
  const absl::Duration spawn = Average(starts, [] {
    conc::Process p(conc::process_function<nothing>);
    conc::CheckOk(p.start(), "p.start()");
    conc::CheckOk(p.join(), "p.join()");
  });
  // Fork before any pool exists: forking a program that runs threads is unsafe.
  const absl::Duration fork = Average(starts, [] {
    conc::Process p(conc::kForkMethod, [] {});
    conc::CheckOk(p.start(), "p.start()");
    conc::CheckOk(p.join(), "p.join()");
  });
  std::printf("thread:          %s per start+join (%d runs)\n",
              absl::FormatDuration(thread).c_str(), starts);
  std::printf("process (spawn): %s\n", absl::FormatDuration(spawn).c_str());
  std::printf("process (fork):  %s\n", absl::FormatDuration(fork).c_str());
  std::printf("a spawned process costs about %.0f threads\n\n", absl::FDivDuration(spawn, thread));

  conc::Heading("CPU-bound scaling: 4 tasks of burn()");
  conc::ThreadPoolExecutor threads1(1), threads2(2);
  const absl::Duration t1 = TimeTasks(threads1, burn, tasks, iterations);
  const absl::Duration t2 = TimeTasks(threads2, burn, tasks, iterations);
  conc::ProcessPoolExecutor processes1(1), processes2(2);
  // Start the workers before timing: a pool is made once and reused.
  for (conc::ProcessPoolExecutor* pool : {&processes1, &processes2}) {
    conc::CheckOk(pool->submit(conc::process_function<nothing>).result(), "submit(nothing)");
  }
  const absl::Duration p1 = TimeTasks(processes1, conc::process_function<burn>, tasks, iterations);
  const absl::Duration p2 = TimeTasks(processes2, conc::process_function<burn>, tasks, iterations);
  std::printf("1 thread:    %s\n2 threads:   %s\n", absl::FormatDuration(t1).c_str(),
              absl::FormatDuration(t2).c_str());
  std::printf("1 process:   %s\n2 processes: %s\n\n", absl::FormatDuration(p1).c_str(),
              absl::FormatDuration(p2).c_str());
  std::printf("speed-up with 2 threads:   %.2fx (CPython: about 1x, the GIL lets one thread run)\n",
              absl::FDivDuration(t1, t2));
  std::printf("speed-up with 2 processes: %.2fx (CPython: about 2x, one interpreter each)\n",
              absl::FDivDuration(p1, p2));
  return 0;
}

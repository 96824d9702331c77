// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pi_shared_memory: computing pi by numerical integration, the article's
// "Computing Pi" (shared memory chapter): pi = integral of 4 / (1 + x^2) over
// [0, 1], a midpoint sum of --steps rectangles. Each worker process sums its
// own block of rectangles and writes its partial sum into its slot of a shared
// Array<double> (Python: Array('d', processes)); the parent adds the slots up.
// Timed against the same loop run serially, and the speed-up printed.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/ipc/shared_array.h"
#include "modules/threads/process.h"

ABSL_FLAG(bool, quick, false, "fewer steps (for the tour and the test)");
ABSL_FLAG(int, processes, 0, "worker processes (0: one per CPU, at least 2)");
ABSL_FLAG(int64_t, steps, 200'000'000, "rectangles of the midpoint sum");

// The sum of 4 / (1 + x^2) * dx over rectangles [begin, end) of `steps`.
double PartialSum(int64_t begin, int64_t end, int64_t steps) {
  const double dx = 1.0 / static_cast<double>(steps);
  double sum = 0.0;
  for (int64_t i = begin; i < end; ++i) {
    const double x = (static_cast<double>(i) + 0.5) * dx;
    sum += 4.0 / (1.0 + x * x);
  }
  return sum * dx;
}

// def worker(partial, k, processes, steps): partial[k] = sum of block k
void worker(conc::mp::ArrayHandle h, int k, int processes, int64_t steps) {
  auto partial = conc::ValueOrDie(conc::mp::Array<double>::Attach(h), "Array::Attach(partial)");
  const int64_t begin = steps * k / processes, end = steps * (k + 1) / processes;
  conc::CheckOk(partial.set(static_cast<size_t>(k), PartialSum(begin, end, steps)),
                "partial[k] = sum of block k");
}
CONC_PROCESS_FUNCTION(worker);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "Computing pi with worker processes and a shared Array<double>.");
  const int64_t steps = absl::GetFlag(FLAGS_quick) ? 20'000'000 : absl::GetFlag(FLAGS_steps);
  int processes = absl::GetFlag(FLAGS_processes);
  if (processes <= 0) processes = std::max(2u, std::thread::hardware_concurrency());
  if (steps < processes) return std::fprintf(stderr, "--steps must be >= --processes\n"), 1;

  conc::Heading("serial: one loop");
  absl::Time t0 = absl::Now();
  const double serial = PartialSum(0, steps, steps);
  const absl::Duration serial_time = absl::Now() - t0;
  std::printf("serial:   pi = %.12f in %.1f ms (%lld steps)\n", serial,
              absl::ToDoubleMilliseconds(serial_time), static_cast<long long>(steps));

  conc::Heading("parallel: partial = Array('d', processes); one block per process");
  t0 = absl::Now();
  auto partial = conc::ValueOrDie(conc::mp::Array<double>::Create(static_cast<size_t>(processes)),
                                  "Array('d', processes)");
  std::vector<conc::Process> workers;
  for (int k = 0; k < processes; ++k) {
    workers.emplace_back(conc::ProcessOptions{.pass_fds = partial.fds_to_pass()},
                         conc::process_function<worker>, partial.handle(), k, processes, steps);
    conc::CheckOk(workers.back().start(), workers.back().name() + ".start()");
  }
  for (auto& p : workers) {
    conc::CheckOk(p.join(absl::Seconds(300)), p.name() + ".join(timeout=300)");
    if (p.exitcode() != 0) {  // The worker printed why on stderr.
      std::fprintf(stderr, "pi_shared_memory: %s exited with code %d\n", p.name().c_str(),
                   *p.exitcode());
      return 1;
    }
  }
  double parallel = 0.0;
  for (double x : partial.to_vector()) parallel += x;
  const absl::Duration parallel_time = absl::Now() - t0;
  std::printf("parallel: pi = %.12f in %.1f ms (%d processes, spawning included)\n", parallel,
              absl::ToDoubleMilliseconds(parallel_time), processes);

  conc::Heading("result");
  std::printf("error vs M_PI: serial %.1e, parallel %.1e\n", std::fabs(serial - M_PI),
              std::fabs(parallel - M_PI));
  std::printf("speed-up: %.2fx with %d processes on %u CPUs\n",
              absl::FDivDuration(serial_time, parallel_time), processes,
              std::thread::hardware_concurrency());
  if (absl::GetFlag(FLAGS_quick)) {
    std::printf("(--quick: few steps, so starting the processes weighs a lot; try --steps=1000000000)\n");
  }
  if (std::fabs(parallel - M_PI) >= 1e-9) {
    std::fprintf(stderr, "pi_shared_memory: the parallel sum is %.1e off M_PI (limit 1e-9)\n",
                 std::fabs(parallel - M_PI));
    return 1;
  }
  return 0;
}

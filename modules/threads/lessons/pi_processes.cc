// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pi_processes: pi as the integral of 4 / (1 + x^2) from 0 to 1 (midpoint
// rule), serially and on a ProcessPoolExecutor of 2 workers (Module 1,
// "process vs thread"). The process pool is how CPython gets past the GIL:
// each worker is a separate interpreter. Here each worker is this program
// re-executed; the chunks' bounds go out and the partial sums come back
// through pipes, encoded by the codec. pi_integration does the same with
// threads.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"

ABSL_FLAG(bool, quick, false, "2 million steps instead of 400 million (for the tour and tests).");

// The sum of f at the midpoints of steps [begin, end) of `steps` equal steps.
double partial_sum(int64_t begin, int64_t end, int64_t steps) {
  const double h = 1.0 / static_cast<double>(steps);
  double sum = 0.0;
  for (int64_t i = begin; i < end; ++i) {
    const double x = (static_cast<double>(i) + 0.5) * h;
    sum += 4.0 / (1.0 + x * x);
  }
  return sum * h;
}
CONC_PROCESS_FUNCTION(partial_sum);  // The workers find it by this name.

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a pool worker: serve tasks, then exit.
  conc::InitLesson(argc, argv, "pi by numerical integration: serial vs a process pool of 2.");
  const int64_t steps = absl::GetFlag(FLAGS_quick) ? 2'000'000 : 400'000'000;
  std::printf("steps: %lld\n\n", static_cast<long long>(steps));

  conc::Heading("serial");
  absl::Time start = absl::Now();
  const double serial = partial_sum(0, steps, steps);
  const absl::Duration serial_time = absl::Now() - start;
  std::printf("pi ~ %.12f in %s\n\n", serial, absl::FormatDuration(serial_time).c_str());

  conc::Heading("ProcessPoolExecutor(max_workers=2), 2 chunks");
  conc::ProcessPoolExecutor pool(2);
  // Start the workers first, as a long-lived pool would have: the timing is
  // the computation, not two process start-ups.
  conc::Future<double> warm_up =
      pool.submit(conc::process_function<partial_sum>, int64_t{0}, int64_t{0}, steps);
  conc::CheckOk(warm_up.result().status(), "warm_up.result()");
  start = absl::Now();
  std::vector<conc::Future<double>> parts;
  parts.push_back(pool.submit(conc::process_function<partial_sum>, int64_t{0}, steps / 2, steps));
  parts.push_back(pool.submit(conc::process_function<partial_sum>, steps / 2, steps, steps));
  double pooled = 0.0;
  for (auto& f : parts) pooled += conc::ValueOrDie(f.result(), "f.result()");
  const absl::Duration pooled_time = absl::Now() - start;
  std::printf("pi ~ %.12f in %s (workers: pids %d and %d)\n\n", pooled,
              absl::FormatDuration(pooled_time).c_str(), pool.worker_pids()[0],
              pool.worker_pids()[1]);

  conc::Heading("comparison");
  std::printf("both within 1e-9 of M_PI: %s\n",
              std::fabs(serial - M_PI) < 1e-9 && std::fabs(pooled - M_PI) < 1e-9 ? "yes" : "no");
  std::printf("speed-up with 2 processes: %.2fx (about 2x on 2 idle cores, as for CPython)\n",
              absl::FDivDuration(serial_time, pooled_time));
  return 0;
}

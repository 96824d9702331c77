// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pi_integration: computing pi as the integral of 4 / (1 + x^2) from 0 to 1
// (midpoint rule), serially and on a ThreadPoolExecutor of 2 workers (Module
// 1, "process vs thread"). CPython's GIL keeps two threads from running
// Python code at once, so there the pool is no faster; C++ threads run in
// parallel, so on 2 idle cores the pool takes about half the time.
// (The process-pool variant comes with ProcessPoolExecutor.)

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/threads/thread_pool_executor.h"

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

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "pi by numerical integration: serial vs a thread pool of 2.");
  const int64_t steps = absl::GetFlag(FLAGS_quick) ? 2'000'000 : 400'000'000;
  std::printf("steps: %lld\n\n", static_cast<long long>(steps));

  conc::Heading("serial");
  absl::Time start = absl::Now();
  const double serial = partial_sum(0, steps, steps);
  const absl::Duration serial_time = absl::Now() - start;
  std::printf("pi ~ %.12f in %s\n\n", serial, absl::FormatDuration(serial_time).c_str());

  conc::Heading("ThreadPoolExecutor(max_workers=2), 2 chunks");
  conc::ThreadPoolExecutor pool(2);
  start = absl::Now();
  std::vector<conc::Future<double>> parts;
  parts.push_back(pool.submit(partial_sum, int64_t{0}, steps / 2, steps));
  parts.push_back(pool.submit(partial_sum, steps / 2, steps, steps));
  double pooled = 0.0;
  for (auto& f : parts) pooled += conc::ValueOrDie(f.result(), "f.result()");
  const absl::Duration pooled_time = absl::Now() - start;
  std::printf("pi ~ %.12f in %s\n\n", pooled, absl::FormatDuration(pooled_time).c_str());

  conc::Heading("comparison");
  std::printf("both within 1e-9 of M_PI: %s\n",
              std::fabs(serial - M_PI) < 1e-9 && std::fabs(pooled - M_PI) < 1e-9 ? "yes" : "no");
  std::printf("speed-up with 2 threads: %.2fx (about 2x on 2 idle cores; CPython threads: about 1x)\n",
              absl::FDivDuration(serial_time, pooled_time));
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timeit_basics: Python's `timeit` and conc::timeit side by side.
//
//   $ python3 -m timeit "sum(range(100))"
//   200000 loops, best of 5: 1.21 usec per loop
//
//   conc::TimeitResult r = conc::autorange_timeit([&] { ... });
//   std::printf("%s\n", r.ToString().c_str());
//
// The same statement, the same method (autorange picks the number of loops so
// that one repeat takes at least 0.2 s; the best of 5 repeats is what counts), the
// same output. What timeit does not give is statistics or a guard against the
// optimiser: for real measurements the chapters use Google Benchmark (see any
// chapter's benchmarks/).

#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"
#include "modules/profiling/timeit.h"

ABSL_FLAG(bool, quick, false, "a fixed, small number of loops instead of autorange (for the tour and the tests)");

namespace {

constexpr char kPython[] = "/usr/bin/python3";

// sum(range(n)), with n read at run time so the compiler cannot fold the loop.
volatile int64_t g_n = 100;

int64_t SumRange() {
  int64_t total = 0;
  const int64_t n = g_n;
  for (int64_t i = 0; i < n; ++i) {
    total += i;
    conc::DoNotOptimize(total);
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "timeit: Python's and conc's, on sum(range(100)).");
  const bool quick = absl::GetFlag(FLAGS_quick);

  conc::Heading("python3 -m timeit \"sum(range(100))\"");
  double python_per_loop = 0;
  if (conc::HaveProgram(kPython)) {
    std::vector<std::string> cmd = {kPython, "-m", "timeit"};
    if (quick) cmd.insert(cmd.end(), {"-n", "1000", "-r", "3"});
    cmd.push_back("sum(range(100))");
    auto r = conc::ValueOrDie(conc::RunCommand(cmd, absl::Minutes(2)), "python3 -m timeit");
    std::printf("%s", r.output.c_str());
    // Python's own per-loop figure, for the ratio: ask timeit again, in seconds.
    auto s = conc::ValueOrDie(
        conc::RunCommand({kPython, "-c",
                          "import timeit; t = timeit.Timer('sum(range(100))'); "
                          "print(min(t.repeat(3, 1000)) / 1000)"},
                         absl::Minutes(2)),
        "python3 timeit.Timer");
    python_per_loop = std::stod(s.output);
  }

  conc::Heading("conc::timeit: the same loop in C++");
  const conc::TimeitResult r =
      quick ? conc::timeit([] { conc::DoNotOptimize(SumRange()); }, 1000, 3)
            : conc::autorange_timeit([] { conc::DoNotOptimize(SumRange()); });
  std::printf("%s\n", r.ToString().c_str());
  std::printf("sum(range(100)) = %lld\n", static_cast<long long>(SumRange()));
  if (python_per_loop > 0 && r.best_per_loop() > 0) {
    std::printf("C++ is %.0fx faster on this line (one interpreted loop vs one compiled loop)\n",
                python_per_loop / r.best_per_loop());
  }
  return 0;
}

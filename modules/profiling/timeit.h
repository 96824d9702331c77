// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timeit.h: Python's `timeit` module for C++: run a callable `number` times,
// `repeat` times over, and report the best time per loop the way
// `python3 -m timeit` prints it.
//
//   $ python3 -m timeit "sum(range(100))"
//   200000 loops, best of 5: 1.21 usec per loop
//
//   conc::TimeitResult r = conc::autorange_timeit([] { ... });
//   std::printf("%s\n", r.ToString().c_str());
//   // "2000000 loops, best of 5: 104 nsec per loop"
//
// As in Python: the best (minimum) of the repeats is what to quote, because
// everything else the machine does only ever adds time; `autorange` picks
// `number` from 1, 2, 5, 10, 20, 50, ... until one repeat takes at least 0.2 s;
// a warning is added when the worst repeat is more than 4x the best ("The test
// results are likely unreliable").
//
// Where it differs: Python times a statement string and turns the garbage
// collector off while timing; C++ times a callable, and the optimiser may delete
// work whose result is unused: pass results through conc::DoNotOptimize. For real
// measurements (statistics, counters, comparisons across commits) use Google
// Benchmark, as the chapters' benchmarks/ do; timeit is for a quick look.

#ifndef MODULES_PROFILING_TIMEIT_H_
#define MODULES_PROFILING_TIMEIT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace conc {

// Keeps `value` (and the work that computed it) from being optimised away.
template <typename T>
inline void DoNotOptimize(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

struct TimeitResult {
  int64_t number = 0;            // calls per repeat
  std::vector<double> seconds;   // total time of each repeat

  // The best repeat's time divided by `number`, in seconds.
  double best_per_loop() const;
  double worst_per_loop() const;
  // "N loops, best of R: X unit per loop", plus Python's warning line when the
  // worst repeat is over 4x the best.
  std::string ToString() const;
};

// Calls fn() `number` times per repeat, `repeat` times. number and repeat below
// 1 are taken as 1.
TimeitResult timeit(const std::function<void()>& fn, int64_t number, int repeat = 5);

// Python's Timer.autorange, then `repeat` repeats of the chosen number.
TimeitResult autorange_timeit(const std::function<void()>& fn, int repeat = 5);

// How Python prints a time: 3 significant digits and the largest unit that keeps
// the number ≥ 1 ("119 nsec", "1.21 usec", "3.5 msec", "2.01 sec").
std::string FormatTime(double seconds);

}  // namespace conc

#endif  // MODULES_PROFILING_TIMEIT_H_

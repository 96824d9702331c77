// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// CPython's Lib/timeit.py (Timer.timeit, Timer.autorange, main's output),
// re-expressed over a callable.

#include "modules/profiling/timeit.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace conc {
namespace {

double TimeOnce(const std::function<void()>& fn, int64_t number) {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < number; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double TimeitResult::best_per_loop() const {
  if (seconds.empty() || number <= 0) return 0;
  return *std::min_element(seconds.begin(), seconds.end()) / static_cast<double>(number);
}

double TimeitResult::worst_per_loop() const {
  if (seconds.empty() || number <= 0) return 0;
  return *std::max_element(seconds.begin(), seconds.end()) / static_cast<double>(number);
}

std::string FormatTime(double seconds) {
  struct Unit {
    const char* name;
    double scale;
  };
  static constexpr Unit kUnits[] = {{"sec", 1.0}, {"msec", 1e-3}, {"usec", 1e-6}, {"nsec", 1e-9}};
  // Python: the largest unit in which the value is >= 1 (else the smallest).
  const Unit* unit = &kUnits[3];
  for (const Unit& u : kUnits) {
    if (seconds >= u.scale) {
      unit = &u;
      break;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g %s", seconds / unit->scale, unit->name);
  return buf;
}

std::string TimeitResult::ToString() const {
  char head[128];
  std::snprintf(head, sizeof head, "%lld loop%s, best of %zu: ", static_cast<long long>(number),
                number == 1 ? "" : "s", seconds.size());
  std::string out = head + FormatTime(best_per_loop()) + " per loop";
  const double best = best_per_loop(), worst = worst_per_loop();
  if (best > 0 && worst >= best * 4) {
    char warn[160];
    std::snprintf(warn, sizeof warn,
                  "\n:0: UserWarning: The test results are likely unreliable. The worst time (%s) "
                  "was %.1f times slower than the best time (%s).",
                  FormatTime(worst).c_str(), worst / best, FormatTime(best).c_str());
    out += warn;
  }
  return out;
}

TimeitResult timeit(const std::function<void()>& fn, int64_t number, int repeat) {
  TimeitResult r;
  r.number = std::max<int64_t>(number, 1);
  repeat = std::max(repeat, 1);
  r.seconds.reserve(repeat);
  for (int i = 0; i < repeat; ++i) r.seconds.push_back(TimeOnce(fn, r.number));
  return r;
}

TimeitResult autorange_timeit(const std::function<void()>& fn, int repeat) {
  // 1, 2, 5, 10, 20, 50, ... until one run takes >= 0.2 s (or the count would
  // overflow, which no real callable reaches).
  int64_t number = 1;
  for (int64_t i = 1; i <= INT64_MAX / 10; i *= 10) {
    bool done = false;
    for (int64_t j : {1, 2, 5}) {
      number = i * j;
      if (TimeOnce(fn, number) >= 0.2) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  return timeit(fn, number, repeat);
}

}  // namespace conc

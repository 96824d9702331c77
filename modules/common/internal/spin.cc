// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/spin.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace conc::internal {

bool MoreThanOneCpu() {
  static const bool more = sysconf(_SC_NPROCESSORS_ONLN) > 1;
  return more;
}

WaitMode ChooseWaitMode(int signaller_cpu) {
  // CPUs online; threads pinned to one CPU of several are covered by rule 2.
  if (!MoreThanOneCpu()) return WaitMode::kYield;
  if (signaller_cpu >= 0 && signaller_cpu == CurrentCpu()) {
    return WaitMode::kYield;
  }
  return WaitMode::kSpin;
}

namespace {

std::int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no system call.
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

YieldPauses& ProcessYieldPauses() {
  static YieldPauses pauses;  // Oversubscription is the machine's, not an object's.
  return pauses;
}

}  // namespace

bool YieldPauses::Record(std::int64_t start, std::int64_t end) {
  if (end - start <= kSlowYieldNanos) return true;
  // Somebody else's time slice ran.
  const std::int64_t last_end = paused_until_.load(std::memory_order_relaxed);
  const bool recent = last_end != 0 && end - last_end < kForgetSlowYieldsNanos;
  const std::int64_t pause =
      recent ? std::min(2 * pause_.load(std::memory_order_relaxed), kMaxPauseNanos)
             : kFirstPauseNanos;
  pause_.store(pause, std::memory_order_relaxed);
  paused_until_.store(end + pause, std::memory_order_relaxed);
  return false;
}

bool YieldCpu() {
  YieldPauses& pauses = ProcessYieldPauses();
  const std::int64_t start = MonotonicNanos();
  if (!pauses.Allowed(start)) return false;
  sched_yield();
  return pauses.Record(start, MonotonicNanos());
}

}  // namespace conc::internal

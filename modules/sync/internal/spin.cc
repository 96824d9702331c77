// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/internal/spin.h"

#include <sched.h>
#include <unistd.h>

namespace conc::sync_internal {
namespace {

bool MoreThanOneCpu() { return sysconf(_SC_NPROCESSORS_ONLN) > 1; }

}  // namespace

WaitMode ChooseWaitMode(int signaller_cpu) {
  // CPUs online; threads pinned to one CPU of several are covered by rule 2.
  static const bool more_than_one_cpu = MoreThanOneCpu();
  if (!more_than_one_cpu) return WaitMode::kYield;
  if (signaller_cpu >= 0 && signaller_cpu == CurrentCpu()) {
    return WaitMode::kYield;
  }
  return WaitMode::kSpin;
}

}  // namespace conc::sync_internal

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/spin.h"

#include <sched.h>
#include <unistd.h>

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

}  // namespace conc::internal

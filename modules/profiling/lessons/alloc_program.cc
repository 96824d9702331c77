// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// alloc_program: alloc_workload.h's workload, alone, for heaptrack to record
// (the memray lesson runs it). No allocation hooks of ours: heaptrack's own
// see malloc called from the program's functions directly.

#include <cstdio>

#include "modules/profiling/lessons/alloc_workload.h"

int main() {
  const auto [records, buffers] = alloc_workload::Run();
  std::printf("alloc_program: %zu records, %zu buffers\n", records, buffers);
  return 0;
}

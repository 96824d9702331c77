// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The main() of a benchmark binary that spawns processes (conc::Process, a
// process pool, a Manager): a spawned child is a fresh copy of the binary and
// must go through conc::ProcessMain, which runs its function and exits, before
// Google Benchmark parses the command line. Depend on
// //modules/threads/benchmarks:process_benchmark_main instead of writing this main again.

#include "benchmark/benchmark.h"
#include "modules/threads/process.h"

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs here and exits.
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

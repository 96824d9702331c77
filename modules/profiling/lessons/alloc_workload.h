// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// alloc_workload.h: what the memray lesson profiles, three ways of allocating a
// memory profiler should tell apart:
//   MakeRecords  many small allocations (most calls)
//   BigBuffers   a few large ones, held together for a moment (the peak)
//   LeakSome     allocations never freed (the leak)
// alloc_program runs it under heaptrack; the lesson runs it again under the
// chapter's own counter.

#ifndef MODULES_PROFILING_LESSONS_ALLOC_WORKLOAD_H_
#define MODULES_PROFILING_LESSONS_ALLOC_WORKLOAD_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace alloc_workload {

__attribute__((noinline)) inline size_t MakeRecords(int n) {
  std::vector<std::unique_ptr<std::string>> records;
  for (int i = 0; i < n; ++i) records.push_back(std::make_unique<std::string>(40, 'r'));
  return records.size();
}

__attribute__((noinline)) inline size_t BigBuffers(int n, size_t bytes) {
  std::vector<std::unique_ptr<char[]>> buffers;
  for (int i = 0; i < n; ++i) {
    buffers.emplace_back(new char[bytes]);
    buffers.back()[0] = 1;
  }
  return buffers.size();
}

__attribute__((noinline)) inline void LeakSome(int n) {
  for (int i = 0; i < n; ++i) {
    auto* leaked = new std::string(64, 'l');
    asm volatile("" : : "r"(leaked) : "memory");  // and never deleted
  }
}

// The whole workload; returns records and buffers made.
inline std::pair<size_t, size_t> Run() {
  const size_t records = MakeRecords(50'000);
  const size_t buffers = BigBuffers(8, 4 << 20);
  LeakSome(100);
  return {records, buffers};
}

}  // namespace alloc_workload

#endif  // MODULES_PROFILING_LESSONS_ALLOC_WORKLOAD_H_

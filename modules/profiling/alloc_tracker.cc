// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/alloc_tracker.h"

#include <malloc.h>

#include <atomic>
#include <cstdint>

namespace conc {
namespace internal {

// Set by alloc_hooks.cc's static initializer; false when the hooks are not linked.
std::atomic<bool> g_hooks_linked{false};

namespace {

// The calling thread's running totals, counted only while one of its scopes is
// alive (depth > 0). Plain integers: only this thread touches them.
struct ThreadCounts {
  int depth = 0;
  AllocationStats totals;
};
thread_local ThreadCounts t_counts;

struct ProcessCounts {
  std::atomic<bool> on{false};
  std::atomic<uint64_t> allocations{0};
  std::atomic<uint64_t> deallocations{0};
  std::atomic<uint64_t> bytes_requested{0};
  std::atomic<uint64_t> bytes_allocated{0};
  std::atomic<uint64_t> bytes_freed{0};
  std::atomic<int64_t> peak_live{0};
};
// Constant-initialised, so it is usable by allocations made before main().
constinit ProcessCounts g_process;

}  // namespace

void RecordAllocation(void* p, uint64_t requested) {
  ThreadCounts& t = t_counts;
  const bool process = g_process.on.load(std::memory_order_relaxed);
  if (t.depth == 0 && !process) return;
  const uint64_t usable = ::malloc_usable_size(p);
  if (t.depth > 0) {
    ++t.totals.allocations;
    t.totals.bytes_requested += requested;
    t.totals.bytes_allocated += usable;
  }
  if (process) {
    g_process.allocations.fetch_add(1, std::memory_order_relaxed);
    g_process.bytes_requested.fetch_add(requested, std::memory_order_relaxed);
    const uint64_t allocated =
        g_process.bytes_allocated.fetch_add(usable, std::memory_order_relaxed) + usable;
    const int64_t live = static_cast<int64_t>(allocated) -
                         static_cast<int64_t>(g_process.bytes_freed.load(std::memory_order_relaxed));
    int64_t peak = g_process.peak_live.load(std::memory_order_relaxed);
    while (live > peak &&
           !g_process.peak_live.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
    }
  }
}

void RecordDeallocation(void* p) {
  if (p == nullptr) return;
  ThreadCounts& t = t_counts;
  const bool process = g_process.on.load(std::memory_order_relaxed);
  if (t.depth == 0 && !process) return;
  const uint64_t usable = ::malloc_usable_size(p);
  if (t.depth > 0) {
    ++t.totals.deallocations;
    t.totals.bytes_freed += usable;
  }
  if (process) {
    g_process.deallocations.fetch_add(1, std::memory_order_relaxed);
    g_process.bytes_freed.fetch_add(usable, std::memory_order_relaxed);
  }
}

}  // namespace internal

AllocationStats AllocationStats::operator-(const AllocationStats& earlier) const {
  AllocationStats d;
  d.allocations = allocations - earlier.allocations;
  d.deallocations = deallocations - earlier.deallocations;
  d.bytes_requested = bytes_requested - earlier.bytes_requested;
  d.bytes_allocated = bytes_allocated - earlier.bytes_allocated;
  d.bytes_freed = bytes_freed - earlier.bytes_freed;
  return d;
}

bool AllocationHooksLinked() { return internal::g_hooks_linked.load(std::memory_order_relaxed); }

AllocationScope::AllocationScope() : start_(internal::t_counts.totals) { ++internal::t_counts.depth; }

AllocationScope::~AllocationScope() { --internal::t_counts.depth; }

AllocationStats AllocationScope::stats() const { return internal::t_counts.totals - start_; }

void ProcessAllocations::Start() { internal::g_process.on.store(true, std::memory_order_relaxed); }

void ProcessAllocations::Stop() { internal::g_process.on.store(false, std::memory_order_relaxed); }

void ProcessAllocations::Reset() {
  auto& g = internal::g_process;
  g.allocations.store(0, std::memory_order_relaxed);
  g.deallocations.store(0, std::memory_order_relaxed);
  g.bytes_requested.store(0, std::memory_order_relaxed);
  g.bytes_allocated.store(0, std::memory_order_relaxed);
  g.bytes_freed.store(0, std::memory_order_relaxed);
  g.peak_live.store(0, std::memory_order_relaxed);
}

AllocationStats ProcessAllocations::Snapshot() {
  const auto& g = internal::g_process;
  AllocationStats s;
  s.allocations = g.allocations.load(std::memory_order_relaxed);
  s.deallocations = g.deallocations.load(std::memory_order_relaxed);
  s.bytes_requested = g.bytes_requested.load(std::memory_order_relaxed);
  s.bytes_allocated = g.bytes_allocated.load(std::memory_order_relaxed);
  s.bytes_freed = g.bytes_freed.load(std::memory_order_relaxed);
  return s;
}

int64_t ProcessAllocations::PeakLiveBytes() {
  return internal::g_process.peak_live.load(std::memory_order_relaxed);
}

}  // namespace conc

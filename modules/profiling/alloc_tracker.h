// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// alloc_tracker.h: how many heap allocations, and how many bytes, a piece of code
// makes. The counter behind the chapter's `sys.getsizeof` and `Memray` lessons.
//
// Python's `sys.getsizeof(x)` asks the object for its size; C++ has no such
// question, because a value's heap is not part of the value: `sizeof(v)` of a
// `std::vector<int>` is 24 whatever it holds. What a value owns is what was
// allocated to build it, so this header counts allocations instead:
//
//   conc::AllocationScope scope;              // this thread, from here on
//   std::vector<int> v(1000);
//   conc::AllocationStats s = scope.stats();  // s.allocations == 1,
//                                             // s.bytes_requested == 4000
//
// Counting needs the global `operator new`/`operator delete` replaced, which only
// a program can do (once, for everything it links): depend on
// `//modules/profiling:alloc_hooks` in the binary (or test) that counts. Without
// it every scope counts nothing and `AllocationHooksLinked()` says false, so a
// lesson can say so instead of printing zeros.
//
// What is counted: every `operator new`/`new[]` (also nothrow and aligned) and
// `operator delete`/`delete[]` made by the calling thread while an
// AllocationScope is alive on it (scopes nest: each sees everything after its
// own start), and, process-wide, every one while `ProcessAllocations::Start()` is
// in effect. `malloc` called directly (C libraries, `strdup`) is not counted.
// Bytes are counted twice over: `bytes_requested` (what `new` was asked for) and
// `bytes_allocated`/`bytes_freed` (what malloc reserved, `malloc_usable_size`,
// ≥ requested): the second pair is the one that balances, so `live_bytes()`
// comes from it.
//
// Cost: when no scope is alive on a thread and the process-wide count is off,
// a hooked `new` is `malloc` plus one thread-local and one relaxed atomic load
// (benchmarks/new_delete_benchmark.cc measures it).
//
// Thread safety: an AllocationScope belongs to the thread that made it (it is
// neither copyable nor movable; destroy it on that thread, innermost first).
// ProcessAllocations may be used from any thread; its counters are relaxed
// atomics, so a snapshot taken while other threads allocate is a moment's view,
// not a consistent cut.

#ifndef MODULES_PROFILING_ALLOC_TRACKER_H_
#define MODULES_PROFILING_ALLOC_TRACKER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace conc {

// Counts of allocations and deallocations; see the header comment for bytes.
struct AllocationStats {
  uint64_t allocations = 0;
  uint64_t deallocations = 0;
  uint64_t bytes_requested = 0;
  uint64_t bytes_allocated = 0;
  uint64_t bytes_freed = 0;

  // bytes_allocated - bytes_freed: negative when the code freed more than it
  // allocated (it released memory allocated before the scope began).
  int64_t live_bytes() const {
    return static_cast<int64_t>(bytes_allocated) - static_cast<int64_t>(bytes_freed);
  }
  AllocationStats operator-(const AllocationStats& earlier) const;
};

// True when the program links //modules/profiling:alloc_hooks, i.e. when the
// counters below can see anything.
bool AllocationHooksLinked();

// Counts the calling thread's allocations from construction on. RAII; nests.
class AllocationScope {
 public:
  AllocationScope();
  ~AllocationScope();
  AllocationScope(const AllocationScope&) = delete;
  AllocationScope& operator=(const AllocationScope&) = delete;

  // What this thread allocated and freed since the scope began.
  AllocationStats stats() const;

 private:
  AllocationStats start_;
};

// The whole process's allocations, from every thread, while started.
class ProcessAllocations {
 public:
  // Turns the process-wide count on (idempotent) / off. The counters keep their
  // values when stopped; Reset() zeroes them (and the peak).
  static void Start();
  static void Stop();
  static void Reset();
  static AllocationStats Snapshot();
  // The highest live_bytes() seen since the last Reset, while started.
  static int64_t PeakLiveBytes();
};

// Allocations by call site (tracemalloc's `snapshot.statistics("traceback")`),
// from every thread, while started: for each distinct stack that called
// operator new, how many allocations and bytes, and how many of those are still
// live. The stacks are walked with absl::GetStackTrace (frame pointers, which
// Bazel's builds keep) and named by absl::Symbolize when Top() is asked.
//
// The table is fixed (4096 sites, allocated up front: recording never
// allocates); allocations at sites beyond it are counted in dropped(). Live
// bytes per site need the site of every live block: a block allocated before
// Start() is not known to any site, and its free is not counted against one.
// Cost while started: a stack walk of up to 16 frames per allocation, and a
// lookup per free in a second fixed table (blocks beyond 65536 live ones are
// not tracked for liveness). Off: nothing beyond the process-wide check.
class AllocationSites {
 public:
  struct Site {
    std::string function;             // the first frame outside the hooks and std::
    std::vector<std::string> stack;   // innermost first
    uint64_t allocations = 0;
    uint64_t bytes = 0;               // requested
    uint64_t live_allocations = 0;    // not yet freed (tracked blocks only)
    uint64_t live_bytes = 0;
  };
  static void Start();
  static void Stop();
  static void Reset();
  // The `n` sites with the most bytes allocated (or, with by_live, the most
  // bytes still live: the leaks when called at exit), most first.
  static std::vector<Site> Top(size_t n, bool by_live = false);
  static uint64_t dropped();
};

namespace internal {
// Called by the hooks in alloc_hooks.cc; not for user code.
void RecordAllocation(void* p, uint64_t requested);
void RecordDeallocation(void* p);
}  // namespace internal

}  // namespace conc

#endif  // MODULES_PROFILING_ALLOC_TRACKER_H_

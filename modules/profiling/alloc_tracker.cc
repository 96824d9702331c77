// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/alloc_tracker.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/debugging/stacktrace.h"
#include "absl/debugging/symbolize.h"

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

// ---- AllocationSites: two fixed tables, filled without allocating ----------

constexpr int kDepth = 16;
constexpr size_t kSites = 4096;    // a power of two
constexpr size_t kBlocks = 65536;  // a power of two
constexpr int kProbes = 64;
constexpr uintptr_t kTombstone = 1;  // a freed block's slot; never a real pointer

struct SiteSlot {
  std::atomic<uint64_t> key{0};  // the stack's hash; 0: empty
  std::atomic<int> depth{0};     // published (release) after pcs; 0: not yet
  void* pcs[kDepth] = {};
  std::atomic<uint64_t> allocations{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> live_allocations{0};
  std::atomic<uint64_t> live_bytes{0};
};

struct BlockSlot {
  std::atomic<uintptr_t> ptr{0};  // 0: empty, kTombstone: freed
  std::atomic<uint32_t> site{0};  // index + 1 in g_sites
  std::atomic<uint64_t> bytes{0};
};

constinit std::atomic<bool> g_sites_on{false};
constinit std::atomic<uint64_t> g_sites_dropped{0};
constinit SiteSlot g_sites[kSites];
constinit BlockSlot g_blocks[kBlocks];
thread_local bool t_in_sites = false;  // no recursion if a stack walk allocates

uint64_t HashStack(void* const* pcs, int n) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the addresses
  for (int i = 0; i < n; ++i) {
    h ^= reinterpret_cast<uintptr_t>(pcs[i]);
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

// The slot of this stack, claimed if new; nullptr when the table is full.
SiteSlot* FindSite(void* const* pcs, int n, uint32_t* index) {
  const uint64_t key = HashStack(pcs, n);
  for (int probe = 0; probe < kProbes; ++probe) {
    const size_t i = (key + probe) & (kSites - 1);
    SiteSlot& slot = g_sites[i];
    uint64_t seen = slot.key.load(std::memory_order_acquire);
    if (seen == 0 && slot.key.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
      std::copy(pcs, pcs + n, slot.pcs);
      slot.depth.store(n, std::memory_order_release);
      *index = static_cast<uint32_t>(i);
      return &slot;
    }
    if (seen == key) {
      *index = static_cast<uint32_t>(i);
      return &slot;
    }
  }
  return nullptr;
}

void TrackBlock(void* p, uint32_t site, uint64_t bytes) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(p);
  const size_t start = (key >> 4) * 0x9E3779B97F4A7C15ull >> 16;
  for (int probe = 0; probe < kProbes; ++probe) {
    BlockSlot& slot = g_blocks[(start + probe) & (kBlocks - 1)];
    uintptr_t seen = slot.ptr.load(std::memory_order_relaxed);
    if ((seen == 0 || seen == kTombstone) &&
        slot.ptr.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
      slot.site.store(site + 1, std::memory_order_relaxed);
      slot.bytes.store(bytes, std::memory_order_release);
      return;
    }
  }
  // Too many live blocks: this one is counted at its site, never as freed.
}

void UntrackBlock(void* p) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(p);
  const size_t start = (key >> 4) * 0x9E3779B97F4A7C15ull >> 16;
  for (int probe = 0; probe < kProbes; ++probe) {
    BlockSlot& slot = g_blocks[(start + probe) & (kBlocks - 1)];
    const uintptr_t seen = slot.ptr.load(std::memory_order_acquire);
    if (seen == 0) return;  // not tracked
    if (seen != key) continue;
    const uint64_t bytes = slot.bytes.load(std::memory_order_acquire);
    const uint32_t site = slot.site.load(std::memory_order_relaxed);
    slot.ptr.store(kTombstone, std::memory_order_release);
    if (site > 0) {
      g_sites[site - 1].live_allocations.fetch_sub(1, std::memory_order_relaxed);
      g_sites[site - 1].live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    }
    return;
  }
}

void RecordSite(void* p, uint64_t requested) {
  if (t_in_sites) return;
  t_in_sites = true;
  void* pcs[kDepth];
  const int n = absl::GetStackTrace(pcs, kDepth, 0);
  uint32_t index = 0;
  if (SiteSlot* site = n > 0 ? FindSite(pcs, n, &index) : nullptr) {
    site->allocations.fetch_add(1, std::memory_order_relaxed);
    site->bytes.fetch_add(requested, std::memory_order_relaxed);
    site->live_allocations.fetch_add(1, std::memory_order_relaxed);
    site->live_bytes.fetch_add(requested, std::memory_order_relaxed);
    TrackBlock(p, index, requested);
  } else {
    g_sites_dropped.fetch_add(1, std::memory_order_relaxed);
  }
  t_in_sites = false;
}

// A frame of ours or of the allocator's plumbing: not what a reader asks about.
bool IsPlumbing(const std::string& name) {
  for (const char* prefix : {"conc::internal::", "(anonymous namespace)::Allocate", "operator new", "absl::",
                             "std::", "__gnu_cxx::", "void* std::", "void std::"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

void RecordAllocation(void* p, uint64_t requested) {
  if (g_sites_on.load(std::memory_order_relaxed)) RecordSite(p, requested);
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
  if (g_sites_on.load(std::memory_order_relaxed)) UntrackBlock(p);
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

void AllocationSites::Start() { internal::g_sites_on.store(true, std::memory_order_relaxed); }

void AllocationSites::Stop() { internal::g_sites_on.store(false, std::memory_order_relaxed); }

void AllocationSites::Reset() {
  for (auto& b : internal::g_blocks) b.ptr.store(0, std::memory_order_relaxed);
  for (auto& s : internal::g_sites) {
    s.depth.store(0, std::memory_order_relaxed);
    s.allocations.store(0, std::memory_order_relaxed);
    s.bytes.store(0, std::memory_order_relaxed);
    s.live_allocations.store(0, std::memory_order_relaxed);
    s.live_bytes.store(0, std::memory_order_relaxed);
    s.key.store(0, std::memory_order_release);
  }
  internal::g_sites_dropped.store(0, std::memory_order_relaxed);
}

uint64_t AllocationSites::dropped() { return internal::g_sites_dropped.load(std::memory_order_relaxed); }

std::vector<AllocationSites::Site> AllocationSites::Top(size_t n, bool by_live) {
  struct Raw {
    size_t index;
    uint64_t rank;
  };
  std::vector<Raw> raw;
  for (size_t i = 0; i < internal::kSites; ++i) {
    const internal::SiteSlot& s = internal::g_sites[i];
    if (s.depth.load(std::memory_order_acquire) == 0) continue;
    const uint64_t rank = by_live ? s.live_bytes.load(std::memory_order_relaxed)
                                  : s.bytes.load(std::memory_order_relaxed);
    if (rank > 0) raw.push_back({i, rank});
  }
  std::stable_sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) { return a.rank > b.rank; });
  if (raw.size() > n) raw.resize(n);
  std::vector<Site> sites;
  for (const Raw& r : raw) {
    const internal::SiteSlot& s = internal::g_sites[r.index];
    Site site;
    site.allocations = s.allocations.load(std::memory_order_relaxed);
    site.bytes = s.bytes.load(std::memory_order_relaxed);
    site.live_allocations = s.live_allocations.load(std::memory_order_relaxed);
    site.live_bytes = s.live_bytes.load(std::memory_order_relaxed);
    const int depth = s.depth.load(std::memory_order_acquire);
    for (int f = 0; f < depth; ++f) {
      char name[1024];
      // Return addresses: step back one byte into the call (as stack_trace.cc does).
      const char* pc = static_cast<const char*>(s.pcs[f]);
      std::string fn = absl::Symbolize(pc - 1, name, sizeof name) ? name : "(unknown)";
      if (site.function.empty() && !internal::IsPlumbing(fn) && fn != "(unknown)") site.function = fn;
      site.stack.push_back(std::move(fn));
    }
    if (site.function.empty()) site.function = "(unknown)";
    sites.push_back(std::move(site));
  }
  return sites;
}

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

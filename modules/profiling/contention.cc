// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/contention.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "modules/common/internal/mutex.h"
#include "modules/profiling/timeit.h"

namespace conc {
namespace internal {
namespace {

struct Registry {
  internal::Mutex mu;
  std::vector<const ContentionCounters*> live ABSL_GUARDED_BY(mu);
};

Registry& TheRegistry() {
  static Registry* r = new Registry;  // never destroyed: locks may outlive main's statics
  return *r;
}

}  // namespace

ContentionCounters::ContentionCounters(std::string_view name) : name_(name) {
  Registry& r = TheRegistry();
  internal::MutexLock hold(r.mu);
  r.live.push_back(this);
}

ContentionCounters::~ContentionCounters() {
  Registry& r = TheRegistry();
  internal::MutexLock hold(r.mu);
  r.live.erase(std::remove(r.live.begin(), r.live.end(), this), r.live.end());
}

void ContentionCounters::Waited(uint64_t ns) {
  contended_.fetch_add(1, std::memory_order_relaxed);
  wait_ns_.fetch_add(ns, std::memory_order_relaxed);
  uint64_t max = max_wait_ns_.load(std::memory_order_relaxed);
  while (ns > max && !max_wait_ns_.compare_exchange_weak(max, ns, std::memory_order_relaxed)) {
  }
}

ContentionStats ContentionCounters::Snapshot() const {
  ContentionStats s;
  s.name = name_;
  s.acquisitions = acquisitions_.load(std::memory_order_relaxed);
  s.contended = contended_.load(std::memory_order_relaxed);
  s.wait_ns = wait_ns_.load(std::memory_order_relaxed);
  s.max_wait_ns = max_wait_ns_.load(std::memory_order_relaxed);
  return s;
}

void ContentionCounters::Reset() {
  acquisitions_.store(0, std::memory_order_relaxed);
  contended_.store(0, std::memory_order_relaxed);
  wait_ns_.store(0, std::memory_order_relaxed);
  max_wait_ns_.store(0, std::memory_order_relaxed);
}

}  // namespace internal

std::vector<ContentionStats> ContentionSnapshot() {
  std::vector<ContentionStats> rows;
  {
    internal::Registry& r = internal::TheRegistry();
    internal::MutexLock hold(r.mu);
    for (const internal::ContentionCounters* c : r.live) rows.push_back(c->Snapshot());
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ContentionStats& a, const ContentionStats& b) {
    return a.wait_ns > b.wait_ns;
  });
  return rows;
}

std::string ContentionReport() {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %12s %12s %14s %12s\n", "lock", "acquired", "contended", "waited total",
                "waited max");
  out += line;
  for (const ContentionStats& s : ContentionSnapshot()) {
    std::snprintf(line, sizeof line, "%-24s %12llu %12llu %14s %12s\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.acquisitions), static_cast<unsigned long long>(s.contended),
                  FormatTime(static_cast<double>(s.wait_ns) * 1e-9).c_str(),
                  FormatTime(static_cast<double>(s.max_wait_ns) * 1e-9).c_str());
    out += line;
  }
  return out;
}

}  // namespace conc

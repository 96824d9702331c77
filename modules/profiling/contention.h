// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// contention.h: which lock do threads wait for, and how long? Lock contention
// made visible with counters kept by the lock itself.
//
// Python has no tool for this (the GIL hides most of it, and threading.Lock
// keeps no statistics); in C++ the question matters as soon as threads run in
// parallel. A ProfiledLock is a sync-chapter Lock (or any lock with
// `bool acquire(bool blocking)` and `absl::Status release()`) that counts its
// acquisitions, how many found the lock taken, and the time those waited:
//
//   conc::ProfiledLock<conc::Lock> accounts("bank.accounts");
//   {
//     conc::ScopedAcquire hold(accounts);  // or accounts.acquire() / release()
//     ...
//   }
//   std::printf("%s", conc::ContentionReport().c_str());
//   //   lock            acquired  contended  waited total  waited max
//   //   bank.accounts     400000     113211      1.92 s      2.41 ms
//
// Cost: an uncontended acquire is the wrapped lock's fast path plus one relaxed
// atomic increment (a counter in the lock's own cache line); only a contended
// acquire reads the clock, twice.
//
// Every live ProfiledLock is in one registry, for ContentionReport; it is
// registered by its constructor and removed by its destructor. Thread safety:
// all of it, from any thread. Destroy a ProfiledLock only when no thread uses it
// (as the lock it wraps requires).

#ifndef MODULES_PROFILING_CONTENTION_H_
#define MODULES_PROFILING_CONTENTION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace conc {

struct ContentionStats {
  std::string name;
  uint64_t acquisitions = 0;      // every successful acquire
  uint64_t contended = 0;         // ... that found the lock taken and waited
  uint64_t wait_ns = 0;           // the time those waited, in all
  uint64_t max_wait_ns = 0;       // the longest single wait
};

namespace internal {
// The registry's side of a ProfiledLock: its name and counters.
class ContentionCounters {
 public:
  explicit ContentionCounters(std::string_view name);
  ~ContentionCounters();
  ContentionCounters(const ContentionCounters&) = delete;
  ContentionCounters& operator=(const ContentionCounters&) = delete;

  void Acquired() { acquisitions_.fetch_add(1, std::memory_order_relaxed); }
  void Waited(uint64_t ns);
  ContentionStats Snapshot() const;
  void Reset();

 private:
  const std::string name_;
  std::atomic<uint64_t> acquisitions_{0};
  std::atomic<uint64_t> contended_{0};
  std::atomic<uint64_t> wait_ns_{0};
  std::atomic<uint64_t> max_wait_ns_{0};
};
}  // namespace internal

template <typename Lockable>
class ABSL_LOCKABLE ProfiledLock {
 public:
  explicit ProfiledLock(std::string_view name) : counters_(name) {}

  // Python's acquire(): blocking, or one poll. (A timed acquire is the wrapped
  // lock's business; use lock() for it and count it yourself if needed.)
  [[nodiscard]] bool acquire(bool blocking = true) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    if (lock_.acquire(false)) {
      counters_.Acquired();
      return true;
    }
    if (!blocking) return false;
    const auto start = std::chrono::steady_clock::now();
    const bool ok = lock_.acquire(true);
    const auto waited = std::chrono::steady_clock::now() - start;
    if (ok) {
      counters_.Acquired();
      counters_.Waited(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count()));
    }
    return ok;
  }

  [[nodiscard]] absl::Status release() ABSL_UNLOCK_FUNCTION() { return lock_.release(); }

  ContentionStats stats() const { return counters_.Snapshot(); }
  void reset_stats() { counters_.Reset(); }
  // The lock underneath, e.g. for a Condition built on it.
  Lockable& lock() { return lock_; }

 private:
  Lockable lock_;
  internal::ContentionCounters counters_;
};

// Every live ProfiledLock's stats, most waited-for first.
std::vector<ContentionStats> ContentionSnapshot();

// ContentionSnapshot as a table (name, acquired, contended, waited total and max),
// Python-timeit-style times ("1.92 sec", "2.41 msec").
std::string ContentionReport();

}  // namespace conc

#endif  // MODULES_PROFILING_CONTENTION_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// queue_internal.h: the waiting policy shared by Queue and SimpleQueue (not
// part of the public API).
//
// Both queues keep their critical sections to tens of nanoseconds and let a
// getter that finds nothing poll briefly before it sleeps, because on these
// VMs a futex wake-up across CPUs costs ~50 µs while the next put is usually
// well under a microsecond away. The numbers: `pause` takes ~11 ns on the
// Xeon this was tuned on, so 1000 polls are ~10 µs.

#ifndef MODULES_SYNC_QUEUE_INTERNAL_H_
#define MODULES_SYNC_QUEUE_INTERNAL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>
#include "modules/common/cpu_relax.h"

namespace conc {
namespace queue_internal {

// How many times a getter that finds the queue empty polls for a put before it
// goes to sleep. A sleeping getter costs the producer a futex wake-up and
// itself a reschedule (~50 µs across CPUs on a VM); a producer that is about
// to put is usually a few hundred nanoseconds away. Zero on a single CPU,
// where spinning only delays the producer.
inline int SpinCount() {
  static const int spins = std::thread::hardware_concurrency() > 1 ? 1000 : 0;
  return spins;
}

// An adaptive bound on that polling, one per queue: halved each time a poll
// ends without a put (the producer is probably not running, e.g. descheduled
// on a loaded machine, and polling only burns a CPU someone needs), doubled
// each time a put arrives while polling, between 1/64 of SpinCount() and
// SpinCount(). Relaxed atomics: it is a heuristic, and a lost update between
// two getters costs nothing.
class SpinBudget {
 public:
  int get() const { return budget_.load(std::memory_order_relaxed); }
  void Succeeded() {
    const int b = get();
    if (b < SpinCount()) budget_.store(std::min(SpinCount(), 2 * b), std::memory_order_relaxed);
  }
  void Failed() {
    const int b = get();
    const int floor = SpinCount() / 64;
    if (b > floor) budget_.store(std::max(floor, b / 2), std::memory_order_relaxed);
  }

 private:
  std::atomic<int> budget_{SpinCount()};
};


// Polls `flag` at most `budget.get()` times; true if it was seen set. Adjusts
// the budget either way.
inline bool PollFor(const std::atomic<bool>& flag, SpinBudget& budget) {
  for (int i = budget.get(); i > 0; --i) {
    if (flag.load(std::memory_order_relaxed)) {
      budget.Succeeded();
      return true;
    }
    CpuRelax();
  }
  budget.Failed();
  return false;
}

// The lock of Queue's two halves: a flag taken with one atomic exchange and
// released with one plain (release) store. A std::mutex pays a second atomic
// read-modify-write to unlock (to learn whether a sleeper needs a futex
// wake-up), and on x86 every such instruction also waits for the thread's
// pending stores to reach the cache: for a producer those are the item it just
// wrote into lines the consumer last read, i.e. a cache-line transfer between
// CPUs. With one exchange per hand-over instead of two, Queue's put+get went
// from ~36 to ~25 ns on the project VM (doc/queue_performance.md).
//
// Nobody ever sleeps on the lock itself (sleepers wait on a condition, which
// releases it): critical sections are a few dozen instructions. A thread that
// finds it taken polls it (reads only, so the holder keeps the line) with
// `pause`, then yields its CPU, because on a loaded 2-CPU VM a long wait almost
// always means the holder was preempted and needs this CPU to finish. On a
// single CPU it yields at once.
//
// Meets BasicLockable and Lockable (std::unique_lock, std::lock_guard,
// std::condition_variable_any). Acquire/release order, as a mutex.
class SpinLock {
 public:
  void lock() {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockSlow();
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  void LockSlow();

  std::atomic<bool> locked_{false};
};

// Locks `mu`, polling it briefly first: the queue's critical sections last
// tens of nanoseconds, so a thread that finds the lock taken is better off
// retrying than sleeping in the kernel (and making the owner pay a futex
// wake-up when it unlocks). Then blocks as `mu.lock()` does.
inline void LockSpinning(std::mutex& mu) {
  for (int i = 0; i < 64; ++i) {
    if (mu.try_lock()) return;
    CpuRelax();
  }
  mu.lock();
}

inline void SpinLock::LockSlow() {
  // ~1.5-2.5 us of polling (128 `pause`s), then yields: a critical section
  // takes tens of nanoseconds, so a lock still held after that means a
  // preempted holder, and polling longer only burns the CPU it may need.
  const int spins = SpinCount() > 0 ? 128 : 0;
  for (int i = 0;; ++i) {
    if (!locked_.load(std::memory_order_relaxed) &&
        !locked_.exchange(true, std::memory_order_acquire)) {
      return;
    }
    if (i < spins) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

// A first-in-first-out buffer that keeps its memory: a vector and a read
// position. Unlike std::deque, taking items out frees nothing, so the two
// halves of a two-lock queue, swapped back and forth between producers and
// consumers, reach a steady state with no allocation at all (a std::deque
// there costs a malloc in one thread and a free in the other every 64 items,
// and the cross-thread free contends for the allocator's arena lock). The
// price: the capacity of the largest backlog is kept until the queue is
// destroyed, and an item's moved-from husk lives until the buffer runs empty.
template <typename T>
class Batch {
 public:
  bool empty() const { return front_ == items_.size(); }
  std::size_t size() const { return items_.size() - front_; }
  void push_back(T&& item) { items_.push_back(std::move(item)); }
  // Requires !empty().
  T pop_front() {
    T item = std::move(items_[front_]);
    if (++front_ == items_.size()) {
      items_.clear();  // Keeps the capacity.
      front_ = 0;
    }
    return item;
  }
  void swap(Batch& other) noexcept {
    items_.swap(other.items_);
    std::swap(front_, other.front_);
  }

 private:
  std::vector<T> items_;
  std::size_t front_ = 0;  // The next item to pop; items before it are husks.
};

}  // namespace queue_internal
}  // namespace conc

#endif  // MODULES_SYNC_QUEUE_INTERNAL_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// priority_queue.h: `conc::PriorityQueue<T, Compare>`, a `Queue<T>` that hands
// out the lowest item first, the counterpart of Python's `queue.PriorityQueue`.
//
// Everything but the order is `Queue`'s (queue.h): `maxsize`, blocking and
// timeouts, `task_done`/`join`, `shutdown`. As in Lib/queue.py, the variant is
// only its storage hooks: a binary heap in a vector (Python's `heapq`).
//
// Order: the item `x` for which no queued `y` has `Compare{}(y, x)` comes out
// first; with the default `std::less<T>`, the smallest. Items are typically
// `(priority, data)` pairs, as in Python: `std::pair` and `std::tuple` compare
// element by element, so equal priorities are ordered by the data, exactly as
// Python's tuples are. Items that are fully equal (neither is less than the
// other) come out in an unspecified order, as with Python's heapq: the queue
// is not stable. For first-in-first-out among equal priorities, add a sequence
// number: `std::tuple<int, uint64_t, Job>`.
//
// Unlike `std::priority_queue` (largest first, `top()` only gives a const
// reference, so move-only items cannot be taken out), this hands the smallest
// item out by move.
//
// Example:
//
//   conc::PriorityQueue<std::pair<int, std::string>> pq;
//   (void)pq.put({2, "write"});
//   (void)pq.put({1, "read"});
//   absl::StatusOr<std::pair<int, std::string>> next = pq.get();  // {1, "read"}

#ifndef MODULES_SYNC_PRIORITY_QUEUE_H_
#define MODULES_SYNC_PRIORITY_QUEUE_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "modules/sync/queue.h"

namespace conc {

// Lowest first under `Compare`: a heap in a vector (Python's heappush/heappop).
template <typename T, typename Compare = std::less<T>>
class PriorityStorage {
 public:
  std::size_t size() const { return items_.size(); }
  void put(T&& item) {
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), Greater{});
  }
  T get() {
    std::pop_heap(items_.begin(), items_.end(), Greater{});
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }

 private:
  // std::*_heap keep the largest on top; reversing the comparison keeps the
  // lowest there instead.
  struct Greater {
    bool operator()(const T& a, const T& b) const { return Compare{}(b, a); }
  };

  std::vector<T> items_;
};

template <typename T, typename Compare = std::less<T>>
class PriorityQueue : public Queue<T, PriorityStorage<T, Compare>> {
 public:
  using Queue<T, PriorityStorage<T, Compare>>::Queue;
};

}  // namespace conc

#endif  // MODULES_SYNC_PRIORITY_QUEUE_H_

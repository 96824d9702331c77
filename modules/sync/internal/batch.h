// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// batch.h: the first-in-first-out buffer behind each half of the two-lock
// queues (Queue and SimpleQueue). Not part of the public API.
//
// A vector and a read position. Unlike std::deque, taking items out frees
// nothing, so the two halves of a two-lock queue, swapped back and forth between
// producers and consumers, reach a steady state with no allocation at all (a
// std::deque there costs a malloc in one thread and a free in the other every 64
// items, and the cross-thread free contends for the allocator's arena lock). The
// price: the capacity of the largest backlog is kept until the queue is
// destroyed, and an item's moved-from husk lives until the buffer runs empty.
//
// Not thread-safe: each half is guarded by its queue's lock.

#ifndef MODULES_SYNC_INTERNAL_BATCH_H_
#define MODULES_SYNC_INTERNAL_BATCH_H_

#include <cstddef>
#include <utility>
#include <vector>

namespace conc::internal {

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

}  // namespace conc::internal

#endif  // MODULES_SYNC_INTERNAL_BATCH_H_

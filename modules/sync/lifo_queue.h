// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// lifo_queue.h: `conc::LifoQueue<T>`, a `Queue<T>` that hands out the most
// recently added item first (a stack), the counterpart of Python's
// `queue.LifoQueue`.
//
// Everything but the order is `Queue`'s (queue.h): `maxsize`, blocking and
// timeouts, `task_done`/`join`, `shutdown`. As in Lib/queue.py, the variant is
// only its storage hooks: a vector, `push_back` to put, `pop_back` to get.
//
// Example:
//
//   conc::LifoQueue<int> stack;
//   for (int i : {1, 2, 3}) (void)stack.put(i);
//   absl::StatusOr<int> top = stack.get();  // 3, then 2, then 1.

#ifndef MODULES_SYNC_LIFO_QUEUE_H_
#define MODULES_SYNC_LIFO_QUEUE_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "modules/sync/queue.h"

namespace conc {

// Last in, first out: Python's list with `append`/`pop`.
template <typename T>
class LifoStorage {
 public:
  std::size_t size() const { return items_.size(); }
  void put(T&& item) { items_.push_back(std::move(item)); }
  T get() {
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }

 private:
  std::vector<T> items_;
};

template <typename T>
class LifoQueue : public Queue<T, LifoStorage<T>> {
 public:
  using Queue<T, LifoStorage<T>>::Queue;
};

}  // namespace conc

#endif  // MODULES_SYNC_LIFO_QUEUE_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// simple_queue.h: `conc::SimpleQueue<T>`, an unbounded first-in-first-out
// queue with no task tracking, the counterpart of Python's `queue.SimpleQueue`
// (implemented in C, Modules/_queuemodule.c).
//
// Use it when a producer must never wait and nobody needs `join`: `put` always
// succeeds at once, `get` waits for an item. It has no `maxsize`, `full`,
// `task_done`, `join` or `shutdown` (Python's SimpleQueue has none either),
// and so less to do per item than `Queue`.
//
// Main operations:
//
//   put(item), put_nowait(item)          never block, never fail.
//   get(block = true, timeout = nullopt) -> absl::StatusOr<T>
//     * block && timeout == nullopt: wait as long as it takes;
//     * block && timeout >= 0: wait at most `timeout`, then `DeadlineExceeded`
//       (queue.Empty); zero polls;
//     * block && timeout < 0: `InvalidArgument` (Python's ValueError);
//     * !block: never wait; `timeout` is ignored.
//   get_nowait()                          get(/*block=*/false).
//   qsize(), empty()                      a snapshot, stale at once.
//
// Where it differs from Python: Python's `put` takes `block` and `timeout`
// and ignores them ("provided for compatibility with the Queue class"); here
// `put` takes only the item. `put` returns nothing: it cannot fail.
//
// Requires: the queue outlives every call on it (no thread blocked in `get`
// when it is destroyed).
// Guarantees: every item put is returned by exactly one `get`; the library
// throws nothing (an exception from `T`'s move constructor propagates).
//
// Memory ordering: everything a producer did before `put(x)` happens-before
// everything the consumer does after the `get()` that returns `x`.
//
// Implementation: an unbounded FIFO `Queue<T>` (queue.h) with the rest of its
// API hidden: the same core (two locks, items handed to consumers in batches,
// a notify only when a getter sleeps, a brief adaptive poll before sleeping),
// written once. What SimpleQueue does not use costs a counter increment per
// put (the task count nobody reads) and two branches (maxsize, shutdown).
//
// Where it differs from Python: error messages name `Queue.get` (the core's).
//
// Example:
//
//   conc::SimpleQueue<std::unique_ptr<Request>> inbox;
//   inbox.put(std::make_unique<Request>(...));   // Never blocks.
//   absl::StatusOr<std::unique_ptr<Request>> r = inbox.get(absl::Seconds(1));
//   if (absl::IsDeadlineExceeded(r.status())) { /* nothing for a second */ }

#ifndef MODULES_SYNC_SIMPLE_QUEUE_H_
#define MODULES_SYNC_SIMPLE_QUEUE_H_

#include <cstddef>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/sync/queue.h"

namespace conc {

template <typename T>
class SimpleQueue {
 public:
  SimpleQueue() = default;
  SimpleQueue(const SimpleQueue&) = delete;
  SimpleQueue& operator=(const SimpleQueue&) = delete;

  // Puts `item` at the end of the queue. Never blocks, never fails; wakes one
  // waiting getter if there is one.
  void put(T item) {
    // OK by construction: the queue is unbounded and nobody can shut it down.
    absl::Status put = queue_.put(std::move(item));
    static_cast<void>(put);
  }

  // The same as put(item): kept for symmetry with Queue (and Python).
  void put_nowait(T item) { put(std::move(item)); }

  // Removes and returns the oldest item; see the contract above for `block`
  // and `timeout`. Returns `DeadlineExceeded` (queue.Empty) if no item came in
  // time, `InvalidArgument` for a negative timeout with `block`.
  [[nodiscard]] absl::StatusOr<T> get(bool block = true,
                                      std::optional<absl::Duration> timeout = std::nullopt) {
    return queue_.get(block, timeout);
  }

  // get(/*block=*/false): returns an item only if one is there now.
  [[nodiscard]] absl::StatusOr<T> get_nowait() { return queue_.get(/*block=*/false); }

  // The number of queued items; approximate, as in Python.
  std::size_t qsize() const { return queue_.qsize(); }

  // qsize() == 0; approximate, as in Python.
  bool empty() const { return queue_.empty(); }

  // Diagnostics (for tests): how many threads are blocked in `get` now.
  std::size_t getters_waiting() const { return queue_.getters_waiting(); }

 private:
  Queue<T> queue_;  // Unbounded (maxsize 0), never shut down; task_done unused.
};

}  // namespace conc

#endif  // MODULES_SYNC_SIMPLE_QUEUE_H_

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
// Performance: the same design as a FIFO `Queue` (queue.h): two locks, items
// handed to consumers in batches, a notify only when a getter sleeps, a brief
// adaptive poll before sleeping; less bookkeeping per item.
//
// Example:
//
//   conc::SimpleQueue<std::unique_ptr<Request>> inbox;
//   inbox.put(std::make_unique<Request>(...));   // Never blocks.
//   absl::StatusOr<std::unique_ptr<Request>> r = inbox.get(absl::Seconds(1));
//   if (absl::IsDeadlineExceeded(r.status())) { /* nothing for a second */ }

#ifndef MODULES_SYNC_SIMPLE_QUEUE_H_
#define MODULES_SYNC_SIMPLE_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/spin.h"
#include "modules/common/internal/spin_lock.h"
#include "modules/sync/internal/batch.h"

namespace conc {

template <typename T>
class SimpleQueue {
 public:
  SimpleQueue() = default;
  SimpleQueue(const SimpleQueue&) = delete;
  SimpleQueue& operator=(const SimpleQueue&) = delete;

  // Puts `item` at the end of the queue. Never blocks; wakes one waiting
  // getter if there is one.
  void put(T item) ABSL_LOCKS_EXCLUDED(put_mu_) {
    std::lock_guard<internal::SpinLock> lock(put_mu_);
    tail_.push_back(std::move(item));
    // Written only when tail_ stops being empty, so that a getter polling it
    // does not pull the line away from the producer on every put.
    if (tail_.size() == 1) tail_nonempty_.store(true, std::memory_order_relaxed);
    // Wake one sleeping getter, unless every sleeper already has a wake-up
    // on its way (see Queue::WakeGetter in queue.h).
    if (getters_waiting_ > getters_signalled_) {
      ++getters_signalled_;
      not_empty_.notify_one();
    }
  }

  // The same as put(item): kept for symmetry with Queue (and Python).
  void put_nowait(T item) ABSL_LOCKS_EXCLUDED(put_mu_) { put(std::move(item)); }

  // Removes and returns the oldest item; see the contract above for `block`
  // and `timeout`. Returns `DeadlineExceeded` (queue.Empty) if no item came in
  // time, `InvalidArgument` for a negative timeout with `block`.
  [[nodiscard]] absl::StatusOr<T> get(
      bool block = true, std::optional<absl::Duration> timeout = std::nullopt)
      ABSL_LOCKS_EXCLUDED(get_mu_, put_mu_) {
    if (block && timeout.has_value() && *timeout < absl::ZeroDuration()) {
      return ValueError(
          "SimpleQueue.get: 'timeout' must be a non-negative number");
    }
    const Deadline deadline =
        !block ? Deadline::FromTimeout(absl::ZeroDuration())
               : (timeout.has_value() ? Deadline::FromTimeout(timeout)
                                      : Deadline::Infinite());
    bool spun = false;
    while (true) {
      std::unique_lock<internal::SpinLock> get_lock(get_mu_);
      if (head_.empty()) {
        if (!spun && !tail_nonempty_.load(std::memory_order_relaxed) && !deadline.expired()) {
          // Nothing queued: poll for a put before taking the producers' lock
          // (the adaptive spin of common/internal/spin.h).
          spun = true;
          get_lock.unlock();
          (void)spin_.Spin([this] { return tail_nonempty_.load(std::memory_order_relaxed); });
          continue;
        }
        // Refill: take every item the producers have queued, in one go.
        std::unique_lock<internal::SpinLock> put_lock(put_mu_);
        if (tail_.empty()) {
          if (deadline.expired()) {
            return EmptyError("SimpleQueue.get: the queue is empty");
          }
          // Wait for a put with only put_mu_ held (other getters may use
          // get_mu_ meanwhile), then start over.
          get_lock.unlock();
          ++getters_waiting_;
          if (deadline.is_infinite()) {
            not_empty_.wait(put_lock);
          } else {
            not_empty_.wait_until(put_lock, deadline.to_steady_time_point());
          }
          --getters_waiting_;
          if (getters_signalled_ > 0) --getters_signalled_;
          continue;
        }
        head_.swap(tail_);
        tail_nonempty_.store(false, std::memory_order_relaxed);
      }
      return head_.pop_front();
    }
  }

  // get(/*block=*/false): returns an item only if one is there now.
  [[nodiscard]] absl::StatusOr<T> get_nowait() ABSL_LOCKS_EXCLUDED(get_mu_, put_mu_) {
    return get(/*block=*/false);
  }

  // The number of queued items; approximate, as in Python.
  std::size_t qsize() const ABSL_LOCKS_EXCLUDED(get_mu_, put_mu_) {
    std::lock_guard<internal::SpinLock> get_lock(get_mu_);
    std::lock_guard<internal::SpinLock> put_lock(put_mu_);
    return head_.size() + tail_.size();
  }

  // qsize() == 0; approximate, as in Python.
  bool empty() const ABSL_LOCKS_EXCLUDED(get_mu_, put_mu_) { return qsize() == 0; }

  // Diagnostics (for tests): how many threads are blocked in `get` now.
  std::size_t getters_waiting() const ABSL_LOCKS_EXCLUDED(put_mu_) {
    std::lock_guard<internal::SpinLock> lock(put_mu_);
    return getters_waiting_;
  }

 private:
  // Two locks, so that producers and consumers rarely meet (the two-lock
  // queue of Michael and Scott, 1996, with a batch hand-over): producers
  // append to `tail_` under `put_mu_`; consumers take from `head_` under
  // `get_mu_`, and when it runs dry, swap the whole of `tail_` into it under
  // both locks. Every item in `head_` is older than every item in `tail_`, so
  // the order stays first-in-first-out.
  //
  // Lock order: get_mu_, then put_mu_. No thread waits while holding get_mu_.
  //
  // `not_empty_` (with put_mu_) is notified, one waiter, by each put that
  // finds a getter waiting; a getter waits only after seeing both halves
  // empty with put_mu_ held.
  //
  // Layout: the consumers' fields, the polled flag, the producers' fields,
  // each fenced off by 64 bytes of padding (also from the queue's neighbours
  // in memory, e.g. a producer's stack variables), so that the two sides do
  // not write to a shared cache line.
  char leading_padding_[64];
  mutable internal::SpinLock get_mu_;
  internal::Batch<T> head_ ABSL_GUARDED_BY(get_mu_);
  // How long idle getters poll before sleeping (common/internal/spin.h).
  internal::AdaptiveSpin spin_;

  // !tail_.empty(), stored under put_mu_ only when it changes (once per
  // batch, not once per put); idle getters poll it while spinning. Padded
  // away from what consumers and producers write per item (padding, not
  // alignas, so that the queue is not over-aligned).
  char consumer_padding_[64];
  std::atomic<bool> tail_nonempty_{false};
  char producer_padding_[64];

  mutable internal::SpinLock put_mu_;
  std::condition_variable_any not_empty_;
  internal::Batch<T> tail_ ABSL_GUARDED_BY(put_mu_);
  std::size_t getters_waiting_ ABSL_GUARDED_BY(put_mu_) = 0;
  // Of those, how many have been notified and not yet woken.
  std::size_t getters_signalled_ ABSL_GUARDED_BY(put_mu_) = 0;
  char trailing_padding_[64];
};

}  // namespace conc

#endif  // MODULES_SYNC_SIMPLE_QUEUE_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// async_queue.h: conc::AsyncQueue<T>, Python's `asyncio.Queue` (with 3.13's
// shutdown).
//
// A FIFO queue for tasks on one loop. `maxsize` <= 0 is unbounded; otherwise
// `co_await q.put(x)` waits while the queue is full (back-pressure) and
// `co_await q.get()` waits while it is empty. Waiting tasks are served in the
// order they started waiting. `task_done()` and `co_await q.join()` count
// unfinished items as in Python: put adds one, task_done removes one, join
// waits until none is left.
//
// Python -> C++ (statuses outside the one CancelledError, docs/DESIGN.md):
//
//   q = asyncio.Queue(maxsize=2)          conc::AsyncQueue<int> q(2);
//   await q.put(x)                        absl::Status s = co_await q.put(x);
//   x = await q.get()                     absl::StatusOr<int> x = co_await q.get();
//   q.put_nowait(x)   (QueueFull)         absl::Status s = q.put_nowait(x);    // DeadlineExceeded
//   q.get_nowait()    (QueueEmpty)        absl::StatusOr<int> x = q.get_nowait(); // DeadlineExceeded
//   q.qsize(); q.empty(); q.full()        same; q.maxsize()
//   q.task_done()     (ValueError)        absl::Status s = q.task_done();      // FailedPrecondition
//   await q.join()                        co_await q.join();
//   q.shutdown(immediate=False)           q.shutdown(/*immediate=*/false);
//   QueueShutDown                         Cancelled (conc::ShutDownError), from put/get/*_nowait
//
// shutdown(immediate) (Python 3.13): put/put_nowait fail with Cancelled from
// then on, and blocked putters wake with it. get/get_nowait keep returning
// what is left and fail with Cancelled once the queue is empty; blocked
// getters wake with it. With immediate=true the queue is emptied first (each
// dropped item counts as task_done, so join returns when nothing else is
// unfinished).
//
// Cancellation: a task cancelled while blocked in put or get sees
// conc::CancelledError at its co_await and is removed from the waiters. No item
// is lost: an item is never handed to a getter; put stores it in the queue and
// wakes the first waiting getter, which takes the front item when it runs. If
// that getter is cancelled before it runs (the cancellation and the put in the
// same loop iteration, in either order), it takes nothing and wakes the next
// getter instead, so the item stays at the front for the next get. The same
// holds for putters and free slots. (Python's asyncio.Queue, the same way.)
//
// Where it differs from Python: statuses instead of QueueFull/QueueEmpty/
// QueueShutDown/ValueError; no `maxsize < 0` error (<= 0 is unbounded, as in
// Python); no subclass hooks (_put/_get: PriorityQueue and LifoQueue are not
// here). Not bound to a loop.
//
// Thread-safety: none; loop thread only. Requires: T movable. The queue must
// outlive the tasks blocked in it.
//
// Example:
//
//   conc::AsyncQueue<int> q(1);
//   conc::Task<void> producer() { for (int i = 0; i < 3; ++i) (void)co_await q.put(i); }
//   conc::Task<int> consumer() {
//     int sum = 0;
//     for (int i = 0; i < 3; ++i) { sum += *co_await q.get(); (void)q.task_done(); }
//     co_return sum;
//   }

#ifndef MODULES_GENERATORS_ASYNC_QUEUE_H_
#define MODULES_GENERATORS_ASYNC_QUEUE_H_

#include <cstddef>
#include <deque>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/status.h"
#include "modules/generators/async_event.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/task.h"

namespace conc {

template <class T>
class AsyncQueue {
 public:
  // maxsize <= 0: unbounded.
  explicit AsyncQueue(int maxsize = 0) : maxsize_(maxsize) { finished_.set(); }
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  [[nodiscard]] int maxsize() const { return maxsize_; }
  [[nodiscard]] size_t qsize() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  // True if maxsize > 0 and qsize() >= maxsize.
  [[nodiscard]] bool full() const {
    return maxsize_ > 0 && items_.size() >= static_cast<size_t>(maxsize_);
  }

  // Adds x at the back without waiting. DeadlineExceeded (queue.Full) if
  // full, Cancelled (QueueShutDown) after shutdown(). Wakes the first getter.
  [[nodiscard]] absl::Status put_nowait(T x) {
    if (shutdown_) return ShutDownError("AsyncQueue.put_nowait: the queue is shut down");
    if (full()) return FullError("AsyncQueue.put_nowait: the queue is full");
    items_.push_back(std::move(x));
    ++unfinished_;
    finished_.clear();
    getters_.wake_one();
    return absl::OkStatus();
  }

  // Removes and returns the front item without waiting. DeadlineExceeded
  // (queue.Empty) if empty, Cancelled if empty and shut down. Wakes the first
  // putter.
  [[nodiscard]] absl::StatusOr<T> get_nowait() {
    if (items_.empty()) {
      if (shutdown_) return ShutDownError("AsyncQueue.get_nowait: the queue is shut down and empty");
      return EmptyError("AsyncQueue.get_nowait: the queue is empty");
    }
    T x = std::move(items_.front());
    items_.pop_front();
    putters_.wake_one();
    return x;
  }

  // Waits while the queue is full, then put_nowait(x). Cancelled if the queue
  // is (or gets) shut down; CancelledError thrown if the task is cancelled.
  Task<absl::Status> put(T x) {
    while (full()) {
      if (shutdown_) co_return ShutDownError("AsyncQueue.put: the queue is shut down");
      co_await wait_in(putters_, [this] { return !full(); });
    }
    co_return put_nowait(std::move(x));
  }

  // Waits while the queue is empty, then get_nowait(). Cancelled once the
  // queue is shut down and empty; CancelledError thrown if the task is
  // cancelled (it then takes nothing).
  Task<absl::StatusOr<T>> get() {
    while (items_.empty()) {
      if (shutdown_) co_return ShutDownError("AsyncQueue.get: the queue is shut down and empty");
      co_await wait_in(getters_, [this] { return !items_.empty(); });
    }
    co_return get_nowait();
  }

  // One item taken by get is processed. FailedPrecondition if called more
  // times than items were put (Python's ValueError "task_done() called too
  // many times").
  [[nodiscard]] absl::Status task_done() {
    if (unfinished_ <= 0) return MisuseError("task_done() called too many times");
    if (--unfinished_ == 0) finished_.set();
    return absl::OkStatus();
  }

  // Waits until every item put has been task_done (returns at once if none is
  // unfinished). CancelledError if the task is cancelled.
  Task<void> join() {
    if (unfinished_ > 0) co_await finished_.wait();
  }

  // Python 3.13's Queue.shutdown; see above. Idempotent.
  void shutdown(bool immediate = false) {
    shutdown_ = true;
    if (immediate) {
      while (!items_.empty()) {
        items_.pop_front();
        if (unfinished_ > 0) --unfinished_;
      }
      if (unfinished_ == 0) finished_.set();
    }
    getters_.wake_all();
    putters_.wake_all();
  }

  [[nodiscard]] bool is_shut_down() const { return shutdown_; }

 private:
  // Waits in `list` until woken. If the wait ends in CancelledError after a
  // wake-up was spent on this task (woken, then cancelled before it ran), the
  // wake-up is passed on to the next waiter while `still_ok()` (Python's
  // `if not self.empty() and not getter.cancelled(): self._wakeup_next(...)`).
  template <class Pred>
  Task<void> wait_in(internal::WaiterList& list, Pred still_ok) {
    internal::FutureWaiter w(&list);
    try {
      co_await w;
    } catch (const CancelledError&) {
      if (w.woken() && still_ok()) list.wake_one();
      throw;
    }
  }

  const int maxsize_;
  std::deque<T> items_;
  int unfinished_ = 0;
  bool shutdown_ = false;
  AsyncEvent finished_;
  internal::WaiterList getters_;
  internal::WaiterList putters_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_ASYNC_QUEUE_H_

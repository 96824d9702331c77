// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// as_completed.h: conc::as_completed, Python's `asyncio.as_completed(aws,
// timeout)`.
//
//   conc::AsCompleted<int> ac(tasks, absl::Seconds(5));
//   while (ac.remaining() > 0) {
//     absl::StatusOr<conc::Task<int>> t = co_await ac.next();
//     if (!t.ok()) break;                      // DeadlineExceeded: the timeout passed
//     absl::StatusOr<int> v = t->result();     // a done task: its value or failure
//   }
//
// The constructor schedules every task (those not scheduled yet) and starts
// the optional overall timeout (the project's convention: nullopt never; zero
// or negative: only tasks done after one loop iteration count). `next()` gives
// the next task to finish, in completion order (ties: the order their
// done-callbacks ran), as a done Task: its result()/co_await give its value or
// exception (Python's `await next_future`). Then:
//
//   * the timeout passed before another task finished: DeadlineExceeded
//     "as_completed: timed out" for this and every later next() (Python raises
//     TimeoutError); tasks that finished before it are still given first, those
//     finishing after it never are; like Python, nothing is cancelled;
//   * nothing remains: OutOfRange "as_completed: no task remains" (Python's
//     StopIteration).
//
// A cancellation of the task awaiting next() throws CancelledError into it;
// the tasks go on. Where it differs from Python: an object with next() rather
// than an iterator of coroutines; one T for all tasks; no async iteration.
//
// Lifetime: the object registers callbacks on the tasks; it cannot be moved,
// and its destructor removes them. Construct it inside a Task on a running
// loop. Loop thread only.

#ifndef MODULES_GENERATORS_AS_COMPLETED_H_
#define MODULES_GENERATORS_AS_COMPLETED_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/generators/async_event.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/task.h"

namespace conc {

template <class T>
class AsCompleted {
 public:
  // Schedules `tasks` and starts the timeout; see above. Requires: a running
  // loop on this thread (EventLoop::current()).
  explicit AsCompleted(std::vector<Task<T>> tasks,
                       std::optional<absl::Duration> timeout = std::nullopt)
      : tasks_(std::move(tasks)), ids_(tasks_.size(), 0) {
    const Deadline deadline = Deadline::FromTimeout(timeout);
    EventLoop& loop = *EventLoop::current();
    for (size_t i = 0; i < tasks_.size(); ++i) {
      tasks_[i] = create_task(loop, std::move(tasks_[i]));
      internal::TaskBase* b = tasks_[i].internal_base();
      if (b->done()) {
        finished_.push_back(i);
      } else {
        ids_[i] = b->add_done_callback([this, i] {
          ids_[i] = 0;
          finished_.push_back(i);
          waiters_.wake_all();
        });
      }
    }
    if (!deadline.is_infinite()) {
      auto fire = [this] {
        // Python's _on_timeout: the tasks still running are given up on.
        timed_out_ = true;
        remove_callbacks();
        waiters_.wake_all();
      };
      timer_ = deadline.expired() ? loop.call_soon(fire) : loop.call_at(deadline, fire);
    }
  }
  AsCompleted(const AsCompleted&) = delete;
  AsCompleted& operator=(const AsCompleted&) = delete;
  ~AsCompleted() {
    remove_callbacks();
    timer_.cancel();
  }

  // The tasks next() has not given yet.
  [[nodiscard]] size_t remaining() const { return tasks_.size() - given_; }

  // The next task to finish; see above.
  Task<absl::StatusOr<Task<T>>> next() {
    if (remaining() == 0) co_return absl::OutOfRangeError("as_completed: no task remains");
    while (finished_.empty() && !timed_out_) {
      internal::FutureWaiter w(&waiters_);
      co_await w;  // throws CancelledError if we are cancelled
    }
    if (finished_.empty()) co_return absl::DeadlineExceededError("as_completed: timed out");
    const size_t i = finished_.front();
    finished_.pop_front();
    ++given_;
    co_return tasks_[i];
  }

 private:
  void remove_callbacks() {
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (ids_[i] != 0) tasks_[i].internal_base()->remove_done_callback(std::exchange(ids_[i], 0));
    }
  }

  std::vector<Task<T>> tasks_;
  std::vector<uint64_t> ids_;  // done-callback ids, 0 once run
  std::deque<size_t> finished_;
  size_t given_ = 0;
  bool timed_out_ = false;
  Handle timer_;
  internal::WaiterList waiters_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_AS_COMPLETED_H_

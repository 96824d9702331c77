// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// wait.h: conc::wait, Python's `asyncio.wait(aws, timeout, return_when)`.
//
//   absl::StatusOr<conc::AsyncWaitResult<int>> r = co_await conc::wait(
//       tasks, absl::Seconds(1), conc::AsyncReturnWhen::kFirstCompleted);
//   for (conc::Task<int>& t : r->done) { ... t.result() ... }
//
// Schedules every task (those not scheduled yet) and waits until:
//   * kFirstCompleted: any of them is done (returned, threw, or was cancelled);
//   * kFirstException: any of them finished by throwing (a cancelled one does
//     not count, as in Python), or all are done;
//   * kAllCompleted (the default): all are done;
// or until `timeout` passes (nullopt: never; zero or negative: after one loop
// iteration, so tasks that finish in their first step count as done). It then
// gives the tasks split into `done` and `pending`, each in the input order.
// Like Python, wait() never cancels anything and never raises the tasks'
// exceptions: look at each done task's result(). The timeout is not an error.
//
// Errors: an empty vector is InvalidArgument "Set of Tasks/Futures is empty."
// (Python's ValueError). A cancellation of the awaiting task throws
// CancelledError into it; the tasks go on (Python: the same).
//
// Where it differs from Python: vectors in input order instead of sets;
// statuses for errors; the tasks must all be Task<T> of one T. The names are
// AsyncReturnWhen / AsyncWaitResult (the chapter's Async* prefix, as
// AsyncLock beside sync's Lock) because conc::ReturnWhen and conc::WaitResult
// are concurrent.futures' in modules/threads/future.h, which this chapter,
// below threads in the dependency order, cannot include.
//
// Requires: co_awaited inside a Task on a running loop. Loop thread only.

#ifndef MODULES_GENERATORS_WAIT_H_
#define MODULES_GENERATORS_WAIT_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/generators/async_event.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/task.h"

namespace conc {

// Python's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED.
enum class AsyncReturnWhen { kFirstCompleted, kFirstException, kAllCompleted };

template <class T>
struct AsyncWaitResult {
  std::vector<Task<T>> done;     // in the input order
  std::vector<Task<T>> pending;  // in the input order
};

namespace internal {

// Done-callbacks on a set of tasks and an optional timer, all removed when
// this goes out of scope (also when the waiting coroutine unwinds).
class WakeOnAny {
 public:
  WakeOnAny() = default;
  WakeOnAny(const WakeOnAny&) = delete;
  WakeOnAny& operator=(const WakeOnAny&) = delete;
  ~WakeOnAny() {
    for (auto& [task, id] : callbacks_) task->remove_done_callback(id);
    timer_.cancel();
  }
  void on_done(TaskBase* task, std::function<void()> fn) {
    callbacks_.emplace_back(task, task->add_done_callback(std::move(fn)));
  }
  void set_timer(Handle h) { timer_ = std::move(h); }

 private:
  std::vector<std::pair<TaskBase*, uint64_t>> callbacks_;
  Handle timer_;
};

inline bool WaitSatisfied(const std::vector<TaskBase*>& tasks, AsyncReturnWhen when) {
  size_t done = 0;
  for (TaskBase* t : tasks) {
    if (!t->done()) continue;
    ++done;
    if (when == AsyncReturnWhen::kFirstCompleted) return true;
    if (when == AsyncReturnWhen::kFirstException && t->exception() && !t->cancelled()) return true;
  }
  return done == tasks.size();
}

}  // namespace internal

// See above.
template <class T>
Task<absl::StatusOr<AsyncWaitResult<T>>> wait(std::vector<Task<T>> tasks,
                                         std::optional<absl::Duration> timeout = std::nullopt,
                                         AsyncReturnWhen return_when = AsyncReturnWhen::kAllCompleted) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (tasks.empty()) co_return ValueError("Set of Tasks/Futures is empty.");
  EventLoop& loop = *EventLoop::current();
  std::vector<internal::TaskBase*> bases;
  bases.reserve(tasks.size());
  for (Task<T>& t : tasks) {
    t = create_task(loop, std::move(t));
    bases.push_back(t.internal_base());
  }
  if (!internal::WaitSatisfied(bases, return_when)) {
    internal::WaiterList list;
    internal::WakeOnAny wake;
    for (internal::TaskBase* b : bases) {
      if (b->done()) continue;
      wake.on_done(b, [&] {
        if (internal::WaitSatisfied(bases, return_when)) list.wake_all();
      });
    }
    if (!deadline.is_infinite()) {
      auto fire = [&] { list.wake_all(); };
      wake.set_timer(deadline.expired() ? loop.call_soon(fire) : loop.call_at(deadline, fire));
    }
    internal::FutureWaiter w(&list);
    co_await w;  // throws CancelledError if we are cancelled; the tasks go on
  }
  AsyncWaitResult<T> r;
  for (Task<T>& t : tasks) (t.done() ? r.done : r.pending).push_back(std::move(t));
  co_return r;
}

}  // namespace conc

#endif  // MODULES_GENERATORS_WAIT_H_

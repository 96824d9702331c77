// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// gather.h: conc::gather and conc::gather_return_exceptions, Python's
// `asyncio.gather(*aws)` and `asyncio.gather(*aws, return_exceptions=True)`.
//
// `co_await conc::gather(a(), b(), c())` schedules each task that is not
// scheduled yet as a task of its own on the running loop, so they run
// concurrently, and gives their results in the order given, as a std::tuple
// (std::monostate for a Task<void>). `gather(std::vector<Task<T>>)` gives a
// std::vector.
//
// Failures, as in Python by default: the first task to fail (in time) makes
// gather rethrow its exception into the awaiter at once; the other tasks are
// NOT cancelled and keep running (their later failures are marked retrieved,
// so they are not reported). A child that is cancelled counts as failing with
// CancelledError. Cancelling the task that awaits gather cancels every child
// that is not done; the awaiter then sees CancelledError.
//
// gather_return_exceptions(std::vector<Task<T>>) waits for all of them and
// returns each one's outcome as Task::result() does (task.h): the value, or
// Cancelled, or Unknown "the task raised <type>: <what()>" (the exception
// object itself stays the task's exception(): keep a handle to reach it).
// Where Python returns exception objects in the list, this returns statuses.
//
// Requires: co_awaited inside a Task on a running loop; result types
// copyable (results are copied out of the tasks, which may have other
// handles). Loop thread only.
//
// Example:
//
//   conc::Task<int> twice(int x) { co_await conc::sleep(absl::Milliseconds(x)); co_return 2 * x; }
//   conc::Task<void> main_task() {
//     auto [a, b] = co_await conc::gather(twice(20), twice(10));  // 40, 20: in order
//   }

#ifndef MODULES_GENERATORS_GATHER_H_
#define MODULES_GENERATORS_GATHER_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"

namespace conc {

// The element of gather's result for a Task<T>: T, or std::monostate for void.
template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace internal {

// The leaf awaitable under gather: waits until every child is done or (unless
// `wait_all`) one has failed.
class GatherWaiter final : public Suspension {
 public:
  GatherWaiter(std::vector<TaskBase*> children, bool wait_all)
      : children_(std::move(children)), ids_(children_.size(), 0), wait_all_(wait_all) {}
  GatherWaiter(const GatherWaiter&) = delete;
  GatherWaiter& operator=(const GatherWaiter&) = delete;
  ~GatherWaiter() {
    if (registered_) {
      unregister();
      root_->forget_suspension(this);
    }
  }

  bool await_ready() {
    size_t done = 0;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (!children_[i]->done()) continue;
      ++done;
      if (!wait_all_ && children_[i]->exception() && failed_ < 0) failed_ = static_cast<int>(i);
    }
    return done == children_.size() || failed_ >= 0;
  }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    if (root_->must_cancel()) return false;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (!children_[i]->done()) ids_[i] = children_[i]->add_done_callback([this, i] { on_child_done(i); });
    }
    registered_ = true;
    root_->suspend(this, h);
    return true;
  }

  // Throws CancelledError if the awaiting task was cancelled.
  void await_resume() {
    if (root_) root_->throw_if_cancel_requested();
  }

  // The index of the child whose failure ends the wait, or -1.
  int failed() const { return failed_; }
  // True if a cancellation of the awaiting task was passed to the children.
  bool cancel_forwarded() const { return cancel_forwarded_; }

  bool cancel_wait() override {
    bool any = false;
    for (TaskBase* c : children_) {
      if (!c->done()) any = c->cancel() || any;
    }
    if (any) {
      cancel_forwarded_ = true;
      return true;
    }
    unregister();
    return false;
  }
  void detach() override { unregister(); }

 private:
  void on_child_done(size_t i) {
    ids_[i] = 0;
    if (!wait_all_ && children_[i]->exception() && failed_ < 0) failed_ = static_cast<int>(i);
    bool all = true;
    for (TaskBase* c : children_) all = all && c->done();
    if (all || failed_ >= 0) {
      unregister();
      root_->wake();
    }
  }
  void unregister() {
    if (!registered_) return;
    registered_ = false;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (ids_[i] != 0) children_[i]->remove_done_callback(std::exchange(ids_[i], 0));
    }
  }

  std::vector<TaskBase*> children_;
  std::vector<uint64_t> ids_;
  bool wait_all_;
  TaskBase* root_ = nullptr;
  int failed_ = -1;
  bool registered_ = false;
  bool cancel_forwarded_ = false;
};

// After the first failure: every failure, now or later, counts as retrieved
// (Python's gather retrieves them in its done-callback), then the chosen one is
// rethrown.
[[noreturn]] inline void RethrowGatherFailure(const std::vector<TaskBase*>& children, int failed) {
  for (TaskBase* c : children) {
    if (c->done()) {
      c->mark_retrieved();
    } else {
      c->add_done_callback([c] { c->mark_retrieved(); });
    }
  }
  std::rethrow_exception(children[static_cast<size_t>(failed)]->exception());
}

template <class T>
GatherValue<T> GatherValueOf(const Task<T>& t) {
  if constexpr (std::is_void_v<T>) {
    return std::monostate{};
  } else {
    return *t.result();  // done and not failed: the value
  }
}

}  // namespace internal

// Runs `tasks` concurrently and gives their results in order; see above.
template <class T>
Task<std::vector<GatherValue<T>>> gather(std::vector<Task<T>> tasks) {
  EventLoop& loop = *EventLoop::current();
  std::vector<internal::TaskBase*> bases;
  bases.reserve(tasks.size());
  for (Task<T>& t : tasks) bases.push_back(create_task(loop, t).internal_base());
  internal::GatherWaiter waiter(bases, /*wait_all=*/false);
  co_await waiter;
  if (waiter.failed() >= 0) internal::RethrowGatherFailure(bases, waiter.failed());
  std::vector<GatherValue<T>> results;
  results.reserve(tasks.size());
  for (const Task<T>& t : tasks) results.push_back(internal::GatherValueOf(t));
  co_return results;
}

// The variadic form: a tuple of the results, in order.
template <class... T>
Task<std::tuple<GatherValue<T>...>> gather(Task<T>... tasks) {
  EventLoop& loop = *EventLoop::current();
  std::vector<internal::TaskBase*> bases = {create_task(loop, tasks).internal_base()...};
  internal::GatherWaiter waiter(bases, /*wait_all=*/false);
  co_await waiter;
  if (waiter.failed() >= 0) internal::RethrowGatherFailure(bases, waiter.failed());
  co_return std::tuple<GatherValue<T>...>(internal::GatherValueOf(tasks)...);
}

// gather(..., return_exceptions=True): waits for all and returns each outcome
// as a TaskResult; see above. Cancelling the awaiter cancels the children,
// waits for all of them, then throws CancelledError.
template <class T>
Task<std::vector<TaskResult<T>>> gather_return_exceptions(std::vector<Task<T>> tasks) {
  EventLoop& loop = *EventLoop::current();
  std::vector<internal::TaskBase*> bases;
  bases.reserve(tasks.size());
  for (Task<T>& t : tasks) bases.push_back(create_task(loop, t).internal_base());
  internal::GatherWaiter waiter(bases, /*wait_all=*/true);
  co_await waiter;
  if (waiter.cancel_forwarded()) {
    for (internal::TaskBase* b : bases) b->mark_retrieved();
    throw CancelledError();
  }
  std::vector<TaskResult<T>> results;
  results.reserve(tasks.size());
  for (const Task<T>& t : tasks) results.push_back(t.result());
  co_return results;
}

}  // namespace conc

#endif  // MODULES_GENERATORS_GATHER_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// task_group.h: conc::task_group and conc::TaskGroup, Python 3.11's
// `asyncio.TaskGroup` (structured concurrency, as in trio's nurseries).
//
//   co_await conc::task_group([&](conc::TaskGroup& g) -> conc::Task<void> {
//     g.create_task(fetch("a"));
//     g.create_task(fetch("b"));
//     co_return;
//   });
//
// The body is the group's first child: task_group schedules it as a task of
// its own, and every task it (or any child) gives to `g.create_task` is a
// child too. Then:
//
//   * task_group returns once EVERY child is done (the body included), never
//     earlier: no child outlives the block.
//   * The first child that fails (its body throws anything but
//     CancelledError) makes the group abort: every other child still pending,
//     the body included, is cancelled (conc::CancelledError at its next
//     suspension point, so its cleanup runs), the group still waits for all of
//     them, and then the first failure is rethrown into the awaiter. A child
//     that ends cancelled is not a failure.
//   * An external cancellation of the task awaiting the group cancels all the
//     children; once they are done, CancelledError is thrown into the awaiter
//     (a child's failure, if any, wins over it, as in Python).
//   * `g.create_task` is refused with FailedPrecondition (Python's
//     RuntimeError) "TaskGroup is shutting down" once the group aborts; the
//     refused task is destroyed without running (Python 3.12 closes the
//     coroutine too). Python's "TaskGroup is finished" (create_task after the
//     `async with`) cannot happen: the group does not exist after task_group.
//
// Where it differs from Python:
//   * Python raises an ExceptionGroup carrying every failure. C++ has no
//     exception groups: the FIRST failure (in completion order) is rethrown
//     as it is, so `catch (const std::runtime_error&)` works directly. Pass
//     `failures` to get every failure, in completion order, the first one
//     included; all of them count as retrieved (no "Task exception was never
//     retrieved" report).
//   * A block, not a context manager: the body is a coroutine (a lambda
//     returning Task<void>) and runs as a separate task, one loop step after
//     task_group starts; so `g.create_task` is not a member of an
//     `async with` object but of the TaskGroup passed to the body.
//   * No names or contexts for create_task; the group does not uncancel().
//
// Lifetime: the TaskGroup lives in task_group's frame; the reference is valid
// in the body and in children until task_group returns (do not keep it).
// The body lambda is copied into the frame and outlives its coroutine.
//
// Requires: co_awaited inside a Task on a running loop. Loop thread only.
//
// Example:
//
//   std::vector<std::exception_ptr> all;
//   try {
//     co_await conc::task_group([&](conc::TaskGroup& g) -> conc::Task<void> {
//       g.create_task(worker(1));     // sleeps, then works
//       g.create_task(fails_soon());  // throws std::runtime_error
//       co_return;
//     }, &all);
//   } catch (const std::runtime_error& e) {
//     // worker(1) was cancelled and its cleanup ran; all.size() == 1
//   }

#ifndef MODULES_GENERATORS_TASK_GROUP_H_
#define MODULES_GENERATORS_TASK_GROUP_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/status.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"

namespace conc {

class TaskGroup;

namespace internal {

// Where task_group's own task waits: until the group has no pending child.
// Cancelled, it unregisters and the awaiter sees CancelledError (task_group
// catches it, cancels the children and waits again).
class GroupWaiter final : public Suspension {
 public:
  explicit GroupWaiter(const int* pending) : pending_(pending) {}
  GroupWaiter(const GroupWaiter&) = delete;
  GroupWaiter& operator=(const GroupWaiter&) = delete;
  ~GroupWaiter() {
    if (registered_) root_->forget_suspension(this);
  }

  bool await_ready() const { return *pending_ == 0; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    if (root_->must_cancel() || root_->loop() == nullptr) return false;
    registered_ = true;
    root_->suspend(this, h);
    return true;
  }

  void await_resume() {
    registered_ = false;
    if (root_) root_->throw_if_cancel_requested();
  }

  // The group's last pending child finished.
  void on_all_done() {
    if (!registered_) return;
    registered_ = false;
    root_->wake();
  }

  bool cancel_wait() override {
    registered_ = false;
    return false;
  }
  void detach() override { registered_ = false; }

 private:
  const int* pending_;
  TaskBase* root_ = nullptr;
  bool registered_ = false;
};

template <class F>
Task<void> RunTaskGroup(F body, std::vector<std::exception_ptr>* failures);

}  // namespace internal

class TaskGroup {
 public:
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Python's tg.create_task(coro): schedules `task` on the loop as a child of
  // the group and returns it. FailedPrecondition "TaskGroup is shutting down"
  // after the first failure or a cancellation of the group; `task` is then
  // destroyed unstarted.
  // A task already scheduled elsewhere is refused with InvalidArgument (it
  // would not be the group's to wait for).
  template <class T>
  absl::StatusOr<Task<T>> create_task(Task<T> task) {
    if (aborting_) return MisuseError("TaskGroup is shutting down");
    if (!task.valid()) return ValueError("TaskGroup.create_task: an empty Task");
    internal::TaskBase* base = task.internal_base();
    if (base->scheduled() || base->started()) {
      return ValueError("TaskGroup.create_task: the task is already scheduled");
    }
    task = conc::create_task(*loop_, std::move(task));
    add_child(base);
    return task;
  }

  // True once a child failed or the group was cancelled (children cancelled).
  [[nodiscard]] bool aborting() const { return aborting_; }

 private:
  template <class F>
  friend Task<void> internal::RunTaskGroup(F body, std::vector<std::exception_ptr>* failures);

  struct Child {
    internal::TaskRef task;
    uint64_t callback_id = 0;  // 0 once done
  };

  explicit TaskGroup(EventLoop* loop) : loop_(loop), waiter_(&pending_) {}
  ~TaskGroup() {
    // Only reached with children pending if the loop went away under us.
    for (Child& c : children_) {
      if (c.callback_id != 0) c.task->remove_done_callback(c.callback_id);
    }
  }

  void add_child(internal::TaskBase* base) {
    const size_t i = children_.size();
    children_.push_back(Child{internal::TaskRef(base), 0});
    ++pending_;
    children_[i].callback_id = base->add_done_callback([this, i] { on_child_done(i); });
  }

  void on_child_done(size_t i) {
    internal::TaskBase* t = children_[i].task.get();
    children_[i].callback_id = 0;
    --pending_;
    if (t->exception() && !t->cancelled()) {
      t->mark_retrieved();
      errors_.push_back(t->exception());
      abort();
    }
    if (pending_ == 0) waiter_.on_all_done();
  }

  // Cancels every pending child, once per request (Python's _abort).
  void abort() {
    aborting_ = true;
    for (Child& c : children_) {
      if (!c.task->done()) c.task->cancel();
    }
  }

  EventLoop* loop_;
  std::vector<Child> children_;
  std::vector<std::exception_ptr> errors_;
  int pending_ = 0;
  bool aborting_ = false;
  internal::GroupWaiter waiter_;
};

namespace internal {

template <class F>
Task<void> RunTaskGroup(F body, std::vector<std::exception_ptr>* failures) {
  TaskGroup g(EventLoop::current());
  g.add_child(create_task(*g.loop_, Task<void>(body(g))).internal_base());
  bool parent_cancelled = false;
  while (g.pending_ > 0) {
    try {
      co_await g.waiter_;
    } catch (const CancelledError&) {
      parent_cancelled = true;  // the awaiter was cancelled: so are the children
      g.abort();
    }
  }
  if (failures != nullptr) *failures = g.errors_;
  if (!g.errors_.empty()) std::rethrow_exception(g.errors_.front());
  if (parent_cancelled) throw CancelledError();
}

}  // namespace internal

// Runs `body(g)` and every task given to `g.create_task` as one group; see
// the contract above. `body` is a callable taking TaskGroup& and returning
// Task<void>. If `failures` is not null, it receives every child failure in
// completion order.
template <class F>
Task<void> task_group(F body, std::vector<std::exception_ptr>* failures = nullptr) {
  static_assert(std::is_same_v<std::invoke_result_t<F&, TaskGroup&>, Task<void>>,
                "task_group's body must be callable as body(TaskGroup&) -> Task<void>");
  return internal::RunTaskGroup(std::move(body), failures);
}

}  // namespace conc

#endif  // MODULES_GENERATORS_TASK_GROUP_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/task_base.h: what every Task<T> promise has, whatever its T: the
// reference count, the state (pending, done, cancelled), the cancellation
// request, the suspension it is waiting in, its done-callbacks, and its place in
// its loop's list of tasks. Implementation only: users include task.h.
//
// Two kinds of Task frame share this base:
//   * a *root* task, scheduled on a loop (create_task, run_until_complete,
//     gather, wait_for): Python's asyncio.Task. It is resumed by `step()` from
//     a loop callback, and its state is what done()/cancelled()/result() see.
//   * an *inline* child: a Task that was never scheduled and is `co_await`ed
//     directly (Python: `await coro()`). It runs inside its awaiter's root task
//     (`root_` points there), and returns to its awaiter (`continuation_`)
//     when it finishes; cancellation of the root reaches it at its suspension
//     points.
//
// Everything here runs on the loop's thread; nothing is atomic.

#ifndef MODULES_GENERATORS_INTERNAL_TASK_BASE_H_
#define MODULES_GENERATORS_INTERNAL_TASK_BASE_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modules/common/internal/exception.h"

namespace conc {

class EventLoop;

namespace internal {

class TaskBase;

// A place where a root task waits (a timer, another task, an event...). The
// awaiter object lives in the suspended coroutine's frame.
class Suspension {
 public:
  // The task waiting here is being cancelled. Return true if the cancellation
  // was passed on to what it waits for (an awaited task, gather's children) and
  // the task keeps waiting: it will see that thing end cancelled. Return false
  // after unregistering (no wake-up will come): the task is then woken and the
  // awaiter's await_resume throws CancelledError.
  virtual bool cancel_wait() = 0;
  // Stop waiting without waking anyone (the loop is being destroyed).
  // Idempotent.
  virtual void detach() = 0;

 protected:
  ~Suspension() = default;
};

// An intrusive reference to a task frame. Not thread-safe (loop thread only).
class TaskRef {
 public:
  TaskRef() = default;
  explicit TaskRef(TaskBase* t);
  TaskRef(const TaskRef& o) : TaskRef(o.t_) {}
  TaskRef(TaskRef&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  TaskRef& operator=(TaskRef o) noexcept {
    std::swap(t_, o.t_);
    return *this;
  }
  ~TaskRef();
  TaskBase* get() const { return t_; }
  TaskBase* operator->() const { return t_; }
  explicit operator bool() const { return t_ != nullptr; }

 private:
  TaskBase* t_ = nullptr;
};

class TaskBase {
 public:
  TaskBase() = default;
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;

  void add_ref() { ++refs_; }
  // Drops a reference; the last one destroys the frame (reporting a pending
  // root task or a failure nobody retrieved on stderr first).
  void release();

  // --- state (of a root task) ---
  bool is_root() const { return root_ == this; }
  bool scheduled() const { return root_ != nullptr; }
  bool started() const { return started_; }
  bool done() const { return done_; }
  bool cancelled() const { return cancelled_; }
  bool must_cancel() const { return must_cancel_; }
  const std::exception_ptr& exception() const { return exception_; }
  void mark_retrieved() { retrieved_ = true; }
  // "Task-N" once scheduled (N unique in the process, increasing on each
  // thread), "" before: made when asked, so that scheduling a task costs no
  // string.
  std::string name() const;
  EventLoop* loop() const { return root_ ? root_->loop_ : nullptr; }
  TaskBase* root() const { return root_; }

  // Makes this never-started frame a root task of `loop` and schedules its
  // first step. Requires: !scheduled().
  void schedule_on(EventLoop* loop);

  // Makes this never-started frame an inline child of `parent`'s root task,
  // returning to `continuation` when it finishes. Requires: !scheduled().
  void start_inline(TaskBase* parent, std::coroutine_handle<> continuation);

  // Python's Task.cancel(): false if already done; otherwise requests
  // cancellation (see Suspension::cancel_wait) and returns true.
  bool cancel(std::string message = {});

  // --- used by awaiters (on the root task) ---

  // The root task suspends in `s`; `leaf` is the coroutine to resume when
  // woken. Pins the task (a waiting task stays alive, as in Python, where
  // what it waits for holds it).
  void suspend(Suspension* s, std::coroutine_handle<> leaf);
  // An awaiter being destroyed (its frame is) stops being the suspension.
  void forget_suspension(Suspension* s);
  // What the task waits in has happened: unregister and schedule a step.
  void wake();
  // Called by a resumed awaiter: if cancellation was requested, consume the
  // request and throw CancelledError (inside the coroutine).
  void throw_if_cancel_requested();

  // Done-callbacks, run synchronously when the root task finishes (they must
  // only schedule or record). Returns an id for remove_done_callback.
  uint64_t add_done_callback(std::function<void()> fn);
  void remove_done_callback(uint64_t id);

  // --- used by the promise ---
  void set_frame(std::coroutine_handle<> self) { self_ = self; }
  void set_exception(std::exception_ptr e) { exception_ = std::move(e); }
  // At final_suspend: a root marks itself done and runs its callbacks (and
  // returns noop); an inline child returns its continuation.
  std::coroutine_handle<> on_final_suspend();

  // --- used by the loop ---
  // Resumes the task where it last suspended (first time: its start).
  void step();
  // The loop is being destroyed: stop waiting, forget the loop, and hand over
  // the pin (if any) for the loop to drop after its queues.
  TaskRef detach_from_loop();
  TaskBase* next_in_loop_ = nullptr;  // the loop's intrusive list of tasks
  TaskBase* prev_in_loop_ = nullptr;

 protected:
  ~TaskBase();

 private:
  void finish();
  void schedule_step();

  // Every task has one of these, and a million sleeping tasks are a million
  // of them: the counters and flags share the first 16 bytes, and what is
  // rare (a cancellation message) is behind a pointer (the size is pinned
  // below).
  int32_t refs_ = 0;
  uint32_t next_callback_id_ = 1;
  bool pinned_ = false;
  bool started_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  bool must_cancel_ = false;
  bool retrieved_ = false;
  std::coroutine_handle<> self_;
  TaskBase* root_ = nullptr;         // this for a root task, the root for an inline child
  union {  // A task is a root or an inline child, never both.
    EventLoop* loop_ = nullptr;             // roots: null once the loop is gone
    void* continuation_;  // inline children: whom to return to (a handle's address())
  };
  std::coroutine_handle<> resume_point_;  // roots: what step() resumes
  Suspension* waiting_ = nullptr;
  std::unique_ptr<std::string> cancel_message_;  // null: none (Python's msg=None)
  std::exception_ptr exception_;
  uint64_t number_ = 0;  // N of "Task-N"; 0 until scheduled
  std::vector<std::pair<uint64_t, std::function<void()>>> callbacks_;
};

inline TaskRef::TaskRef(TaskBase* t) : t_(t) {
  if (t_) t_->add_ref();
}
inline TaskRef::~TaskRef() {
  if (t_) t_->release();
}

// "<type>: <what()>" for an exception, for messages.


// True if `e` holds a conc::CancelledError.
bool IsCancelledError(const std::exception_ptr& e);

}  // namespace internal
}  // namespace conc

#endif  // MODULES_GENERATORS_INTERNAL_TASK_BASE_H_

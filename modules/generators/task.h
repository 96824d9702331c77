// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// task.h: conc::Task<T>, Python's coroutine (`async def`) and asyncio.Task in
// one type, and conc::create_task.
//
// A function returning Task<T> whose body uses `co_await`/`co_return` is an
// `async def`. Calling it runs none of the body (lazy, like calling an async
// def in Python: you get a coroutine). Then either:
//
//   * `co_await f()` from another task runs it *inline*, as part of the
//     awaiting task (Python: `await f()`), and gives its result; or
//   * `create_task(loop, f())` / `loop.create_task(f())` schedules it as a task
//     of its own (Python: `asyncio.create_task(f())`); it then runs
//     concurrently with the others, one step between suspension points at a
//     time, on the loop's thread. `co_await task` waits for it.
//
// Python -> C++:
//
//   async def f() -> int: ...            conc::Task<int> f() { ...; co_return 42; }
//   x = await f()                         int x = co_await f();
//   t = asyncio.create_task(f())          conc::Task<int> t = conc::create_task(loop, f());
//   x = await t                           int x = co_await t;     // copies; co_await std::move(t) moves
//   t.cancel(); t.cancelled(); t.done()   same
//   t.result()                            absl::StatusOr<int> r = t.result();  (absl::Status for Task<void>, Task<absl::Status>)
//   t.exception()                         absl::StatusOr<std::exception_ptr> e = t.exception();
//
// Results and failures:
//   * Inside coroutines, as in Python: `co_await t` gives t's value, or
//     rethrows t's exception into the awaiter (CancelledError if t was
//     cancelled).
//   * Outside (result()), in the project's convention (docs/DESIGN.md, as
//     Future<T>::result): the value; Cancelled if cancelled; Unknown "the task
//     raised <type>: <what()>" if its body threw (the exception itself is
//     exception()'s value); FailedPrecondition "Result is not set." while
//     pending (Python's InvalidStateError). result() and exception() mark a
//     failure as retrieved, as does a co_await that rethrows it.
//
// Cancellation (cancelled_error.h): `t.cancel()` returns false if t is done;
// otherwise the request is delivered at t's next suspension point as a
// conc::CancelledError thrown inside the coroutine, so RAII and catch blocks
// run. If t waits for another task, the cancellation is passed to that task and
// t sees it end cancelled (as in Python). A task cancelled before its first
// step ends cancelled without running. A body that catches CancelledError and
// returns normally is not cancelled.
//
// Reports on stderr (Python's logger messages):
//   * "Task was destroyed but it is pending!": the last handle of a scheduled,
//     unfinished task went away (typically: its loop was destroyed while it
//     waited). Its frame is destroyed; its locals' destructors run.
//   * "Task exception was never retrieved": a task whose body threw was
//     destroyed and nobody awaited it or asked result()/exception().
//
// Where it differs from Python:
//   * A Task is both the coroutine and the Task: awaiting an unscheduled one
//     runs it inline; awaiting a scheduled one waits for it. Re-awaiting a
//     finished task gives its result again (a Python coroutine would raise
//     RuntimeError).
//   * Lifetime: a Task is a reference-counted handle to the coroutine frame
//     (copies share it). A task waiting for something is kept alive by the
//     wait, as in Python, so fire-and-forget works; but whatever the body
//     refers to by reference must outlive it.
//   * No names, contexts, `uncancel()`/`cancelling()`, done-callbacks
//     (internal only) or eager start.
//
// Thread-safety: none. A task and its handles are used on its loop's thread
// only (create it anywhere, before it is scheduled). Requires: T is void or a
// movable object type; result() needs it copyable.
//
// Example:
//
//   conc::Task<int> answer() {
//     co_await conc::sleep(absl::Milliseconds(10));   // sleep.h
//     co_return 42;
//   }
//   conc::Task<int> main_task() {
//     conc::Task<int> t = conc::create_task(*conc::EventLoop::current(), answer());
//     co_return co_await t + 1;
//   }
//   absl::StatusOr<int> r = conc::run(main_task());    // run.h: 43

#ifndef MODULES_GENERATORS_TASK_H_
#define MODULES_GENERATORS_TASK_H_

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/block_pool.h"
#include "modules/generators/internal/task_base.h"

namespace conc {

// What result() returns: absl::StatusOr<T>, or absl::Status for Task<void> and
// for Task<absl::Status> (an absl::StatusOr<absl::Status> would hide the task's
// failure: abseil keeps a Status given to it as the value, so a timeout or a
// cancellation would read as an OK outer status).
template <class T>
using TaskResult = std::conditional_t<std::is_void_v<T> || std::is_same_v<T, absl::Status>, absl::Status,
                                      absl::StatusOr<T>>;

namespace internal {

template <class T>
struct ResultSlot {
  std::optional<T> value;
  template <class U = T>
  void return_value(U&& u) {
    value.emplace(std::forward<U>(u));
  }
};
template <>
struct ResultSlot<void> {
  void return_void() {}
};

// Gets the TaskBase of the coroutine awaiting, whatever its promise type.
template <class P>
TaskBase* TaskOf(std::coroutine_handle<P> h) {
  static_assert(std::is_base_of_v<TaskBase, P>,
                "conc's awaitables can only be co_awaited inside a conc::Task coroutine");
  return &h.promise();
}

// A root task waiting for another root task to finish, or for a deadline.
// cancel_wait passes the cancellation on to the target if `forward_cancel`.
class DoneWaiter final : public Suspension {
 public:
  DoneWaiter(TaskBase* target, bool forward_cancel, Deadline deadline)
      : target_(target), forward_cancel_(forward_cancel), deadline_(deadline) {}
  DoneWaiter(const DoneWaiter&) = delete;
  DoneWaiter& operator=(const DoneWaiter&) = delete;
  ~DoneWaiter() {
    if (registered_) {
      unregister();
      root_->forget_suspension(this);
    }
  }

  bool await_ready() const { return target_->done() || deadline_.expired(); }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    if (root_->must_cancel()) return false;  // resume at once; await_resume throws
    cb_id_ = target_->add_done_callback([this] { on_event(); });
    if (!deadline_.is_infinite() && root_->loop()) {
      timer_ = root_->loop()->call_at(deadline_, [this] { on_event(); });
    }
    registered_ = true;
    root_->suspend(this, h);
    return true;
  }

  // True if the target is done; false if the deadline came first. Throws
  // CancelledError if the waiting task was cancelled meanwhile.
  bool await_resume() {
    if (root_) root_->throw_if_cancel_requested();
    return target_->done();
  }

  bool cancel_wait() override {
    if (forward_cancel_ && target_->cancel()) return true;
    unregister();
    return false;
  }
  void detach() override { unregister(); }

 private:
  void on_event() {
    unregister();
    root_->wake();
  }
  void unregister() {
    if (!registered_) return;
    registered_ = false;
    target_->remove_done_callback(cb_id_);
    timer_.cancel();
  }

  TaskBase* target_;
  bool forward_cancel_;
  Deadline deadline_;
  TaskBase* root_ = nullptr;
  uint64_t cb_id_ = 0;
  Handle timer_;
  bool registered_ = false;
};

template <class T>
class TaskPromise;

}  // namespace internal

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::TaskPromise<T>;
  using value_type = T;

  // A Task that refers to no coroutine (valid() is false).
  Task() = default;

  // True if this handle refers to a coroutine.
  [[nodiscard]] bool valid() const { return static_cast<bool>(ref_); }

  // True once the task finished: returned, threw, or was cancelled. For an
  // inline child, once it finished running inside its awaiter.
  [[nodiscard]] bool done() const { return ref_ && ref_->done(); }

  // True if the task ended cancelled (a CancelledError escaped its body).
  [[nodiscard]] bool cancelled() const { return ref_ && ref_->cancelled(); }

  // Requests cancellation (see the contract above). False if already done.
  // Never blocks; loop thread only.
  bool cancel(std::string message = {}) { return ref_ && ref_->cancel(std::move(message)); }

  // The outcome, without blocking: the value (OK for void), Cancelled,
  // Unknown "the task raised <type>: <what()>", or FailedPrecondition "Result
  // is not set." while pending. Marks a failure retrieved.
  [[nodiscard]] TaskResult<T> result() const {
    if (!done()) return MisuseError("Result is not set.");
    const std::exception_ptr& e = ref_->exception();
    if (cancelled()) return absl::CancelledError(internal::DescribeException(e));
    if (e) {
      ref_->mark_retrieved();
      return absl::UnknownError(absl::StrCat("the task raised ", internal::DescribeException(e)));
    }
    if constexpr (std::is_void_v<T>) {
      return absl::OkStatus();
    } else {
      return *promise()->value;
    }
  }

  // The exception the body threw (null if it returned), Cancelled if the task
  // was cancelled, FailedPrecondition "Exception is not set." while pending.
  // Marks the failure retrieved.
  [[nodiscard]] absl::StatusOr<std::exception_ptr> exception() const {
    if (!done()) return MisuseError("Exception is not set.");
    if (cancelled()) return absl::CancelledError(internal::DescribeException(ref_->exception()));
    ref_->mark_retrieved();
    return ref_->exception();
  }

  // "Task-N" once scheduled (Python's default task names), "" before.
  [[nodiscard]] std::string get_name() const { return ref_ ? ref_->name() : std::string(); }

  // `co_await t`: see the contract. An lvalue task's value is copied, an
  // rvalue's moved.
  auto operator co_await() const& { return Awaiter<false>(promise()); }
  auto operator co_await() && { return Awaiter<true>(promise()); }

  // For the library (gather, wait_for, the loop): the shared task state.
  internal::TaskBase* internal_base() const { return ref_.get(); }

 private:
  friend class internal::TaskPromise<T>;
  explicit Task(internal::TaskBase* t) : ref_(t) {}
  promise_type* promise() const { return static_cast<promise_type*>(ref_.get()); }

  template <bool kMove>
  struct Awaiter {
    explicit Awaiter(promise_type* promise) : p(promise) {}
    promise_type* p;
    std::optional<internal::DoneWaiter> waiter;

    bool await_ready() const { return p->done(); }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) {
      internal::TaskBase* me = internal::TaskOf(h);
      if (!p->scheduled()) {  // `await coro()`: run it inline, in our task
        p->start_inline(me, h);
        return std::coroutine_handle<promise_type>::from_promise(*p);
      }
      waiter.emplace(p, /*forward_cancel=*/true, Deadline::Infinite());
      if (waiter->await_suspend(h)) return std::noop_coroutine();
      return h;
    }

    T await_resume() {
      if (waiter) waiter->await_resume();  // throws if we were cancelled waiting
      if (const std::exception_ptr& e = p->exception()) {
        p->mark_retrieved();
        std::rethrow_exception(e);
      }
      if constexpr (!std::is_void_v<T>) {
        if constexpr (kMove) {
          return std::move(*p->value);
        } else {
          return *p->value;
        }
      }
    }
  };

  internal::TaskRef ref_;
};

namespace internal {

template <class T>
class TaskPromise final : public TaskBase, public ResultSlot<T> {
 public:
  Task<T> get_return_object() {
    set_frame(std::coroutine_handle<TaskPromise>::from_promise(*this));
    return Task<T>(this);
  }
  std::suspend_always initial_suspend() noexcept { return {}; }
  // Frames come from a per-thread cache (internal/block_pool.h).
  static void* operator new(std::size_t n) { return PoolAllocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { PoolFree(p, n); }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<TaskPromise> h) noexcept {
      return h.promise().on_final_suspend();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() { set_exception(std::current_exception()); }
};

}  // namespace internal

// Python's asyncio.create_task / loop.create_task: schedules `task`'s first
// step on `loop` and returns it. A task already scheduled, or started inline,
// is returned unchanged. Loop thread only; never blocks.
template <class T>
Task<T> create_task(EventLoop& loop, Task<T> task) {
  internal::TaskBase* t = task.internal_base();
  if (t != nullptr && !t->scheduled() && !t->started()) t->schedule_on(&loop);
  return task;
}

template <class T>
Task<T> EventLoop::create_task(Task<T> task) {
  return conc::create_task(*this, std::move(task));
}

template <class T>
auto EventLoop::run_until_complete(Task<T> task, std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (!task.valid()) return TaskResult<T>(ValueError("run_until_complete: an empty Task"));
  if (absl::Status s = can_run(); !s.ok()) return TaskResult<T>(s);
  Task<T> t = create_task(std::move(task));
  if (absl::Status s = run_until(t.internal_base(), deadline); !s.ok()) return TaskResult<T>(s);
  return t.result();
}

}  // namespace conc

#endif  // MODULES_GENERATORS_TASK_H_

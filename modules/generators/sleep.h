// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// sleep.h: conc::sleep, Python's `asyncio.sleep`.
//
// `co_await conc::sleep(d)` suspends the calling task for `d` (at least: the
// loop's timer is rounded up to a whole millisecond of epoll_wait, and the loop
// may be busy) and lets the other tasks run meanwhile. `sleep` of zero or a
// negative duration yields to the loop once: the task goes to the back of the
// ready queue and resumes in the next iteration, after the tasks that were
// ready (Python's `await asyncio.sleep(0)`, the bare yield).
//
// Cancellation: a cancelled sleeper wakes at once with CancelledError thrown at
// the co_await (its timer is cancelled).
//
// Where it differs from Python: no `result=` argument. The duration follows
// the project's timeout convention (absl::Duration; absl::InfiniteDuration()
// sleeps until cancelled). `sleep(d)` is an awaitable, not a coroutine: a
// `co_await conc::sleep(d)` costs no coroutine frame of its own (the awaiter
// lives in the sleeping task's frame), which is what keeps a million sleeping
// tasks small. Where Python passes `asyncio.sleep(d)` to create_task, gather
// or run as a coroutine, pass `conc::sleep_task(d)`, a Task<void> that sleeps.
//
// Requires: co_awaited inside a conc::Task running on a loop. Loop thread only.
//
// Example:
//
//   conc::Task<void> tick() {
//     for (int i = 0; i < 3; ++i) {
//       std::printf("tick %d\n", i);
//       co_await conc::sleep(absl::Milliseconds(100));
//     }
//   }

#ifndef MODULES_GENERATORS_SLEEP_H_
#define MODULES_GENERATORS_SLEEP_H_

#include <coroutine>

#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"

namespace conc {
namespace internal {

// The leaf awaitable under sleep(): a timer (or, for zero, one call_soon).
class SleepAwaiter final : public Suspension {
 public:
  explicit SleepAwaiter(absl::Duration delay) : deadline_(Deadline::FromTimeout(delay)) {}
  SleepAwaiter(const SleepAwaiter&) = delete;
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;
  ~SleepAwaiter() {
    if (registered_) {
      handle_.cancel();
      root_->forget_suspension(this);
    }
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    EventLoop* loop = root_->loop();
    if (root_->must_cancel() || loop == nullptr) return false;
    auto wake = [this] {
      registered_ = false;
      root_->wake();
    };
    handle_ = deadline_.expired() ? loop->call_soon(wake) : loop->call_at(deadline_, wake);
    registered_ = true;
    root_->suspend(this, h);
    return true;
  }

  void await_resume() { root_->throw_if_cancel_requested(); }

  bool cancel_wait() override {
    detach();
    return false;
  }
  void detach() override {
    if (!registered_) return;
    registered_ = false;
    handle_.cancel();
  }

 private:
  Deadline deadline_;
  TaskBase* root_ = nullptr;
  Handle handle_;
  bool registered_ = false;
};

}  // namespace internal

// Suspends the calling task for `delay`; zero or negative yields once. Throws
// CancelledError (inside the coroutine) if the task is cancelled meanwhile.
// An awaitable: `co_await conc::sleep(d)`.
inline internal::SleepAwaiter sleep(absl::Duration delay) { return internal::SleepAwaiter(delay); }

// The same sleep as a Task<void> of its own, for create_task, gather, run and
// the other calls that take a task (Python: `asyncio.create_task(asyncio.sleep(d))`).
inline Task<void> sleep_task(absl::Duration delay) { co_await sleep(delay); }

}  // namespace conc

#endif  // MODULES_GENERATORS_SLEEP_H_

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
// sleeps until cancelled).
//
// Requires: co_awaited inside a conc::Task running on a loop (or passed to
// create_task/gather, since sleep returns a Task<void>). Loop thread only.
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
inline Task<void> sleep(absl::Duration delay) { co_await internal::SleepAwaiter(delay); }

}  // namespace conc

#endif  // MODULES_GENERATORS_SLEEP_H_

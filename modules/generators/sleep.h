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

// The awaitable sleep() returns. A positive delay queues a SleepTimer (in this
// awaiter, so in the sleeping task's frame) on the loop's sleeper heap; zero or
// negative yields: the task is woken at once, so its step runs in the next
// iteration, after the callbacks already ready.
class SleepAwaiter final : public Suspension {
 public:
  explicit SleepAwaiter(absl::Duration delay) {
    // kYield (the clock's minimum) marks sleep(0): no deadline is ever that early.
    timer_.when = delay <= absl::ZeroDuration() ? kYield
                                                : Deadline::FromTimeout(delay).to_steady_time_point();
  }
  SleepAwaiter(const SleepAwaiter&) = delete;
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;
  ~SleepAwaiter() {
    if (queued()) {
      detach();
      timer_.task->forget_suspension(this);
    }
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    TaskBase* root = TaskOf(h)->root();
    timer_.task = root;
    EventLoop* loop = root->loop();
    if (root->must_cancel() || loop == nullptr) return false;
    root->suspend(this, h);
    if (timer_.when == kYield) {
      root->wake();  // Python's sleep(0): to the back of the ready queue.
    } else {
      loop->add_sleep_timer(&timer_);
    }
    return true;
  }

  void await_resume() { timer_.task->throw_if_cancel_requested(); }

  bool cancel_wait() override {
    detach();
    return false;
  }
  void detach() override {
    if (!queued()) return;
    // Queued means the loop is still there: a loop being destroyed detaches
    // its tasks (and so this) before it forgets them.
    if (EventLoop* loop = timer_.task->loop()) loop->remove_sleep_timer(&timer_);
    timer_.heap_index = SleepTimer::kNotQueued;
  }

 private:
  static constexpr Deadline::Clock::time_point kYield = Deadline::Clock::time_point::min();
  bool queued() const { return timer_.heap_index != SleepTimer::kNotQueued; }

  SleepTimer timer_;  // .task: the root task that sleeps, once suspended
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

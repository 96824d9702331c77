// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timer.h: conc::Timer, Python's `threading.Timer`: a Thread that calls a
// function after an interval, unless cancelled first.
//
//   Python                              C++
//   t = Timer(30.0, hello, args=(1,))   conc::Timer t(absl::Seconds(30), hello, 1);
//   t.start()                           auto s = t.start();
//   t.cancel()                          t.cancel();
//
// A Timer is a Thread (same handle semantics, names "Thread-N", daemon flag,
// join, exit rule): the interval starts counting when the timer thread starts.
//
// Guarantees: `cancel()` is Python's `finished.set()`. If it returns before
// the interval has passed (more exactly: before the timer thread has checked
// the flag), the function never runs; calling it later does nothing, and the
// thread then ends without running the function. Cancel wakes the timer
// thread at once, so a cancelled timer can be joined without waiting out the
// interval. The interval is measured on the monotonic clock.
//
// Where it differs from Python: the interval is an absl::Duration, and
// Timer(..., ThreadOptions) takes the name and daemon flag up front.
//
// Thread-safety: every method may be called from any thread. Memory ordering:
// everything before start() happens-before the function runs.
//
// Example:
//
//   conc::Timer t(absl::Milliseconds(500), [] { std::puts("hello, world"); });
//   (void)t.start();
//   t.cancel();  // before half a second has passed: nothing is printed
//   (void)t.join();

#ifndef MODULES_THREADS_TIMER_H_
#define MODULES_THREADS_TIMER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/threads/internal/unique_function.h"
#include "modules/threads/thread.h"

namespace conc {

namespace internal {
// Python's Timer.finished Event.
struct TimerFlag {
  internal::Mutex mu;
  std::condition_variable cv;
  bool finished ABSL_GUARDED_BY(mu) = false;
};
}  // namespace internal

class Timer : public Thread {
 public:
  // Timer(interval, function, args=...): fn and args are decay-copied.
  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
  Timer(absl::Duration interval, F&& fn, Args&&... args)
      : Timer(ThreadOptions{}, interval, std::forward<F>(fn), std::forward<Args>(args)...) {}

  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
  Timer(ThreadOptions options, absl::Duration interval, F&& fn, Args&&... args)
      : Timer(std::move(options), interval,
              internal::UniqueFunction(internal::BindOnce(std::forward<F>(fn), std::forward<Args>(args)...)),
              std::make_shared<internal::TimerFlag>()) {}

  // Stops the timer if it has not fired yet (see Guarantees above).
  void cancel() {
    internal::MutexLock lock(flag_->mu);
    flag_->finished = true;
    flag_->cv.notify_all();
  }

 private:
  Timer(ThreadOptions options, absl::Duration interval, internal::UniqueFunction fn,
        std::shared_ptr<internal::TimerFlag> flag)
      : Thread(std::move(options), internal::UniqueFunction(
                                       [flag, interval, fn = std::move(fn)]() mutable {
                                         if (Wait(*flag, interval)) fn();
                                       })),
        flag_(std::move(flag)) {}

  // Waits out the interval; true if the function should run (not cancelled),
  // in which case the flag is set so that a later cancel() changes nothing.
  static bool Wait(internal::TimerFlag& flag, absl::Duration interval) {
    const Deadline deadline = Deadline::FromTimeout(interval);
    internal::MutexLock lock(flag.mu);
    auto cancelled = [&flag]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flag.mu) { return flag.finished; };
    if (deadline.is_infinite()) {
      flag.cv.wait(lock.native(), cancelled);
    } else {
      flag.cv.wait_until(lock.native(), deadline.to_steady_time_point(), cancelled);
    }
    if (flag.finished) return false;
    flag.finished = true;
    return true;
  }

  std::shared_ptr<internal::TimerFlag> flag_;
};

}  // namespace conc

#endif  // MODULES_THREADS_TIMER_H_

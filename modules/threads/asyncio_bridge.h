// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// asyncio_bridge.h: blocking work awaited from the event loop:
// conc::wrap_future, conc::run_in_executor and conc::to_thread (Python's
// asyncio.wrap_future, loop.run_in_executor and asyncio.to_thread).
//
// A coroutine must not block its loop's thread (every other task would stop).
// Blocking calls (a file read, a CPU-heavy function, a library without an
// async API) go to a pool thread instead, and the coroutine awaits their
// conc::Future:
//
//   Python                                         C++
//   await asyncio.to_thread(fn, a, b)              co_await conc::to_thread(fn, a, b)
//   await loop.run_in_executor(pool, fn, a)        co_await conc::run_in_executor(pool, fn, a)
//   await asyncio.wrap_future(f)                   co_await conc::wrap_future(f)
//
// Each gives the Future's result (future.h): absl::StatusOr<T> (absl::Status
// for void): the value, Unknown "the task raised ..." if fn threw, the
// executor's status after shutdown.
//
// Threads: fn runs on a pool thread; the awaiting coroutine resumes on its
// loop's thread (the pool's completion reaches the loop through
// call_soon_threadsafe). Memory ordering: everything fn did happens-before the
// coroutine resumes.
//
// Cancellation (as Python's _chain_future): cancelling the awaiting task
// cancels the Future too; a call that has not started then never runs, and a
// call already running goes on to the end (threads cannot be interrupted)
// while the task sees CancelledError at once. The same when the loop is
// destroyed while a call runs: its result is dropped, nothing touches the
// loop afterwards.
//
// to_thread uses one process-wide ThreadPoolExecutor (the default executor,
// min(32, cpu_count() + 4) threads, as asyncio's), started on first use and
// shut down at exit. Where it differs from Python: no contextvars copied.
//
// Example:
//
//   conc::Task<void> main_task() {
//     absl::StatusOr<int> n = co_await conc::to_thread([] { return count_lines("big.log"); });
//     // other tasks ran meanwhile
//   }

#ifndef MODULES_THREADS_ASYNCIO_BRIDGE_H_
#define MODULES_THREADS_ASYNCIO_BRIDGE_H_

#include <coroutine>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"
#include "modules/threads/future.h"
#include "modules/threads/thread_pool_executor.h"

namespace conc {

// The process-wide pool behind to_thread (asyncio's default executor).
ThreadPoolExecutor& DefaultExecutor();

namespace internal {

// Where a pool thread's completion meets the loop: the loop to post to, while
// an awaiter is registered. The pool thread reads `loop` under the mutex; the
// loop thread clears it before the awaiter (or the loop) goes.
struct FutureBridge {
  internal::Mutex mu;
  EventLoop* loop = nullptr;  // guarded by mu
  Suspension* awaiter = nullptr;  // loop thread only
  TaskBase* root = nullptr;       // loop thread only
};

// The leaf awaitable under wrap_future: suspends until the Future is done.
template <class T>
class FutureAwaiter final : public Suspension {
 public:
  explicit FutureAwaiter(Future<T> f) : future_(std::move(f)) {}
  FutureAwaiter(const FutureAwaiter&) = delete;
  FutureAwaiter& operator=(const FutureAwaiter&) = delete;
  ~FutureAwaiter() {
    if (unregister()) root_->forget_suspension(this);
  }

  bool await_ready() const { return future_.done(); }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    EventLoop* loop = root_->loop();
    if (root_->must_cancel() || loop == nullptr) return false;
    bridge_ = std::make_shared<FutureBridge>();
    bridge_->loop = loop;
    bridge_->awaiter = this;
    bridge_->root = root_;
    root_->suspend(this, h);
    // May run at once, here, if the future finished meanwhile: then it only
    // posts the wake-up to this loop, which is fine.
    future_.add_done_callback([bridge = bridge_](const Future<T>&) {
      internal::MutexLock lock(bridge->mu);
      if (bridge->loop == nullptr) return;  // the awaiter (or the loop) is gone
      bridge->loop->call_soon_threadsafe([bridge] {
        if (bridge->awaiter == nullptr) return;  // cancelled meanwhile
        static_cast<FutureAwaiter*>(bridge->awaiter)->woken();
      });
    });
    return true;
  }

  void await_resume() {
    if (root_ != nullptr) root_->throw_if_cancel_requested();  // null: it was done at once
  }

  bool cancel_wait() override {
    future_.cancel();  // a call not started yet never runs (Python's _chain_future)
    unregister();
    return false;
  }
  void detach() override { unregister(); }

 private:
  void woken() {
    if (unregister()) root_->wake();
  }
  // True if it was registered.
  bool unregister() {
    if (!bridge_ || bridge_->awaiter == nullptr) return false;
    bridge_->awaiter = nullptr;
    internal::MutexLock lock(bridge_->mu);
    bridge_->loop = nullptr;
    return true;
  }

  Future<T> future_;
  TaskBase* root_ = nullptr;
  std::shared_ptr<FutureBridge> bridge_;
};

}  // namespace internal

// Awaits a Future from any pool (asyncio.wrap_future): its result() once done.
template <class T>
Task<typename Future<T>::ResultType> wrap_future(Future<T> f) {
  {
    internal::FutureAwaiter<T> done(f);
    co_await done;
  }
  co_return f.result(absl::ZeroDuration());
}

// loop.run_in_executor(executor, fn, *args): submits fn(args...) to
// `executor` (a ThreadPoolExecutor or ProcessPoolExecutor: anything whose
// submit returns a conc::Future) and awaits it. The executor must outlive the
// call.
template <class Executor, class F, class... Args>
auto run_in_executor(Executor& executor, F&& fn, Args&&... args) {
  return wrap_future(executor.submit(std::forward<F>(fn), std::forward<Args>(args)...));
}

// asyncio.to_thread(fn, *args): run_in_executor on DefaultExecutor().
template <class F, class... Args>
auto to_thread(F&& fn, Args&&... args) {
  return run_in_executor(DefaultExecutor(), std::forward<F>(fn), std::forward<Args>(args)...);
}

}  // namespace conc

#endif  // MODULES_THREADS_ASYNCIO_BRIDGE_H_

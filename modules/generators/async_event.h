// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// async_event.h: conc::AsyncEvent, Python's `asyncio.Event`.
//
// An event holds a flag, initially false. `co_await ev.wait()` returns at once
// if the flag is set, and otherwise suspends the calling task until `set()`.
// `set()` sets the flag and wakes every task waiting (each resumes in a later
// loop iteration, in the order they started waiting); `clear()` resets it, so
// later wait()s block again. A waiter that set() already woke returns from
// wait() even if clear() comes before it runs (as in Python, whose wait()
// returns once its future is done).
//
// Python -> C++:
//
//   ev = asyncio.Event()                  conc::AsyncEvent ev;
//   ev.set(); ev.clear(); ev.is_set()     same
//   await ev.wait()                       co_await ev.wait();   // Python's returns True; ours void
//
// Cancellation (cancelled_error.h): a task cancelled while it waits is removed
// from the event's waiters at once and sees conc::CancelledError at the
// co_await; a later set() does not count it. A task cancelled after set() woke
// it, but before it ran, also sees CancelledError (as in Python).
//
// Where it differs from Python: not bound to a loop at all (Python 3.10+ binds
// it on first use); the flag and its waiters belong to whoever uses them on one
// loop's thread. The event must outlive its waiters' wait()s; destroying it
// with tasks waiting leaves them waiting forever (they are unlinked, never
// woken).
//
// Thread-safety: none; loop thread only (from another thread, use
// loop.call_soon_threadsafe([&] { ev.set(); })). Never blocks a thread.
//
// Example:
//
//   conc::AsyncEvent ready;
//   conc::Task<void> waiter() { co_await ready.wait(); std::puts("go"); }
//   conc::Task<void> main_task() {
//     conc::Task<void> w = conc::create_task(*conc::EventLoop::current(), waiter());
//     co_await conc::sleep(absl::Milliseconds(10));
//     ready.set();                            // "go"
//     co_await w;
//   }

#ifndef MODULES_GENERATORS_ASYNC_EVENT_H_
#define MODULES_GENERATORS_ASYNC_EVENT_H_

#include <coroutine>

#include "modules/generators/cancelled_error.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"

namespace conc {
namespace internal {

class FutureWaiter;

// A FIFO of tasks waiting in a FutureWaiter (Python: a deque of futures).
// Intrusive: the nodes live in the waiting coroutines' frames.
class WaiterList {
 public:
  WaiterList() = default;
  WaiterList(const WaiterList&) = delete;
  WaiterList& operator=(const WaiterList&) = delete;
  inline ~WaiterList();

  bool empty() const { return head_ == nullptr; }
  // Wakes the first waiter (Python's _wakeup_next). False if there is none.
  inline bool wake_one();
  // Wakes every waiter, in order.
  void wake_all() {
    while (wake_one()) {
    }
  }

 private:
  friend class FutureWaiter;
  FutureWaiter* head_ = nullptr;
  FutureWaiter* tail_ = nullptr;
};

// The leaf awaitable under AsyncEvent::wait and AsyncQueue's get/put: the
// calling task waits in a WaiterList until woken (Python: `await fut`).
// Cancelled while waiting, it leaves the list and throws CancelledError.
class FutureWaiter final : public Suspension {
 public:
  explicit FutureWaiter(WaiterList* list) : list_(list) {}
  FutureWaiter(const FutureWaiter&) = delete;
  FutureWaiter& operator=(const FutureWaiter&) = delete;
  ~FutureWaiter() {
    if (linked_) {
      unlink();
      root_->forget_suspension(this);
    }
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    root_ = TaskOf(h)->root();
    if (root_->must_cancel() || root_->loop() == nullptr) return false;
    link();
    root_->suspend(this, h);
    return true;
  }

  // Throws CancelledError if the waiting task was cancelled.
  void await_resume() {
    if (root_) root_->throw_if_cancel_requested();
  }

  // True if a wake_one/wake_all woke this waiter (Python: the future has a
  // result, rather than being cancelled).
  bool woken() const { return woken_; }

  bool cancel_wait() override {
    unlink();
    return false;
  }
  void detach() override { unlink(); }

 private:
  friend class WaiterList;
  void link() {
    prev_ = list_->tail_;
    next_ = nullptr;
    if (prev_) {
      prev_->next_ = this;
    } else {
      list_->head_ = this;
    }
    list_->tail_ = this;
    linked_ = true;
  }
  void unlink() {
    if (!linked_) return;
    linked_ = false;
    if (list_ == nullptr) return;  // the list went first
    if (prev_) {
      prev_->next_ = next_;
    } else {
      list_->head_ = next_;
    }
    if (next_) {
      next_->prev_ = prev_;
    } else {
      list_->tail_ = prev_;
    }
    prev_ = next_ = nullptr;
  }
  void wake() {
    unlink();
    woken_ = true;
    root_->wake();
  }

  WaiterList* list_;
  FutureWaiter* prev_ = nullptr;
  FutureWaiter* next_ = nullptr;
  TaskBase* root_ = nullptr;
  bool linked_ = false;
  bool woken_ = false;
};

inline WaiterList::~WaiterList() {
  for (FutureWaiter* w = head_; w != nullptr;) {
    FutureWaiter* next = w->next_;
    w->list_ = nullptr;
    w->prev_ = w->next_ = nullptr;
    w = next;
  }
}

inline bool WaiterList::wake_one() {
  if (head_ == nullptr) return false;
  head_->wake();
  return true;
}

}  // namespace internal

class AsyncEvent {
 public:
  AsyncEvent() = default;
  AsyncEvent(const AsyncEvent&) = delete;
  AsyncEvent& operator=(const AsyncEvent&) = delete;

  // True once set() was called, until clear().
  [[nodiscard]] bool is_set() const { return set_; }

  // Sets the flag and wakes every waiting task. Idempotent.
  void set() {
    if (set_) return;
    set_ = true;
    waiters_.wake_all();
  }

  // Resets the flag; waiters already woken still return.
  void clear() { set_ = false; }

  // Returns at once if the flag is set; otherwise waits for set(). Throws
  // CancelledError (inside the coroutine) if the task is cancelled meanwhile.
  Task<void> wait() {
    if (set_) co_return;
    internal::FutureWaiter w(&waiters_);
    co_await w;
  }

 private:
  bool set_ = false;
  internal::WaiterList waiters_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_ASYNC_EVENT_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timeout.h: conc::timeout and conc::timeout_at, Python 3.11's
// `asyncio.timeout(delay)` / `asyncio.timeout_at(when)` scopes, and
// conc::Timeout, the object the block can reschedule.
//
//   absl::Status s = co_await conc::timeout(absl::Milliseconds(50),
//                                           [&](conc::Timeout& t) -> conc::Task<void> {
//     co_await step_one();
//     t.reschedule(absl::Milliseconds(50));   // more time for step two
//     co_await step_two();
//   });
//   if (absl::IsDeadlineExceeded(s)) { /* asyncio's TimeoutError */ }
//
// The block runs as a task of its own (scheduled when the scope starts; it
// runs up to its first suspension before a zero timeout can reach it, as in
// Python). Then:
//
//   * it finishes before the deadline: OK, the block is unaffected;
//   * the deadline passes first: the block is cancelled (conc::CancelledError
//     at its suspension point, so its cleanup runs), the scope WAITS for it to
//     finish, and gives DeadlineExceeded "timeout: the block overran its
//     deadline" (Python raises TimeoutError; the error table maps it to
//     DeadlineExceeded, as wait_for.h does). A block that catches the
//     cancellation and returns normally gives OK, with t.expired() true, as in
//     Python;
//   * the block throws: its exception is rethrown into the awaiter;
//   * the awaiting task is cancelled: the block is cancelled and waited for,
//     then CancelledError is thrown into the awaiter (not a timeout). So in
//     nested scopes whose outer deadline passes first, the inner scope lets
//     the CancelledError through and only the outer one reports the timeout.
//
// Deadlines follow the project's convention (modules/common/timeout.h): the
// delay is turned into a Deadline once, when the scope starts; nullopt (and
// absl::InfiniteDuration()) never expires; zero or negative expires at the
// block's first suspension; a huge delay saturates.
//
// Where it differs from Python: a block (a coroutine taking Timeout&), not an
// `async with`; the timeout is a status, not an exception; reschedule() of an
// expired scope is refused with a status (Python raises RuntimeError); no
// repr, no `when()` in loop.time() seconds (a conc::Deadline instead).
//
// Lifetime: the Timeout lives in the scope's frame; valid in the block until
// the scope returns. Requires: co_awaited inside a Task on a running loop.
// Loop thread only.

#ifndef MODULES_GENERATORS_TIMEOUT_H_
#define MODULES_GENERATORS_TIMEOUT_H_

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/internal/task_base.h"
#include "modules/generators/task.h"

namespace conc {

class Timeout;

namespace internal {
template <class F>
Task<absl::Status> RunTimeout(Deadline when, F block);
}  // namespace internal

class Timeout {
 public:
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() { timer_.cancel(); }

  // The current deadline (infinite if none).
  [[nodiscard]] Deadline when() const { return when_; }

  // True once the deadline passed and the block was cancelled for it.
  [[nodiscard]] bool expired() const { return expired_; }

  // Python's reschedule(delay from now): nullopt removes the deadline; zero or
  // negative expires at the block's next suspension. FailedPrecondition
  // "Cannot change state of expired Timeout" once it expired.
  absl::Status reschedule(std::optional<absl::Duration> delay) {
    return reschedule_at(Deadline::FromTimeout(delay));
  }

  // The same with an absolute deadline (Deadline::Infinite() for none).
  absl::Status reschedule_at(Deadline when) {
    if (expired_) return MisuseError("Cannot change state of expired Timeout");
    timer_.cancel();
    when_ = when;
    arm();
    return absl::OkStatus();
  }

 private:
  template <class F>
  friend Task<absl::Status> internal::RunTimeout(Deadline when, F block);

  Timeout(EventLoop* loop, Deadline when) : loop_(loop), when_(when) {}

  void arm() {
    if (when_.is_infinite() || block_ == nullptr) return;
    auto fire = [this] { on_timeout(); };
    timer_ = when_.expired() ? loop_->call_soon(fire) : loop_->call_at(when_, fire);
  }
  void on_timeout() {
    if (block_->done()) return;
    expired_ = true;
    block_->cancel();
  }

  EventLoop* loop_;
  Deadline when_;
  internal::TaskBase* block_ = nullptr;
  Handle timer_;
  bool expired_ = false;
};

namespace internal {

template <class F>
Task<absl::Status> RunTimeout(Deadline when, F block) {
  EventLoop& loop = *EventLoop::current();
  Timeout t(&loop, when);
  Task<void> b = create_task(loop, Task<void>(block(t)));
  t.block_ = b.internal_base();
  t.arm();
  bool cancelled = false;
  try {
    DoneWaiter waiter(t.block_, /*forward_cancel=*/false, Deadline::Infinite());
    co_await waiter;
  } catch (const CancelledError&) {
    cancelled = true;  // co_await is not allowed in a handler: act below
  }
  if (cancelled) {
    t.timer_.cancel();
    b.cancel();
    DoneWaiter cleanup(t.block_, /*forward_cancel=*/false, Deadline::Infinite());
    co_await cleanup;
    t.block_->mark_retrieved();
    throw CancelledError();
  }
  t.timer_.cancel();
  if (b.cancelled()) {
    t.block_->mark_retrieved();
    if (t.expired()) co_return absl::DeadlineExceededError("timeout: the block overran its deadline");
    throw CancelledError();  // cancelled by someone else: pass it on
  }
  co_await b;  // rethrows the block's exception, if any
  co_return absl::OkStatus();
}

}  // namespace internal

// Python's `async with asyncio.timeout(delay)`: runs `block(t)` with a
// deadline `delay` from now; see above. `block` is callable as
// block(Timeout&) -> Task<void>.
template <class F>
Task<absl::Status> timeout(std::optional<absl::Duration> delay, F block) {
  static_assert(std::is_same_v<std::invoke_result_t<F&, Timeout&>, Task<void>>,
                "timeout's block must be callable as block(Timeout&) -> Task<void>");
  return internal::RunTimeout(Deadline::FromTimeout(delay), std::move(block));
}

// Python's `async with asyncio.timeout_at(when)`: the same with an absolute
// deadline (Deadline::Infinite() for none).
template <class F>
Task<absl::Status> timeout_at(Deadline when, F block) {
  static_assert(std::is_same_v<std::invoke_result_t<F&, Timeout&>, Task<void>>,
                "timeout_at's block must be callable as block(Timeout&) -> Task<void>");
  return internal::RunTimeout(when, std::move(block));
}

}  // namespace conc

#endif  // MODULES_GENERATORS_TIMEOUT_H_

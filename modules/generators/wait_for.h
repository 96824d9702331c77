// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// wait_for.h: conc::wait_for, Python's `asyncio.wait_for(aw, timeout)`.
//
// `co_await conc::wait_for(t, timeout)` schedules `t` (if it is not scheduled
// yet) and waits for it at most `timeout` (the project's convention: nullopt
// waits forever, zero or negative polls once). Then:
//
//   * t finished in time: its value (as absl::StatusOr<T>; absl::Status OK for
//     a Task<void>), or its exception rethrown into the awaiter (CancelledError
//     if t was cancelled by someone else), as in Python;
//   * the timeout expired: t is cancelled, wait_for WAITS for t's cleanup to
//     finish (its catch blocks and destructors run, and may themselves await),
//     and then gives DeadlineExceeded "wait_for: timed out after <timeout>"
//     (Python raises TimeoutError; the error table maps it to DeadlineExceeded).
//     If t swallowed the cancellation and returned a value, that value is the
//     result, as in Python;
//   * the awaiting task is cancelled: t is cancelled and waited for, then
//     CancelledError is thrown into the awaiter.
//
// Where it differs from Python: the timeout is a status, not an exception; the
// deadline is computed when wait_for starts (its first step), on the loop's
// monotonic clock.
//
// Requires: co_awaited inside a Task on a running loop. Loop thread only.
//
// Example:
//
//   absl::StatusOr<int> r = co_await conc::wait_for(slow(), absl::Milliseconds(50));
//   if (absl::IsDeadlineExceeded(r.status())) { /* asyncio.TimeoutError */ }

#ifndef MODULES_GENERATORS_WAIT_FOR_H_
#define MODULES_GENERATORS_WAIT_FOR_H_

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/task.h"

namespace conc {

// Waits for `task` at most `timeout`; see above.
template <class T>
Task<TaskResult<T>> wait_for(Task<T> task, std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  Task<T> t = create_task(*EventLoop::current(), std::move(task));
  internal::TaskBase* base = t.internal_base();
  bool finished = false;
  bool cancelled = false;
  try {
    internal::DoneWaiter waiter(base, /*forward_cancel=*/false, deadline);
    finished = co_await waiter;
  } catch (const CancelledError&) {
    cancelled = true;  // co_await is not allowed in a handler: act below
  }
  if (cancelled || !finished) {
    t.cancel();
    internal::DoneWaiter cleanup(base, /*forward_cancel=*/false, Deadline::Infinite());
    co_await cleanup;
    if (cancelled) {
      base->mark_retrieved();
      throw CancelledError();
    }
    if (t.cancelled()) {
      co_return absl::DeadlineExceededError(
          absl::StrCat("wait_for: timed out after ",
                       timeout ? absl::FormatDuration(*timeout) : std::string("inf")));
    }
  }
  if constexpr (std::is_void_v<T>) {
    co_await t;  // rethrows its exception, if any
    co_return absl::OkStatus();
  } else {
    co_return co_await t;
  }
}

}  // namespace conc

#endif  // MODULES_GENERATORS_WAIT_FOR_H_

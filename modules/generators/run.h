// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// run.h: conc::run, Python's `asyncio.run`.
//
// `conc::run(main())` makes a new EventLoop, runs the task `main()` to
// completion on the calling thread, then, as asyncio.run does, cancels the
// tasks still pending and runs the loop until they have finished their
// cleanup, and closes (destroys) the loop. It returns main's result the way
// Task::result() does (task.h): the value (absl::Status OK for Task<void>),
// Cancelled, or Unknown "the task raised <type>: <what()>".
//
// Errors: called from inside a running loop (a task or callback on this
// thread), it refuses with FailedPrecondition "asyncio.run() cannot be called
// from a running event loop" (Python raises RuntimeError with that message)
// and runs nothing; `main` is destroyed unstarted. The errno status of
// EventLoop::Create if the loop cannot be made.
//
// Where it differs from Python: an optional `timeout` bounds the whole run,
// cleanup included (for tests and supervisors): if main is not done by then,
// DeadlineExceeded; the remaining tasks then get one loop iteration to react
// to their cancellation, and those still pending are destroyed with the loop
// (reported "Task was destroyed but it is pending!"). No `debug=`, no
// shutdown of async generators or the default executor (conc has neither).
//
// Blocks the calling thread; call it from a thread with no running loop.
//
// Example:
//
//   conc::Task<int> main_task() { co_await conc::sleep(absl::Milliseconds(1)); co_return 7; }
//   absl::StatusOr<int> r = conc::run(main_task());   // 7

#ifndef MODULES_GENERATORS_RUN_H_
#define MODULES_GENERATORS_RUN_H_

#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/task.h"

namespace conc {

// Runs `main` on a new loop and returns its result; see above.
template <class T>
TaskResult<T> run(Task<T> main, std::optional<absl::Duration> timeout = std::nullopt) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (EventLoop::current() != nullptr) {
    return TaskResult<T>(MisuseError("asyncio.run() cannot be called from a running event loop"));
  }
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  if (!loop.ok()) return TaskResult<T>(loop.status());
  TaskResult<T> result = (*loop)->run_until_complete(std::move(main), deadline.remaining());
  // Python's _cancel_all_tasks: whatever main left behind is cancelled and
  // given the rest of the budget to clean up. A task that outlives it is
  // reported when the loop is destroyed.
  (void)(*loop)->cancel_all_tasks(deadline.remaining());
  loop->reset();
  return result;
}

}  // namespace conc

#endif  // MODULES_GENERATORS_RUN_H_

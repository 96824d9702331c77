// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// cancelled_error.h: conc::CancelledError, Python's `asyncio.CancelledError`.
//
// `task.cancel()` (task.h) asks a Task to stop. The request is delivered at the
// task's next suspension point (a `co_await` that really waits: `sleep`,
// another task, `gather`, `wait_for`, an AsyncEvent or AsyncQueue) as a
// CancelledError *thrown inside the coroutine*, exactly where Python raises it,
// so the coroutine's cleanup runs: destructors of its locals (RAII guards),
// `catch` blocks. A task whose body lets it escape ends cancelled
// (`task.cancelled()`); a body may catch it and carry on, as in Python.
//
// Where it differs from the rest of conc: the library throws nothing of its own
// (docs/DESIGN.md, "No exceptions") except this one, inside coroutines only.
// Python's cancellation *is* an exception that unwinds the coroutine's stack,
// and a status cannot unwind a coroutine. Outside coroutines (`task.result()`,
// `run_until_complete`, `conc::run`) a cancelled task is the status
// `absl::StatusCode::kCancelled`, as in the error table.
//
// Example:
//
//   conc::Task<void> worker() {
//     Guard g;                                   // its destructor runs on cancel
//     try {
//       co_await conc::sleep(absl::Hours(1));
//     } catch (const conc::CancelledError&) {
//       std::puts("cleaning up");
//       throw;                                   // let the task end cancelled
//     }
//   }

#ifndef MODULES_GENERATORS_CANCELLED_ERROR_H_
#define MODULES_GENERATORS_CANCELLED_ERROR_H_

#include <exception>
#include <string>
#include <utility>

namespace conc {

// Thrown inside a cancelled coroutine at its next suspension point, and into
// whoever awaits a cancelled task. Derives from std::exception only (as
// Python's CancelledError derives from BaseException, not Exception), so a
// `catch (const std::runtime_error&)` does not swallow it by accident.
class CancelledError : public std::exception {
 public:
  CancelledError() = default;
  // `message` is Python's `task.cancel(msg)`.
  explicit CancelledError(std::string message) : message_(std::move(message)) {}

  // "CancelledError", or the message given to cancel().
  const char* what() const noexcept override {
    return message_.empty() ? "CancelledError" : message_.c_str();
  }

 private:
  std::string message_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_CANCELLED_ERROR_H_

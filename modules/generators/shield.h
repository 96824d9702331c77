// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shield.h: conc::shield, Python's `asyncio.shield(aw)`.
//
// `co_await conc::shield(t)` schedules `t` (if it is not scheduled yet) and
// waits for it, giving its value or rethrowing its exception, like
// `co_await t`, with one difference: if the AWAITING task is cancelled, the
// cancellation is NOT passed on to t. The awaiter sees CancelledError at once
// and t keeps running to completion on the loop (keep a handle to it to get
// its result later; otherwise a failure is reported "Task exception was never
// retrieved", as in Python). If t itself is cancelled (by someone holding
// it), the awaiter sees CancelledError too, as in Python.
//
// Where it differs from Python: nothing else; `shield` of a task already done
// gives its result at once.
//
// Requires: co_awaited inside a Task on a running loop. Loop thread only.
//
// Example:
//
//   conc::Task<void> save = conc::create_task(loop, write_to_disk());
//   try {
//     co_await conc::shield(save);       // a cancel() of us does not stop the write
//   } catch (const conc::CancelledError&) {
//     // we are cancelled; `save` goes on
//     throw;
//   }

#ifndef MODULES_GENERATORS_SHIELD_H_
#define MODULES_GENERATORS_SHIELD_H_

#include <type_traits>
#include <utility>

#include "modules/common/timeout.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/task.h"

namespace conc {

// Waits for `task` without passing a cancellation of the awaiter on to it.
template <class T>
Task<T> shield(Task<T> task) {
  Task<T> t = create_task(*EventLoop::current(), std::move(task));
  {
    // Cancelled, this throws CancelledError here and leaves t alone.
    internal::DoneWaiter waiter(t.internal_base(), /*forward_cancel=*/false, Deadline::Infinite());
    co_await waiter;
  }
  if constexpr (std::is_void_v<T>) {
    co_await t;  // rethrows its exception, if any
  } else {
    co_return co_await t;
  }
}

}  // namespace conc

#endif  // MODULES_GENERATORS_SHIELD_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// asyncio_foo_bar: concurrent execution using asyncio (Module 1), the cell
// after the generators' round robin. foo and bar become coroutines (Task<void>)
// that `co_await conc::sleep(...)` between counts; `conc::gather` runs them
// together on one thread, under `conc::run` (asyncio.run). Each await hands
// control back to the event loop, which resumes whichever timer is due first:
// foo and bar take turns, then foo carries on alone once bar is done.
//
// The order is fixed, not a race: both sleep the same time, so each one's
// timer is due after the other's previous one, and the loop runs due timers in
// deadline order. The notebook sleeps 1 s per count; here 100 ms, or 2 ms with
// --quick.
//
//   async def foo():                            conc::Task<void> foo() {
//       for i in range(15):                       for (int i = 0; i < 15; ++i) {
//           print(f"foo: counting {i}")             std::printf("foo: counting %d\n", i);
//           await asyncio.sleep(1)                  co_await conc::sleep(step);
//                                                 }
//                                               }
//   async def main():                           conc::Task<void> main_task() {
//       await asyncio.gather(foo(), bar())        co_await conc::gather(foo(), bar());
//                                               }
//   asyncio.run(main())                         conc::run(main_task());

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/gather.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

ABSL_FLAG(bool, quick, false, "Sleep 2 ms per count instead of 100 ms (for the tour and tests).");

static absl::Duration g_step;  // What asyncio.sleep(1) becomes.

conc::Task<void> foo() {
  for (int i = 0; i < 15; ++i) {
    std::printf("foo: counting %d\n", i);
    co_await conc::sleep(g_step);  // await asyncio.sleep(1): the loop runs others
  }
}

conc::Task<void> bar() {
  for (int i = 0; i < 5; ++i) {
    std::printf("bar: counting %d\n", i);
    co_await conc::sleep(g_step);
  }
}

conc::Task<void> main_task() {
  // gather schedules foo() and bar() as two tasks and waits for both.
  co_await conc::gather(foo(), bar());
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "foo and bar as coroutines, run together by gather under conc::run.");
  g_step = absl::GetFlag(FLAGS_quick) ? absl::Milliseconds(2) : absl::Milliseconds(100);

  conc::Heading("concurrent with asyncio: asyncio.run(main()), main awaits gather(foo(), bar())");
  const absl::Time start = absl::Now();
  // A bound on the whole run, so that a bug fails instead of hanging.
  conc::CheckOk(conc::run(main_task(), absl::Minutes(2)), "conc::run(main_task())");
  const absl::Duration took = absl::Now() - start;
  std::printf("\n");
  std::printf("done: 15 + 5 counts took about 15 sleeps, not 20 (%.0f ms for 15 x %.0f ms; "
              "more on a busy machine)\n",
              absl::ToDoubleMilliseconds(took), absl::ToDoubleMilliseconds(g_step));
  std::printf("one thread, no locks: each co_await is a point where the loop may switch tasks\n");
  return 0;
}

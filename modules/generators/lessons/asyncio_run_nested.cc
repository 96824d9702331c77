// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// asyncio_run_nested: the notebook's last asyncio cell, which fails with
//
//   RuntimeError: asyncio.run() cannot be called from a running event loop
//
// because Jupyter itself runs an event loop, and the cell's `asyncio.run(main())`
// is called from inside it. In a script the same code works. The C++ loop says
// the same thing, as a status instead of an exception: `conc::run` called from a
// task (or a callback) of a running loop returns FailedPrecondition and runs
// nothing. Inside a loop, await the coroutine instead (Jupyter: `await main()`).
//
//   async def outer():                         conc::Task<void> outer() {
//       asyncio.run(main())   # RuntimeError     absl::Status s = conc::run(main_task()).status();
//   asyncio.run(outer())                        conc::run(outer());
//
//   await main()              # works           co_await main_task();

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"

conc::Task<int> main_task() {
  co_await conc::sleep(absl::Milliseconds(1));
  co_return 10;  // the notebook's main counts to 10
}

// What the notebook cell does under Jupyter: asyncio.run from inside a loop.
conc::Task<void> outer() {
  const absl::Status nested = conc::run(main_task()).status();
  std::printf("inside a running loop: conc::run(main_task()) -> %s\n", nested.ToString().c_str());
  // The fix: the loop is already running, so await the coroutine.
  const int counted = co_await main_task();
  std::printf("inside a running loop: co_await main_task() -> %d\n", counted);
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "asyncio.run() inside a running event loop, and what to do instead.");

  conc::Heading("in a script: conc::run(main_task()) with no loop running");
  std::printf("conc::run(main_task()) -> %d\n",
              conc::ValueOrDie(conc::run(main_task(), absl::Minutes(1)), "conc::run(main_task())"));

  conc::Heading("in a notebook: the cell runs inside a loop that is already running");
  conc::CheckOk(conc::run(outer(), absl::Minutes(1)), "conc::run(outer())");
  return 0;
}

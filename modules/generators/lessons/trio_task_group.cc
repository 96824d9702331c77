// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// trio_task_group: structured concurrency, trio's point (nurseries, Python
// 3.11's asyncio.TaskGroup and asyncio.timeout) in conc:
//
//   1. A TaskGroup whose child fails: the group cancels the siblings, their
//      cleanup runs (a CancelledError thrown at their suspension point, so
//      catch blocks and destructors run), the group waits for all of them and
//      then reports the failure. No task outlives the block.
//   2. A deadline over a block of work (trio's fail_after, asyncio.timeout):
//      the block that overruns is cancelled, its cleanup runs, and the scope
//      reports DeadlineExceeded (Python's TimeoutError).
//   3. Both at once: a deadline over a TaskGroup cancels every child.
//
//   async with asyncio.TaskGroup() as tg:          co_await conc::task_group([&](conc::TaskGroup& g)
//       tg.create_task(fetch("a"))                     -> conc::Task<void> {
//       tg.create_task(fetch("b"))                   (void)g.create_task(fetch("a"));
//                                                    (void)g.create_task(fetch("b"));
//                                                    co_return;
//                                                  });
//   async with asyncio.timeout(2):                 absl::Status s = co_await conc::timeout(
//       await work()                                   absl::Seconds(2), [&](conc::Timeout&)
//                                                       -> conc::Task<void> { co_await work(); });
//
// The output is deterministic: the order comes from loop iterations (the
// failing child fails after two of them; the others wait on hour-long
// sleeps), not from timing; the only timer is the deadline (2 s, or 500 ms
// with --quick) against work that would take an hour.

#include <cstdio>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/generators/task_group.h"
#include "modules/generators/timeout.h"

ABSL_FLAG(bool, quick, false, "A 500 ms deadline instead of 2 s (for the tour and tests).");

static absl::Duration g_deadline;

// A connection that prints when its cleanup (the destructor) runs.
struct Connection {
  std::string name;
  ~Connection() { std::printf("%s: connection closed\n", name.c_str()); }
};

// A fetch that would take an hour: it only ends by being cancelled.
conc::Task<void> slow_fetch(std::string name) {
  Connection conn{name};
  std::printf("%s: started\n", name.c_str());
  try {
    co_await conc::sleep(absl::Hours(1));
  } catch (const conc::CancelledError&) {
    std::printf("%s: cancelled; cleanup runs\n", name.c_str());
    throw;  // let the task end cancelled
  }
}

// A fetch that fails after two loop iterations.
conc::Task<void> failing_fetch(std::string name) {
  std::printf("%s: started\n", name.c_str());
  co_await conc::sleep(absl::ZeroDuration());
  co_await conc::sleep(absl::ZeroDuration());
  std::printf("%s: fails with std::runtime_error\n", name.c_str());
  throw std::runtime_error(name + ": connection reset");
}

conc::Task<void> part1() {
  try {
    co_await conc::task_group([](conc::TaskGroup& g) -> conc::Task<void> {
      (void)g.create_task(slow_fetch("a"));
      (void)g.create_task(failing_fetch("b"));
      (void)g.create_task(slow_fetch("c"));
      co_return;
    });
    std::printf("the group finished without a failure\n");
  } catch (const std::runtime_error& e) {
    std::printf("the group reported the failure: %s\n", e.what());
  }
}

conc::Task<void> part2() {
  absl::Status s = co_await conc::timeout(g_deadline, [](conc::Timeout& t) -> conc::Task<void> {
    Connection conn{"block"};
    // Steps 1 and 2 are quick work that does not suspend: the block's first
    // step runs them before the loop can look at the deadline.
    std::printf("block: step 1 done\n");
    std::printf("block: step 2 done\n");
    try {
      co_await conc::sleep(absl::Hours(1));  // step 3 hangs
    } catch (const conc::CancelledError&) {
      std::printf("block: cancelled at step 3 (expired: %s); cleanup runs\n",
                  t.expired() ? "yes" : "no");
      throw;
    }
    std::printf("block: step 3 done\n");
  });
  std::printf("timeout -> %s\n", s.ToString().c_str());
}

conc::Task<void> part3() {
  absl::Status s = co_await conc::timeout(g_deadline, [](conc::Timeout&) -> conc::Task<void> {
    co_await conc::task_group([](conc::TaskGroup& g) -> conc::Task<void> {
      (void)g.create_task(slow_fetch("worker 1"));
      (void)g.create_task(slow_fetch("worker 2"));
      co_return;
    });
  });
  std::printf("timeout -> %s\n", s.ToString().c_str());
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "Structured concurrency: a TaskGroup whose failing child cancels its siblings, "
                   "and a deadline over a block of work.");
  // 500 ms with --quick: in part 3 the workers must have started (three loop
  // iterations) before the deadline, even on a stalled machine.
  g_deadline = absl::GetFlag(FLAGS_quick) ? absl::Milliseconds(500) : absl::Seconds(2);
  // Bounds on each run, so that a bug fails instead of hanging.
  conc::Heading("1. a TaskGroup: child b fails, siblings a and c are cancelled");
  conc::CheckOk(conc::run(part1(), absl::Minutes(2)), "conc::run(part1())");
  conc::Heading("2. a deadline over a block of work (asyncio.timeout, trio's fail_after)");
  conc::CheckOk(conc::run(part2(), absl::Minutes(2)), "conc::run(part2())");
  conc::Heading("3. a deadline over a TaskGroup: every child is cancelled");
  conc::CheckOk(conc::run(part3(), absl::Minutes(2)), "conc::run(part3())");
  std::printf("\nno task outlived its block: the group and the scope waited for every cleanup\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// queue_basics: a bounded Queue(5) filled, inspected, drained (Module 3,
// "Producer/Consumer patterns using Queue"). Then get on an empty queue,
// without blocking and with a timeout: Python's queue.Empty, which conc
// reports as a DEADLINE_EXCEEDED status.

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sync/queue.h"

ABSL_FLAG(bool, quick, false, "Wait 20 ms in get(timeout) instead of 1 s (for the tour and tests).");

static const char* Bool(bool b) { return b ? "true" : "false"; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "A bounded Queue(5): put, qsize, empty, full, get, queue.Empty (Module 3).");

  conc::Heading("q = Queue(5); five puts");
  conc::Queue<int> q(5);
  for (int item : {10, 20, 30, 67, 60}) {
    std::printf("q.put(%d) -> %s\n", item, q.put(item).ToString().c_str());
  }
  // In the notebook, q.put(54) hung: the queue was full. Without blocking:
  std::printf("q.put(54, block=False) -> %s\n", q.put(54, /*block=*/false).ToString().c_str());

  conc::Heading("Inspecting it");
  std::printf("q.qsize() = %zu\n", q.qsize());
  std::printf("q.maxsize = %d\n", q.maxsize());
  std::printf("q.empty() = %s   # q.qsize() == 0\n", Bool(q.empty()));
  std::printf("q.full() = %s   # q.qsize() == q.maxsize\n", Bool(q.full()));

  conc::Heading("Draining it: first in, first out");
  while (!q.empty()) {
    std::printf("Queue size: %zu, Queue Empty ? %s\n", q.qsize(), Bool(q.empty()));
    std::printf("q.get() -> %d\n", conc::ValueOrDie(q.get(), "q.get()"));
  }
  std::printf("Queue size: %zu, Queue Empty ? %s\n", q.qsize(), Bool(q.empty()));

  conc::Heading("get() on an empty queue: queue.Empty");
  // q.get(block=False) and q.get_nowait() never wait.
  std::printf("q.get(block=False) -> %s\n", q.get(/*block=*/false).status().ToString().c_str());
  std::printf("q.get_nowait() -> %s\n", q.get_nowait().status().ToString().c_str());
  // q.get(timeout=...) waits that long, then gives up.
  const absl::Duration timeout = absl::GetFlag(FLAGS_quick) ? absl::Milliseconds(20) : absl::Seconds(1);
  const absl::Time start = absl::Now();
  const absl::Status empty = q.get(/*block=*/true, timeout).status();
  std::printf("q.get(timeout=%s) -> %s\n", absl::FormatDuration(timeout).c_str(), empty.ToString().c_str());
  std::printf("waited at least the timeout: %s\n", Bool(absl::Now() - start >= timeout));
  // A negative timeout is Python's ValueError.
  std::printf("q.get(timeout=-1) -> %s\n", q.get(true, absl::Seconds(-1)).status().ToString().c_str());
  return 0;
}

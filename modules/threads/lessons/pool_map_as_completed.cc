// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pool_map_as_completed: concurrent.futures (Module 1).
//   with ThreadPoolExecutor(max_workers=2) as ex:
//       for r in ex.map(square, range(1, 7)): ...   # results in input order
//   for f in as_completed(fs): ...                  # futures in completion order
// Completion order is made deterministic with latches: "fast" is done before
// as_completed is called, and each future the loop receives lets the next
// task finish ("medium", then "slow"), so the lesson prints the same every time.

#include <cstdio>
#include <latch>
#include <string>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/threads/future.h"
#include "modules/threads/thread_pool_executor.h"

int square(int x) { return x * x; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "ThreadPoolExecutor.map (input order) and as_completed (completion order).");

  conc::Heading("ex.map(square, range(1, 7))");
  {
    conc::ThreadPoolExecutor ex(2);  // `with`: the destructor is shutdown(wait=True)
    const std::vector<int> inputs = {1, 2, 3, 4, 5, 6};
    std::printf("results:");
    for (absl::StatusOr<int> r : ex.map(square, inputs)) {
      std::printf(" %d", conc::ValueOrDie(r, "ex.map(square, range(1, 7))"));
    }
    std::printf("\n\n");
  }

  conc::Heading("as_completed([slow, medium, fast])");
  conc::ThreadPoolExecutor ex(3);
  std::latch medium_go(1), slow_go(1);
  conc::Future<std::string> slow = ex.submit([&] {
    slow_go.wait();
    return std::string("slow");
  });
  conc::Future<std::string> medium = ex.submit([&] {
    medium_go.wait();
    return std::string("medium");
  });
  conc::Future<std::string> fast = ex.submit([] { return std::string("fast"); });
  conc::CheckOk(fast.result().status(), "fast.result()");  // Done first: as_completed yields it first.
  std::printf("submitted in the order: slow, medium, fast\ncompleted:");
  for (absl::StatusOr<conc::Future<std::string>> f : conc::as_completed({slow, medium, fast})) {
    conc::CheckOk(f.status(), "as_completed(fs)");
    const std::string name = conc::ValueOrDie(f->result(), "f.result()");
    std::printf(" %s", name.c_str());
    // Each completion lets the next task finish, as real durations would.
    if (name == "fast") medium_go.count_down();
    if (name == "medium") slow_go.count_down();
  }
  std::printf("\n\n");

  conc::Heading("as_completed(fs, timeout=0.05) with one task that never finishes in time");
  std::latch release(1);
  conc::Future<std::string> stuck = ex.submit([&] {
    release.wait();
    return std::string("stuck");
  });
  for (absl::StatusOr<conc::Future<std::string>> f : conc::as_completed({fast, stuck}, absl::Milliseconds(50))) {
    if (f.ok()) {
      std::printf("completed: %s\n", conc::ValueOrDie(f->result(), "f.result()").c_str());
    } else {
      std::printf("then: %s\n", f.status().ToString().c_str());  // Python: TimeoutError
    }
  }
  release.count_down();  // Let it finish so that the pool can shut down.
  return 0;
}

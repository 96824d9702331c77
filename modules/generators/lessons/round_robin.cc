// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// round_robin: sequential vs concurrent execution using generators (Module 1).
// foo(); bar() runs one after the other. Made generators, foo and bar take turns
// on one thread: zip_longest resumes each once per round, and when bar (5
// counts) is done, foo (15 counts) carries on alone.
// The notebook sleeps 1 s per count; here 100 ms, or 2 ms with --quick.

#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "modules/common/lesson.h"
#include "modules/generators/generator.h"
#include "modules/generators/zip_longest.h"

ABSL_FLAG(bool, quick, false, "Sleep 2 ms per count instead of 100 ms (for the tour and tests).");

static std::chrono::milliseconds g_step;  // What sleep(1) becomes.

void nap() { std::this_thread::sleep_for(g_step); }

// sequential_execution.py
void foo_sequential() {
  for (int i = 0; i < 10; ++i) {
    std::printf("foo: counting %d\n", i);
    nap();  // sleep(1)
  }
}

void bar_sequential() {
  for (int i = 0; i < 10; ++i) {
    std::printf("bar: counting %d\n", i);
    nap();  // sleep(1)
  }
}

// concurrent_execution_using_generators.py. Python's bare `yield` yields None;
// a C++ generator must yield a value, so these yield their count (unused).
conc::Generator<int> foo() {
  for (int i = 0; i < 15; ++i) {
    std::printf("foo: counting %d\n", i);
    co_yield i;  // Hand control back to whoever resumes us.
    nap();  // sleep(1)
  }
}

conc::Generator<int> bar() {
  for (int i = 0; i < 5; ++i) {
    std::printf("bar: counting %d\n", i);
    co_yield i;
    nap();  // sleep(1)
  }
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Sequential foo(); bar() vs two generators interleaved by zip_longest.");
  g_step = std::chrono::milliseconds(absl::GetFlag(FLAGS_quick) ? 2 : 100);

  conc::Heading("sequential: foo(); bar()");
  foo_sequential();
  bar_sequential();
  std::printf("\n");

  conc::Heading("concurrent with generators: zip_longest(foo(), bar())");
  auto g1 = foo();
  auto g2 = bar();
  std::printf("generator foo at %p, generator bar at %p\n", static_cast<void*>(&g1),
              static_cast<void*>(&g2));
  // for _ in zip_longest(g1, g2): pass
  for (auto&& row : conc::zip_longest(g1, g2)) {
    (void)row;  // (foo's count or nullopt, bar's count or nullopt)
  }
  std::printf("\n");

  conc::Heading("concurrent with asyncio");
  std::printf("async def foo/bar with asyncio.gather: the next lesson, asyncio_foo_bar\n"
              "(bazel run //modules/generators/lessons:asyncio_foo_bar).\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// getrefcount: Python's `sys.getrefcount(x)` and C++'s std::shared_ptr::use_count.
//
//   import sys
//   x = []
//   sys.getrefcount(x)    # 2: `x`, and the argument of getrefcount itself
//   y = x
//   sys.getrefcount(x)    # 3
//   del y                 # back to 2; at 0 the list is freed at once
//
// Every Python object carries a reference count, and every assignment changes it.
// C++ values carry none: a `std::vector<int> x` is destroyed when its scope ends,
// and a copy is a second, independent value. A count exists only where you ask for
// shared ownership, with std::shared_ptr; a std::weak_ptr watches without owning
// (Python's weakref), and a std::unique_ptr has one owner and no count at all.
//
// Where they differ: Python's count is per object and always on (and atomic only
// under the GIL); shared_ptr's count is per control block, atomic (a copy costs an
// atomic increment, measured below), and only on the objects you chose to share.

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"
#include "modules/profiling/timeit.h"

namespace {

constexpr char kPython[] = "/usr/bin/python3";

void Show(const char* line, long count) { std::printf("%-44s use_count() = %ld\n", line, count); }

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "sys.getrefcount() and std::shared_ptr::use_count().");

  conc::Heading("Python: sys.getrefcount");
  if (conc::HaveProgram(kPython)) {
    auto r = conc::ValueOrDie(
        conc::RunCommand({kPython, "-c",
                          "import sys\nx = []\nprint('x = []        ', sys.getrefcount(x))\n"
                          "y = x\nprint('y = x         ', sys.getrefcount(x))\n"
                          "del y\nprint('del y         ', sys.getrefcount(x))\n"},
                         absl::Minutes(1)),
        "python3 sys.getrefcount");
    std::printf("%s", r.output.c_str());
  } else {
    std::printf("(no %s)\n", kPython);
  }

  conc::Heading("C++: a shared_ptr counts its owners");
  auto x = std::make_shared<std::vector<int>>();
  Show("auto x = std::make_shared<std::vector<int>>()", x.use_count());
  {
    auto y = x;
    Show("auto y = x", x.use_count());
    std::weak_ptr<std::vector<int>> w = x;
    Show("std::weak_ptr w = x (watches, does not own)", x.use_count());
  }
  Show("y's scope ended", x.use_count());
  std::weak_ptr<std::vector<int>> watcher = x;
  x.reset();
  std::printf("x.reset(): the last owner is gone, the vector is freed: watcher.expired() = %s\n",
              watcher.expired() ? "true" : "false");

  conc::Heading("C++: plain values and unique_ptr carry no count");
  std::vector<int> a = {1, 2, 3};
  std::vector<int> b = a;  // a second, independent vector
  b.push_back(4);
  std::printf("b = a copies: a.size() = %zu, b.size() = %zu\n", a.size(), b.size());
  auto u = std::make_unique<std::vector<int>>(3);
  auto moved = std::move(u);
  std::printf("unique_ptr moved: the old one is %s, one owner, no count\n", u ? "set" : "empty");

  conc::Heading("what a count costs: a shared_ptr copy is an atomic increment and decrement");
  auto shared = std::make_shared<int>(1);
  const conc::TimeitResult copy = conc::timeit(
      [&] {
        std::shared_ptr<int> c = shared;
        conc::DoNotOptimize(c);
      },
      1'000'000, 3);
  const conc::TimeitResult raw = conc::timeit(
      [&] {
        int* c = shared.get();
        conc::DoNotOptimize(c);
      },
      1'000'000, 3);
  std::printf("copy a shared_ptr: %s\n", copy.ToString().c_str());
  std::printf("copy a raw pointer: %s\n", raw.ToString().c_str());
  return 0;
}

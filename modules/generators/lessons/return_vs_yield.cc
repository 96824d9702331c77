// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// return_vs_yield: "Generators: how they work" (Module 1). A function that
// returns runs at once; a generator function returns a generator and runs
// nothing until someone iterates it.

#include <cstdio>
#include <string>
#include <variant>

#include "modules/common/lesson.h"
#include "modules/generators/generator.h"

// def testfn(): print(...); return 10; print(...)   -- the last line never runs.
int testfn_return() {
  std::printf("Start of testfn...\n");
  return 10;
}

// def testfn(): print(...); yield 10; print(...)
conc::Generator<int> testfn_yield() {
  std::printf("Start of testfn...\n");
  co_yield 10;
  std::printf("Back inside testfn...\n");
}

// Python yields 10, then "hello", then 100 from one function. In C++ every
// co_yield of a generator yields the same type, so the three values share one:
// a variant that holds either an int or a string.
using PyValue = std::variant<int, std::string>;

std::string str(const PyValue& v) {  // Python's str(v).
  if (const int* i = std::get_if<int>(&v)) return std::to_string(*i);
  return std::get<std::string>(v);
}

conc::Generator<PyValue> testfn() {
  std::printf("Start of testfn...\n");
  int v = 100;
  co_yield 10;
  std::printf("Back inside testfn...\n");
  co_yield std::string("hello");
  std::printf("Back again inside testfn...\n");
  co_yield v;
  std::printf("End of testfn...\n");
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "return vs yield: a generator function runs nothing until iterated.");

  conc::Heading("testfn with return");
  std::printf("testfn() returned %d\n\n", testfn_return());

  conc::Heading("testfn with yield");
  auto g = testfn_yield();  // Like Python, this runs none of the body...
  std::printf("g = testfn() created a generator; nothing has run yet (g at %p)\n",
              static_cast<void*>(&g));
  std::printf("now iterating: for v in g\n");
  for (int v : g) {  // ...the loop does, up to each yield in turn.
    std::printf("In for loop: v = %d\n", v);
  }
  std::printf("\n");

  conc::Heading("three yields, three types");
  for (const PyValue& v : testfn()) {
    std::printf("In for loop: v = %s\n", str(v).c_str());
  }
  // The notebook printed "v = None" for the third value, from an earlier
  // version of the cell; `yield v` with v = 100 yields 100.
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// iterator_protocol: what a for loop does (Module 1). Python's iter(), next()
// and StopIteration are C++'s begin(), *it / ++it and `it == end()`.

#include <cstdio>
#include <ranges>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/generators/generator.h"

conc::Generator<int> evens(int n) {
  for (int i = 0; i < n; i += 2) co_yield i;
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "The iterator protocol: iter/next/StopIteration as begin/++/end.");

  conc::Heading("for v in a, desugared");
  std::vector<int> a = {11, 22, 33, 44};
  // it = iter(a)
  auto it = a.begin();
  while (true) {
    if (it == a.end()) {  // next(it) would raise StopIteration: leave the loop.
      std::printf("StopIteration: it == a.end()\n\n");
      break;
    }
    int v = *it;  // v = next(it) is two steps in C++: read *it, then ++it.
    ++it;
    std::printf("v = %d\n", v);  // Body of the for loop.
  }

  conc::Heading("next() on a generator by hand");
  auto g = evens(5);
  auto git = g.begin();  // Runs evens() up to its first co_yield.
  while (git != g.end()) {
    std::printf("next(it) -> %d\n", *git);
    ++git;  // Resumes evens() up to its next co_yield, or its end.
  }
  std::printf("StopIteration: it == g.end() (and *it must not be read now)\n\n");

  conc::Heading("range(10) is lazy too");
  for (int v : std::views::iota(0, 10)) std::printf("%d ", v);
  std::printf("\n(std::views::iota computes each value on demand, like range)\n\n");

  conc::Heading("for v in 100");
  // Python: TypeError: 'int' object is not iterable, raised when the loop runs.
  // C++: `for (int v : 100)` does not compile ("'begin' was not declared"): the
  // check happens at compile time. So this program only states it.
  static_assert(!std::ranges::range<int>);
  static_assert(std::ranges::input_range<std::vector<int>>);
  static_assert(std::ranges::input_range<conc::Generator<int>>);
  std::printf("an int is not iterable: `for (int v : 100)` is a compile error in C++,\n"
              "where Python raises TypeError at run time\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// array_typed: "multiprocessing.Array is a shared memory equivalent of
// array.array" (Module 5, Buffers). Both are homogeneous and typed: every
// element is a C int for typecode "i", and `a.append(4.5)` is a TypeError. In
// C++ the type is checked by the compiler: storing a double into an
// Array<int> does not compile. (A std::vector<int>, the C++ array.array, is
// less strict: push_back(4.5) converts silently to 4.)

#include <cstdio>
#include <string>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/ipc/shared_array.h"

// Whether `a.set(0, value)` compiles for an array type A and a value type U.
template <class A, class U>
concept CanSet = requires(A& a, U u) { a.set(0, u); };
template <class U>
concept CanPushBack = requires(std::vector<int>& v, U u) { v.push_back(u); };

std::string Show(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

const char* YesNo(bool b) { return b ? "yes" : "no"; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Array('i', [...]) and array.array: homogeneous and typed.");

  conc::Heading("a = Array('i', [3, 2, 6, 8, 3, 1, 8, 5, 9, 4]); a[:]");
  auto a = conc::ValueOrDie(conc::mp::Array<int>::Create({3, 2, 6, 8, 3, 1, 8, 5, 9, 4}),
                            "Array('i', [...])");
  std::printf("a[:] -> %s   len(a) -> %zu\n", Show(a.to_vector()).c_str(), a.size());

  conc::Heading("a[0] = 22; a[10]");
  conc::CheckOk(a.set(0, 22), "a[0] = 22");
  std::printf("a[0] -> %d\n", conc::ValueOrDie(a.get(0), "a[0]"));
  std::printf("a[10] -> %s\n", a.get(10).status().ToString().c_str());  // IndexError

  conc::Heading("n.append(4.5) works on a list; a.append(4.5) is a TypeError");
  // In C++ the mistake does not compile:
  //   a.set(0, 4.5);  // error: constraints not satisfied (StorableAs<double, int>)
  std::printf("Array<int>::set(i, 4.5) compiles: %s\n",
              YesNo(CanSet<conc::mp::Array<int>, double>));
  std::printf("Array<int>::set(i, 7) compiles: %s\n", YesNo(CanSet<conc::mp::Array<int>, int>));
  std::printf("Array<double>::set(i, 7) compiles: %s\n",
              YesNo(CanSet<conc::mp::Array<double>, int>));
  std::vector<int> v = {22, 33, 44};
  v.push_back(static_cast<int>(4.5));  // what push_back(4.5) would do implicitly
  std::printf("std::vector<int>::push_back(4.5) compiles: %s -> %s (truncated)\n",
              YesNo(CanPushBack<double>), Show(v).c_str());
  return 0;
}

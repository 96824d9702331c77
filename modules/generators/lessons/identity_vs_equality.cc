// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// identity_vs_equality: Python's id(), `is` and `==` (Module 1) in C++.
// Python names refer to objects, and CPython caches the small ints -5..256, so
// `a = 10; b = 10` gives one object. In C++ every variable *is* an object:
// equal values live at different addresses, `a += 1` changes the object in
// place, and only a reference (or pointer) shares an address.

#include <cstdio>
#include <memory>
#include <string>

#include "modules/common/lesson.h"

const char* yes_no(bool b) { return b ? "true" : "false"; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Identity vs equality: id()/is vs == as addresses vs values.");

  conc::Heading("a = 1234; b = 1234");
  {
    int a = 1234;
    int b = 1234;
    std::printf("%d %d\n", a, b);
    std::printf("%p %p   (Python: id(a), id(b))\n", static_cast<void*>(&a),
                static_cast<void*>(&b));
    std::printf("a == b: %s   (equality: the values)\n", yes_no(a == b));
    std::printf("&a == &b: %s   (identity, Python's `a is b`: the objects)\n\n",
                yes_no(&a == &b));
  }

  conc::Heading("a = 10; b = 10; a += 1");
  {
    // CPython gives a and b the same id here (it caches the ints -5..256);
    // two C++ variables are always two objects.
    int a = 10;
    int b = 10;
    std::printf("%d %d  at %p %p: same object: %s\n", a, b, static_cast<void*>(&a),
                static_cast<void*>(&b), yes_no(&a == &b));
    const int* before = &a;
    a += 1;  // Python rebinds a to another int object; C++ changes the object a.
    std::printf("%d %d  at %p %p\n", a, b, static_cast<void*>(&a), static_cast<void*>(&b));
    std::printf("&a unchanged by a += 1: %s   (Python: id(a) changes)\n\n",
                yes_no(before == &a));
  }

  conc::Heading("b = a: a reference or a copy");
  {
    int a = 1234;
    int& r = a;  // Like Python's `b = a`: a second name for the same object.
    std::printf("int& r = a: &r == &a: %s, so r += 1 changes a too: ", yes_no(&r == &a));
    r += 1;
    std::printf("a = %d\n", a);
    int copy = a;  // C++'s plain `b = a` copies: value semantics.
    std::printf("int copy = a: copy == a: %s, &copy == &a: %s\n\n", yes_no(copy == a),
                yes_no(&copy == &a));
  }

  conc::Heading("shared objects, Python style");
  // What every Python name is, spelled out: a counted reference to a heap object.
  auto p = std::make_shared<std::string>("hello");
  auto q = p;                                       // q is p
  auto s = std::make_shared<std::string>("hello");  // s == p, but s is not p
  std::printf("q is p: %s, s is p: %s, s == p (values): %s, use_count(p) = %ld\n",
              yes_no(q == p), yes_no(s == p), yes_no(*s == *p), p.use_count());
  return 0;
}

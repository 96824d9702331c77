// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// value_int8_wraps: the notebook's `Value("b", 129)` whose value is -127 (Module 5,
// "Value class in multiprocessing module"). A Value holds a C type, not a
// Python int: "b" is a signed char, -128..127, and 129 does not fit. C (and
// C++20, which defines it) converts modulo 2^8: 129 - 256 = -127. In C++ the
// typecode is the template argument: Value<int8_t>.

#include <cstdint>
#include <cstdio>

#include "modules/common/lesson.h"
#include "modules/ipc/shared_value.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Value(\"b\", 129) is -127: a Value holds a C type (Value<int8_t>).");

  conc::Heading("v = Value(\"b\", 129); v.value");
  // The narrowing conversion is C's, on purpose.
  auto v = conc::ValueOrDie(conc::mp::Value<int8_t>::Create(129), "Value(\"b\", 129)");
  std::printf("v.value -> %d\n", v.value());
  std::printf("int8_t holds %d..%d: 129 wraps to 129 - 256 = %d\n", INT8_MIN, INT8_MAX, 129 - 256);

  conc::Heading("the other typecodes wrap the same way");
  auto b = conc::ValueOrDie(conc::mp::Value<uint8_t>::Create(300), "Value(\"B\", 300)");
  auto h = conc::ValueOrDie(conc::mp::Value<int16_t>::Create(40000), "Value(\"h\", 40000)");
  std::printf("Value<uint8_t>(300).value() -> %d\n", b.value());
  std::printf("Value<int16_t>(40000).value() -> %d\n", h.value());
  h.set_value(32767 + 1);  // v.value = 32768
  std::printf("set_value(32768) -> %d\n", h.value());

  conc::Heading("a Python int has no such limit; a float into an int Value is refused");
  // Value("i", 4.5) raises TypeError; here it does not compile:
  //   conc::mp::Value<int>::Create(4.5);   // error: constraints not satisfied
  // An int into a double is fine.
  auto d = conc::ValueOrDie(conc::mp::Value<double>::Create(129), "Value(\"d\", 129)");
  std::printf("Value<double>(129).value() -> %.1f\n", d.value());
  return 0;
}

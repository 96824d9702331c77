// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/exception.h: describing a std::exception_ptr in one line, e.g.
// "std::runtime_error: boom" (Python's `TypeName: message` in a traceback's last
// line). Used by threads (excepthook, Future, the pools) and the event loop (Task).

#ifndef MODULES_COMMON_INTERNAL_EXCEPTION_H_
#define MODULES_COMMON_INTERNAL_EXCEPTION_H_

#include <exception>
#include <string>

namespace conc::internal {

// "<demangled type>: <what()>" for a std::exception, "<demangled type>" for
// anything else that the ABI can name, "unknown exception" otherwise; "" for null.
std::string DescribeException(const std::exception_ptr& e);

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_EXCEPTION_H_

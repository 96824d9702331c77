// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// inspect_stack: Python's `inspect.stack()`, `inspect.getframeinfo` and
// `type(x).__name__`, from inside a C++ program.
//
//   import inspect
//   def handle_request():
//       for frame in inspect.stack():
//           print(frame.function)          # handle_request, dispatch, serve, <module>
//
// C++ keeps no frame objects, only return addresses on the stack: conc::CurrentStack
// walks them (absl::GetStackTrace) and names each from the program's symbol table
// (absl::Symbolize). The compiler fills in the call site itself, through
// std::source_location, and the runtime's type information gives a type's name.
//
// Where it differs: a function the optimiser inlined has no frame (these are
// marked ABSL_ATTRIBUTE_NOINLINE so they show in `bazel run`'s optimised build),
// and there are no local variables to read back: that is the debugger's job (the
// chapter's gdb lesson).

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "modules/common/lesson.h"
#include "modules/profiling/stack_trace.h"

namespace {

ABSL_ATTRIBUTE_NOINLINE void HandleRequest() {
  std::printf("inside HandleRequest, the stack (innermost first):\n");
  const std::vector<conc::StackFrame> frames = conc::CurrentStack();
  // Print up to main: what is below it (libc's start-up) is not the program's.
  for (size_t i = 0; i < frames.size(); ++i) {
    std::printf("  #%zu %s\n", i, frames[i].function.c_str());
    if (frames[i].function == "main") break;
  }
  std::printf("this line is %s\n", conc::SourceLine().c_str());
  asm volatile("" ::: "memory");  // no tail call
}

ABSL_ATTRIBUTE_NOINLINE void Dispatch() {
  HandleRequest();
  asm volatile("" ::: "memory");
}

ABSL_ATTRIBUTE_NOINLINE void Serve() {
  Dispatch();
  asm volatile("" ::: "memory");
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "inspect.stack() and type names from inside a C++ program.");
  conc::InitSymbolizer(argv[0]);

  conc::Heading("inspect.stack(): who called whom");
  Serve();

  conc::Heading("type(x).__name__: the type's name, demangled");
  std::map<std::string, std::vector<int>> index;
  auto lambda = [](int v) { return v * 2; };
  std::printf("type of index: %s\n", conc::TypeName(typeid(index)).c_str());
  std::printf("type of 1.5f: %s\n", conc::TypeName(typeid(1.5f)).c_str());
  std::printf("type of a lambda: %s (a unique, unnamed class)\n", conc::TypeName(typeid(lambda)).c_str());
  return 0;
}

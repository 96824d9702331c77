// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// stack_trace.h: Python's `inspect.stack()` and `traceback.format_stack()` for a
// running C++ program: the calling thread's stack, as function names, from
// inside the program, with no debugger.
//
//   int main(int argc, char** argv) {
//     conc::InitSymbolizer(argv[0]);              // once, first thing in main
//     ...
//   }
//   void deep() {
//     for (const conc::StackFrame& f : conc::CurrentStack()) std::printf("%s\n", f.function.c_str());
//   }
//
// Built on Abseil's absl::GetStackTrace (frame-pointer or unwinder walk) and
// absl::Symbolize (the program's own ELF symbol table; names are demangled).
//
// Where it differs from Python: Python keeps every frame's code object, file and
// line; a C++ binary keeps only addresses. Names come from the symbol table, so
// a function the optimiser inlined has no frame of its own (mark what must show
// ABSL_ATTRIBUTE_NOINLINE), a static function of a stripped binary shows as
// "(unknown)", and file:line needs the debug information a debugger reads (gdb,
// addr2line; see the chapter's gdb lesson). For where a line of source is, use
// std::source_location (SourceLine below), which the compiler fills in.
//
// Thread safety: each call walks only the calling thread's stack; safe from any
// thread. Not async-signal-safe (it allocates the result).

#ifndef MODULES_PROFILING_STACK_TRACE_H_
#define MODULES_PROFILING_STACK_TRACE_H_

#include <source_location>
#include <string>
#include <typeinfo>
#include <vector>

namespace conc {

struct StackFrame {
  const void* pc = nullptr;
  std::string function;  // demangled; "(unknown)" when the symbol table has none
};

// Lets absl::Symbolize find the program's symbols. Call once, early in main.
void InitSymbolizer(const char* argv0);

// The calling thread's stack, innermost first, leaving out `skip` frames above
// the caller (0: the caller is frame 0), at most `max_depth` frames.
std::vector<StackFrame> CurrentStack(int skip = 0, int max_depth = 64);

// One line per frame, "  #0 function" ..., like a traceback printed innermost first.
std::string FormatStack(const std::vector<StackFrame>& frames);

// "file:line in function", from the call site (inspect.getframeinfo of the caller).
std::string SourceLine(std::source_location where = std::source_location::current());

// The readable name of a type (`typeid(T).name()` demangled): Python's `type(x).__name__`.
std::string TypeName(const std::type_info& type);
template <typename T>
std::string TypeName() {
  return TypeName(typeid(T));
}

}  // namespace conc

#endif  // MODULES_PROFILING_STACK_TRACE_H_

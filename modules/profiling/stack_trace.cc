// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/stack_trace.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <source_location>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/debugging/stacktrace.h"
#include "absl/debugging/symbolize.h"
#include "absl/strings/str_cat.h"

namespace conc {

void InitSymbolizer(const char* argv0) { absl::InitializeSymbolizer(argv0); }

ABSL_ATTRIBUTE_NOINLINE std::vector<StackFrame> CurrentStack(int skip, int max_depth) {
  if (max_depth <= 0) return {};
  if (skip < 0) skip = 0;
  // Whether absl's first entry is this function or its caller depends on the
  // unwinder (frame pointers or libunwind) and on inlining, so ask for one frame
  // more and drop ours by name instead of by count.
  const int want = max_depth + skip + 1;
  std::vector<void*> pcs(static_cast<size_t>(want));
  const int n = absl::GetStackTrace(pcs.data(), want, 0);
  std::vector<StackFrame> frames;
  for (int i = 0; i < n; ++i) {
    char name[1024];
    StackFrame f;
    f.pc = pcs[i];
    // Every entry is a return address, which points after the call: step back
    // one byte so that a call that is a function's last instruction still
    // names that function.
    const char* pc = static_cast<const char*>(pcs[i]);
    f.function = absl::Symbolize(pc - 1, name, sizeof name) ? name : "(unknown)";
    if (frames.empty() && f.function.rfind("conc::CurrentStack", 0) == 0) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    frames.push_back(std::move(f));
    if (static_cast<int>(frames.size()) == max_depth) break;
  }
  return frames;
}

std::string FormatStack(const std::vector<StackFrame>& frames) {
  std::string out;
  for (size_t i = 0; i < frames.size(); ++i) absl::StrAppend(&out, "  #", i, " ", frames[i].function, "\n");
  return out;
}

std::string SourceLine(std::source_location where) {
  return absl::StrCat(where.file_name(), ":", where.line(), " in ", where.function_name());
}

std::string TypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

}  // namespace conc

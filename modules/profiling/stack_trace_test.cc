// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/stack_trace.h"

#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

// Not static and not inlined, so each has a frame and a symbol.
ABSL_ATTRIBUTE_NOINLINE std::vector<StackFrame> InnerFrame(int skip) {
  std::vector<StackFrame> frames = CurrentStack(skip);
  asm volatile("" ::: "memory");  // no tail call: keep this frame on the stack
  return frames;
}

ABSL_ATTRIBUTE_NOINLINE std::vector<StackFrame> OuterFrame(int skip) {
  std::vector<StackFrame> frames = InnerFrame(skip);
  asm volatile("" ::: "memory");
  return frames;
}

int IndexOf(const std::vector<StackFrame>& frames, const std::string& name) {
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].function.find(name) != std::string::npos) return static_cast<int>(i);
  }
  return -1;
}

TEST(StackTraceTest, NamesTheCallersInnermostFirst) {
  const std::vector<StackFrame> frames = OuterFrame(0);
  const int inner = IndexOf(frames, "InnerFrame");
  const int outer = IndexOf(frames, "OuterFrame");
  ASSERT_EQ(inner, 0) << FormatStack(frames);
  ASSERT_GT(outer, inner) << FormatStack(frames);
  EXPECT_EQ(IndexOf(frames, "CurrentStack"), -1) << FormatStack(frames);
}

TEST(StackTraceTest, SkipLeavesOutFrames) {
  const std::vector<StackFrame> frames = OuterFrame(1);
  EXPECT_EQ(IndexOf(frames, "InnerFrame"), -1) << FormatStack(frames);
  EXPECT_EQ(IndexOf(frames, "OuterFrame"), 0) << FormatStack(frames);
}

TEST(StackTraceTest, DepthIsBounded) {
  EXPECT_TRUE(CurrentStack(0, 0).empty());
  EXPECT_EQ(CurrentStack(0, 1).size(), 1u);
  EXPECT_LE(CurrentStack(0, 3).size(), 3u);
}

TEST(StackTraceTest, FormatStackNumbersTheFrames) {
  std::vector<StackFrame> frames(2);
  frames[0].function = "inner()";
  frames[1].function = "outer()";
  EXPECT_EQ(FormatStack(frames), "  #0 inner()\n  #1 outer()\n");
}

TEST(StackTraceTest, SourceLineIsTheCallSite) {
  const std::string here = SourceLine();
  EXPECT_THAT(here, HasSubstr("stack_trace_test.cc:"));
  EXPECT_THAT(here, HasSubstr("SourceLineIsTheCallSite"));
}

TEST(StackTraceTest, TypeNamesAreDemangled) {
  EXPECT_EQ(TypeName<int>(), "int");
  EXPECT_EQ(TypeName<std::vector<int>>(), "std::vector<int, std::allocator<int> >");
  EXPECT_EQ(TypeName<StackFrame>(), "conc::StackFrame");
}

}  // namespace
}  // namespace conc

int main(int argc, char** argv) {
  conc::InitSymbolizer(argv[0]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

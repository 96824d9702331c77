// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// A program that does not link //modules/profiling:alloc_hooks: the tracker
// knows it, and counts nothing (rather than something wrong).

#include <vector>

#include "gtest/gtest.h"
#include "modules/profiling/alloc_tracker.h"

namespace conc {
namespace {

TEST(AllocTrackerUnhookedTest, SaysTheHooksAreMissingAndCountsNothing) {
  EXPECT_FALSE(AllocationHooksLinked());
  AllocationScope scope;
  std::vector<int> v(1000);
  asm volatile("" : : "r"(v.data()) : "memory");
  EXPECT_EQ(scope.stats().allocations, 0u);
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// A program whose main() does not call conc::ProcessMain (this test uses
// gtest_main): spawning must fail with a status that says what is missing,
// instead of re-running main() in the child; the fork method still works.

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"

namespace {
int square(int x) { return x * x; }
}  // namespace

CONC_PROCESS_FUNCTION(square);

namespace {

using ::testing::HasSubstr;

TEST(ProcessWithoutHookTest, SpawnNeedsProcessMain) {
  conc::Process p(conc::process_function<square>, 3);
  absl::Status s = p.start();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("conc::ProcessMain(argc, argv)"));
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.pid(), std::nullopt);
}

TEST(ProcessWithoutHookTest, PoolFailsItsFutures) {
  conc::ProcessPoolExecutor pool(1);
  absl::StatusOr<int> r = pool.submit(conc::process_function<square>, 3).result(absl::Seconds(60));
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_TRUE(pool.broken());
}

TEST(ProcessWithoutHookTest, ForkNeedsNoHook) {
  conc::Process p(conc::kForkMethod, [] { ::_exit(4); });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(absl::Seconds(60)).ok());
  EXPECT_EQ(p.exitcode(), 4);
}

}  // namespace

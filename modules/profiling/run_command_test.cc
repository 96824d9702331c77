// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/run_command.h"

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

TEST(RunCommandTest, CollectsStdoutAndStderrAndTheExitCode) {
  auto r = RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, absl::Seconds(60));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->output, "out\nerr\n");
}

TEST(RunCommandTest, ProgramsAreFoundOnPath) {
  auto r = RunCommand({"sh", "-c", "exit 0"}, absl::Seconds(60));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(HaveProgram("sh"));
  EXPECT_TRUE(HaveProgram("/bin/sh"));
  EXPECT_FALSE(HaveProgram("conc-no-such-program"));
  EXPECT_FALSE(HaveProgram("/nonexistent/sh"));
  EXPECT_FALSE(HaveProgram(""));
}

TEST(RunCommandTest, AMissingProgramIsNotFound) {
  auto r = RunCommand({"/nonexistent/program"}, absl::Seconds(60));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/program"));
}

TEST(RunCommandTest, EmptyArgvIsRefused) {
  EXPECT_EQ(RunCommand({}, absl::Seconds(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RunCommandTest, AKilledChildReportsItsSignal) {
  auto r = RunCommand({"/bin/sh", "-c", "kill -9 $$"}, absl::Seconds(60));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 128 + 9);
}

TEST(RunCommandTest, TimeoutKillsTheWholeGroup) {
  // The background sleep holds stdout open after the shell would exit: only
  // killing the group ends it. Bounds: 200 ms asked, a minute allowed (a loaded
  // CI machine), far below the sleep's 10 minutes.
  const auto start = std::chrono::steady_clock::now();
  auto r = RunCommand({"/bin/sh", "-c", "sleep 600 & echo started; wait"}, absl::Milliseconds(200));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("started"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(RunCommandTest, ZeroTimeoutStillRunsAndKills) {
  auto r = RunCommand({"/bin/sh", "-c", "sleep 600"}, absl::ZeroDuration());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
}

TEST(RunCommandTest, OutputIsCappedAndTheChildNeverBlocks) {
  auto r = RunCommand({"/bin/sh", "-c", "head -c 1000000 /dev/zero; echo done >&2"}, absl::Seconds(60), 1000);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output.size(), 1000u);
}

}  // namespace
}  // namespace conc

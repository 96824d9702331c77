// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/logging.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

// Options with no console output (the test reads the file), and one change.
LoggingOptions Quiet(const std::string& file = "") {
  LoggingOptions o;
  o.console = false;
  o.file = file;
  return o;
}
LoggingOptions Loud() { return LoggingOptions(); }
template <typename F>
LoggingOptions With(LoggingOptions o, F change) {
  change(o);
  return o;
}

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { ShutdownLogging(); }
};

TEST_F(LoggingTest, AFileGetsLinesInTheDefaultFormatAtTheLevelSet) {
  const std::string path = TempPath("levels.log");
  ASSERT_TRUE(ConfigureLogging(With(Quiet(path), [](LoggingOptions& o) { o.level = "WARNING"; })).ok());
  auto log = GetLogger("pool");
  log->info("not shown");
  log->warn("started {} workers", 4);
  log->error("a worker died");
  ShutdownLogging();
  const std::vector<std::string> lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 2u) << ReadFile(path);
  EXPECT_THAT(lines[0], MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ warning \\[pool\\] pid [0-9]+ "
                                     "tid [0-9]+: started 4 workers"));
  EXPECT_THAT(lines[1], HasSubstr("error [pool] pid "));
  EXPECT_THAT(lines[1], HasSubstr(": a worker died"));
}

TEST_F(LoggingTest, TheSameNameGivesTheSameLogger) {
  ASSERT_TRUE(ConfigureLogging(Quiet()).ok());
  EXPECT_EQ(GetLogger("a"), GetLogger("a"));
  EXPECT_NE(GetLogger("a"), GetLogger("b"));
}

TEST_F(LoggingTest, BadOptionsAreRefusedAndChangeNothing) {
  const std::string path = TempPath("kept.log");
  ASSERT_TRUE(ConfigureLogging(Quiet(path)).ok());
  EXPECT_EQ(ConfigureLogging(With(Loud(), [](LoggingOptions& o) { o.level = "loud"; })).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConfigureLogging(With(Loud(), [](LoggingOptions& o) { o.backup_count = -1; })).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConfigureLogging(With(Loud(), [](LoggingOptions& o) {
              o.async = true;
              o.async_queue = 0;
            })).code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status unopenable =
      ConfigureLogging(With(Loud(), [](LoggingOptions& o) { o.file = "/nonexistent-dir/x/app.log"; }));
  EXPECT_FALSE(unopenable.ok());
  EXPECT_THAT(unopenable.message(), HasSubstr("/nonexistent-dir/x/app.log"));
  GetLogger("still")->info("here");
  ShutdownLogging();
  EXPECT_THAT(ReadFile(path), HasSubstr("[still]"));
}

TEST_F(LoggingTest, RotatingFileKeepsBackupCountFiles) {
  const std::string path = TempPath("rotating.log");
  ASSERT_TRUE(ConfigureLogging(With(Quiet(path), [](LoggingOptions& o) {
                o.rotate_bytes = 1000;
                o.backup_count = 2;
              })).ok());
  auto log = GetLogger("rot");
  for (int i = 0; i < 200; ++i) log->info("line {} {}", i, std::string(50, 'x'));
  ShutdownLogging();
  EXPECT_EQ(access(path.c_str(), F_OK), 0);
  EXPECT_EQ(access((TempPath("rotating.1.log")).c_str(), F_OK), 0);
  EXPECT_EQ(access((TempPath("rotating.2.log")).c_str(), F_OK), 0);
  EXPECT_NE(access((TempPath("rotating.3.log")).c_str(), F_OK), 0);
  EXPECT_LE(ReadFile(path).size(), 1000u);
  EXPECT_THAT(ReadFile(path), HasSubstr("line 199 "));
}

TEST_F(LoggingTest, AsyncLoggerDeliversEveryMessageByShutdown) {
  const std::string path = TempPath("async.log");
  ASSERT_TRUE(ConfigureLogging(With(Quiet(path), [](LoggingOptions& o) {
                o.async = true;
                o.async_queue = 64;
              })).ok());
  auto log = GetLogger("async");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 500; ++i) log->info("thread {} message {}", t, i);
    });
  }
  for (auto& th : threads) th.join();
  ShutdownLogging();  // drains the queue (64 slots: the callers blocked, none dropped)
  const std::vector<std::string> lines = Lines(ReadFile(path));
  EXPECT_EQ(lines.size(), 2000u);
}

TEST_F(LoggingTest, AFormatErrorIsReportedNotThrown) {
  const std::string path = TempPath("fmt.log");
  ASSERT_TRUE(ConfigureLogging(Quiet(path)).ok());
  EXPECT_NO_THROW(GetLogger("f")->info(fmt::runtime("{} {}"), 1));
  GetLogger("f")->info("after");
  ShutdownLogging();
  EXPECT_THAT(ReadFile(path), HasSubstr("after"));
}

TEST_F(LoggingTest, BeforeConfigurationLoggersWriteToStderrAtInfo) {
  auto log = GetLogger("early");
  EXPECT_EQ(log->level(), spdlog::level::info);
  EXPECT_THAT(log->name(), Not(HasSubstr(" ")));
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Four processes append to one log file at once: every line arrives whole.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "gtest/gtest.h"
#include "modules/profiling/logging.h"

namespace conc {
namespace {

// Options with no console output: the test reads the file.
LoggingOptions Quiet(const std::string& file = "") {
  LoggingOptions o;
  o.console = false;
  o.file = file;
  return o;
}

constexpr int kProcesses = 4;
constexpr int kLines = 2000;

TEST(LoggingMultiprocessTest, LinesFromSeveralProcessesAreNeverTorn) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/shared.log";
  std::remove(path.c_str());
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // A long payload, so that a torn write would show.
      if (!ConfigureLogging(Quiet(path)).ok()) _exit(2);
      auto log = GetLogger("worker");
      for (int i = 0; i < kLines; ++i) log->info("proc {} line {} {}", p, i, std::string(300, 'a' + p));
      ShutdownLogging();
      _exit(0);
    }
  }
  for (int p = 0; p < kProcesses; ++p) {
    int status = 0;
    ASSERT_GT(wait(&status), 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::ifstream in(path);
  const std::regex whole("^.* info \\[worker\\] pid [0-9]+ tid [0-9]+: proc ([0-9]) line ([0-9]+) ([a-d]{300})$");
  std::map<int, int> per_process;
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, whole)) << "torn line " << lines << ": " << line.substr(0, 200);
    const int p = std::stoi(m[1]);
    EXPECT_EQ(m[3].str(), std::string(300, 'a' + p));
    EXPECT_EQ(std::stoi(m[2]), per_process[p]++) << "process " << p << "'s lines out of order";
  }
  EXPECT_EQ(lines, kProcesses * kLines);
}

}  // namespace
}  // namespace conc

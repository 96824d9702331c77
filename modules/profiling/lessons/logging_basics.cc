// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// logging_basics: Python's `logging` module, in C++ with spdlog through
// conc::ConfigureLogging and conc::GetLogger.
//
//   import logging
//   logging.basicConfig(level=logging.INFO, filename="app.log",
//                       format="%(asctime)s %(levelname)s [%(name)s] %(process)d %(thread)d: %(message)s")
//   log = logging.getLogger("pool")
//   log.debug("not shown at INFO")
//   log.info("worker %d done", 3)
//
// Shown: levels (a debug line dropped at info), a named logger per component,
// the console and a file at once, threads of a pool logging at the same time,
// an asynchronous logger (Python's QueueHandler + QueueListener: the callers only
// enqueue), and three processes appending to one file with every line whole.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/profiling/logging.h"

namespace {

std::string OutputDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Lines of `path`, and how many of them are whole lines of `logger` (they end
// with the message's known tail).
std::pair<int, int> CountLines(const std::string& path, const std::string& tail) {
  std::ifstream in(path);
  int lines = 0, whole = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    if (line.size() >= tail.size() && line.compare(line.size() - tail.size(), tail.size(), tail) == 0) ++whole;
  }
  return {lines, whole};
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Python's logging: levels, named loggers, handlers, threads, processes.");
  const std::string file = OutputDir() + "/logging_basics.log";
  std::remove(file.c_str());

  conc::Heading("basicConfig(level=INFO): the console and a file");
  conc::LoggingOptions options;
  options.level = "info";
  options.file = file;
  // The lesson prints its console lines to stdout too, without the time, so
  // that the output reads the same every run.
  options.format = "%l [%n]: %v";
  conc::CheckOk(conc::ConfigureLogging(options), "ConfigureLogging");
  auto log = conc::GetLogger("pool");
  log->debug("not shown at info");
  log->info("worker {} done", 3);
  log->warn("queue is {}% full", 90);
  std::fflush(stderr);

  conc::Heading("four threads log at once; every line arrives whole");
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([t] {
        auto worker = conc::GetLogger("worker");
        for (int i = 0; i < 250; ++i) worker->debug("thread {} step {} (dropped: below info)", t, i);
        worker->info("thread {} finished", t);
      });
    }
    for (auto& th : threads) th.join();
  }
  conc::ShutdownLogging();
  auto [lines, whole] = CountLines(file, "finished");
  std::printf("the file has %d lines; %d are the threads' \"finished\" lines\n", lines, whole);

  conc::Heading("async (QueueHandler + QueueListener): callers only enqueue");
  options.console = false;
  options.async = true;
  options.format = conc::kDefaultLogFormat;
  const std::string async_file = OutputDir() + "/logging_async.log";
  std::remove(async_file.c_str());
  options.file = async_file;
  conc::CheckOk(conc::ConfigureLogging(options), "ConfigureLogging(async)");
  auto fast = conc::GetLogger("fast");
  for (int i = 0; i < 10'000; ++i) fast->info("event {} handled", i);
  conc::ShutdownLogging();  // drains the queue
  auto [async_lines, async_whole] = CountLines(async_file, "handled");
  std::printf("async: %d of 10000 lines written by ShutdownLogging\n", async_whole);
  (void)async_lines;

  conc::Heading("three processes append to one file");
  const std::string shared = OutputDir() + "/logging_shared.log";
  std::remove(shared.c_str());
  for (int p = 0; p < 3; ++p) {
    const pid_t pid = ::fork();
    if (pid < 0) conc::CheckOk(absl::InternalError("fork failed"), "fork()");
    if (pid == 0) {
      conc::LoggingOptions child;
      child.console = false;
      child.file = shared;
      if (!conc::ConfigureLogging(child).ok()) ::_exit(2);
      auto plog = conc::GetLogger("proc");
      for (int i = 0; i < 1000; ++i) plog->info("process {} line {} {} end", p, i, std::string(200, 'x'));
      conc::ShutdownLogging();
      ::_exit(0);
    }
  }
  for (int p = 0; p < 3; ++p) {
    int status = 0;
    ::wait(&status);
  }
  auto [shared_lines, shared_whole] = CountLines(shared, " end");
  std::printf("%d lines from 3 processes, %d whole: %s\n", shared_lines, shared_whole,
              shared_lines == 3000 && shared_whole == 3000 ? "none torn" : "TORN LINES");
  return 0;
}

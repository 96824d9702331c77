// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// daemon_vs_nondaemon: active (non-daemon) vs daemon threads at exit (Module 1).
// Python joins every non-daemon thread before the interpreter exits, and does
// not wait for daemon threads. conc does the same with an exit hook. To watch
// it from outside, this lesson runs itself as a child whose main() starts one
// worker and returns at once.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "modules/common/lesson.h"
#include "modules/threads/thread.h"

ABSL_FLAG(std::string, child, "", "Internal: run as the child, with a 'daemon' or 'nondaemon' worker.");

int child(bool daemon) {
  conc::Thread worker({.name = "worker", .daemon = daemon}, [daemon] {
    if (daemon) {
      static std::latch never(1);
      never.wait();  // A daemon worker that never finishes on its own.
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // Outlive main().
    }
    std::printf("  child: worker finished its work\n");
  });
  conc::CheckOk(worker.start(), "worker.start()");
  std::printf("  child: main() returns now\n");
  std::fflush(stdout);
  return 0;  // The exit hook joins non-daemon threads here.
}

// Stops the lesson: `what` went wrong.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "daemon_vs_nondaemon: %s\n", what.c_str());
  std::exit(1);
}

// Runs this program again as a child and returns what it printed.
std::string run_child(const char* mode) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) fail("readlink(/proc/self/exe) failed");
  self[n] = '\0';
  FILE* pipe = popen((std::string(self) + " --child=" + mode).c_str(), "r");
  if (pipe == nullptr) fail("popen(child) failed");
  std::string out;
  char buf[256];
  while (size_t got = fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
  if (const int status = pclose(pipe); status != 0) {
    fail(std::string("the --child=") + mode + " run ended with wait status " + std::to_string(status));
  }
  return out;
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Non-daemon threads are joined at exit; daemon threads are not.");
  const std::string mode = absl::GetFlag(FLAGS_child);
  if (!mode.empty()) return child(mode == "daemon");

  conc::Heading("Thread(target=work, daemon=False); main returns");
  std::string out = run_child("nondaemon");
  std::printf("%s", out.c_str());
  std::printf("the program waited for the worker: %s\n\n",
              out.find("worker finished") != std::string::npos ? "yes" : "no");

  conc::Heading("Thread(target=work, daemon=True); main returns");
  out = run_child("daemon");
  std::printf("%s", out.c_str());
  std::printf("the program waited for the worker: %s (it died with the process)\n",
              out.find("worker finished") != std::string::npos ? "yes" : "no");
  return 0;
}

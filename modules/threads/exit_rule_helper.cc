// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// exit_rule_helper: starts one thread and returns from main at once, so that
// thread_test can see Python's exit rule from outside the process.
//
//   exit_rule_helper nondaemon   the thread (non-daemon) prints "worker done"
//                                after 100 ms; the exit hook must wait for it.
//   exit_rule_helper daemon      the thread (daemon) blocks forever before
//                                printing; the process must exit anyway.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <thread>

#include "modules/threads/thread.h"

int main(int argc, char** argv) {
  const bool daemon = argc > 1 && std::strcmp(argv[1], "daemon") == 0;
  conc::Thread t({.name = "worker", .daemon = daemon}, [daemon] {
    if (daemon) {
      static std::latch never(1);  // Nobody counts it down: the thread never prints.
      never.wait();
    } else {
      // The sleep only makes it likely that main has returned by now; the
      // test's verdict does not depend on it.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::printf("worker done\n");
    std::fflush(stdout);
  });
  if (!t.start().ok()) return 2;
  std::printf("main returns\n");
  std::fflush(stdout);
  return 0;
}

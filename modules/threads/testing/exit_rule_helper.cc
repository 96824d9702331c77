// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// exit_rule_helper: starts one thread and returns from main at once, so that
// thread_test can see Python's exit rule from outside the process.
//
//   exit_rule_helper nondaemon   the thread (non-daemon) prints "worker done"
//                                after 100 ms; the exit hook must wait for it.
//   exit_rule_helper daemon      the thread (daemon) blocks forever before
//                                printing; the process must exit anyway.
//   exit_rule_helper unregister  an exit callback is unregistered on another
//                                thread while the exit hook runs it; the
//                                unregistering call must wait for it.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <thread>

#include "modules/threads/thread.h"

// What an executor destroyed on another thread at exit does: the exit hook
// runs the callback while another thread unregisters it.
int UnregisterWhileTheHookRuns() {
  static std::atomic<bool> unregistered{false};
  static std::latch running(1);
  static int id = conc::internal::RegisterAtexit([] {
    running.count_down();
    // Waits (bounded) for something that must NOT happen: UnregisterAtexit
    // returning on the other thread while this callback still runs. A sleep
    // cannot make the test fail falsely: with the bug, the other thread's
    // return is seen within the bound; without it, the bound passes.
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (!unregistered.load() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::printf(unregistered.load() ? "unregister returned while its callback ran\n"
                                    : "callback done\n");
    std::fflush(stdout);
  });
  std::thread([] {
    running.wait();
    conc::internal::UnregisterAtexit(id);
    unregistered.store(true);
  }).detach();
  // The exit hook is installed by the first conc::Thread started.
  conc::Thread t([] {});
  if (!t.start().ok() || !t.join().ok()) return 2;
  std::printf("main returns\n");
  std::fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "unregister") == 0) return UnregisterWhileTheHookRuns();
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

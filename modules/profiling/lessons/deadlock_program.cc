// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// deadlock_program: two threads take two locks in opposite orders and wait for
// each other for ever: the classic deadlock the gdb_deadlock lesson diagnoses.
//
//   thread TakeAThenB: lock(a) ... lock(b)      thread TakeBThenA: lock(b) ... lock(a)
//
// A latch makes sure each holds its first lock before either asks for its
// second, so the deadlock happens every time. The main thread then waits until
// both are asleep in the kernel (their state in /proc/self/task/<tid>/stat is
// 'S'), and:
//   - under a debugger (TracerPid in /proc/self/status is not 0) raises SIGINT,
//     which stops the program in the debugger with both threads blocked;
//   - otherwise prints that it is deadlocked and exits 0.
// If the threads are not both asleep within a minute it exits 1.

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <latch>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "absl/base/attributes.h"

namespace {

std::mutex a, b;
std::latch both_hold_first(2);
std::atomic<pid_t> tid_ab{0}, tid_ba{0};

ABSL_ATTRIBUTE_NOINLINE void TakeAThenB() {
  tid_ab = static_cast<pid_t>(::syscall(SYS_gettid));
  std::lock_guard<std::mutex> first(a);
  both_hold_first.arrive_and_wait();
  std::lock_guard<std::mutex> second(b);  // waits for TakeBThenA, for ever
}

ABSL_ATTRIBUTE_NOINLINE void TakeBThenA() {
  tid_ba = static_cast<pid_t>(::syscall(SYS_gettid));
  std::lock_guard<std::mutex> first(b);
  both_hold_first.arrive_and_wait();
  std::lock_guard<std::mutex> second(a);  // waits for TakeAThenB, for ever
}

// The scheduler state of one of our threads: 'R' running, 'S' sleeping, ...
char StateOf(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t close = line.rfind(')');  // the name may contain spaces
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
}

bool UnderDebugger() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "TracerPid:") {
      int pid = 0;
      status >> pid;
      return pid != 0;
    }
  }
  return false;
}

}  // namespace

int main() {
  std::thread t1(TakeAThenB);
  std::thread t2(TakeBThenA);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  // Both asleep twice in a row, 10 ms apart: a thread between the latch and its
  // second lock may be caught asleep in the latch for an instant.
  int asleep_in_a_row = 0;
  while (asleep_in_a_row < 2) {
    if (std::chrono::steady_clock::now() > give_up) {
      std::fprintf(stderr, "deadlock_program: the threads did not block within a minute\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const bool asleep = tid_ab != 0 && tid_ba != 0 && StateOf(tid_ab) == 'S' && StateOf(tid_ba) == 'S';
    asleep_in_a_row = asleep ? asleep_in_a_row + 1 : 0;
  }
  std::printf("deadlock_program: both threads are blocked, each holding the lock the other wants\n");
  std::fflush(stdout);
  if (UnderDebugger()) ::raise(SIGINT);  // the debugger stops us here
  std::_Exit(0);  // the threads can never be joined
}

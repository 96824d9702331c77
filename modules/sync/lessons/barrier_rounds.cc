// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// barrier_rounds: three threads meet at a Barrier three times (Module 3,
// "Synchronizing flow-control using Barrier"); the action runs once per round,
// before anyone goes on. Then a timeout breaks a barrier, and reset() mends it.

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sync/barrier.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Threads meeting at a Barrier, round after round (Module 3).");

  conc::Heading("b = Barrier(3, action); three threads, three rounds");
  int round = 0;  // touched only by the action, which runs alone
  conc::Barrier b(3, [&] { conc::Say("--- all 3 arrived: round " + std::to_string(round++) + " complete ---"); });
  std::vector<std::jthread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&b, name = "Thread-" + std::to_string(i)] {
      for (int r = 0; r < 3; ++r) {
        conc::Say(std::to_string(r) + ": " + name + " arrives");
        conc::CheckOk(b.wait().status(), name + ": b.wait()");
      }
    });
  }
  threads.clear();
  conc::Say("after 3 rounds: n_waiting = " + std::to_string(b.n_waiting()) +
      ", broken = " + (b.broken() ? "true" : "false") + "\n");

  conc::Heading("a timeout breaks the barrier for everyone");
  conc::Barrier pair(2);
  absl::StatusOr<int> alone = pair.wait(absl::Milliseconds(50));  // nobody comes
  conc::Say("pair.wait(timeout=0.05) -> " + alone.status().ToString());
  conc::Say(std::string("pair.broken = ") + (pair.broken() ? "true" : "false"));
  conc::Say("pair.wait() again -> " + pair.wait().status().ToString());
  pair.reset();
  conc::Say(std::string("after pair.reset(): broken = ") + (pair.broken() ? "true" : "false"));
  return 0;
}

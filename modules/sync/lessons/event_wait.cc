// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// event_wait: five threads wait on an Event; one set() releases them all
// (Module 3, "Wait/notify patterns using Condition and Event"). Then each thread
// waits three times in a loop: an Event stays set, so the later waits pass at once.

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/sync/event.h"
#include "modules/sync/semaphore.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "Five threads wait on an Event until set(); it stays set (Module 3).");

  for (int rounds : {1, 3}) {
    conc::Heading(rounds == 1 ? "e.wait() in five threads, then e.set()"
                              : "three e.wait() calls per thread: the Event stays set");
    conc::Event e;  // e = Event()
    std::atomic<int> done{0};
    conc::Semaphore started(0);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 5; ++i) {
      threads.emplace_back([&, name = "Thread-" + std::to_string(i)] {
        for (int round = 0; round < rounds; ++round) {
          const std::string prefix = rounds == 1 ? "" : std::to_string(round) + ": ";
          conc::Say(prefix + name + " is waiting");
          if (round == 0) conc::CheckOk(started.release(), "started.release()");
          (void)e.wait();  // e.wait()
          conc::Say(prefix + name + " is done waiting");
          done.fetch_add(1);
        }
      });
      (void)started.acquire();  // one at a time, so the first lines come in order
    }
    conc::Say("main: e.set()");
    e.set();
    threads.clear();  // join
    conc::Say(std::to_string(done.load()) + " waits returned; e.is_set() = " +
        (e.is_set() ? "true" : "false") + "\n");
  }
  return 0;
}

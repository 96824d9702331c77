// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// semaphore_gate: Semaphore(0) as a gate (Module 3, "Bandwidth/Resource
// management using Semaphore and BoundedSemaphore"). Five threads wait three
// times each; every s.release() lets exactly one wait through. Then a
// BoundedSemaphore refuses a release it never handed out.

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "modules/common/lesson.h"
#include "modules/sync/semaphore.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Semaphore(0) as a gate, one release() at a time (Module 3).");

  conc::Heading("s = Semaphore(0); five threads, three s.acquire() each");
  conc::Semaphore s(0);
  conc::Semaphore started(0), passed(0);  // the lesson's own bookkeeping
  std::vector<std::jthread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, name = "Thread-" + std::to_string(i)] {
      for (int round = 0; round < 3; ++round) {
        conc::Say(std::to_string(round) + ": " + name + " is waiting");
        if (round == 0) conc::CheckOk(started.release(), "started.release()");
        (void)s.acquire();  // s.acquire()
        conc::Say(std::to_string(round) + ": " + name + " is done waiting");
        conc::CheckOk(passed.release(), "passed.release()");
      }
    });
    (void)started.acquire();  // one at a time, so the first lines come in order
  }
  for (int k = 1; k <= 15; ++k) {
    conc::Say("main: s.release() #" + std::to_string(k));
    conc::CheckOk(s.release(), "s.release()");
    (void)passed.acquire();  // exactly one thread got through
  }
  threads.clear();
  conc::Say("15 releases let 15 waits through, one at a time\n");

  conc::Heading("BoundedSemaphore(2): a release without an acquire is an error");
  conc::BoundedSemaphore pool(2);
  (void)pool.acquire();
  std::printf("release after acquire: %s\n", pool.release().ToString().c_str());
  const absl::Status extra = pool.release();
  std::printf("one release too many: %s\n", extra.ToString().c_str());
  std::printf("value still %lld\n", static_cast<long long>(pool.value()));
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// condition_notify_all: five threads wait on a Condition; notify_all() releases
// them all (Module 3, "Wait/notify patterns using Condition"). Then the
// three-round version: each thread waits three times, one notify_all() a round.

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/sync/condition.h"
#include "modules/sync/lock.h"
#include "modules/sync/semaphore.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "Five threads wait on a Condition until notify_all() (Module 3).");

  conc::Heading("c.wait() in five threads, then c.notify_all()");
  conc::Condition c;  // c = Condition()  (over an RLock, as in Python)
  conc::Semaphore started(0);  // one release per thread that printed
  std::vector<std::jthread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&c, &started, name = "Thread-" + std::to_string(i)] {
      conc::ScopedAcquire guard(c);                   // with c:
      std::printf("%s is waiting\n", name.c_str());
      conc::CheckOk(started.release(), "started.release()");
      conc::CheckOk(c.wait_checked().status(), "c.wait()");  //     c.wait()
      std::printf("%s is done waiting\n", name.c_str());
    });
    (void)started.acquire();        // start them one at a time: lines in order
    conc::ScopedAcquire inside(c);  // free again only once the thread is in wait()
  }
  {
    conc::ScopedAcquire guard(c);  // with c: c.notify_all()
    std::printf("main: notify_all()\n");
    conc::CheckOk(c.notify_all(), "c.notify_all()");
  }
  threads.clear();  // join
  std::printf("all 5 threads are done waiting\n\n");

  conc::Heading("three rounds: each thread waits three times");
  conc::Lock lock;
  conc::Condition go(lock), all_in(lock);  // two conditions sharing one lock
  int waiting = 0;  // guarded by lock
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, name = "Thread-" + std::to_string(i)] {
      for (int round = 0; round < 3; ++round) {
        conc::ScopedAcquire guard(go);
        std::printf("%d: %s is waiting\n", round, name.c_str());
        ++waiting;
        conc::CheckOk(all_in.notify(), "all_in.notify()");  // tell main how many are in
        conc::CheckOk(go.wait_checked().status(), "go.wait()");
        std::printf("%d: %s is done waiting\n", round, name.c_str());
      }
    });
    // Start them one at a time so that round 0 prints in order.
    conc::ScopedAcquire guard(lock);
    conc::CheckOk(all_in.wait_for_checked([&] { return waiting == i + 1; }).status(),
                  "all_in.wait_for(...)");
  }
  for (int round = 0; round < 3; ++round) {
    conc::ScopedAcquire guard(lock);
    conc::CheckOk(all_in.wait_for_checked([&] { return waiting == 5; }).status(),
                  "all_in.wait_for(...)");
    waiting = 0;
    std::printf("main: round %d, all 5 waiting: notify_all()\n", round);
    conc::CheckOk(go.notify_all(), "go.notify_all()");
  }
  threads.clear();
  std::printf("all 5 threads finished 3 rounds\n");
  return 0;
}

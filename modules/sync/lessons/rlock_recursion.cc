// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// rlock_recursion: a re-entrant lock (Module 3, "Mutual exclusion patterns
// using Lock and RLock"). A recursive function takes the same RLock at every
// level; a Lock would deadlock on the second acquire. Only the owner may release.

#include <cstdio>
#include <thread>

#include "absl/status/status.h"
#include "modules/common/lesson.h"
#include "modules/sync/lock.h"
#include "modules/sync/rlock.h"

namespace {

conc::RLock rlock;

// Sums 1..n, taking the RLock again at every level of the recursion.
int Sum(int n) {
  conc::ScopedAcquire guard(rlock);  // with rlock:
  std::printf("%*sSum(%d) holds the RLock\n", 2 * (5 - n), "", n);
  return n == 0 ? 0 : n + Sum(n - 1);
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "RLock: the same thread may acquire it again (Module 3).");

  conc::Heading("a recursive function under one RLock");
  std::printf("Sum(5) = %d\n", Sum(5));
  std::printf("rlock.locked() after the recursion: %s\n\n", rlock.locked() ? "true" : "false");

  conc::Heading("the same with a Lock: the second acquire would block forever");
  conc::Lock lock;
  (void)lock.acquire();
  const bool again = lock.acquire(/*blocking=*/false);
  std::printf("lock.acquire(blocking=False) while held -> %s\n\n", again ? "true" : "false");
  conc::CheckOk(lock.release(), "lock.release()");

  conc::Heading("only the owner may release an RLock");
  (void)rlock.acquire();
  (void)rlock.acquire();
  std::thread([] {
    std::printf("another thread: rlock.release() -> %s\n", rlock.release().ToString().c_str());
  }).join();
  std::printf("owner: release() -> %s\n", rlock.release().ToString().c_str());
  std::printf("owner: release() -> %s\n", rlock.release().ToString().c_str());
  std::printf("owner: one more release() -> %s\n", rlock.release().ToString().c_str());
  return 0;
}

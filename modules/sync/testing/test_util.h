// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// test_util.h: helpers for the primitives' tests (never for library code).

#ifndef MODULES_SYNC_TESTING_TEST_UTIL_H_
#define MODULES_SYNC_TESTING_TEST_UTIL_H_

#include <chrono>
#include <thread>

namespace conc::sync_testing {

// Generous: CI is a loaded 2-core VM running the sanitizers.
inline constexpr std::chrono::seconds kTestBound{60};

// Polls `done()` (yielding between calls) until it is true or kTestBound
// passes; returns its last value. For "wait until N threads are blocked", which
// no event can announce: polling a state, never sleeping as synchronisation.
template <typename Done>
bool PollUntil(Done&& done) {
  const auto end = std::chrono::steady_clock::now() + kTestBound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return done();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace conc::sync_testing

#endif  // MODULES_SYNC_TESTING_TEST_UTIL_H_

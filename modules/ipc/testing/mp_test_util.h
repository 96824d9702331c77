// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// testing/mp_test_util.h: small helpers the process-shared primitives' tests
// share. Test-only (the target is testonly).

#ifndef MODULES_IPC_TESTING_MP_TEST_UTIL_H_
#define MODULES_IPC_TESTING_MP_TEST_UTIL_H_

#include <dirent.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace conc::mp::testing {

// The value of a StatusOr that the test expects to be OK (a failed
// expectation otherwise; then the value is default-constructed or garbage
// and the test is already failing).
template <class T>
T Make(absl::StatusOr<T> v) {
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

// Polls `pred` until it holds or `limit` passes. For conditions nobody can
// signal (how many processes sleep in the kernel), not as a synchronisation.
inline bool Eventually(const std::function<bool()>& pred,
                       absl::Duration limit = absl::Seconds(60)) {
  const absl::Time end = absl::Now() + limit;
  while (!pred()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// The concatenation of several fds_to_pass() lists.
inline std::vector<int> Fds(const std::vector<std::vector<int>>& lists) {
  std::vector<int> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

// The names in /dev/shm that start with `prefix`, sorted: what a test left
// behind (shm_open names live there on Linux).
inline std::vector<std::string> DevShmNamesStartingWith(const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = ::opendir("/dev/shm");
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (std::string(e->d_name).rfind(prefix, 0) == 0) out.push_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace conc::mp::testing

#endif  // MODULES_IPC_TESTING_MP_TEST_UTIL_H_

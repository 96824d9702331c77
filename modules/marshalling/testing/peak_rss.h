// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// peak_rss.h (testing): how much memory a streaming reader keeps. Resets the
// process's peak resident set (Linux's /proc/self/clear_refs, "5") and reads it
// back (VmHWM of /proc/self/status), so a test can check that reading a ~100 MB
// file raised the peak by far less than the file's size.
//
//   conc::testing::ResetPeakRss();
//   ... stream the file ...
//   EXPECT_LT(conc::testing::PeakRssBytes() - before, 32 << 20);

#ifndef MODULES_MARSHALLING_TESTING_PEAK_RSS_H_
#define MODULES_MARSHALLING_TESTING_PEAK_RSS_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace conc::testing {

// True if the peak could be reset (false on kernels or sandboxes that refuse).
bool ResetPeakRss();
// The peak resident set, in bytes (VmHWM); 0 if unreadable.
size_t PeakRssBytes();
// The resident set now, in bytes (VmRSS); 0 if unreadable.
size_t RssBytes();

// Writes `path` by calling `chunk(&buffer)` until the file has at least `bytes`
// bytes; the buffer is written and cleared after each call, so memory stays small.
absl::Status WriteGeneratedFile(const std::string& path, size_t bytes,
                                const std::function<void(std::string*)>& chunk);

}  // namespace conc::testing

#endif  // MODULES_MARSHALLING_TESTING_PEAK_RSS_H_

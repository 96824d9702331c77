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
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace conc::testing {

// False under AddressSanitizer and ThreadSanitizer: their allocators keep freed
// memory (ASan's quarantine is 256 MB) and shadow it, so the peak says nothing
// about what the code under test keeps. Tests check the bound only when true.
constexpr bool RssIsMeaningful() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  return true;
#endif
}

// True if the peak could be reset (false on kernels or sandboxes that refuse).
bool ResetPeakRss();
// The peak resident set, in bytes (VmHWM); 0 if unreadable.
size_t PeakRssBytes();
// The resident set now, in bytes (VmRSS); 0 if unreadable.
size_t RssBytes();

// The streaming tests' frame: writes `header` then `block` again and again to
// `path` until it has `bytes` bytes, resets the peak, runs `read_all`, and expects
// the peak to have grown by less than `bound` (where RssIsMeaningful()). Returns
// how many blocks were written; the file is removed.
int64_t ExpectStreamsInBoundedMemory(const std::string& path, size_t bytes,
                                     const std::string& header, const std::string& block,
                                     const std::function<void()>& read_all,
                                     size_t bound = size_t{32} << 20);

// Calls each(value) for every value r.next() gives, and expects the end to be a
// clean OutOfRange (EOFError), not another error.
template <typename Reader, typename Each>
void ForEachUntilEnd(Reader& r, Each&& each) {
  while (true) {
    auto v = r.next();
    if (!v.ok()) {
      EXPECT_EQ(v.status().code(), absl::StatusCode::kOutOfRange) << v.status();
      return;
    }
    each(*v);
  }
}

// Writes `path` by calling `chunk(&buffer)` until the file has at least `bytes`
// bytes; the buffer is written and cleared after each call, so memory stays small.
absl::Status WriteGeneratedFile(const std::string& path, size_t bytes,
                                const std::function<void(std::string*)>& chunk);

}  // namespace conc::testing

#endif  // MODULES_MARSHALLING_TESTING_PEAK_RSS_H_

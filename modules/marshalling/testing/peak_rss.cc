// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/testing/peak_rss.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace conc::testing {

namespace {

size_t StatusKb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t kb = 0;
  size_t n = std::strlen(field);
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      kb = std::strtoull(line + n + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kb;
}

}  // namespace

bool ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

size_t PeakRssBytes() { return StatusKb("VmHWM") * 1024; }
size_t RssBytes() { return StatusKb("VmRSS") * 1024; }

absl::Status WriteGeneratedFile(const std::string& path, size_t bytes,
                                const std::function<void(std::string*)>& chunk) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::InternalError(absl::StrCat("cannot create ", path));
  std::string buffer;
  size_t written = 0;
  while (written < bytes) {
    buffer.clear();
    chunk(&buffer);
    if (buffer.empty()) break;
    if (std::fwrite(buffer.data(), 1, buffer.size(), f) != buffer.size()) {
      std::fclose(f);
      return absl::InternalError(absl::StrCat("cannot write ", path));
    }
    written += buffer.size();
  }
  if (std::fclose(f) != 0) return absl::InternalError(absl::StrCat("cannot close ", path));
  return absl::OkStatus();
}

int64_t ExpectStreamsInBoundedMemory(const std::string& path, size_t bytes,
                                     const std::string& header, const std::string& block,
                                     const std::function<void()>& read_all, size_t bound) {
  int64_t blocks = 0;
  absl::Status written = WriteGeneratedFile(path, bytes, [&](std::string* out) {
    *out = blocks == 0 ? header + block : block;
    ++blocks;
  });
  EXPECT_TRUE(written.ok()) << written;
  bool reset = ResetPeakRss();
  size_t before = reset ? RssBytes() : PeakRssBytes();
  read_all();
  size_t grew = PeakRssBytes() - before;
  if (RssIsMeaningful()) {
    EXPECT_LT(grew, bound) << "the peak RSS grew by " << grew << " bytes reading " << bytes;
  }
  std::remove(path.c_str());
  return blocks;
}

}  // namespace conc::testing

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/prefetch.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace conc::internal {
namespace {

#if defined(__x86_64__)
// The CPUID bit PrefetchForWrite decodes is the one Linux reports as the
// "3dnowprefetch" flag: a wrong leaf or bit would silently fall back to
// PREFETCHT0 on every CPU, or emit PREFETCHW where it does not exist.
TEST(PrefetchTest, CpuidBitAgreesWithTheKernelsCpuFlags) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    bool flag = false;
    for (std::string w; words >> w;) flag = flag || w == "3dnowprefetch";
    EXPECT_EQ(kHasPrefetchw, flag) << line;
    return;
  }
  GTEST_SKIP() << "no flags line in /proc/cpuinfo";
}
#endif

// A prefetch is a hint: it changes no byte, and it does not fault even on a
// page that may not be touched (the ring's look-ahead may reach past what a
// caller owns).
TEST(PrefetchTest, ChangesNothingAndNeverFaults) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  char* mem = static_cast<char*>(
      ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  for (size_t i = 0; i < page; ++i) mem[i] = static_cast<char>(i * 7);
  ASSERT_EQ(::mprotect(mem + page, page, PROT_NONE), 0);
  for (size_t off = 0; off < 2 * page; off += 64) PrefetchForWrite(mem + off);
  PrefetchForWrite(mem + 2 * page - 1);
  for (size_t i = 0; i < page; ++i) ASSERT_EQ(mem[i], static_cast<char>(i * 7)) << i;
  ::munmap(mem, 2 * page);
}

}  // namespace
}  // namespace conc::internal

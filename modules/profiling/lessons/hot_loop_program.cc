// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// hot_loop_program: the program the line_profiler lesson runs under callgrind.
// One function, a few lines of very different cost: which line is the hot one?
// (Built with -g so that callgrind can map instructions to lines.)

#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

__attribute__((noinline)) uint64_t Checksum(const std::vector<uint32_t>& data) {
  uint64_t sum = 0;                              // once
  for (size_t i = 0; i < data.size(); ++i) {     // the loop
    uint64_t x = data[i];
    for (int round = 0; round < 16; ++round) {   // the inner loop
      x = x * 6364136223846793005ull + 1442695040888963407ull;  // hot: the work
    }
    sum ^= x;                                    // once per element
  }
  return sum;                                    // once
}

}  // namespace

int main() {
  std::vector<uint32_t> data(200'000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint32_t>(i * 2654435761u);
  std::printf("checksum %llu\n", static_cast<unsigned long long>(Checksum(data)));
  return 0;
}

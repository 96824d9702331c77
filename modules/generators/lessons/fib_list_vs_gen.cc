// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// fib_list_vs_gen: Fibonacci as a list and as a generator (Module 1). The list
// holds every value and gives the first only when all are computed; the
// generator holds two numbers and gives each value as soon as it exists.
// The notebook sleeps 1 s per step; here 200 ms, or 2 ms with --quick.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "modules/common/lesson.h"
#include "modules/generators/generator.h"

ABSL_FLAG(bool, quick, false, "Sleep 2 ms per step instead of 200 ms (for the tour and tests).");

using Clock = std::chrono::steady_clock;

// Counts the bytes `new` hands out, to see what a list or a coroutine frame holds.
static std::size_t g_allocated = 0;
void* operator new(std::size_t n) {
  g_allocated += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

std::vector<uint64_t> fib_list(int x, std::chrono::milliseconds pause) {
  std::vector<uint64_t> series = {0, 1};
  for (int i = 0; i < x - 2; ++i) {
    series.push_back(series.end()[-1] + series.end()[-2]);
    std::this_thread::sleep_for(pause);
  }
  return series;
}

conc::Generator<uint64_t> fib_gen(int x, std::chrono::milliseconds pause) {
  uint64_t a = 0, b = 1;
  for (int i = 0; i < x; ++i) {
    co_yield a;
    std::this_thread::sleep_for(pause);
    b = a + b;
    a = b - a;  // a, b = b, a + b
  }
}

// for v in values: print(v, v*v). Returns the milliseconds to the first value.
template <class Range>
double print_squares(Range&& values, Clock::time_point t0) {
  std::chrono::duration<double, std::milli> first(-1);
  for (uint64_t v : values) {
    if (first.count() < 0) first = Clock::now() - t0;
    std::printf("%llu %llu\n", (unsigned long long)v, (unsigned long long)(v * v));
  }
  std::printf("first value after %.1f ms\n\n", first.count());
  return first.count();
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Fibonacci as a list and as a generator: memory and latency.");
  const auto pause = std::chrono::milliseconds(absl::GetFlag(FLAGS_quick) ? 2 : 200);

  conc::Heading("for v in fib_list(20)");
  const double list_first = print_squares(fib_list(20, pause), Clock::now());

  conc::Heading("for v in fib_gen(20)");
  const double gen_first = print_squares(fib_gen(20, pause), Clock::now());

  conc::Heading("bytes held (no sleeps)");
  std::size_t list_bytes[2], frame_bytes[2];
  const int ns[2] = {20, 90};  // fib(93) overflows 64 bits.
  for (int k : {0, 1}) {
    auto list = fib_list(ns[k], std::chrono::milliseconds(0));
    list_bytes[k] = list.capacity() * sizeof(uint64_t);
    const std::size_t before = g_allocated;
    auto gen = fib_gen(ns[k], std::chrono::milliseconds(0));  // Allocates the frame.
    frame_bytes[k] = g_allocated - before;
    std::printf("n = %2d: list holds %4zu bytes, generator frame %zu bytes\n", ns[k],
                list_bytes[k], frame_bytes[k]);
  }
  std::printf("the list grows with n: %s\n", list_bytes[1] > list_bytes[0] ? "yes" : "no");
  std::printf("the generator's frame does not grow with n: %s\n\n",
              frame_bytes[1] == frame_bytes[0] ? "yes" : "no");

  conc::Heading("time to the first value");
  std::printf("list: %.1f ms (after all 18 sleeps), generator: %.1f ms\n", list_first, gen_first);
  std::printf("first value sooner from the generator: %s\n", gen_first < list_first ? "yes" : "no");
  return 0;
}

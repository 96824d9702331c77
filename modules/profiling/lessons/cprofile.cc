// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// cprofile: Python's `cProfile` for a C++ program: where the CPU time goes, as a
// flat table and as a drawing.
//
//   $ python3 -m cProfile -s tottime prog.py
//      ncalls  tottime  percall  cumtime  percall filename:lineno(function)
//       4000    1.912    0.000    1.912    0.000 prog.py:3(count_primes)
//
// cProfile counts every call (deterministic profiling; it slows Python down
// several times). C++'s usual profilers sample instead: gperftools' CPU profiler
// (libprofiler, linked into this lesson) interrupts the program a few hundred
// times a second with SIGPROF and records the stack; `google-pprof --text` turns
// the samples into the flat table, and `google-pprof --svg` draws the call graph
// (with graphviz's `dot`). `perf record -g` + `perf report` does the same from
// outside the program, with no library.
//
// The workload is the threads chapter's kind of job: a pool of threads counting
// primes in ranges, plus some string building on the side. The lesson profiles
// it, prints the top of the table, says which function tops it, and writes the
// drawing (to $TEST_UNDECLARED_OUTPUTS_DIR under `bazel test`, else /tmp).

#include <gperftools/profiler.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"

ABSL_FLAG(bool, quick, false, "less work (for the tour and the tests)");

namespace {

ABSL_ATTRIBUTE_NOINLINE bool IsPrime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

ABSL_ATTRIBUTE_NOINLINE uint64_t CountPrimes(uint64_t from, uint64_t to) {
  uint64_t count = 0;
  for (uint64_t n = from; n < to; ++n) count += IsPrime(n) ? 1 : 0;
  return count;
}

ABSL_ATTRIBUTE_NOINLINE size_t BuildStrings(int n) {
  size_t total = 0;
  for (int i = 0; i < n; ++i) total += std::to_string(i * 7919).size();
  return total;
}

std::string OutputDir() {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "cProfile's question answered by a sampling profiler: where does the time go?");
  const bool quick = absl::GetFlag(FLAGS_quick);
  for (const char* tool : {"google-pprof", "dot"}) {
    if (!conc::HaveProgram(tool)) {
      std::printf("%s is not installed: apt-get install google-perftools graphviz (tools/setup.sh does it)\n", tool);
      return 1;
    }
  }
  const std::string profile = OutputDir() + "/cprofile.prof";
  const std::string svg = OutputDir() + "/cprofile.svg";

  conc::Heading("the workload: 4 threads count primes, one builds strings");
  ::setenv("CPUPROFILE_FREQUENCY", "500", 1);  // samples per second (default 100)
  if (!ProfilerStart(profile.c_str())) conc::CheckOk(absl::InternalError(profile), "ProfilerStart");
  const uint64_t limit = quick ? 3'000'000 : 12'000'000;
  std::atomic<uint64_t> primes{0};
  std::vector<std::thread> workers;
  for (uint64_t w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] { primes += CountPrimes(w * limit / 4, (w + 1) * limit / 4); });
  }
  const size_t chars = BuildStrings(quick ? 20'000 : 200'000);
  for (auto& t : workers) t.join();
  ProfilerStop();
  std::printf("primes below %llu: %llu; string characters built: %zu\n", static_cast<unsigned long long>(limit),
              static_cast<unsigned long long>(primes.load()), chars);

  conc::Heading("google-pprof --text: the flat profile (cProfile's tottime column)");
  const conc::CommandResult text = conc::ValueOrDie(
      conc::RunCommand({"google-pprof", "--text", "--nodecount=8", SelfPath(), profile}, absl::Minutes(2)),
      "google-pprof --text");
  std::string top;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(text.output, '\n')) {
    if (absl::StartsWith(line, "Total:")) in_table = true;
    if (!in_table) continue;  // pprof's notes about symbols
    std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    if (top.empty() && !absl::StartsWith(line, "Total:") && !line.empty()) top = std::string(line);
  }
  std::printf("the function on top: %s\n",
              absl::StrContains(top, "IsPrime") ? "IsPrime (the inner loop of CountPrimes)" : top.c_str());

  conc::Heading("google-pprof --svg: the call graph, drawn");
  const conc::CommandResult drawn = conc::ValueOrDie(
      conc::RunCommand({"/bin/sh", "-c", "google-pprof --svg \"$0\" \"$1\" > \"$2\"", SelfPath(), profile, svg},
                       absl::Minutes(2)),
      "google-pprof --svg");
  if (drawn.exit_code != 0) conc::CheckOk(absl::InternalError(drawn.output), "google-pprof --svg");
  std::printf("wrote the call graph: %s (open it in a browser)\n", svg.c_str());
  std::printf("done: the hot function tops the profile: %s\n", absl::StrContains(top, "IsPrime") ? "yes" : "no");
  return 0;
}

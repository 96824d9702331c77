// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// memray: Python's Memray (memray run prog.py; memray flamegraph / summary)
// answers "who allocates, how much at the peak, and what leaks". For C++ the
// tool is heaptrack: it preloads a library that records every malloc and free
// with its stack, and heaptrack_print turns the record into tables: most calls
// to allocation functions, peak memory consumers, leaks.
//
//   $ memray run prog.py && memray summary memray-prog.bin
//   $ heaptrack -o prof prog && heaptrack_print prof.zst
//
// The lesson profiles alloc_program (many small records, a few big buffers, a
// small leak, in alloc_workload.h), prints heaptrack's three answers, checks that
// each names the function behind it, and then runs the same workload in-process
// under the chapter's own counter (conc::ProcessAllocations: no tool, totals
// only) to set its figures beside heaptrack's.
//
// Where it differs: Memray also follows Python objects' allocators; heaptrack
// sees malloc (and so operator new), not what a program keeps in its own pools.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/alloc_tracker.h"
#include "modules/profiling/lessons/alloc_workload.h"
#include "modules/profiling/run_command.h"

namespace {

constexpr char kProgram[] = "modules/profiling/lessons/alloc_program";

std::string OutputDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// The lines of `output` from the section whose title contains `title` up to the
// next blank line, at most `max` of them, without the "in /path/to/binary" lines.
std::vector<std::string> Section(const std::string& output, const std::string& title, int max) {
  std::vector<std::string> lines;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!in) {
      in = absl::StrContains(line, title);
      continue;
    }
    if (line.empty() && !lines.empty()) break;
    if (!line.empty() && !absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "in /")) lines.emplace_back(line);
    if (static_cast<int>(lines.size()) == max) break;
  }
  return lines;
}

// Prints the first `n` lines: the top entry and the first frames of its stack.
void PrintTop(const std::vector<std::string>& lines, size_t n) {
  for (size_t i = 0; i < lines.size() && i < n; ++i) std::printf("%s\n", lines[i].c_str());
}

// Whether the section's first entry (the biggest) names `function` anywhere
// in its backtraces. heaptrack groups by the innermost frame, which for
// std::string and std::vector is an allocator; the program's function is
// further down.
bool Names(const std::vector<std::string>& lines, const std::string& function) {
  for (const std::string& l : lines) {
    if (absl::StrContains(l, function)) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Memray's questions answered by heaptrack: who allocates, the peak, the leaks.");
  for (const char* tool : {"heaptrack", "heaptrack_print"}) {
    if (!conc::HaveProgram(tool)) {
      std::printf("%s is not installed: apt-get install heaptrack (tools/setup.sh does it)\n", tool);
      return 1;
    }
  }
  const std::optional<std::string> program = conc::RunfilePath(kProgram);
  if (!program) conc::CheckOk(absl::NotFoundError(kProgram), "finding alloc_program in the runfiles");
  const std::string out = OutputDir() + "/alloc_program.heaptrack";

  conc::Heading("heaptrack -o alloc_program.heaptrack alloc_program");
  const conc::CommandResult run = conc::ValueOrDie(
      conc::RunCommand({"heaptrack", "-o", out, *program}, absl::Minutes(5)), "heaptrack");
  std::string data;
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (absl::StartsWith(line, "alloc_program:")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }
  for (const char* ext : {".zst", ".gz", ""}) {
    const std::string candidate = out + ext;
    if (data.empty() && ::access(candidate.c_str(), R_OK) == 0) data = candidate;
  }
  if (run.exit_code != 0 || data.empty()) {
    std::printf("heaptrack failed (exit %d):\n%s\n", run.exit_code, run.output.c_str());
    return 1;
  }

  const conc::CommandResult printed = conc::ValueOrDie(
      conc::RunCommand({"heaptrack_print", "--print-leaks=1", data}, absl::Minutes(2)), "heaptrack_print");
  const std::vector<std::string> calls = Section(printed.output, "MOST CALLS TO ALLOCATION FUNCTIONS", 200);
  const std::vector<std::string> peak = Section(printed.output, "PEAK MEMORY CONSUMERS", 200);
  const std::vector<std::string> leaks = Section(printed.output, "MEMORY LEAKS", 200);
  conc::Heading("heaptrack_print: most calls to allocation functions");
  PrintTop(calls, 8);
  conc::Heading("heaptrack_print: peak memory consumers");
  PrintTop(peak, 8);
  conc::Heading("heaptrack_print: memory leaks");
  PrintTop(leaks, 8);
  for (absl::string_view line : absl::StrSplit(printed.output, '\n')) {
    if (absl::StartsWith(line, "total runtime") || absl::StartsWith(line, "calls to allocation") ||
        absl::StartsWith(line, "peak heap memory") || absl::StartsWith(line, "total memory leaked")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  conc::Heading("what heaptrack says");
  std::printf("most calls come from MakeRecords: %s\n", Names(calls, "MakeRecords") ? "yes" : "no");
  std::printf("the peak is BigBuffers: %s\n", Names(peak, "BigBuffers") ? "yes" : "no");
  std::printf("the leak is LeakSome: %s\n", Names(leaks, "LeakSome") ? "yes" : "no");

  conc::Heading("the same workload under conc::ProcessAllocations (in-process, totals only)");
  conc::ProcessAllocations::Start();
  alloc_workload::Run();
  conc::ProcessAllocations::Stop();
  const conc::AllocationStats s = conc::ProcessAllocations::Snapshot();
  std::printf("conc tracker: %llu allocations, peak %.2fM live, %lld bytes still live at the end\n",
              static_cast<unsigned long long>(s.allocations),
              static_cast<double>(conc::ProcessAllocations::PeakLiveBytes()) / 1e6,
              static_cast<long long>(s.live_bytes()));
  return 0;
}

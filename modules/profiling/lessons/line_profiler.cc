// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// line_profiler: Python's `line_profiler` (kernprof -l, @profile) asks which
// LINE of a function costs the time. For C++ the tool is valgrind's callgrind:
// it runs the program on a simulated CPU, counts the instructions each source
// line executes (Ir), and callgrind_annotate prints the source with the counts.
//
//   $ kernprof -l -v prog.py
//   Line #      Hits         Time  Per Hit   % Time  Line Contents
//        5   3200000    1251200.0      0.4     71.3      x = x * a + c
//
//   $ valgrind --tool=callgrind --callgrind-out-file=out prog
//   $ callgrind_annotate --auto=yes out
//
// Where it differs: counts are instructions, not seconds (exact and repeatable,
// but blind to cache misses and waiting), and the program runs ~50x slower under
// valgrind; line numbers need debug information (-g; hot_loop_program is built
// with it). The lesson runs hot_loop_program under callgrind and prints the
// annotated lines of its Checksum function, then the line with the most
// instructions.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"

namespace {

constexpr char kProgram[] = "modules/profiling/lessons/hot_loop_program";
constexpr char kSource[] = "hot_loop_program.cc";

std::string OutputDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "line_profiler's question answered by callgrind: which line costs the most?");
  for (const char* tool : {"valgrind", "callgrind_annotate"}) {
    if (!conc::HaveProgram(tool)) {
      std::printf("%s is not installed: apt-get install valgrind (tools/setup.sh does it)\n", tool);
      return 1;
    }
  }
  const std::optional<std::string> program = conc::RunfilePath(kProgram);
  if (!program) conc::CheckOk(absl::NotFoundError(kProgram), "finding hot_loop_program in the runfiles");
  const std::string out = OutputDir() + "/callgrind.out";

  conc::Heading("valgrind --tool=callgrind hot_loop_program");
  const conc::CommandResult run = conc::ValueOrDie(
      conc::RunCommand({"valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, *program}, absl::Minutes(5)),
      "valgrind --tool=callgrind");
  if (run.exit_code != 0) conc::CheckOk(absl::InternalError(run.output), "valgrind --tool=callgrind");
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (absl::StartsWith(line, "checksum") || absl::StrContains(line, "Collected")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  conc::Heading("callgrind_annotate --auto=yes: instructions per source line of Checksum");
  const conc::CommandResult annotated = conc::ValueOrDie(
      conc::RunCommand({"callgrind_annotate", "--auto=yes", "--show-percs=no", out}, absl::Minutes(2)),
      "callgrind_annotate");
  // The annotated source of hot_loop_program.cc: lines "<count> <source>", or
  // ". <source>" for a line that ran no instruction.
  bool in_source = false;
  int64_t best = -1;
  std::string hottest;
  for (absl::string_view line : absl::StrSplit(annotated.output, '\n')) {
    if (absl::StrContains(line, "Auto-annotated source:")) in_source = absl::StrContains(line, kSource);
    if (!in_source) continue;
    if ((absl::StrContains(line, "Checksum") || absl::StrContains(line, "sum") || absl::StrContains(line, "x = ") ||
         absl::StrContains(line, "round")) &&
        !absl::StrContains(line, "=>")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
    // Not the summary lines: calls ("=> ..."), totals.
    if (absl::StrContains(line, "=>") || absl::StrContains(line, "events annotated")) continue;
    absl::string_view rest = absl::StripLeadingAsciiWhitespace(line);
    const size_t space = rest.find(' ');
    if (space == absl::string_view::npos) continue;
    int64_t count;
    if (!absl::SimpleAtoi(absl::StrReplaceAll(rest.substr(0, space), {{",", ""}}), &count)) continue;
    if (count > best) {
      best = count;
      hottest = std::string(absl::StripLeadingAsciiWhitespace(rest.substr(space)));
    }
  }
  if (best < 0) {
    std::printf("callgrind_annotate printed no annotated source:\n%s\n", annotated.output.c_str());
    return 1;
  }
  std::printf("the hottest line (%lld instructions): %s\n", static_cast<long long>(best), hottest.c_str());
  std::printf("done: the hot line is the multiply-add: %s\n", absl::StrContains(hottest, "// hot") ? "yes" : "no");
  return 0;
}

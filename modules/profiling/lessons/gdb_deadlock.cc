// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// gdb_deadlock: Python's `pdb` is a debugger inside the interpreter; a C++
// program's debugger is gdb, outside it. This lesson runs gdb unattended on a
// program that deadlocks (deadlock_program: two threads, two locks taken in
// opposite orders) and reads the answer from `thread apply all bt`: who waits,
// in which lock call, from which function.
//
//   $ gdb -batch -ex run -ex "thread apply all bt" --args deadlock_program
//
//   Python: python3 -m pdb prog.py, then `where` in each thread is not possible:
//   pdb sees only the thread that hit the breakpoint; py-spy dump or gdb with
//   CPython's python-gdb.py is what shows every thread of a hung Python program.
//
// The lesson prints gdb's backtraces, then its reading of them: each thread is
// inside pthread_mutex_lock (std::mutex::lock), called from its function.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/profiling/run_command.h"

namespace {

constexpr char kProgram[] = "modules/profiling/lessons/deadlock_program";

// The backtrace of the thread whose stack names `function`, as gdb printed it.
std::string ThreadWith(const std::string& gdb_output, const std::string& function) {
  for (absl::string_view block : absl::StrSplit(gdb_output, "\nThread ")) {
    if (absl::StrContains(block, function)) return std::string(block);
  }
  return "";
}

bool WaitsInLock(const std::string& backtrace) {
  return absl::StrContains(backtrace, "pthread_mutex_lock") || absl::StrContains(backtrace, "__lll_lock_wait");
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "pdb's job done by gdb: who waits for whom in a dead-locked program.");
  if (!conc::HaveProgram("gdb")) {
    std::printf("gdb is not installed: sudo apt-get install gdb (tools/setup.sh does it)\n");
    return 1;
  }
  const std::optional<std::string> program = conc::RunfilePath(kProgram);
  if (!program) conc::CheckOk(absl::NotFoundError(kProgram), "finding deadlock_program in the runfiles");

  conc::Heading("gdb -batch -ex run -ex \"thread apply all bt\" --args deadlock_program");
  const conc::CommandResult r = conc::ValueOrDie(
      conc::RunCommand({"gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex", "set debuginfod enabled off",
                        "-ex", "run", "-ex", "thread apply all bt", "--args", *program},
                       absl::Minutes(3)),
      "gdb");
  // gdb's chatter about shared libraries and threads starting is noise here:
  // keep the program's own line and the backtraces.
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    if (absl::StartsWith(line, "Thread ") || absl::StartsWith(line, "#") ||
        absl::StartsWith(line, "deadlock_program:") || absl::StrContains(line, "received signal")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  conc::Heading("what the backtraces say");
  const std::string ab = ThreadWith(r.output, "TakeAThenB");
  const std::string ba = ThreadWith(r.output, "TakeBThenA");
  std::printf("a thread in TakeAThenB waits inside a lock call: %s\n", WaitsInLock(ab) ? "yes" : "no");
  std::printf("a thread in TakeBThenA waits inside a lock call: %s\n", WaitsInLock(ba) ? "yes" : "no");
  if (WaitsInLock(ab) && WaitsInLock(ba)) {
    std::printf("diagnosis: each holds one lock and waits for the other's: take locks in one order "
                "(or std::scoped_lock(a, b), which takes both without deadlock)\n");
  } else {
    std::printf("gdb's whole output, to see what went wrong:\n%s\n", r.output.c_str());
    return 1;
  }
  return 0;
}

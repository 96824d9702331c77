// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// run_command.h: Python's `subprocess.run(argv, capture_output=True, timeout=t)`
// for the lessons that drive a real tool (gdb, perf, valgrind, heaptrack,
// python3): run a program, collect what it prints, and never wait forever.
//
//   absl::StatusOr<conc::CommandResult> r =
//       conc::RunCommand({"/usr/bin/python3", "-c", "print(1)"}, absl::Seconds(30));
//   if (r.ok() && r->exit_code == 0) use(r->output);
//
// The child runs in a process group of its own, with stdout and stderr both in
// `output` (in the order written), stdin from /dev/null, and the parent's
// environment. On timeout the whole group gets SIGKILL, and the result is
// DeadlineExceeded naming the program (what it printed so far is in the
// message's tail). A program that cannot be run is NotFound (no such file) or
// the errno's code; `output` is capped at `max_output` bytes (the rest is read
// and dropped, so the child never blocks on a full pipe).
//
// Where it differs: the argv is exec'd directly (no shell, like subprocess with
// a list); a program that is not an absolute path is looked up on PATH
// (execvp), as subprocess does.

#ifndef MODULES_PROFILING_RUN_COMMAND_H_
#define MODULES_PROFILING_RUN_COMMAND_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace conc {

struct CommandResult {
  int exit_code = 0;    // the exit status, or 128 + signal for a killed child
  std::string output;   // stdout and stderr, interleaved
};

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                                         size_t max_output = 16 << 20);

// Whether `program` can be run: an absolute path that is executable, or a name
// found on PATH. Lessons use it to say what to install instead of failing.
bool HaveProgram(const std::string& program);

}  // namespace conc

#endif  // MODULES_PROFILING_RUN_COMMAND_H_

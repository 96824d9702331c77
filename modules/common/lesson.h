// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// lesson.h: what every lesson program shares: flags, `--help`, and headings.
//
// A lesson is a small program that mirrors one notebook cell of the course. It
// reads top to bottom: includes, flags, the story, `main`. This header keeps the
// boilerplate out of the story:
//
//   ABSL_FLAG(bool, quick, false, "Shorter sleeps, for the tour and the tests.");
//
//   int main(int argc, char** argv) {
//     conc::InitLesson(argc, argv,
//                      "Fibonacci as a list and as a generator (Module 1).");
//     conc::Heading("fib_list: the whole list first");
//     conc::CheckOk(q.put(10), "q.put(10)");          // fails loudly, never silently
//     int item = conc::ValueOrDie(q.get(), "q.get()");
//     ...
//   }
//
// `--help` prints the description and the program's own flags and exits 0 (Abseil's
// built-in `--help` exits 1 and lists every library flag too). An unknown flag is an
// error that names the flag (Abseil's message) and exits 1.

#ifndef MODULES_COMMON_LESSON_H_
#define MODULES_COMMON_LESSON_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc {

// Parses the command line with Abseil's flags. Returns the positional arguments
// (argv[0] first). Handles `--help`/`-h` as described above.
std::vector<char*> InitLesson(int argc, char** argv, std::string_view description);

// Prints a section heading, e.g. `Heading("Generators")` prints
//
//   == Generators ==
//
// followed by a blank line, and flushes stdout so that output interleaves
// correctly with child processes and threads.
void Heading(std::string_view title);

// Prints `line` and a newline as one piece, even when several threads print at
// once (a process-wide mutex around printf), and flushes stdout. The lessons'
// counterpart of Python's print() from threads, which can interleave.
void Say(std::string_view line);

// A lesson's way to stop on an unexpected failure: when `status` is not OK,
// prints "<program>: <what> failed: <status>" to stderr and exits with status 1
// (in a child process too: the parent's join() then sees exit code 1). `what`
// names the call, in the lesson's words ("con.send(i)", "p.start()").
// Library code never does this: it returns the status.
void CheckOk(const absl::Status& status, std::string_view what);

// The value of `result`, or CheckOk's message and exit when it holds an error.
template <typename T>
T ValueOrDie(absl::StatusOr<T> result, std::string_view what) {
  CheckOk(result.status(), what);
  return *std::move(result);
}

// Where a data file of the lesson (its `data` in lessons.bzl) is, given its path
// in the workspace ("modules/ipc/lessons/pipe_vs_queue.py"): relative to the working
// directory under `bazel run`, `bazel test` and the tour (each runs in a
// runfiles tree), else in $RUNFILES_DIR, else next to the program
// (`<program>.runfiles/conc/...`, for bazel-bin/... run by hand). nullopt if
// it is in none of them.
std::optional<std::string> RunfilePath(std::string_view workspace_path);

}  // namespace conc

#endif  // MODULES_COMMON_LESSON_H_

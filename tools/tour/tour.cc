// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The tour: runs the course's lessons chapter by chapter, in the order the
// chapters' lessons.bzl files list them, each lesson as its own process (each is
// also its own `bazel run` target). Chapters not yet written are named as coming.
//
//   bazel run //:tour                        # every chapter
//   bazel run //:tour -- --chapter=generators
//   bazel run //:tour -- --list

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"

ABSL_FLAG(std::string, chapter, "", "Run only this chapter (e.g. generators).");
ABSL_FLAG(bool, list, false, "List the chapters and lessons, run nothing.");

namespace {

// One line of the manifest that //tools/tour:tour.bzl writes at build time.
struct Entry {
  std::string chapter;
  std::string title;
  std::string lesson;  // empty: the chapter is not written yet
  std::string path;    // runfiles-relative path of the lesson binary
  std::vector<std::string> args;
};

// The runfiles tree holds the manifest and every lesson binary. `bazel run` starts
// the tour inside it; started by hand (bazel-bin/tour), it sits beside the binary.
std::string FindRunfiles(const char* argv0) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("RUNFILES_DIR")) candidates.push_back(std::string(dir) + "/conc");
  candidates.push_back(std::string(argv0) + ".runfiles/conc");
  candidates.push_back(".");
  for (const std::string& dir : candidates) {
    if (access((dir + "/tour_manifest.tsv").c_str(), R_OK) == 0) return dir;
  }
  return "";
}

std::vector<Entry> ReadManifest(const std::string& path) {
  std::vector<Entry> entries;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    fields.resize(5);
    Entry e{fields[0], fields[1], fields[2], fields[3], {}};
    for (absl::string_view arg : absl::StrSplit(fields[4], ' ', absl::SkipEmpty())) {
      e.args.emplace_back(arg);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

// Runs one lesson with stdout and stderr shared with the tour; returns its
// wait status as a readable word ("ok", "exit 3", "signal 11").
std::string RunLesson(const std::string& binary, const std::vector<std::string>& args) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    std::perror(binary.c_str());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? "ok" : "exit " + std::to_string(WEXITSTATUS(status));
  }
  return "signal " + std::to_string(WTERMSIG(status));
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "The tour of the course: runs every chapter's lessons in order.");
  const std::string root = FindRunfiles(argv[0]);
  if (root.empty()) {
    std::fprintf(stderr, "tour: cannot find tour_manifest.tsv; run it with `bazel run //:tour`\n");
    return 2;
  }
  std::vector<Entry> entries = ReadManifest(root + "/tour_manifest.tsv");

  // Keep only the chosen chapter, if any; an unknown name lists the known ones.
  const std::string only = absl::GetFlag(FLAGS_chapter);
  std::vector<std::string> chapters;
  for (const Entry& e : entries) {
    if (chapters.empty() || chapters.back() != e.chapter) chapters.push_back(e.chapter);
  }
  if (!only.empty()) {
    std::erase_if(entries, [&](const Entry& e) { return e.chapter != only; });
    if (entries.empty()) {
      std::fprintf(stderr, "tour: no chapter named '%s'; chapters: %s\n", only.c_str(),
                   absl::StrJoin(chapters, ", ").c_str());
      return 2;
    }
  }

  int total = 0;
  for (const Entry& e : entries) total += e.lesson.empty() ? 0 : 1;

  if (absl::GetFlag(FLAGS_list)) {
    std::string current;
    for (const Entry& e : entries) {
      if (e.chapter != current) {
        current = e.chapter;
        std::printf("%s: %s%s\n", e.chapter.c_str(), e.title.c_str(),
                    e.lesson.empty() ? " (coming)" : "");
      }
      if (!e.lesson.empty()) {
        std::printf("  bazel run //modules/%s/lessons:%s\n", e.chapter.c_str(), e.lesson.c_str());
      }
    }
    return 0;
  }

  const absl::Time start = absl::Now();
  std::vector<std::string> failures;
  std::string current;
  int index = 0;
  for (const Entry& e : entries) {
    if (e.chapter != current) {
      current = e.chapter;
      std::printf("\n");
      conc::Heading("Chapter " + e.chapter + ": " + e.title);
    }
    if (e.lesson.empty()) {
      std::printf("(coming: this chapter is not written yet)\n\n");
      continue;
    }
    ++index;
    std::printf("--- [%d/%d] %s   (bazel run //modules/%s/lessons:%s%s%s)\n\n", index, total,
                e.lesson.c_str(), e.chapter.c_str(), e.lesson.c_str(),
                e.args.empty() ? "" : " -- ", absl::StrJoin(e.args, " ").c_str());
    const absl::Time lesson_start = absl::Now();
    const std::string result = RunLesson(root + "/" + e.path, e.args);
    std::printf("\n--- %s: %s in %s\n\n", e.lesson.c_str(), result.c_str(),
                absl::FormatDuration(absl::Trunc(absl::Now() - lesson_start,
                                                 absl::Milliseconds(1))).c_str());
    if (result != "ok") failures.push_back(e.chapter + ":" + e.lesson + " (" + result + ")");
  }

  std::printf("tour: %d lessons in %s, %zu failed%s%s\n", total,
              absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))).c_str(),
              failures.size(), failures.empty() ? "" : ": ",
              absl::StrJoin(failures, ", ").c_str());
  return failures.empty() ? 0 : 1;
}

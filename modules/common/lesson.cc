// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/lesson.h"

#include <errno.h>  // program_invocation_short_name (glibc)
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"

namespace conc {
namespace {

bool IsHelp(const char* arg) {
  return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-help") == 0 ||
         std::strcmp(arg, "-h") == 0;
}

// Flags defined by the program itself live in a file under modules/ or tools/;
// Abseil and gtest define many more, which a lesson's reader does not need.
bool IsOwnFlag(const absl::CommandLineFlag& flag) {
  const std::string file = flag.Filename();
  return file.find("modules/") != std::string::npos ||
         file.find("tools/") != std::string::npos;
}

void PrintHelp(const char* program, std::string_view description) {
  std::printf("usage: %s [flags]\n\n%.*s\n", program,
              static_cast<int>(description.size()), description.data());
  std::vector<const absl::CommandLineFlag*> own;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsOwnFlag(*flag)) own.push_back(flag);
  }
  std::sort(own.begin(), own.end(), [](auto* a, auto* b) { return a->Name() < b->Name(); });
  if (!own.empty()) std::printf("\nflags:\n");
  for (const absl::CommandLineFlag* flag : own) {
    std::printf("  --%s  %s (default: %s)\n", std::string(flag->Name()).c_str(),
                flag->Help().c_str(), flag->DefaultValue().c_str());
  }
}

}  // namespace

std::vector<char*> InitLesson(int argc, char** argv, std::string_view description) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    if (IsHelp(argv[i])) {
      const char* slash = std::strrchr(argv[0], '/');
      PrintHelp(slash ? slash + 1 : argv[0], description);
      std::exit(0);
    }
  }
  absl::SetProgramUsageMessage(std::string(description));
  // An unknown flag makes Abseil print which one and exit 1.
  return absl::ParseCommandLine(argc, argv);
}

void Heading(std::string_view title) {
  std::printf("== %.*s ==\n\n", static_cast<int>(title.size()), title.data());
  std::fflush(stdout);
}

void Say(std::string_view line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> guard(mu);
  std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stdout);
}

void CheckOk(const absl::Status& status, std::string_view what) {
  if (status.ok()) return;
  std::fflush(stdout);  // What the lesson printed so far comes first.
  const std::string text = status.ToString();
  std::fprintf(stderr, "%s: %.*s failed: %s\n", program_invocation_short_name,
               static_cast<int>(what.size()), what.data(), text.c_str());
  std::exit(1);
}

std::optional<std::string> RunfilePath(std::string_view workspace_path) {
  const std::string path(workspace_path);
  std::vector<std::string> candidates = {path};
  if (const char* dir = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(std::string(dir) + "/conc/" + path);
  }
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) candidates.push_back(std::string(exe, static_cast<size_t>(n)) + ".runfiles/conc/" + path);
  for (const std::string& candidate : candidates) {
    if (::access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return std::nullopt;
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The replay of a fuzz target's seed corpus under `bazel test` (built by g++,
// without libFuzzer): every file of the directory named by argv[1] (a runfile
// path, modules/marshalling/testing/corpus/<target>) goes through the target's
// LLVMFuzzerTestOneInput once. A crash, an abort or a sanitizer report fails
// the test; so does an empty corpus.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    const char* ws = std::getenv("TEST_WORKSPACE");
    dir = std::string(srcdir) + "/" + (ws ? ws : "conc") + "/" + dir;
  }
  int files = 0;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++files;
  }
  std::printf("replayed %d files of %s\n", files, dir.c_str());
  return files > 0 ? 0 : 1;
}

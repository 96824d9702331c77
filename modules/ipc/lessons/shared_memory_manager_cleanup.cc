// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_memory_manager: SharedMemoryManager makes the segments and unlinks
// them at shutdown, so nothing is left in /dev/shm:
//
//   with SharedMemoryManager() as smm:
//       sl = smm.ShareableList(range(5)); shm = smm.SharedMemory(size=8)
//       p = Process(target=total, args=(sl.shm.name, shm.name)); p.start(); p.join()
//   # here both names are gone from /dev/shm

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/common/lesson.h"
#include "modules/ipc/shareable_list.h"
#include "modules/ipc/shared_memory.h"
#include "modules/ipc/shared_memory_manager.h"
#include "modules/threads/process.h"

namespace {

// The entries of /dev/shm that start with `prefix`.
std::vector<std::string> DevShm(const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir("/dev/shm")) {
    while (struct dirent* e = ::readdir(d)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0) out.push_back(e->d_name);
    }
    ::closedir(d);
  }
  return out;
}

void ShowDevShm(const char* when, const std::string& prefix) {
  std::vector<std::string> names = DevShm(prefix);
  std::printf("/dev/shm %s: %zu segment(s) of ours\n", when, names.size());
  for (const std::string& n : names) std::printf("  /dev/shm/%s\n", n.c_str());
}

}  // namespace

// The child: sums the list and writes the total into the block.
void total(std::string list_name, std::string shm_name) {
  conc::ShareableList sl =
      conc::ValueOrDie(conc::ShareableList::Attach(list_name), "ShareableList(name=list_name)");
  conc::SharedMemory shm =
      conc::ValueOrDie(conc::SharedMemory::Attach(shm_name), "SharedMemory(name=shm_name)");
  int64_t sum = 0;
  for (size_t i = 0; i < sl.size(); ++i) {
    sum += std::get<int64_t>(conc::ValueOrDie(sl.get(static_cast<int64_t>(i)), "sl[i]"));
  }
  std::memcpy(shm.buf().data(), &sum, sizeof sum);
  std::printf("child: sum(sl) = %lld written into shm\n", static_cast<long long>(sum));
  std::fflush(stdout);
}
CONC_PROCESS_FUNCTION(total);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "SharedMemoryManager: segments that are unlinked at shutdown.");
  // Our names start with this (random), so the listing shows only this run's segments.
  const std::string prefix = conc::SharedMemory::UniqueName("lesson_smm_") + "_";

  conc::Heading("before: no SharedMemoryManager yet");
  ShowDevShm("before", prefix);

  conc::Heading("with SharedMemoryManager() as smm: ...");
  {
    conc::SharedMemoryManager smm({.name_prefix = prefix});
    conc::CheckOk(smm.start(), "smm.start()");
    conc::ShareableList sl = conc::ValueOrDie(
        smm.ShareableList({int64_t{0}, int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4}}),
        "smm.ShareableList(range(5))");
    conc::SharedMemory shm = conc::ValueOrDie(smm.SharedMemory(8), "smm.SharedMemory(size=8)");
    ShowDevShm("during", prefix);
    std::fflush(stdout);

    conc::Process p(conc::process_function<total>, sl.shm().name(), shm.name());
    conc::CheckOk(p.start(), "p.start()");
    conc::CheckOk(p.join(), "p.join()");
    if (p.exitcode() != 0) {  // The child printed why on stderr.
      std::fprintf(stderr, "shared_memory_manager_cleanup: the child exited with code %d\n",
                   *p.exitcode());
      return 1;
    }
    int64_t sum;
    std::memcpy(&sum, shm.buf().data(), sizeof sum);
    std::printf("parent: the child wrote %lld\n", static_cast<long long>(sum));

    conc::CheckOk(smm.shutdown(), "smm.shutdown()");  // What leaving the `with` block does.
    std::printf("smm.shutdown() done\n");
  }
  ShowDevShm("after", prefix);
  return 0;
}

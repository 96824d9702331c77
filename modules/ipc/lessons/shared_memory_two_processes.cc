// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_memory_two_processes: multiprocessing.shared_memory between two
// processes (Module 5, "Creating and managing shared memory"):
//
//   shm = SharedMemory(create=True, size=16); shm.buf[:5] = b"hello"
//   sl = ShareableList([1, 2.5, "three", None, True])
//   p = Process(target=child, args=(shm.name, sl.shm.name)); p.start(); p.join()
//   bytes(shm.buf[:5]), list(sl)      # the child's changes
//   shm.close(); shm.unlink(); sl.shm.close(); sl.shm.unlink()

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include "modules/common/lesson.h"
#include "modules/ipc/shareable_list.h"
#include "modules/ipc/shared_memory.h"
#include "modules/threads/process.h"

namespace {

std::string Head(const conc::SharedMemory& shm) {
  return conc::ItemRepr(conc::Bytes{std::string(reinterpret_cast<const char*>(shm.buf().data()), 5)});
}

std::string ListRepr(const conc::ShareableList& sl) {
  const std::vector<conc::ShareableItem> items = conc::ValueOrDie(sl.items(), "list(sl)");
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + conc::ItemRepr(items[i]);
  return out + "]";
}

}  // namespace

// The child: attaches to both by name, shows what it found, changes them.
void child(std::string shm_name, std::string list_name) {
  conc::SharedMemory shm =
      conc::ValueOrDie(conc::SharedMemory::Attach(shm_name), "SharedMemory(name=shm_name)");
  conc::ShareableList sl =
      conc::ValueOrDie(conc::ShareableList::Attach(list_name), "ShareableList(name=list_name)");
  std::printf("child: attached by name: buf[:5] = %s, sl = %s\n", Head(shm).c_str(),
              ListRepr(sl).c_str());
  for (int i = 0; i < 5; ++i) {
    shm.buf()[i] = std::byte(std::toupper(static_cast<int>(shm.buf()[i])));
  }
  conc::CheckOk(sl.set(0, int64_t{100}), "sl[0] = 100");
  conc::CheckOk(sl.set(-1, false), "sl[-1] = False");
  conc::CheckOk(sl.set(2, "THREE!"), "sl[2] = 'THREE!'");
  std::printf("child: buf[:5] = b'HELLO'; sl[0] = 100; sl[-1] = False; sl[2] = 'THREE!'\n");
  std::fflush(stdout);
  conc::CheckOk(shm.close(), "shm.close()");  // Close, never unlink: the parent owns the names.
  conc::CheckOk(sl.shm().close(), "sl.shm.close()");
}
CONC_PROCESS_FUNCTION(child);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "SharedMemory and ShareableList shared by two processes.");

  conc::Heading("shm = SharedMemory(create=True, size=16); sl = ShareableList([...])");
  conc::SharedMemory shm =
      conc::ValueOrDie(conc::SharedMemory::Create("", 16), "SharedMemory(create=True, size=16)");
  std::memcpy(shm.buf().data(), "hello", 5);
  conc::ShareableList sl =
      conc::ValueOrDie(conc::ShareableList::Create({int64_t{1}, 2.5, "three", conc::None{}, true}),
                       "ShareableList([1, 2.5, 'three', None, True])");
  std::printf("parent: shm.size = %zu, buf[:5] = %s\n", shm.size(), Head(shm).c_str());
  std::printf("parent: sl = %s, len(sl) = %zu, sl.format = '%s'\n", ListRepr(sl).c_str(),
              sl.size(), conc::ValueOrDie(sl.format(), "sl.format").c_str());
  std::fflush(stdout);

  conc::Heading("a child process attaches by name and changes them");
  conc::Process p(conc::process_function<child>, shm.name(), sl.shm().name());
  conc::CheckOk(p.start(), "p.start()");
  conc::CheckOk(p.join(), "p.join()");
  if (p.exitcode() != 0) {  // The child printed why on stderr.
    std::fprintf(stderr, "shared_memory_two_processes: the child exited with code %d\n",
                 *p.exitcode());
    return 1;
  }
  std::printf("parent after join: buf[:5] = %s, sl = %s\n", Head(shm).c_str(),
              ListRepr(sl).c_str());

  conc::Heading("the list's limits: fixed length, fixed slot sizes");
  std::printf("sl[-6]: %s\n", sl.get(-6).status().ToString().c_str());
  std::printf("sl[2] = 'a much longer string': %s\n",
              sl.set(2, "a much longer string").ToString().c_str());
  absl::Status fits = sl.set(1, "fits!!!");  // A float's 8 bytes hold a 7-byte str.
  std::printf("sl[1] = 'fits!!!': %s -> %s\n", fits.ToString().c_str(), ListRepr(sl).c_str());

  conc::Heading("shm.close(); shm.unlink()");
  const std::string name = shm.name();
  conc::CheckOk(shm.close(), "shm.close()");
  conc::CheckOk(shm.unlink(), "shm.unlink()");
  conc::CheckOk(sl.shm().close(), "sl.shm.close()");
  conc::CheckOk(sl.shm().unlink(), "sl.shm.unlink()");
  std::printf("attach to '%s' after unlink: %s\n", name.c_str(),
              conc::SharedMemory::Attach(name).status().ToString().c_str());
  return 0;
}

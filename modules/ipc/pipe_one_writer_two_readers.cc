// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_one_writer_two_readers: the article's Pipe example ("Programmer's
// Python Async", Sharing Data: Pipes), made to finish:
//
//   def addCount(con):                     def getCount(con, l):
//       for i in range(500): con.send(i)       while True:
//                                                  i = con.recv()
//                                                  with l: print(i, current_process().name)
//
// One writer process on one end, two reader processes on the other end, and a
// lock around printing. Python's readers loop for ever (the article joins only
// p2); here the writer ends with one sentinel (-1) per reader. Each number
// reaches exactly one reader, whole: the readers share the end safely because
// conc's Connection serialises them with a robust process-shared lock.
//
// The children are forked (kForkMethod), as Python's were on Linux, so they
// inherit the Pipe's ends and the print lock's shared page.

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/ipc/internal/robust_mutex.h"
#include "modules/ipc/pipe.h"
#include "modules/threads/process.h"

constexpr int kCount = 500;  // range(500)
constexpr int kSentinel = -1;

void addCount(conc::Connection& con) {
  for (int i = 0; i < kCount; ++i) {
    if (!con.send(i).ok()) std::exit(1);
  }
  for (int reader = 0; reader < 2; ++reader) {
    if (!con.send(kSentinel).ok()) std::exit(1);  // One per reader: "no more".
  }
}

// Prints every 50th number it gets (the article prints all 500) under the
// print lock, then reports how many it got and their sum to the parent.
void getCount(conc::Connection& con, conc::internal::RobustMutex& l) {
  int count = 0;
  int64_t sum = 0;
  for (;;) {
    absl::StatusOr<int> i = con.recv<int>();
    if (!i.ok()) std::exit(1);
    if (*i == kSentinel) break;
    ++count;
    sum += *i;
    if (*i % 50 == 0) {
      (void)l.Lock();  // with l:
      std::printf("%d %s\n", *i, conc::current_process().name().c_str());
      std::fflush(stdout);
      l.Unlock();
    }
  }
  (void)l.Lock();
  std::printf("%s got %d numbers\n", conc::current_process().name().c_str(), count);
  std::fflush(stdout);
  l.Unlock();
  // Report back the other way: what con2 sends, con1 receives.
  if (!con.send(std::pair<int, int64_t>(count, sum)).ok()) std::exit(1);
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "One writer, two readers on one Pipe end, a lock around printing.");

  conc::Heading("con1, con2 = Pipe(); pLock = Lock()");
  absl::StatusOr<std::pair<conc::Connection, conc::Connection>> p = conc::Pipe();
  if (!p.ok()) return 1;
  auto& [con1, con2] = *p;
  // The print lock, in a shared page the forked children inherit (conc::mp::Lock
  // arrives with part 2 of the chapter; this is the robust mutex Pipe uses).
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 1;
  auto* pLock = new (page) conc::internal::RobustMutex;
  if (!pLock->Init().ok()) return 1;

  conc::Heading("p1 = addCount(con1); p2, p3 = getCount(con2, pLock)");
  std::fflush(stdout);
  conc::Process p1(conc::kForkMethod, {.name = "writer"}, [&] { addCount(con1); });
  conc::Process p2(conc::kForkMethod, {.name = "reader-1"}, [&] { getCount(con2, *pLock); });
  conc::Process p3(conc::kForkMethod, {.name = "reader-2"}, [&] { getCount(con2, *pLock); });
  for (conc::Process* proc : {&p1, &p2, &p3}) {
    if (!proc->start().ok()) return 1;
  }
  for (conc::Process* proc : {&p1, &p2, &p3}) {
    if (!proc->join().ok()) return 1;
  }
  int total = 0;
  int64_t sum = 0;
  for (int reader = 0; reader < 2; ++reader) {
    absl::StatusOr<std::pair<int, int64_t>> report = con1.recv<std::pair<int, int64_t>>();
    if (!report.ok()) return 1;
    total += report->first;
    sum += report->second;
  }
  std::printf("\nreaders together got %d numbers, sum %lld (0 + 1 + ... + 499 = %d)\n", total,
              static_cast<long long>(sum), kCount * (kCount - 1) / 2);
  std::printf("every number reached exactly one reader: %s\n",
              total == kCount && sum == kCount * (kCount - 1) / 2 ? "yes" : "no");
  return 0;
}

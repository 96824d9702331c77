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
// inherit the Pipe's ends and the print lock.

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/ipc/mp_lock.h"
#include "modules/ipc/pipe.h"
#include "modules/threads/process.h"

constexpr int kCount = 500;  // range(500)
constexpr int kSentinel = -1;

void addCount(conc::Connection& con) {
  for (int i = 0; i < kCount; ++i) {
    conc::CheckOk(con.send(i), "con.send(i)");
  }
  for (int reader = 0; reader < 2; ++reader) {
    conc::CheckOk(con.send(kSentinel), "con.send(-1)");  // One per reader: "no more".
  }
}

// Prints every 50th number it gets (the article prints all 500) under the
// print lock, then reports how many it got and their sum to the parent.
void getCount(conc::Connection& con, conc::mp::Lock& l) {
  int count = 0;
  int64_t sum = 0;
  for (;;) {
    const int i = conc::ValueOrDie(con.recv<int>(), "con.recv()");
    if (i == kSentinel) break;
    ++count;
    sum += i;
    if (i % 50 == 0) {
      conc::CheckOk(l.acquire().status(), "l.acquire()");  // with l:
      std::printf("%d %s\n", i, conc::current_process().name().c_str());
      std::fflush(stdout);
      conc::CheckOk(l.release(), "l.release()");
    }
  }
  conc::CheckOk(l.acquire().status(), "l.acquire()");
  std::printf("%s got %d numbers\n", conc::current_process().name().c_str(), count);
  std::fflush(stdout);
  conc::CheckOk(l.release(), "l.release()");
  // Report back the other way: what con2 sends, con1 receives.
  conc::CheckOk(con.send(std::pair<int, int64_t>(count, sum)), "con.send(report)");
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "One writer, two readers on one Pipe end, a lock around printing.");

  conc::Heading("con1, con2 = Pipe(); pLock = Lock()");
  auto [con1, con2] = conc::ValueOrDie(conc::Pipe(), "Pipe()");
  conc::mp::Lock pLock = conc::ValueOrDie(conc::mp::Lock::Create(), "Lock()");

  conc::Heading("p1 = addCount(con1); p2, p3 = getCount(con2, pLock)");
  std::fflush(stdout);
  conc::Process p1(conc::kForkMethod, {.name = "writer"}, [&] { addCount(con1); });
  conc::Process p2(conc::kForkMethod, {.name = "reader-1"}, [&] { getCount(con2, pLock); });
  conc::Process p3(conc::kForkMethod, {.name = "reader-2"}, [&] { getCount(con2, pLock); });
  for (conc::Process* proc : {&p1, &p2, &p3}) conc::CheckOk(proc->start(), proc->name() + ".start()");
  for (conc::Process* proc : {&p1, &p2, &p3}) conc::CheckOk(proc->join(), proc->name() + ".join()");
  int total = 0;
  int64_t sum = 0;
  for (int reader = 0; reader < 2; ++reader) {
    const auto [count, part] = conc::ValueOrDie(con1.recv<std::pair<int, int64_t>>(), "con1.recv()");
    total += count;
    sum += part;
  }
  std::printf("\nreaders together got %d numbers, sum %lld (0 + 1 + ... + 499 = %d)\n", total,
              static_cast<long long>(sum), kCount * (kCount - 1) / 2);
  std::printf("every number reached exactly one reader: %s\n",
              total == kCount && sum == kCount * (kCount - 1) / 2 ? "yes" : "no");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// thread_helpers: the helper functions of the threading module (Module 1):
// current_thread(), main_thread(), active_count(), enumerate(), get_ident(),
// get_native_id().

#include <unistd.h>

#include <cstdio>
#include <latch>
#include <string>
#include <thread>

#include "modules/common/lesson.h"
#include "modules/threads/thread.h"

const char* yes_no(bool b) { return b ? "yes" : "no"; }

void list_threads() {
  std::printf("active_count() = %d; enumerate():", conc::active_count());
  for (const conc::Thread& t : conc::enumerate()) std::printf(" %s", t.name().c_str());
  std::printf("\n");
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "current_thread, main_thread, active_count, enumerate, get_ident, get_native_id.");

  conc::Heading("on the main thread");
  std::printf("current_thread().name() = %s\n", conc::current_thread().name().c_str());
  std::printf("current_thread() is main_thread(): %s\n", yes_no(conc::current_thread() == conc::main_thread()));
  std::printf("get_native_id() == getpid() on the main thread: %s\n",
              yes_no(conc::get_native_id() == static_cast<int64_t>(getpid())));
  list_threads();
  std::printf("\n");

  conc::Heading("two workers waiting on a latch");
  std::latch release(1);
  uint64_t worker_ident = 0;
  int64_t worker_native = 0;
  auto wait_for_release = [&release] { release.wait(); };
  conc::Thread w1({.name = "worker-1"}, [&] {
    worker_ident = conc::get_ident();
    worker_native = conc::get_native_id();
    release.wait();
  });
  conc::Thread w2({.name = "worker-2"}, wait_for_release);
  conc::CheckOk(w1.start(), "w1.start()");
  conc::CheckOk(w2.start(), "w2.start()");
  list_threads();
  release.count_down();
  conc::CheckOk(w1.join(), "w1.join()");
  conc::CheckOk(w2.join(), "w2.join()");
  std::printf("worker-1: get_ident() == t.ident: %s, differs from main's: %s\n",
              yes_no(worker_ident == w1.ident()), yes_no(worker_ident != conc::get_ident()));
  std::printf("worker-1: get_native_id() == t.native_id: %s\n", yes_no(worker_native == w1.native_id()));
  std::printf("after join: ");
  list_threads();
  std::printf("\n");

  conc::Heading("a thread conc did not start (std::thread)");
  std::string name;
  std::thread foreign([&name] {
    name = conc::current_thread().name();
    std::printf("inside: ");
    list_threads();
  });
  foreign.join();
  std::printf("current_thread() there was a dummy: %s (%s)\n", yes_no(name.rfind("Dummy-", 0) == 0),
              name.c_str());
  list_threads();
  return 0;
}

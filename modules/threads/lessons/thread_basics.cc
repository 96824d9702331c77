// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// thread_basics: the notebook's `threading.Thread?` cell (Module 1). A thread is a
// target with its arguments, a name and a daemon flag; start() runs the target
// on a new OS thread, join() waits for it.
//
//   threading.Thread(group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None)
//   conc::Thread(conc::ThreadOptions{.name, .daemon}, target, args...)

#include <cstdio>
#include <string>

#include "modules/common/lesson.h"
#include "modules/threads/thread.h"

// The target: what Python passes as target=greet, args=("Alice", 2).
void greet(std::string who, int times) {
  for (int i = 1; i <= times; ++i) {
    std::printf("%s: hello %s (%d of %d)\n", conc::current_thread().name().c_str(), who.c_str(), i, times);
  }
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "threading.Thread: target, args, name, daemon; start and join.");

  conc::Heading("t = Thread(target=greet, args=(\"Alice\", 2), name=\"greeter\")");
  conc::Thread t({.name = "greeter"}, greet, std::string("Alice"), 2);
  std::printf("before start: name=%s daemon=%s is_alive=%s ident=%llu\n", t.name().c_str(),
              t.daemon() ? "true" : "false", t.is_alive() ? "true" : "false",
              static_cast<unsigned long long>(t.ident()));
  conc::CheckOk(t.start(), "t.start()");
  conc::CheckOk(t.join(), "t.join()");
  std::printf("after join: is_alive=%s, ident set: %s\n\n", t.is_alive() ? "true" : "false",
              yes_no(t.ident() != 0));

  conc::Heading("default names: Thread(target=greet, args=(...)) twice");
  conc::Thread a(greet, "Bob", 1);    // name=None -> "Thread-1"
  conc::Thread b(greet, "Carol", 1);  // -> "Thread-2"
  conc::CheckOk(a.start(), "a.start()");
  conc::CheckOk(a.join(), "a.join()");
  conc::CheckOk(b.start(), "b.start()");
  conc::CheckOk(b.join(), "b.join()");
  std::printf("\n");

  conc::Heading("the rules Python enforces with RuntimeError");
  conc::Thread c(greet, "Dave", 0);
  std::printf("join before start: %s\n", c.join().ToString().c_str());
  conc::CheckOk(c.start(), "c.start()");
  std::printf("start twice: %s\n", c.start().ToString().c_str());
  conc::CheckOk(c.join(), "c.join()");
  std::printf("daemon after start: %s\n", c.set_daemon(true).ToString().c_str());
  std::printf("\n");

  conc::Heading("a lambda is the C++ spelling of a subclass overriding run()");
  int result = 0;
  conc::Thread d({.name = "adder"}, [&result](int x, int y) { result = x + y; }, 40, 2);
  conc::CheckOk(d.start(), "d.start()");
  conc::CheckOk(d.join(), "d.join()");
  std::printf("adder computed %d; join() made its write visible here\n", result);
  return 0;
}

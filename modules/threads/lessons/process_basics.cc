// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// process_basics: multiprocessing.Process with a target, arguments and a name
// (Module 1, "Multitasking using multiprocessing.Process"), and the exit codes
// a parent reads: 0 for a target that returns, N for exit(N), 1 for an
// exception, -S for a child killed by signal S. Children are spawned: this very
// program re-executed, running the registered function it was asked for.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "modules/common/lesson.h"
#include "modules/threads/process.h"

// The targets. Spawned children find them by name (CONC_PROCESS_FUNCTION).
void worker(std::string greeting, int times) {
  for (int i = 1; i <= times; ++i) {
    std::printf("%s: %s (%d of %d)\n", conc::current_process().name().c_str(), greeting.c_str(), i,
                times);
  }
}
void exit_with(int code) { std::exit(code); }
void raise_error() { throw std::runtime_error("something went wrong"); }
void wait_forever() {
  for (;;) ::pause();
}
void who_am_i() {
  std::printf("child: current_process().name() = %s, parent_process().name() = %s\n",
              conc::current_process().name().c_str(), conc::parent_process()->name().c_str());
}
CONC_PROCESS_FUNCTION(worker);
CONC_PROCESS_FUNCTION(exit_with);
CONC_PROCESS_FUNCTION(raise_error);
CONC_PROCESS_FUNCTION(wait_forever);
CONC_PROCESS_FUNCTION(who_am_i);

std::string Show(std::optional<int> v) { return v ? std::to_string(*v) : "None"; }

// Starts p, waits for it, prints its exit code.
void RunAndReport(conc::Process p, const char* what) {
  std::fflush(stdout);  // The child writes to the same stdout.
  conc::CheckOk(p.start(), std::string(what) + ": p.start()");
  conc::CheckOk(p.join(), std::string(what) + ": p.join()");
  std::printf("%s: exitcode=%s\n", what, Show(p.exitcode()).c_str());
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "multiprocessing.Process: target, args, name, and exit codes.");

  conc::Heading("Process(target=worker, args=(\"hello\", 2), name=\"greeter\")");
  conc::Process p({.name = "greeter"}, conc::process_function<worker>, "hello", 2);
  std::printf("before start: name=%s is_alive=%s pid=None exitcode=%s\n", p.name().c_str(),
              p.is_alive() ? "true" : "false", Show(p.exitcode()).c_str());
  std::fflush(stdout);
  conc::CheckOk(p.start(), "p.start()");
  conc::CheckOk(p.join(), "p.join()");
  std::printf("after join: is_alive=%s exitcode=%s pid was %d\n\n", p.is_alive() ? "true" : "false",
              Show(p.exitcode()).c_str(), *p.pid());

  conc::Heading("exit codes");
  RunAndReport(conc::Process(conc::process_function<exit_with>, 3), "exit_with(3)");
  RunAndReport(conc::Process(conc::process_function<raise_error>),
               "raise_error() (traceback on stderr)");
  conc::Process sleeper(conc::process_function<wait_forever>);
  conc::CheckOk(sleeper.start(), "sleeper.start()");
  std::printf("wait_forever() started: is_alive=%s\n", sleeper.is_alive() ? "true" : "false");
  conc::CheckOk(sleeper.kill(), "sleeper.kill()");
  conc::CheckOk(sleeper.join(), "sleeper.join()");
  std::printf("kill(): exitcode=%s (killed by SIGKILL)\n", Show(sleeper.exitcode()).c_str());
  conc::Process other(conc::process_function<wait_forever>);
  conc::CheckOk(other.start(), "other.start()");
  conc::CheckOk(other.terminate(), "other.terminate()");
  conc::CheckOk(other.join(), "other.join()");
  std::printf("terminate(): exitcode=%s (SIGTERM)\n\n", Show(other.exitcode()).c_str());

  conc::Heading("current_process() and parent_process()");
  std::printf("parent: current_process().name() = %s, parent_process() is None: %s\n",
              conc::current_process().name().c_str(), conc::parent_process() ? "no" : "yes");
  RunAndReport(conc::Process(conc::process_function<who_am_i>), "who_am_i()");
  return 0;
}

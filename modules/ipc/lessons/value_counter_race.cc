// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// value_counter_race: a Value("i", 0) counter incremented by several
// processes. `v.value += 1` is a read (which takes the lock) and then a write
// (which takes it again): another process can write in between, and its
// increment is lost. `with v.get_lock(): v.value += 1` holds the lock across
// both and loses nothing. The same in C++: v.set_value(v.value() + 1) versus
// the same line under conc::mp::ScopedAcquire (or v.with_lock).
//
// How many updates are lost depends on the scheduler (on a single free CPU it
// may be none): the lesson prints the count; only the locked total is exact.

#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "modules/common/lesson.h"
#include "modules/ipc/shared_value.h"
#include "modules/threads/process.h"

ABSL_FLAG(int, processes, 4, "worker processes");
ABSL_FLAG(int, increments, 20000, "increments per process");

// def work(v, n, locked): for _ in range(n): (with v.get_lock():) v.value += 1
void work(conc::mp::ValueHandle h, int n, bool locked) {
  auto v = conc::ValueOrDie(conc::mp::Value<int>::Attach(h), "Value::Attach(v)");
  for (int i = 0; i < n; ++i) {
    if (locked) {
      conc::mp::ScopedAcquire g(v.get_lock());  // with v.get_lock():
      v.set_value(v.value() + 1);
    } else {
      v.set_value(v.value() + 1);  // two locked steps, not one
    }
  }
}
CONC_PROCESS_FUNCTION(work);

// Runs `processes` workers on a fresh counter; returns the final value.
int Run(int processes, int n, bool locked) {
  auto v = conc::ValueOrDie(conc::mp::Value<int>::Create(0), "Value('i', 0)");
  std::vector<conc::Process> workers;
  for (int i = 0; i < processes; ++i) {
    workers.emplace_back(conc::ProcessOptions{.pass_fds = v.fds_to_pass()},
                         conc::process_function<work>, v.handle(), n, locked);
  }
  for (auto& p : workers) conc::CheckOk(p.start(), p.name() + ".start()");
  for (auto& p : workers) {
    conc::CheckOk(p.join(absl::Seconds(120)), p.name() + ".join(timeout=120)");
    if (p.exitcode() != 0) {  // The worker printed why on stderr.
      std::fprintf(stderr, "value_counter_race: %s exited with code %d\n", p.name().c_str(),
                   *p.exitcode());
      std::exit(1);
    }
  }
  return v.value();
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "A shared Value counter with and without its lock.");
  const int processes = absl::GetFlag(FLAGS_processes);
  const int n = absl::GetFlag(FLAGS_increments);
  const int expected = processes * n;

  conc::Heading("without the lock: v.value += 1");
  const int racy = Run(processes, n, false);
  std::printf("without the lock: expected %d, got %d (lost %d updates)\n", expected, racy,
              expected - racy);

  conc::Heading("with v.get_lock(): v.value += 1");
  const int locked = Run(processes, n, true);
  std::printf("with v.get_lock(): expected %d, got %d (lost %d updates)\n", expected, locked,
              expected - locked);
  if (locked != expected) {
    std::fprintf(stderr, "value_counter_race: with the lock, %d updates were lost\n",
                 expected - locked);
    return 1;
  }
  return 0;
}

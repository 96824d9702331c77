// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_barrier_event: processes meeting at a multiprocessing.Barrier round after
// round (Module 5), with a multiprocessing.Event as the start signal. Three
// spawned workers wait for `start`, then meet three times; each reports the
// index wait() gave it (and the action, when it runs the action) through an
// mp::Queue, so the parent prints the rounds in a fixed order. Then a timeout
// breaks a barrier, and reset() mends it.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/ipc/mp_barrier.h"
#include "modules/ipc/mp_event.h"
#include "modules/ipc/mp_queue.h"
#include "modules/threads/process.h"

struct Report {
  int round = 0;
  int index = 0;  // -1: "I ran the action"
  CONC_CODEC_FIELDS(round, index);
};

// def worker(start, b, q): start.wait(); for r in range(3): q.put((r, b.wait()))
void worker(conc::mp::EventHandle eh, conc::mp::BarrierHandle bh, conc::mp::QueueHandle qh) {
  auto start = conc::ValueOrDie(conc::mp::Event::Attach(eh), "Event::Attach(start)");
  auto q = conc::ValueOrDie(conc::mp::Queue<Report>::Attach(qh), "Queue::Attach(q)");
  int round = 0;
  // Each process's handle carries its own action; the last to arrive runs its.
  auto b = conc::ValueOrDie(conc::mp::Barrier::Attach(bh, [&] { return q.put(Report{round, -1}); }),
                            "Barrier::Attach(b)");
  if (!start.wait(absl::Seconds(30))) {
    std::fprintf(stderr, "mp_barrier_event: start.wait(timeout=30) timed out\n");
    std::exit(1);
  }
  for (; round < 3; ++round) {
    const int index = conc::ValueOrDie(b.wait(absl::Seconds(30)), "b.wait(timeout=30)");
    conc::CheckOk(q.put(Report{round, index}), "q.put((r, index))");
  }
}
CONC_PROCESS_FUNCTION(worker);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "Processes meeting at an mp::Barrier, started by an mp::Event.");

  conc::Heading("start = Event(); b = Barrier(3); three worker processes");
  auto start = conc::ValueOrDie(conc::mp::Event::Create(), "Event()");
  auto b = conc::ValueOrDie(conc::mp::Barrier::Create(3), "Barrier(3)");
  auto q = conc::ValueOrDie(conc::mp::Queue<Report>::Create(), "Queue()");
  std::vector<int> fds = start.fds_to_pass();
  for (int fd : b.fds_to_pass()) fds.push_back(fd);
  for (int fd : q.fds_to_pass()) fds.push_back(fd);
  std::vector<conc::Process> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back(conc::ProcessOptions{.pass_fds = fds}, conc::process_function<worker>,
                         start.handle(), b.handle(), q.handle());
    conc::CheckOk(workers.back().start(), workers.back().name() + ".start()");
  }
  // Bounded poll: how many sleep in start.wait() is a snapshot nobody signals.
  const absl::Time limit = absl::Now() + absl::Seconds(30);
  while (start.n_waiting() < 3 && absl::Now() < limit) absl::SleepFor(absl::Milliseconds(1));
  conc::Say("workers waiting at start.wait(): " + std::to_string(start.n_waiting()));
  conc::Say("start.set()");
  start.set();

  std::vector<std::vector<int>> indices(3);
  std::vector<int> actions(3, 0);
  for (int i = 0; i < 12; ++i) {  // 3 rounds x (3 indices + 1 action)
    const Report r = conc::ValueOrDie(q.get(absl::Seconds(30)), "q.get(timeout=30)");
    if (r.index < 0) {
      ++actions[r.round];
    } else {
      indices[r.round].push_back(r.index);
    }
  }
  for (int r = 0; r < 3; ++r) {
    std::sort(indices[r].begin(), indices[r].end());
    std::string line = "round " + std::to_string(r) + ": indices";
    for (int i : indices[r]) line += " " + std::to_string(i);
    conc::Say(line + "; the action ran " + std::to_string(actions[r]) + " time(s)");
  }
  for (auto& w : workers) conc::CheckOk(w.join(absl::Seconds(30)), w.name() + ".join(timeout=30)");
  conc::Say("exit codes: " + std::to_string(*workers[0].exitcode()) + " " +
            std::to_string(*workers[1].exitcode()) + " " + std::to_string(*workers[2].exitcode()));

  conc::Heading("a timeout breaks the barrier for every process; reset() mends it");
  auto pair = conc::ValueOrDie(conc::mp::Barrier::Create(2), "Barrier(2)");
  conc::Say("pair.wait(timeout=0.05) -> " + pair.wait(absl::Milliseconds(50)).status().ToString());
  conc::Say(std::string("pair.broken = ") + (pair.broken() ? "true" : "false"));
  conc::Say("pair.wait() again -> " + pair.wait().status().ToString());
  conc::CheckOk(pair.reset(), "pair.reset()");
  conc::Say(std::string("after pair.reset(): broken = ") + (pair.broken() ? "true" : "false"));
  return 0;
}

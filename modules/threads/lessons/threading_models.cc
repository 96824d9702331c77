// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// threading_models: the notebook's three threading models (Module 1), each shown
// by a small program.
//   1:1  native threads: every conc::Thread is its own kernel thread.
//   N:1  green threads / coroutines: generators take turns on ONE kernel thread,
//        cooperatively (the generators chapter's zip_longest round-robin).
//   M:N  a thread pool: many tasks (6) multiplexed onto a few threads (2).

#include <barrier>
#include <cstdio>
#include <latch>
#include <set>
#include <string>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/generators/generator.h"
#include "modules/generators/zip_longest.h"
#include "modules/threads/thread.h"
#include "modules/threads/thread_pool_executor.h"

const char* yes_no(bool b) { return b ? "yes" : "no"; }

// N:1: each generator records the kernel thread it runs on at every step.
conc::Generator<int> counter(const char* name, int n, std::set<int64_t>& tids) {
  for (int i = 0; i < n; ++i) {
    tids.insert(conc::get_native_id());
    std::printf("%s: step %d\n", name, i);
    co_yield i;  // Give the other generator its turn.
  }
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "1:1 native threads, N:1 generators, M:N thread pool.");
  const int64_t main_tid = conc::get_native_id();

  conc::Heading("1:1 -- three conc::Threads, three kernel threads");
  std::vector<int64_t> tids(3);
  std::latch all_alive(3);  // All three exist at once, so no kernel id is reused.
  std::vector<conc::Thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&tids, &all_alive, i] {
      tids[i] = conc::get_native_id();
      all_alive.arrive_and_wait();
    });
  }
  for (auto& t : threads) conc::CheckOk(t.start(), t.name() + ".start()");
  for (auto& t : threads) conc::CheckOk(t.join(), t.name() + ".join()");
  const std::set<int64_t> distinct(tids.begin(), tids.end());
  std::printf("3 threads ran on %zu distinct kernel threads (gettid), none of them main's: %s\n\n",
              distinct.size(), yes_no(!distinct.contains(main_tid)));

  conc::Heading("N:1 -- two generators, round-robin on one kernel thread");
  std::set<int64_t> gen_tids;
  auto foo = counter("foo", 3, gen_tids);
  auto bar = counter("bar", 2, gen_tids);
  for (auto&& row : conc::zip_longest(foo, bar)) (void)row;  // Each resumes once per round.
  std::printf("kernel threads used: %zu, and it is main's: %s (no preemption: each step runs until it yields)\n\n",
              gen_tids.size(), yes_no(gen_tids.size() == 1 && gen_tids.contains(main_tid)));

  conc::Heading("M:N -- 6 tasks on a pool of 2 worker threads");
  conc::ThreadPoolExecutor pool(2);
  std::barrier pair(2);  // Each task waits for a partner, so both workers are busy at once.
  std::vector<conc::Future<std::string>> futures;
  for (int i = 0; i < 6; ++i) {
    futures.push_back(pool.submit([&pair] {
      pair.arrive_and_wait();
      return conc::current_thread().name();
    }));
  }
  std::set<std::string> workers;
  for (auto& f : futures) workers.insert(conc::ValueOrDie(f.result(), "f.result()"));
  std::printf("6 tasks ran on %zu worker threads:", workers.size());
  for (const auto& name : workers) std::printf(" %s", name.c_str());
  std::printf("\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// gevent_many_tasks: gevent's point, massive I/O concurrency. A program that
// waits on 10,000 sockets (or, with --tasks=1000000, a million) needs 10,000
// things that wait; what each one costs decides whether that fits. gevent's
// greenlets and asyncio's tasks are small heap objects switched by one thread;
// a thread per connection is a kernel thread with its own stack each.
//
// The Python side (gevent, Debian's python3-gevent):
//
//   import gevent                                  conc::Task<void> worker(...) {
//   def worker(i):                                   co_await conc::sleep(nap);
//       gevent.sleep(0.1)                            ++finished;
//       finished[0] += 1                           }
//   jobs = [gevent.spawn(worker, i)                tasks.push_back(conc::create_task(loop, worker(...)));
//           for i in range(10_000)]
//   gevent.joinall(jobs)                           for (auto& t : tasks) co_await t;
//
// and a thread per task (threading.Thread(target=worker).start() per job; a
// thread blocked in time.sleep), for a smaller count. Measured on this course's
// machines, Debian's gevent spends about 2.7 KB of resident memory per
// sleeping greenlet and asyncio about 1.5 KB per sleeping task
// (tools/peers/asyncio_peer.py, sleeping_tasks_memory).
//
// The memory of a task is counted twice: the heap its frames hold (the
// profiling chapter's alloc_tracker, exact) and the growth of the resident set
// (VmRSS, what the OS sees, as the Python numbers above). A thread's is its
// resident growth and the address space its stack reserves (VmSize). Last, what
// the machine allows for threads: /proc/sys/kernel/threads-max, pid_max,
// RLIMIT_NPROC and RLIMIT_STACK (the default stack size).

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <latch>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/profiling/alloc_tracker.h"
#include "modules/threads/thread.h"

ABSL_FLAG(int, tasks, 10000, "How many concurrent tasks (try 1000000).");
ABSL_FLAG(int, threads, 1000, "How many threads, one per task, for the comparison.");
ABSL_FLAG(bool, quick, false, "200 threads and 20 ms sleeps (for the tour and tests).");

static absl::Duration g_nap;  // What gevent.sleep(0.1) becomes.

// The resident set and the address space of this process, in bytes
// (/proc/self/statm: size and resident, in pages).
struct Memory {
  int64_t virtual_bytes = 0;
  int64_t resident_bytes = 0;
};
static Memory ReadMemory() {
  std::ifstream statm("/proc/self/statm");
  Memory m;
  statm >> m.virtual_bytes >> m.resident_bytes;
  const int64_t page = sysconf(_SC_PAGESIZE);
  m.virtual_bytes *= page;
  m.resident_bytes *= page;
  return m;
}

static std::string ReadProcFile(const char* path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s)) return "unreadable";
  return s;
}

static std::string Limit(rlim_t v) {
  return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(static_cast<uint64_t>(v));
}

// What one task measured.
struct TaskNumbers {
  int64_t heap_bytes = 0;      // held by the tasks while they all sleep
  int64_t resident_bytes = 0;  // resident growth meanwhile
  int finished_while_measuring = 0;
  int finished = 0;
};

// def worker(i): gevent.sleep(0.1); finished[0] += 1
conc::Task<void> worker(int* finished) {
  co_await conc::sleep(g_nap);
  ++*finished;
}

conc::Task<void> spawn_all(int n, TaskNumbers* out) {
  conc::EventLoop& loop = *conc::EventLoop::current();
  const Memory before = ReadMemory();
  std::vector<conc::Task<void>> jobs;
  jobs.reserve(n);
  {
    conc::AllocationScope scope;
    // jobs = [gevent.spawn(worker, i) for i in range(n)]
    for (int i = 0; i < n; ++i) jobs.push_back(conc::create_task(loop, worker(&out->finished)));
    // One turn of the loop: every task takes its first step and parks in its
    // sleep before we resume (their steps were queued before ours).
    co_await conc::sleep(absl::ZeroDuration());
    out->heap_bytes = scope.stats().live_bytes();
  }
  out->resident_bytes = ReadMemory().resident_bytes - before.resident_bytes;
  out->finished_while_measuring = out->finished;
  // gevent.joinall(jobs)
  for (auto& t : jobs) co_await t;
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "gevent's point: many concurrent tasks, each sleeping and waking, and what each "
                   "costs in memory beside a thread per task.");
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int n_tasks = absl::GetFlag(FLAGS_tasks);
  const int n_threads = quick ? 200 : absl::GetFlag(FLAGS_threads);
  g_nap = quick ? absl::Milliseconds(20) : absl::Milliseconds(100);

  conc::Heading("tasks: one thread, one event loop, each task a coroutine frame");
  TaskNumbers t;
  const absl::Time start = absl::Now();
  conc::CheckOk(conc::run(spawn_all(n_tasks, &t), absl::Minutes(5)), "conc::run(spawn_all(...))");
  const absl::Duration took = absl::Now() - start;
  std::printf("%d tasks sleeping at once: %d finished\n", n_tasks, t.finished);
  std::printf("all were asleep while measured: %s\n", t.finished_while_measuring == 0 ? "yes" : "no");
  std::printf("wall time %.0f ms for %d sleeps of %.0f ms each: they slept concurrently: %s\n",
              absl::ToDoubleMilliseconds(took), n_tasks, absl::ToDoubleMilliseconds(g_nap),
              took < n_tasks * g_nap / 10 ? "yes" : "no");
  const double task_heap = static_cast<double>(t.heap_bytes) / n_tasks;
  const double task_resident = static_cast<double>(t.resident_bytes) / n_tasks;
  if (conc::AllocationHooksLinked()) {
    std::printf("heap held per sleeping task: %.0f bytes (two coroutine frames, the task and its "
                "sleep, and a timer)\n",
                task_heap);
  }
  std::printf("resident memory per sleeping task: %.0f bytes\n", task_resident);

  conc::Heading("threads: one OS thread per task, each blocked");
  // threading.Thread(target=worker).start() for each job. Each thread says it
  // is up, then blocks on a gate until every thread is up and measured, then
  // sleeps its nap and ends.
  const Memory before = ReadMemory();
  std::latch started(n_threads);
  std::latch gate(1);
  std::atomic<int> finished{0};
  std::vector<conc::Thread> threads;
  threads.reserve(n_threads);
  int started_ok = 0;
  for (int i = 0; i < n_threads; ++i) {
    threads.emplace_back([&] {
      started.count_down();
      gate.wait();
      absl::SleepFor(g_nap);  // time.sleep(0.1)
      finished.fetch_add(1, std::memory_order_relaxed);
    });
    absl::Status s = threads.back().start();
    if (!s.ok()) {
      std::printf("thread %d did not start: %s\n", i, s.ToString().c_str());
      threads.pop_back();
      break;
    }
    ++started_ok;
  }
  for (int i = started_ok; i < n_threads; ++i) started.count_down();  // the ones that never started
  started.wait();
  const Memory during = ReadMemory();
  gate.count_down();
  for (auto& th : threads) conc::CheckOk(th.join(absl::Minutes(1)), "thread.join()");
  std::printf("%d threads blocked at once: %d finished\n", started_ok, finished.load());
  const double thread_resident = static_cast<double>(during.resident_bytes - before.resident_bytes) / started_ok;
  const double thread_virtual = static_cast<double>(during.virtual_bytes - before.virtual_bytes) / started_ok;
  std::printf("resident memory per blocked thread: %.0f bytes (the stack pages it touched, its "
              "thread state)\n",
              thread_resident);
  std::printf("address space per thread: %.1f MiB (mostly its stack, reserved up front, touched as it grows)\n", thread_virtual / (1 << 20));
  std::printf("a sleeping task costs less memory than a blocked thread: %s (%.0f vs %.0f bytes "
              "resident, and no stack to reserve)\n",
              task_resident < thread_resident ? "yes" : "no", task_resident, thread_resident);

  conc::Heading("what this machine allows for threads");
  rlimit nproc{}, stack{};
  getrlimit(RLIMIT_NPROC, &nproc);
  getrlimit(RLIMIT_STACK, &stack);
  std::printf("/proc/sys/kernel/threads-max: %s (threads, whole system)\n",
              ReadProcFile("/proc/sys/kernel/threads-max").c_str());
  std::printf("/proc/sys/kernel/pid_max: %s (every thread takes a pid)\n", ReadProcFile("/proc/sys/kernel/pid_max").c_str());
  std::printf("/proc/sys/vm/max_map_count: %s (a thread's stack and guard page are mappings)\n",
              ReadProcFile("/proc/sys/vm/max_map_count").c_str());
  std::printf("RLIMIT_NPROC: %s (processes and threads of this user)\n", Limit(nproc.rlim_cur).c_str());
  std::printf("RLIMIT_STACK: %s bytes (the default thread stack)\n", Limit(stack.rlim_cur).c_str());
  std::printf("so: threads run out in the thousands to tens of thousands; tasks in the millions "
              "(memory is the only limit)\n");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// choosing_a_model: "Best architectural design practices while choosing
// between different concurrency models" (Module 1). Two jobs, each run three
// ways, with the times side by side:
//
//   * an I/O-bound job: many waits (a sleep stands for a network round trip);
//   * a CPU-bound job: counting the primes below N, in chunks.
//
//   Python                                         C++
//   async def wait(): await asyncio.sleep(d)       conc::Task<int> wait_once() { co_await conc::sleep(d); ... }
//   await asyncio.gather(*(wait() for ...))        co_await conc::gather(std::move(tasks));
//   with ThreadPoolExecutor(20) as ex:             conc::ThreadPoolExecutor ex(20);
//       list(ex.map(blocking_wait, ...))           ex.submit(blocking_wait, ms) ... f.result()
//   with ProcessPoolExecutor(2) as ex:             conc::ProcessPoolExecutor ex(2);
//       list(ex.map(count_primes, chunks))         ex.submit(conc::process_function<count_primes>, lo, hi)
//
// Where C++ differs: CPython's threads run Python code one at a time (the
// GIL), so its thread pool is no faster than one thread on the CPU-bound job
// and only processes use the cores; C++ threads run in parallel, so here the
// threads row of the CPU job is as fast as the processes row (without
// starting processes and copying arguments). The rule of thumb at the end
// says both.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/gather.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/threads/future.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"
#include "modules/threads/thread_pool_executor.h"

ABSL_FLAG(bool, quick, false, "Fewer, shorter waits and a smaller N (for the tour and tests).");

// The I/O-bound job's wait, blocking: a thread or a process sleeps in it.
int blocking_wait(int ms) {
  absl::SleepFor(absl::Milliseconds(ms));  // time.sleep(ms / 1000)
  return 1;
}
CONC_PROCESS_FUNCTION(blocking_wait);

// The CPU-bound job's chunk: the primes in [lo, hi), by trial division.
int64_t count_primes(int64_t lo, int64_t hi) {
  int64_t count = 0;
  for (int64_t n = lo < 2 ? 2 : lo; n < hi; ++n) {
    bool prime = true;
    for (int64_t d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = false;
        break;
      }
    }
    count += prime ? 1 : 0;
  }
  return count;
}
CONC_PROCESS_FUNCTION(count_primes);

struct Job {
  int waits;       // I/O: how many waits
  int wait_ms;     // I/O: each one's length
  int64_t limit;   // CPU: count the primes below this
  int chunks;      // CPU: in this many pieces
};

struct Row {
  absl::Duration io;
  absl::Duration cpu;
  int64_t io_done = 0;
  int64_t primes = 0;
};

// ---- coroutines: one thread, one loop ----

conc::Task<int> wait_once(int ms) {
  co_await conc::sleep(absl::Milliseconds(ms));  // await asyncio.sleep(...)
  co_return 1;
}

conc::Task<int64_t> count_chunk(int64_t lo, int64_t hi) {
  // No await inside: a coroutine that computes holds the loop's only thread
  // until it returns, so the chunks run one after another.
  co_return count_primes(lo, hi);
}

template <class T>
conc::Task<int64_t> sum_all(std::vector<conc::Task<T>> tasks) {
  int64_t sum = 0;
  for (auto v : co_await conc::gather(std::move(tasks))) sum += v;
  co_return sum;
}

Row with_coroutines(const Job& job) {
  Row row;
  absl::Time start = absl::Now();
  std::vector<conc::Task<int>> waits;
  for (int i = 0; i < job.waits; ++i) waits.push_back(wait_once(job.wait_ms));
  row.io_done = conc::ValueOrDie(conc::run(sum_all(std::move(waits)), absl::Minutes(2)), "conc::run(waits)");
  row.io = absl::Now() - start;

  start = absl::Now();
  std::vector<conc::Task<int64_t>> chunks;
  const int64_t step = job.limit / job.chunks;
  for (int c = 0; c < job.chunks; ++c) {
    chunks.push_back(count_chunk(c * step, c + 1 == job.chunks ? job.limit : (c + 1) * step));
  }
  row.primes = conc::ValueOrDie(conc::run(sum_all(std::move(chunks)), absl::Minutes(2)), "conc::run(chunks)");
  row.cpu = absl::Now() - start;
  return row;
}

// ---- a pool of threads or of processes: submit every piece, sum the results ----

template <class Pool, class F>
Row with_pool(const Job& job, int io_workers, int cpu_workers, F wait_fn, auto primes_fn) {
  Row row;
  absl::Time start = absl::Now();
  {
    Pool pool(io_workers);
    std::vector<conc::Future<int>> fs;
    for (int i = 0; i < job.waits; ++i) fs.push_back(pool.submit(wait_fn, job.wait_ms));
    for (auto& f : fs) row.io_done += conc::ValueOrDie(f.result(absl::Minutes(2)), "wait's future");
  }  // the pool shuts down: its workers end
  row.io = absl::Now() - start;

  start = absl::Now();
  {
    Pool pool(cpu_workers);
    std::vector<conc::Future<int64_t>> fs;
    const int64_t step = job.limit / job.chunks;
    for (int c = 0; c < job.chunks; ++c) {
      const int64_t lo = c * step, hi = c + 1 == job.chunks ? job.limit : (c + 1) * step;
      fs.push_back(pool.submit(primes_fn, lo, hi));
    }
    for (auto& f : fs) row.primes += conc::ValueOrDie(f.result(absl::Minutes(2)), "chunk's future");
  }
  row.cpu = absl::Now() - start;
  return row;
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // first: a spawned worker runs its task here and exits
  conc::InitLesson(argc, argv,
                   "One I/O-bound and one CPU-bound job, each with coroutines, threads and processes.");
  const bool quick = absl::GetFlag(FLAGS_quick);
  const Job job = quick ? Job{100, 5, 200000, 16} : Job{200, 10, 2000000, 16};
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int cpu_workers = cores > 0 ? cores : 2;
  const int io_threads = 20, io_processes = cpu_workers;

  std::printf("I/O-bound job: %d waits of %d ms (sequentially: %d ms)\n", job.waits, job.wait_ms,
              job.waits * job.wait_ms);
  std::printf("CPU-bound job: the primes below %lld, in %d chunks; %d cores\n",
              static_cast<long long>(job.limit), job.chunks, cpu_workers);

  // coroutines: conc::run + gather (asyncio); threads: ThreadPoolExecutor (20
  // workers for the waits, one per core for the primes); processes:
  // ProcessPoolExecutor (one worker per core; its times include starting them).
  const Row co = with_coroutines(job);
  const Row th = with_pool<conc::ThreadPoolExecutor>(job, io_threads, cpu_workers, blocking_wait, count_primes);
  const Row pr = with_pool<conc::ProcessPoolExecutor>(job, io_processes, cpu_workers,
                                                      conc::process_function<blocking_wait>,
                                                      conc::process_function<count_primes>);

  conc::Heading("the two jobs, three ways (wall time)");
  std::printf("| model | I/O-bound (%d waits) | CPU-bound (primes below %lld) |\n", job.waits,
              static_cast<long long>(job.limit));
  std::printf("|---|---|---|\n");
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  std::printf("| coroutines | %.0f ms | %.0f ms |\n", ms(co.io), ms(co.cpu));
  std::printf("| threads    | %.0f ms (%d workers) | %.0f ms (%d workers) |\n", ms(th.io), io_threads,
              ms(th.cpu), cpu_workers);
  std::printf("| processes  | %.0f ms (%d workers) | %.0f ms (%d workers, started first) |\n", ms(pr.io),
              io_processes, ms(pr.cpu), cpu_workers);
  std::printf("\n");
  std::printf("(CPython: the threads' CPU-bound time would be the coroutines', since the GIL runs one "
              "thread at a time)\n");
  const bool same = co.io_done == job.waits && th.io_done == job.waits && pr.io_done == job.waits &&
                    co.primes == th.primes && th.primes == pr.primes;
  std::printf("every model did every wait and found %lld primes: %s\n", static_cast<long long>(co.primes),
              same ? "yes" : "no");
  // Waiting costs nothing: one thread waits for all of them at once; a pool
  // waits for as many as it has workers.
  std::printf("I/O-bound: coroutines beat processes: %s\n", co.io < pr.io ? "yes" : "no");
  // Computing needs cores: a loop's one thread runs the chunks one by one.
  std::printf("CPU-bound: threads %.1fx and processes %.1fx as fast as one coroutine thread (%d cores; "
              "on a busy machine less)\n",
              ms(co.cpu) / ms(th.cpu), ms(co.cpu) / ms(pr.cpu), cpu_workers);

  conc::Heading("the rule of thumb");
  std::printf("many waits (network, disk, timers): coroutines; one thread waits for thousands\n");
  std::printf("waits in blocking libraries you cannot make async: a thread pool (or to_thread)\n");
  std::printf("CPU-bound work: use the cores; in Python, processes (the GIL serialises threads); "
              "in C++, threads\n");
  std::printf("both: coroutines for the I/O, handing the computing to a pool (run_in_executor)\n");
  return 0;
}

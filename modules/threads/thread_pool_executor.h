// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// thread_pool_executor.h: conc::ThreadPoolExecutor, Python's
// `concurrent.futures.ThreadPoolExecutor` (M:N threading: many tasks on a few
// reused threads), and conc::cpu_count().
//
//   Python                                          C++
//   with ThreadPoolExecutor(max_workers=4) as ex:   { conc::ThreadPoolExecutor ex(4);
//       f = ex.submit(fn, 1, 2)                         conc::Future<R> f = ex.submit(fn, 1, 2);
//       for r in ex.map(fn, xs, timeout=5):             for (absl::StatusOr<R> r : ex.map(fn, xs, absl::Seconds(5)))
//   ex.shutdown(wait=True, cancel_futures=False)        ex.shutdown(/*wait=*/true, /*cancel_futures=*/false);
//                                                   }  // the destructor is shutdown(wait=true)
//
// Workers are conc::Threads named "ThreadPoolExecutor-K_I" (or "PREFIX_I"),
// started on demand, one per submit that finds no idle worker, up to
// max_workers, and reused until shutdown. They are non-daemon threads; at
// program exit an executor that is still open is shut down without waiting
// (queued work still runs) and its workers are joined with the other
// non-daemon threads, as Python's `threading._register_atexit` hook does.
//
// Where it differs from Python:
//   * submit after shutdown returns a future already failed with
//     FailedPrecondition (Python raises RuntimeError at submit);
//   * max_workers < 1 is taken as 1 (Python raises ValueError); nullopt is
//     Python's default, min(32, cpu_count() + 4);
//   * map takes one input range (Python zips several iterables) and yields
//     absl::StatusOr<R> (absl::Status for a void fn): the first error (a
//     task's exception as Unknown, DeadlineExceeded when the timeout from the
//     call expires) is yielded once and ends the results; the futures not yet
//     consumed are then cancelled, as they are when the generator is
//     destroyed early (Python's generator `finally`).
//
// Lifetime: destroying the executor waits for every submitted task (as
// `with` does). A task may submit more tasks; it must not destroy its own
// executor. shutdown(wait=true) from a worker skips joining that worker.
//
// Thread-safety: submit, map and shutdown may be called from any thread, also
// from tasks. Memory ordering: everything before submit() happens-before the
// task runs; the task happens-before the result its future reports.
//
// Example:
//
//   conc::ThreadPoolExecutor pool(2);
//   std::vector<conc::Future<int>> fs;
//   for (int i = 0; i < 6; ++i) fs.push_back(pool.submit([](int x) { return x * x; }, i));
//   for (auto& f : fs) std::printf("%d\n", *f.result());

#ifndef MODULES_THREADS_THREAD_POOL_EXECUTOR_H_
#define MODULES_THREADS_THREAD_POOL_EXECUTOR_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/generators/generator.h"
#include "modules/threads/future.h"
#include "modules/threads/internal/unique_function.h"
#include "modules/threads/thread.h"

namespace conc {

// Python's os.cpu_count(): the number of online CPUs (at least 1).
[[nodiscard]] int cpu_count();

class ThreadPoolExecutor {
 public:
  // max_workers: nullopt for min(32, cpu_count() + 4). thread_name_prefix:
  // workers are "PREFIX_0", "PREFIX_1", ...; empty for "ThreadPoolExecutor-K".
  explicit ThreadPoolExecutor(std::optional<int> max_workers = std::nullopt,
                              std::string thread_name_prefix = "");
  ~ThreadPoolExecutor();  // shutdown(/*wait=*/true)

  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  // Schedules fn(args...) (both decay-copied, as std::thread does) and returns
  // its future. Never blocks. After shutdown: a future failed with FailedPrecondition.
  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
  [[nodiscard]] auto submit(F&& fn, Args&&... args)
      -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
    using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
    Future<R> future;
    std::vector<WorkItem> items;
    items.push_back(MakeWorkItem(future, std::forward<F>(fn), std::forward<Args>(args)...));
    if (absl::Status s = Enqueue(std::move(items)); !s.ok()) (void)future.set_status(std::move(s));
    return future;
  }

  // Python's Executor.map(fn, inputs, timeout=): submits fn(x) for every x now,
  // then yields the results in input order. `timeout` counts from this call.
  template <class F, std::ranges::input_range Range>
    requires std::is_invocable_v<std::decay_t<F>&, std::ranges::range_reference_t<Range>>
  [[nodiscard]] auto map(F&& fn, Range&& inputs, std::optional<absl::Duration> timeout = std::nullopt)
      -> Generator<typename Future<std::decay_t<std::invoke_result_t<
          std::decay_t<F>&, std::ranges::range_reference_t<Range>>>>::ResultType> {
    using R = std::decay_t<std::invoke_result_t<std::decay_t<F>&, std::ranges::range_reference_t<Range>>>;
    const Deadline deadline = Deadline::FromTimeout(timeout);
    // Queued in one batch: one lock and one wake-up for all, not one per input.
    std::vector<Future<R>> futures;
    std::vector<WorkItem> items;
    for (auto&& x : inputs) {
      futures.emplace_back();
      items.push_back(MakeWorkItem(futures.back(), fn, std::forward<decltype(x)>(x)));
    }
    if (absl::Status s = Enqueue(std::move(items)); !s.ok()) {
      for (Future<R>& f : futures) (void)f.set_status(s);
    }
    return MapResults<R>(std::move(futures), deadline);
  }

  // Signals that no more tasks will be submitted. cancel_futures: cancel the
  // tasks that have not started. wait: return only when every running and
  // queued task has finished and the workers have ended. Safe to call twice.
  void shutdown(bool wait = true, bool cancel_futures = false);

  // The maximum number of worker threads.
  [[nodiscard]] int max_workers() const { return max_workers_; }

 private:
  struct WorkItem {
    internal::UniqueFunction run;
    std::shared_ptr<internal::FutureStateBase> future;  // For cancel_futures.
  };

  // The queued form of fn(args...) completing `future`.
  template <class R, class F, class... Args>
  static WorkItem MakeWorkItem(Future<R> future, F&& fn, Args&&... args) {
    auto call = internal::BindOnce(std::forward<F>(fn), std::forward<Args>(args)...);
    std::shared_ptr<internal::FutureStateBase> state = FutureAccess<R>::Shared(future);
    internal::UniqueFunction task([future = std::move(future), call = std::move(call)]() mutable {
      if (!future.set_running_or_notify_cancel()) return;  // Cancelled while queued.
      try {
        if constexpr (std::is_void_v<R>) {
          call();
          (void)future.set_result();
        } else {
          (void)future.set_result(call());
        }
      } catch (...) {
        (void)future.set_exception(std::current_exception());
      }
    });
    return WorkItem{std::move(task), std::move(state)};
  }

  // Cancels the futures not consumed when a map's generator ends early.
  template <class R>
  struct CancelRest {
    std::vector<Future<R>>* futures;
    std::size_t* next;
    ~CancelRest() {
      for (std::size_t i = *next; i < futures->size(); ++i) (void)(*futures)[i].cancel();
    }
  };

  template <class R>
  static Generator<typename Future<R>::ResultType> MapResults(std::vector<Future<R>> futures, Deadline deadline) {
    std::size_t next = 0;
    CancelRest<R> cancel_rest{&futures, &next};
    while (next < futures.size()) {
      typename Future<R>::ResultType r = futures[next].result(deadline.remaining());
      ++next;
      const bool ok = r.ok();
      co_yield std::move(r);
      if (!ok) co_return;
    }
  }

  // Queues `items` (all or none: FailedPrecondition after shutdown) and wakes
  // or starts workers for them.
  absl::Status Enqueue(std::vector<WorkItem> items);
  void WorkerLoop();

  const int max_workers_;
  const std::string prefix_;
  int atexit_id_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;  // Work queued or shutdown.
  std::deque<WorkItem> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Thread> workers_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;  // Workers blocked in cv_.wait.
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace conc

#endif  // MODULES_THREADS_THREAD_POOL_EXECUTOR_H_

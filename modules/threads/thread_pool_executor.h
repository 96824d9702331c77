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
//   * initializer/initargs are the constructor's trailing arguments
//     (ThreadPoolExecutor(4, "", init, arg1, arg2)); a failing initializer
//     (non-OK status or exception) breaks the pool: Aborted "BrokenThreadPool"
//     in the futures instead of the BrokenThreadPool exception;
//   * map yields absl::StatusOr<R> (absl::Status for a void fn): the first error (a
//     task's exception as Unknown, DeadlineExceeded when the timeout from the
//     call expires) is yielded once and ends the results; the items not yet
//     started are then skipped (as if their futures were cancelled), as they
//     are when the generator is destroyed early (Python's generator `finally`).
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

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/generators/generator.h"
#include "modules/threads/future.h"
#include "modules/common/internal/exception.h"
#include "modules/threads/internal/map_args.h"
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
                              std::string thread_name_prefix = "")
      : ThreadPoolExecutor(InitTag{}, max_workers, std::move(thread_name_prefix), nullptr) {}

  // Python's initializer=, initargs=: each worker thread calls
  // initializer(initargs...) once, before its first task. The initializer and
  // initargs are decay-copied once and shared by the workers (as Python shares
  // them): several workers may call it at the same time, with the same
  // initargs as lvalues. It returns void or absl::Status; a non-OK status or an
  // exception breaks the pool (Python's BrokenThreadPool): every queued task's
  // future, every later submit and map fail with Aborted "BrokenThreadPool: ...".
  // Tasks already running in other workers finish normally.
  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&...> &&
             (std::is_void_v<std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>> ||
              std::is_convertible_v<std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>, absl::Status>)
  ThreadPoolExecutor(std::optional<int> max_workers, std::string thread_name_prefix, F&& initializer,
                     Args&&... initargs)
      : ThreadPoolExecutor(InitTag{}, max_workers, std::move(thread_name_prefix),
                           MakeInitializer(std::forward<F>(initializer), std::forward<Args>(initargs)...)) {}
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
  //
  // How: the call is one shared batch (the inputs, a result slot per input, an
  // atomic next index), queued as at most max_workers "runner" tasks that claim
  // items in chunks; the generator waits on the slot it needs. No future and no
  // queued task per item. See MapBatchBase for why this cannot deadlock where
  // Python's per-item queue would not.
  template <class F, std::ranges::input_range Range>
    requires std::is_invocable_v<std::decay_t<F>&, std::ranges::range_reference_t<Range>>
  [[nodiscard]] auto map(F&& fn, Range&& inputs, std::optional<absl::Duration> timeout = std::nullopt)
      -> Generator<typename Future<std::decay_t<std::invoke_result_t<
          std::decay_t<F>&, std::ranges::range_reference_t<Range>>>>::ResultType> {
    using R = std::decay_t<std::invoke_result_t<std::decay_t<F>&, std::ranges::range_reference_t<Range>>>;
    using In = std::decay_t<std::ranges::range_reference_t<Range>>;
    const Deadline deadline = Deadline::FromTimeout(timeout);
    std::vector<In> copied;
    if constexpr (std::ranges::sized_range<Range>) copied.reserve(std::ranges::size(inputs));
    for (auto&& x : inputs) copied.emplace_back(std::forward<decltype(x)>(x));
    auto batch = std::make_shared<MapBatch<R, std::decay_t<F>, In>>(std::forward<F>(fn), std::move(copied));
    absl::Status s = EnqueueBatch(batch);
    return MapResults<R>(std::move(batch), std::move(s), deadline);
  }

  // Python's map(fn, *iterables, timeout=): fn(a[i], b[i], ...) for the items
  // of several input ranges taken in step, stopping at the shortest (Python's
  // zip); the results as the one-range map yields them. An optional timeout
  // comes last: map(fn, xs, ys, absl::Seconds(5)). The items are copied, as
  // the one-range map copies them, and passed to fn as rvalues.
  template <class F, std::ranges::input_range R1, class R2, class... Rest>
    requires std::ranges::input_range<R2> && internal::RangesThenTimeout<Rest...>
  [[nodiscard]] auto map(F&& fn, R1&& r1, R2&& r2, Rest&&... rest) {
    constexpr bool kHasTimeout = internal::EndsWithTimeout<Rest...>();
    constexpr std::size_t kRanges = 2 + sizeof...(Rest) - (kHasTimeout ? 1 : 0);
    auto all = std::forward_as_tuple(r1, r2, rest...);
    std::optional<absl::Duration> timeout;
    if constexpr (kHasTimeout) timeout = std::get<kRanges>(all);
    return ZipMap(std::forward<F>(fn), all, Deadline::FromTimeout(timeout), std::make_index_sequence<kRanges>{});
  }

  // Signals that no more tasks will be submitted. cancel_futures: cancel the
  // futures of the tasks still in the queue, as Python drains its work queue;
  // a task a worker has already taken runs to the end (the worker takes it
  // under the lock shutdown takes, so no task is both taken and cancelled).
  // Which tasks were taken is up to the scheduler: right after many submits
  // the new workers may not have taken any, and then all are cancelled, as in
  // Python. Map items not started are skipped (reported Cancelled). wait:
  // return only when every running and queued task has finished and the
  // workers have ended. Safe to call twice.
  void shutdown(bool wait = true, bool cancel_futures = false);

  // The maximum number of worker threads.
  [[nodiscard]] int max_workers() const { return max_workers_; }

 private:
  // map over the first sizeof...(I) ranges of `all`, in step.
  template <class F, class Tuple, std::size_t... I>
  auto ZipMap(F&& fn, Tuple& all, Deadline deadline, std::index_sequence<I...>) {
    using Fn = std::decay_t<F>;
    using In = std::tuple<std::decay_t<std::ranges::range_reference_t<std::tuple_element_t<I, Tuple>>>...>;
    using R = std::decay_t<std::invoke_result_t<Fn&, std::decay_t<std::ranges::range_reference_t<
                                                          std::tuple_element_t<I, Tuple>>>&&...>>;
    std::vector<In> zipped;
    auto its = std::make_tuple(std::ranges::begin(std::get<I>(all))...);
    while (((std::get<I>(its) != std::ranges::end(std::get<I>(all))) && ...)) {
      zipped.emplace_back(*std::get<I>(its)...);
      (++std::get<I>(its), ...);
    }
    auto call = [f = Fn(std::forward<F>(fn))](In&& args) mutable -> R { return std::apply(f, std::move(args)); };
    auto batch = std::make_shared<MapBatch<R, decltype(call), In>>(std::move(call), std::move(zipped));
    absl::Status s = EnqueueBatch(batch);
    return MapResults<R>(std::move(batch), std::move(s), deadline);
  }

  using Initializer = std::function<absl::Status()>;
  struct InitTag {};
  ThreadPoolExecutor(InitTag, std::optional<int> max_workers, std::string thread_name_prefix,
                     Initializer initializer);

  template <class F, class... Args>
  static Initializer MakeInitializer(F&& fn, Args&&... args) {
    // Shared, so that move-only initargs work: the workers call one copy.
    auto bound = std::make_shared<std::tuple<std::decay_t<F>, std::decay_t<Args>...>>(
        std::forward<F>(fn), std::forward<Args>(args)...);
    return [bound]() -> absl::Status {
      using Result = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
      if constexpr (std::is_void_v<Result>) {
        std::apply([](auto& f, auto&... a) { std::invoke(f, a...); }, *bound);
        return absl::OkStatus();
      } else {
        return std::apply([](auto& f, auto&... a) -> absl::Status { return std::invoke(f, a...); }, *bound);
      }
    };
  }

  struct WorkItem {
    internal::UniqueFunction run;
    std::shared_ptr<internal::FutureStateBase> future;  // For cancel_futures; null for a map runner.
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

  // The shared state of one map call, without the types. Slots go
  // kUnclaimed -> kRunning -> kDone (a runner), or kUnclaimed -> kCancelled
  // (the consumer, once the batch is stopped by shutdown(cancel_futures=true)):
  // the same race as a future's set_running_or_notify_cancel against cancel().
  //
  // Deadlocks: a runner only claims items of its own map call, and ends only
  // after a final pass that claims every item still unclaimed (also those in a
  // chunk another runner claimed but has not started, e.g. because it is
  // blocked in an earlier item of that chunk). So an item waits unstarted only
  // while every runner of its map is busy in an item, i.e. while as many
  // workers as Python would give the map's queued items are busy with them;
  // a task submitted after map() runs once the map's items have all started,
  // as it would behind them in Python's FIFO queue.
  class MapBatchBase {
   public:
    enum State : unsigned char { kUnclaimed, kRunning, kDone, kCancelled };
    explicit MapBatchBase(std::size_t n);
    virtual ~MapBatchBase() = default;
    std::size_t size() const { return n_; }
    // Claims and runs items until every item is claimed or the batch stops.
    void RunRunner();
    // Items not yet started are skipped from now on; wakes the consumer.
    void Stop();
    // Stop, and the consumer reports `status` (not Cancelled) for the items skipped.
    void Break(absl::Status status);
    // What a skipped item reports: Cancelled, or the status given to Break.
    absl::Status StopStatus();
    // Waits until item i is kDone or kCancelled (returned), or the deadline
    // expires (returns kUnclaimed or kRunning).
    State Await(std::size_t i, const Deadline& deadline);
    std::atomic<int> runners{0};  // Runner tasks queued or running.

   protected:
    virtual void RunItem(std::size_t i) = 0;  // Runs fn(inputs[i]) into slot i.

   private:
    void TryRun(std::size_t i);
    const std::size_t n_;
    std::size_t chunk_ = 1;
    std::unique_ptr<std::atomic<unsigned char>[]> states_;
    alignas(64) std::atomic<std::size_t> next_{0};  // Next index to claim.
    alignas(64) std::atomic<bool> stopped_{false};
    std::atomic<std::size_t> waiting_for_;  // The slot the consumer sleeps on.
    internal::Mutex mu_;
    std::condition_variable cv_;
    absl::Status stop_status_ ABSL_GUARDED_BY(mu_);  // Set by Break.
  };

  template <class R, class Fn, class In>
  class MapBatch final : public MapBatchBase {
   public:
    using Result = typename Future<R>::ResultType;
    template <class G>
    MapBatch(G&& fn, std::vector<In> inputs)
        : MapBatchBase(inputs.size()), fn_(std::forward<G>(fn)), inputs_(std::move(inputs)),
          results_(inputs_.size()) {}
    Result Take(std::size_t i) { return std::move(*results_[i]); }

   private:
    void RunItem(std::size_t i) override {
      try {
        Fn f = fn_;  // A copy per item, as submit's decay-copy made one per task.
        if constexpr (std::is_void_v<R>) {
          std::invoke(std::move(f), std::move(inputs_[i]));
          results_[i].emplace(absl::OkStatus());
        } else {
          results_[i].emplace(std::invoke(std::move(f), std::move(inputs_[i])));
        }
      } catch (...) {
        results_[i].emplace(absl::UnknownError(
            absl::StrCat("the task raised ", internal::DescribeException(std::current_exception()))));
      }
    }
    const Fn fn_;
    std::vector<In> inputs_;
    std::vector<std::optional<Result>> results_;
  };

  // Stops the batch when the generator ends, however it ends.
  struct StopBatch {
    MapBatchBase* batch;
    ~StopBatch() { batch->Stop(); }
  };

  template <class R, class Fn, class In>
  static Generator<typename Future<R>::ResultType> MapResults(std::shared_ptr<MapBatch<R, Fn, In>> batch,
                                                              absl::Status enqueued, Deadline deadline) {
    using Result = typename Future<R>::ResultType;
    StopBatch stop{batch.get()};
    if (!enqueued.ok()) {
      if (batch->size() > 0) co_yield Result(std::move(enqueued));
      co_return;
    }
    for (std::size_t i = 0; i < batch->size(); ++i) {
      const MapBatchBase::State state = batch->Await(i, deadline);
      if (state == MapBatchBase::kDone) {
        Result r = batch->Take(i);
        const bool ok = r.ok();
        co_yield std::move(r);
        if (!ok) co_return;
        continue;
      }
      if (state == MapBatchBase::kCancelled) {
        co_yield Result(batch->StopStatus());
      } else {
        co_yield Result(absl::DeadlineExceededError(absl::StrCat(
            "Future.result: timed out, the future is ", state == MapBatchBase::kRunning ? "RUNNING" : "PENDING")));
      }
      co_return;
    }
  }

  // Queues min(max_workers, items) runner tasks for `batch` (none and
  // FailedPrecondition after shutdown) and registers it for shutdown(cancel_futures).
  absl::Status EnqueueBatch(std::shared_ptr<MapBatchBase> batch);
  void RunBatch(const std::shared_ptr<MapBatchBase>& batch);
  // Starts workers (up to max_workers) for queued items no idle worker is left for.
  absl::Status StartWorkersLocked(std::size_t idle) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Queues `items` (all or none: FailedPrecondition after shutdown) and wakes
  // or starts workers for them.
  absl::Status Enqueue(std::vector<WorkItem> items);
  void WorkerLoop();
  // The initializer failed in a worker: fail the queue and refuse new work.
  void BreakPool(absl::Status why);

  const int max_workers_;
  const std::string prefix_;
  const Initializer initializer_;  // Null without one.
  int atexit_id_ = 0;

  internal::Mutex mu_;
  std::condition_variable cv_;  // Work queued or shutdown.
  std::deque<WorkItem> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Thread> workers_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;  // Workers blocked in cv_.wait.
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status broken_ ABSL_GUARDED_BY(mu_);  // Not OK once an initializer failed.
  // Map calls with runners queued or running, for shutdown(cancel_futures).
  std::vector<std::shared_ptr<MapBatchBase>> batches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace conc

#endif  // MODULES_THREADS_THREAD_POOL_EXECUTOR_H_

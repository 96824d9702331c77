// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// process_pool_executor.h: conc::ProcessPoolExecutor, Python's
// `concurrent.futures.ProcessPoolExecutor`: tasks run in a few reused worker
// processes, so CPU-bound work runs in parallel (in Python, past the GIL).
//
//   Python                                          C++
//   def square(x): return x * x                     int square(int x) { return x * x; }
//                                                   CONC_PROCESS_FUNCTION(square);  // global scope
//   with ProcessPoolExecutor(max_workers=2) as ex:  { conc::ProcessPoolExecutor ex(2);
//       f = ex.submit(square, 7)                        conc::Future<int> f = ex.submit(conc::process_function<square>, 7);
//       f.result()                                      absl::StatusOr<int> r = f.result();
//       for r in ex.map(square, xs):                    for (absl::StatusOr<int> r : ex.map(conc::process_function<square>, xs))
//   ex.shutdown(wait=True, cancel_futures=False)        ex.shutdown(/*wait=*/true, /*cancel_futures=*/false);
//                                                   }  // the destructor is shutdown(wait=true)
//
// Tasks are functions registered with CONC_PROCESS_FUNCTION (process.h), named
// by `conc::process_function<f>`: a closure cannot cross a process boundary, so
// passing one is a compile error. Arguments and results travel in the codec of
// modules/common/codec.h, in frames (framed.h) over one pair of pipes per
// worker. Workers are spawned (process.h's safe start method; main() must call
// conc::ProcessMain first) on the first submit, all max_workers of them, and
// reused until shutdown. A manager thread in the parent feeds them, at most
// kMaxInFlightPerWorker tasks each, and completes the futures.
//
// Errors, in the futures (conc::Future<R>, future.h):
//   * a task that throws: Unknown "the task raised <type>: <what()>" (the
//     exception object itself cannot cross processes: `exception()` is null,
//     where Python re-raises a pickled copy);
//   * a worker that dies (killed, or exit() in a task): the pool is broken,
//     as Python's BrokenProcessPool. Every pending future (running or queued)
//     fails with Aborted "BrokenProcessPool: worker process PID was killed by
//     signal 9 (SIGKILL) ..." (or "exited with code N"), the other workers are
//     terminated, `broken()` is true and later submits fail the same way;
//   * submit after shutdown: FailedPrecondition (Python raises RuntimeError);
//   * max_workers < 1: every submit fails with InvalidArgument (ValueError);
//   * no conc::ProcessMain in main(): every submit fails with
//     FailedPrecondition.
//   * a task that returns a non-OK status (a function returning absl::Status
//     gives a Future<void>, one returning absl::StatusOr<T> a Future<T>): that
//     status, code and message, in its future; the pool goes on;
//   * an initializer that returns a non-OK absl::Status or throws
//     (ProcessPoolExecutor(n, process_function<I>, initargs...)): the pool is
//     broken, Aborted "BrokenProcessPool: the initializer failed in worker
//     process PID: ...", followed by the status or the exception.
//   * a status from the worker's side (arguments that do not decode there:
//     DataLoss; a function name the worker does not know: NotFound) reaches
//     the future with its own code and message, as if the call had been
//     local: a status keeps its code when it crosses the process boundary.
//   * a result that does not decode in the parent: DataLoss, in that future.
//
// What breaks the pool: only a worker that dies or an initializer that fails.
// Where it differs from Python: a result (or an argument) that cannot be
// unpickled breaks a Python pool (BrokenProcessPool for every pending future);
// here a value that does not decode, on either side, fails only its own
// future with DataLoss, and the pool goes on serving the others.
//
// Where it differs from Python: map yields absl::StatusOr<R> (absl::Status for
// void); the first error is yielded once and ends the results, and the futures
// not yet consumed are then cancelled. With chunksize > 1 an item that throws fails only its own
// result (Python raises for the whole chunk).
//
// Lifetime: the destructor is shutdown(wait=true). Workers are daemonic
// processes started by the manager thread, so they die with the parent.
//
// Thread-safety: submit, map, shutdown and broken may be called from any thread.
// Memory ordering: everything before submit() happens-before the future's
// completion is observed (the task itself runs in another process).
//
// Example:
//
//   double area(double r) { return 3.14159 * r * r; }
//   CONC_PROCESS_FUNCTION(area);
//   ...
//   conc::ProcessPoolExecutor pool(2);
//   conc::Future<double> f = pool.submit(conc::process_function<area>, 2.0);
//   absl::StatusOr<double> a = f.result(absl::Seconds(10));

#ifndef MODULES_THREADS_PROCESS_POOL_EXECUTOR_H_
#define MODULES_THREADS_PROCESS_POOL_EXECUTOR_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/timeout.h"
#include "modules/generators/generator.h"
#include "modules/threads/future.h"
#include "modules/threads/internal/map_args.h"
#include "modules/threads/process.h"

namespace conc {

namespace internal {

// One task as the manager thread sees it: already encoded, with a completion
// that decodes the result into the typed future.
struct PoolTask {
  std::string function;
  std::string args;
  // A map chunk (chunksize > 1): the encoded arguments of each item, sent in
  // one message; `args` is then unused and the result is an encoded
  // std::vector<PoolItemResult>, one per item.
  std::vector<std::string> chunk;
  std::shared_ptr<FutureStateBase> future;
  // Called once, on the manager thread (or the submitting one on failure), with
  // the encoded result or the task's failure.
  std::function<void(absl::StatusOr<std::string>)> complete;
};

// One item's outcome inside a chunk's result.
struct PoolItemResult {
  uint8_t kind = 0;     // ResultKind (process_pool_executor.cc): value, exception, error.
  std::string payload;  // The encoded value, an encoded status (error), or the failure's text.
  CONC_CODEC_FIELDS(kind, payload);
};

// The encoded value, or the status the item's future fails with.
absl::StatusOr<std::string> PoolItemOutcome(PoolItemResult item);

class ProcessPoolCore;

}  // namespace internal

class ProcessPoolExecutor {
 public:
  // Tasks sent to one worker before its earlier ones have finished: enough to
  // keep it busy while the manager thread handles results, few enough that
  // work spreads over the workers.
  static constexpr int kMaxInFlightPerWorker = 4;

  // max_workers: nullopt is Python's default, cpu_count().
  explicit ProcessPoolExecutor(std::optional<int> max_workers = std::nullopt);

  // Python's keyword arguments, e.g.
  //   conc::ProcessPoolExecutor pool({.max_workers = 2, .max_tasks_per_child = 10});
  struct Options {
    // nullopt: cpu_count(). < 1: every submit fails with InvalidArgument.
    std::optional<int> max_workers;
    // Python's max_tasks_per_child=: a worker that has run this many tasks (a
    // map chunk counts as one, as in Python) exits, and a fresh process takes
    // its place, so a task's leaks or global state cannot outlive it. nullopt:
    // workers live as long as the pool. < 1: every submit fails with
    // InvalidArgument (Python: ValueError). worker_pids() lists the retired
    // workers too.
    std::optional<int> max_tasks_per_child;
  };
  explicit ProcessPoolExecutor(Options options);

  // Python's initializer=, initargs=: each worker process calls
  // I(initargs...) once when it starts, before its first task (also a worker
  // that gets no task). I is a registered function (CONC_PROCESS_FUNCTION), as
  // tasks are; initargs are encoded now, with the codec. It may return void,
  // absl::Status or any result (ignored). If it returns a non-OK status, throws
  // or cannot run, the pool is broken, as Python's BrokenProcessPool: every
  // pending future and every later submit fails with Aborted
  // "BrokenProcessPool: the initializer failed in worker process PID: ..."
  // (the initializer's status, code and message, follows), and broken() is
  // true.
  template <auto I, class... Args>
    requires internal::CallableWith<I, Args...>
  ProcessPoolExecutor(std::optional<int> max_workers, ProcessFunction<I> initializer, Args&&... initargs)
      : ProcessPoolExecutor(Options{.max_workers = max_workers, .max_tasks_per_child = std::nullopt}, initializer,
                            std::forward<Args>(initargs)...) {}
  template <auto I, class... Args>
    requires internal::CallableWith<I, Args...>
  ProcessPoolExecutor(Options options, ProcessFunction<I>, Args&&... initargs)
      : ProcessPoolExecutor(
            options, std::string(ProcessFunction<I>::name),
            Encode(typename ProcessFunction<I>::Traits::ArgsTuple(std::forward<Args>(initargs)...))) {}
  ~ProcessPoolExecutor();  // shutdown(wait=true)

  ProcessPoolExecutor(const ProcessPoolExecutor&) = delete;
  ProcessPoolExecutor& operator=(const ProcessPoolExecutor&) = delete;

  // Python's submit(fn, *args): schedules F(args...) in a worker and returns
  // its future. Never blocks on the workers.
  template <auto F, class... Args>
    requires internal::CallableWith<F, Args...>
  [[nodiscard]] auto submit(ProcessFunction<F>, Args&&... args)
      -> Future<std::decay_t<typename ProcessFunction<F>::Traits::Value>> {
    using R = std::decay_t<typename ProcessFunction<F>::Traits::Value>;
    Future<R> future;
    internal::PoolTask task;
    task.function = std::string(ProcessFunction<F>::name);
    task.args = Encode(typename ProcessFunction<F>::Traits::ArgsTuple(std::forward<Args>(args)...));
    task.future = FutureAccess<R>::Shared(future);
    task.complete = Completion(future);
    Enqueue(std::move(task));
    return future;
  }

  // Python's map(fn, inputs, timeout=): submits F(x) for every x now, then
  // yields the results in input order. `timeout` counts from this call.
  //
  // Python's chunksize=: the inputs are cut into chunks of `chunksize` items
  // (the last one shorter), each sent to a worker as one message and answered
  // with one message, so that many small tasks cost fewer round trips. Results
  // are still yielded one per input, in order; an item that throws fails its
  // own result only (in Python the whole chunk raises). chunksize < 1: one
  // InvalidArgument (Python's ValueError) and the end.
  template <auto F, std::ranges::input_range Range>
    requires internal::CallableWith<F, std::ranges::range_reference_t<Range>>
  [[nodiscard]] auto map(ProcessFunction<F> fn, Range&& inputs,
                         std::optional<absl::Duration> timeout = std::nullopt, int chunksize = 1)
      -> Generator<typename Future<
          std::decay_t<typename ProcessFunction<F>::Traits::Value>>::ResultType> {
    using R = std::decay_t<typename ProcessFunction<F>::Traits::Value>;
    using ArgsTuple = typename ProcessFunction<F>::Traits::ArgsTuple;
    const Deadline deadline = Deadline::FromTimeout(timeout);
    std::vector<Future<R>> futures;
    std::vector<Future<void>> chunks;
    if (chunksize < 1) {
      Future<R> bad;
      (void)bad.set_status(absl::InvalidArgumentError(
          absl::StrCat("ProcessPoolExecutor.map: chunksize must be >= 1, got ", chunksize)));
      futures.push_back(std::move(bad));
      return MapResults<R>(std::move(futures), std::move(chunks), deadline);
    }
    if (chunksize == 1) {
      for (auto&& x : inputs) futures.push_back(submit(fn, std::forward<decltype(x)>(x)));
      return MapResults<R>(std::move(futures), std::move(chunks), deadline);
    }
    std::vector<std::string> encoded;
    for (auto&& x : inputs) {
      encoded.push_back(Encode(ArgsTuple(std::forward<decltype(x)>(x))));
      futures.emplace_back();
      if (encoded.size() == static_cast<std::size_t>(chunksize)) {
        chunks.push_back(SubmitChunk<R>(ProcessFunction<F>::name, std::move(encoded),
                                        std::span<Future<R>>(futures).last(static_cast<std::size_t>(chunksize))));
        encoded.clear();
      }
    }
    if (!encoded.empty()) {
      const std::size_t n = encoded.size();
      chunks.push_back(SubmitChunk<R>(ProcessFunction<F>::name, std::move(encoded),
                                      std::span<Future<R>>(futures).last(n)));
    }
    return MapResults<R>(std::move(futures), std::move(chunks), deadline);
  }

  // map(fn, inputs, chunksize) with no timeout.
  template <auto F, std::ranges::input_range Range>
    requires internal::CallableWith<F, std::ranges::range_reference_t<Range>>
  [[nodiscard]] auto map(ProcessFunction<F> fn, Range&& inputs, int chunksize) {
    return map(fn, std::forward<Range>(inputs), std::nullopt, chunksize);
  }

  // Python's map(fn, *iterables, timeout=): F(a[i], b[i], ...) for the items
  // of several input ranges taken in step, stopping at the shortest (Python's
  // zip); the results as the one-range map yields them. An optional timeout
  // comes last: map(fn, xs, ys, absl::Seconds(5)). (chunksize: with one range.)
  template <auto F, std::ranges::input_range R1, class R2, class... Rest>
    requires std::ranges::input_range<R2> && internal::RangesThenTimeout<Rest...>
  [[nodiscard]] auto map(ProcessFunction<F> fn, R1&& r1, R2&& r2, Rest&&... rest) {
    constexpr bool kHasTimeout = internal::EndsWithTimeout<Rest...>();
    constexpr std::size_t kRanges = 2 + sizeof...(Rest) - (kHasTimeout ? 1 : 0);
    auto all = std::forward_as_tuple(r1, r2, rest...);
    std::optional<absl::Duration> timeout;
    if constexpr (kHasTimeout) timeout = std::get<kRanges>(all);
    return ZipMap(fn, all, Deadline::FromTimeout(timeout), std::make_index_sequence<kRanges>{});
  }

  // Signals that no more tasks will be submitted. cancel_futures: cancel the
  // tasks no worker has been given yet. A task given to a worker (up to
  // kMaxInFlightPerWorker per worker, the first ones submitted) is RUNNING
  // from the moment it is given and runs to the end, as the work items in
  // Python's call queue (max_workers + 1 of them) do; once shutdown returns,
  // every future is RUNNING, CANCELLED or done, none PENDING. Workers start
  // only after the first submit, so right after many submits none may have
  // been given any, and then all are cancelled, as in Python. wait: return
  // once every task has finished and the workers have exited. Safe to call twice.
  void shutdown(bool wait = true, bool cancel_futures = false);

  // True once a worker died and the pool gave up (BrokenProcessPool).
  [[nodiscard]] bool broken() const;

  [[nodiscard]] int max_workers() const { return max_workers_; }

  // The pids of the worker processes started so far, in the order started
  // (with max_tasks_per_child, the retired ones too; Python's
  // `executor._processes` holds the live ones), for tests and lessons.
  [[nodiscard]] std::vector<pid_t> worker_pids() const;

 private:
  // map over the first sizeof...(I) ranges of `all`, in step: one submit per
  // tuple of items (submit checks that F takes them).
  template <auto F, class Tuple, std::size_t... I>
  auto ZipMap(ProcessFunction<F> fn, Tuple& all, Deadline deadline, std::index_sequence<I...>) {
    using R = std::decay_t<typename ProcessFunction<F>::Traits::Value>;
    std::vector<Future<R>> futures;
    auto its = std::make_tuple(std::ranges::begin(std::get<I>(all))...);
    while (((std::get<I>(its) != std::ranges::end(std::get<I>(all))) && ...)) {
      futures.push_back(submit(fn, *std::get<I>(its)...));
      (++std::get<I>(its), ...);
    }
    return MapResults<R>(std::move(futures), std::vector<Future<void>>(), deadline);
  }

  // The completion of a task whose future is `future`: decodes its result.
  template <class R>
  static std::function<void(absl::StatusOr<std::string>)> Completion(Future<R> future) {
    return [future](absl::StatusOr<std::string> result) mutable {
      if (!result.ok()) {
        (void)future.set_status(result.status());
        return;
      }
      if constexpr (std::is_void_v<R>) {
        (void)future.set_result();
      } else {
        absl::StatusOr<R> value = Decode<R>(*result);
        if (value.ok()) {
          (void)future.set_result(*std::move(value));
        } else {
          (void)future.set_status(value.status());
        }
      }
    };
  }

  // Queues one chunk of map items (their encoded arguments) as one task, whose
  // result completes `items` (one future per argument). Returns the chunk's
  // own future: cancelling it (shutdown(cancel_futures), the generator ending
  // early) cancels the items.
  template <class R>
  Future<void> SubmitChunk(std::string_view function, std::vector<std::string> args,
                           std::span<Future<R>> items) {
    Future<void> chunk;
    std::vector<Future<R>> targets(items.begin(), items.end());
    chunk.add_done_callback([targets](const Future<void>& f) mutable {
      if (!f.cancelled()) return;
      for (Future<R>& item : targets) (void)item.cancel();
    });
    internal::PoolTask task;
    task.function = std::string(function);
    task.chunk = std::move(args);
    task.future = FutureAccess<void>::Shared(chunk);
    task.complete = [chunk, targets = std::move(targets)](absl::StatusOr<std::string> result) mutable {
      std::vector<internal::PoolItemResult> items;
      if (result.ok()) {
        absl::StatusOr<std::vector<internal::PoolItemResult>> decoded =
            Decode<std::vector<internal::PoolItemResult>>(*result);
        if (!decoded.ok()) {
          result = decoded.status();
        } else if (decoded->size() != targets.size()) {
          result = absl::InternalError("ProcessPoolExecutor.map: a chunk's result has the wrong length");
        } else {
          items = *std::move(decoded);
        }
      }
      for (std::size_t i = 0; i < targets.size(); ++i) {
        Completion(targets[i])(result.ok() ? internal::PoolItemOutcome(std::move(items[i]))
                                           : absl::StatusOr<std::string>(result.status()));
      }
      (void)chunk.set_result();
    };
    Enqueue(std::move(task));
    return chunk;
  }

  template <class R>
  struct CancelRest {
    std::vector<Future<R>>* futures;
    std::vector<Future<void>>* chunks;
    std::size_t* next;
    ~CancelRest() {
      for (Future<void>& chunk : *chunks) (void)chunk.cancel();  // Those not sent yet.
      for (std::size_t i = *next; i < futures->size(); ++i) (*futures)[i].cancel();
    }
  };

  template <class R>
  static Generator<typename Future<R>::ResultType> MapResults(std::vector<Future<R>> futures,
                                                              std::vector<Future<void>> chunks,
                                                              Deadline deadline) {
    std::size_t next = 0;
    CancelRest<R> cancel_rest{&futures, &chunks, &next};
    while (next < futures.size()) {
      typename Future<R>::ResultType r = futures[next].result(deadline.remaining());
      ++next;
      const bool ok = r.ok();
      co_yield std::move(r);
      if (!ok) co_return;
    }
  }

  ProcessPoolExecutor(Options options, std::string initializer, std::string initargs);

  void Enqueue(internal::PoolTask task);

  const int max_workers_;
  std::shared_ptr<internal::ProcessPoolCore> core_;
};

}  // namespace conc

#endif  // MODULES_THREADS_PROCESS_POOL_EXECUTOR_H_

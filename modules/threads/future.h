// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// future.h: conc::Future<T>, Python's `concurrent.futures.Future`, and the
// module functions `wait` and `as_completed`.
//
// A Future is the pending result of a call made elsewhere (a ThreadPoolExecutor
// task). It is a handle: copies refer to the same result and compare equal.
//
//   Python                                   C++
//   f.result(timeout=1)                      absl::StatusOr<T> r = f.result(absl::Seconds(1));
//   f.exception()                            absl::StatusOr<std::exception_ptr> e = f.exception();
//   f.cancel(), f.cancelled()                f.cancel(), f.cancelled()
//   f.running(), f.done()                    f.running(), f.done()
//   f.add_done_callback(fn)                  f.add_done_callback([](const conc::Future<T>& f) {...});
//   wait(fs, timeout, FIRST_COMPLETED)       conc::WaitResult<T> r = conc::wait(fs, timeout, conc::FIRST_COMPLETED);
//   for f in as_completed(fs, timeout):      for (absl::StatusOr<conc::Future<T>> f : conc::as_completed(fs, timeout))
//
// States (guarded by the future's mutex; every change notifies its waiters):
//
//   PENDING --set_running_or_notify_cancel()--> RUNNING --set_result/set_exception/set_status--> FINISHED
//   PENDING --cancel()--> CANCELLED            (PENDING may also go straight to FINISHED)
//
// `done()` is true in CANCELLED and FINISHED; callbacks run once, on entering
// either (on the thread that completed or cancelled the future), or at once on
// the caller's thread if the future is already done when they are added.
//
// What `result(timeout)` returns (Python raises where this returns a status):
//   * the value (`absl::Status` OK for Future<void>) when the call returned;
//   * DeadlineExceeded when the timeout expired first (Python's TimeoutError);
//   * Cancelled when the future was cancelled (CancelledError);
//   * Unknown, "the task raised <type>: <what()>", when the call threw; the
//     exception itself is `exception()`'s value (Python re-raises it);
//   * the status given to `set_status` (an executor that was shut down, for
//     instance, fails a submit with FailedPrecondition where Python raises).
//
// Where it differs from Python: `cancel()` wakes `wait`/`as_completed` at once
// (Python wakes them only when the executor later sees the cancelled task);
// `wait` returns its two "sets" as vectors in the order the futures were given
// (duplicates dropped); all futures given to `wait`/`as_completed` have one T.
//
// Requires: T is void or copy-constructible (`result()` returns a copy, as many
// times as it is asked).
//
// Thread-safety: every method may be called from any thread. Memory ordering:
// everything the producer did before set_result/set_exception/set_status
// happens-before a result()/exception()/done() that observes it, and before the
// callbacks and wait()/as_completed() that report it.
//
// Example:
//
//   conc::Future<int> f;  // what an executor hands out
//   conc::Thread t([f]() mutable {
//     if (f.set_running_or_notify_cancel()) (void)f.set_result(42);
//   });
//   (void)t.start();
//   absl::StatusOr<int> r = f.result(absl::Seconds(5));  // 42

#ifndef MODULES_THREADS_FUTURE_H_
#define MODULES_THREADS_FUTURE_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/mutex.h"
#include "modules/generators/generator.h"

namespace conc {

// Python's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED.
enum class ReturnWhen { kFirstCompleted, kFirstException, kAllCompleted };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::kFirstCompleted;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::kFirstException;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::kAllCompleted;

namespace internal {

// What wait() and as_completed() install on futures: the indices of the futures
// that completed, in completion order.
class Waiter {
 public:
  void Add(std::size_t index, bool failed);
  // Waits until `pred(completed count, failed count)` holds or the deadline passes.
  bool WaitFor(const Deadline& deadline, const std::function<bool(std::size_t, std::size_t)>& pred);
  // The next completed index not taken yet, waiting until the deadline; nullopt on timeout.
  std::optional<std::size_t> Take(const Deadline& deadline);
  std::vector<std::size_t> Completed();

 private:
  Mutex mu_;
  std::condition_variable cv_;
  std::vector<std::size_t> completed_ ABSL_GUARDED_BY(mu_);
  std::size_t taken_ ABSL_GUARDED_BY(mu_) = 0;
  std::size_t failed_ ABSL_GUARDED_BY(mu_) = 0;
};

// The untyped part of a future's state.
class FutureStateBase : public std::enable_shared_from_this<FutureStateBase> {
 public:
  enum class Phase { kPending, kRunning, kCancelled, kFinished };
  using Callback = std::function<void(const std::shared_ptr<FutureStateBase>&)>;

  virtual ~FutureStateBase() = default;

  bool Cancel();
  bool Cancelled() const;
  bool Running() const;
  bool Done() const;
  bool SetRunningOrNotifyCancel();
  absl::Status SetException(std::exception_ptr e);
  absl::Status SetStatus(absl::Status status);
  absl::StatusOr<std::exception_ptr> Exception(std::optional<absl::Duration> timeout) const;
  void AddDoneCallback(Callback cb);
  // Registers `waiter` as index `index`; if already done, reports it at once.
  void AddWaiter(const std::shared_ptr<Waiter>& waiter, std::size_t index);
  void RemoveWaiter(const Waiter* waiter);

 protected:
  // Whom a future that just finished tells, once mu_ is released.
  struct Finished {
    bool failed = false;
    std::vector<Callback> callbacks;
    std::vector<std::pair<std::shared_ptr<Waiter>, std::size_t>> waiters;
  };

  // Waits (with `lock` held on mu_) until done or the deadline; returns the
  // outcome as a status (see the top of future.h); `what` names the call.
  // The caller has called SpinUntilDone(deadline) before taking the lock.
  absl::Status WaitLocked(MutexLock& lock, const Deadline& deadline, const char* what) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Unless the deadline has passed, spins (then yields) briefly until
  // done_hint_ is set; gives up silently.
  void SpinUntilDone(const Deadline& deadline) const ABSL_LOCKS_EXCLUDED(mu_);
  // FailedPrecondition unless PENDING or RUNNING (Python's InvalidStateError).
  absl::Status CheckCanFinishLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Enters `phase` and notifies; returns whom to tell (ReportFinished, after
  // the caller releases mu_).
  Finished FinishLocked(Phase phase) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reports to the waiters and callbacks of FinishLocked.
  void ReportFinished(Finished finished) ABSL_LOCKS_EXCLUDED(mu_);

  mutable Mutex mu_;
  mutable std::condition_variable cv_;  // Notified on entering CANCELLED or FINISHED.
  // Set (release) when entering CANCELLED or FINISHED, with mu_ held; read
  // without the lock only as a hint, by the brief spin before a blocking wait.
  std::atomic<bool> done_hint_{false};
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kPending;
  std::exception_ptr exception_ ABSL_GUARDED_BY(mu_);  // FINISHED by an exception.
  absl::Status status_ ABSL_GUARDED_BY(mu_);           // FINISHED by set_status.
  std::vector<Callback> callbacks_ ABSL_GUARDED_BY(mu_);  // Cleared once run.
  std::vector<std::pair<std::shared_ptr<Waiter>, std::size_t>> waiters_ ABSL_GUARDED_BY(mu_);
};

template <class T>
class FutureState final : public FutureStateBase {
 public:
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  using ResultType = std::conditional_t<std::is_void_v<T>, absl::Status, absl::StatusOr<T>>;

  ResultType Result(std::optional<absl::Duration> timeout) const ABSL_LOCKS_EXCLUDED(mu_) {
    const Deadline deadline = Deadline::FromTimeout(timeout);
    SpinUntilDone(deadline);
    MutexLock lock(mu_);
    absl::Status s = WaitLocked(lock, deadline, "result");
    if (!s.ok()) return s;
    if constexpr (std::is_void_v<T>) {
      return absl::OkStatus();
    } else {
      return *value_;
    }
  }

  absl::Status SetResult(Stored value) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(mu_);
    if (absl::Status s = CheckCanFinishLocked(); !s.ok()) return s;
    value_.emplace(std::move(value));
    Finished finished = FinishLocked(Phase::kFinished);
    lock.unlock();
    ReportFinished(std::move(finished));
    return absl::OkStatus();
  }

 private:
  std::optional<Stored> value_ ABSL_GUARDED_BY(mu_);
};

// wait() without the types: which of `states` are done when it returns.
std::vector<bool> WaitStates(const std::vector<FutureStateBase*>& states, const Deadline& deadline,
                             ReturnWhen return_when);

// as_completed()'s watch over a set of futures: installed on construction,
// removed on destruction (also when the consumer stops iterating early).
class CompletionWatch {
 public:
  explicit CompletionWatch(std::vector<std::shared_ptr<FutureStateBase>> states);
  ~CompletionWatch();
  CompletionWatch(const CompletionWatch&) = delete;
  CompletionWatch& operator=(const CompletionWatch&) = delete;
  // The index of the next future to complete; nullopt if the deadline passes first.
  std::optional<std::size_t> Next(const Deadline& deadline) { return waiter_->Take(deadline); }

 private:
  std::vector<std::shared_ptr<FutureStateBase>> states_;
  std::shared_ptr<Waiter> waiter_;
};

}  // namespace internal

template <class T>
class Future {
 public:
  using ResultType = typename internal::FutureState<T>::ResultType;

  // A new PENDING future (Python's Future(), for executors and tests).
  Future() : state_(std::make_shared<internal::FutureState<T>>()) {}

  // Cancels the call if it has not started: true if the future is (now)
  // cancelled, false if it is running or finished.
  bool cancel() { return state_->Cancel(); }  // Often called for its effect alone.
  [[nodiscard]] bool cancelled() const { return state_->Cancelled(); }
  // True while the call is executing (RUNNING).
  [[nodiscard]] bool running() const { return state_->Running(); }
  // True once cancelled or finished.
  [[nodiscard]] bool done() const { return state_->Done(); }

  // The call's value, waiting at most `timeout` (nullopt: forever); the
  // statuses are listed at the top of this file.
  [[nodiscard]] ResultType result(std::optional<absl::Duration> timeout = std::nullopt) const {
    return state_->Result(timeout);
  }

  // The exception the call threw (nullptr if it returned), waiting at most
  // `timeout`. DeadlineExceeded on timeout, Cancelled if cancelled, or the
  // status the future was failed with by set_status.
  [[nodiscard]] absl::StatusOr<std::exception_ptr> exception(
      std::optional<absl::Duration> timeout = std::nullopt) const {
    return state_->Exception(timeout);
  }

  // Calls fn(*this) once the future is done, on the thread that finished or
  // cancelled it, or now on this thread if it is done already. Callbacks run
  // in the order added; one that throws is reported to stderr and ignored.
  void add_done_callback(std::function<void(const Future<T>&)> fn) {
    state_->AddDoneCallback([fn = std::move(fn)](const std::shared_ptr<internal::FutureStateBase>& s) {
      fn(Future<T>(std::static_pointer_cast<internal::FutureState<T>>(s)));
    });
  }

  // For executors (and tests), as in Python. Before running the call: false if
  // the future was cancelled (do not run it), true if it is now RUNNING; false
  // as well if it was already running or finished.
  [[nodiscard]] bool set_running_or_notify_cancel() { return state_->SetRunningOrNotifyCancel(); }
  // Finish with a value / with an exception / with a failure status (must not
  // be OK). FailedPrecondition if already cancelled or finished.
  [[nodiscard]] absl::Status set_result(typename internal::FutureState<T>::Stored value)
    requires(!std::is_void_v<T>)
  {
    return state_->SetResult(std::move(value));
  }
  [[nodiscard]] absl::Status set_result()
    requires std::is_void_v<T>
  {
    return state_->SetResult(std::monostate{});
  }
  [[nodiscard]] absl::Status set_exception(std::exception_ptr e) { return state_->SetException(std::move(e)); }
  [[nodiscard]] absl::Status set_status(absl::Status status) { return state_->SetStatus(std::move(status)); }

  friend bool operator==(const Future& a, const Future& b) { return a.state_ == b.state_; }

 private:
  template <class U>
  friend struct WaitResult;
  template <class U>
  friend struct FutureAccess;
  explicit Future(std::shared_ptr<internal::FutureState<T>> state) : state_(std::move(state)) {}

  std::shared_ptr<internal::FutureState<T>> state_;  // Never null.
};

// Reaches the state behind a Future (for wait, as_completed and executors).
template <class T>
struct FutureAccess {
  static internal::FutureState<T>* Get(const Future<T>& f) { return f.state_.get(); }
  static const std::shared_ptr<internal::FutureState<T>>& Shared(const Future<T>& f) { return f.state_; }
};

// Python's DoneAndNotDoneFutures.
template <class T>
struct WaitResult {
  std::vector<Future<T>> done;
  std::vector<Future<T>> not_done;
};

namespace internal {
template <class T>
std::vector<Future<T>> Unique(const std::vector<Future<T>>& fs) {
  std::vector<Future<T>> unique;
  for (const Future<T>& f : fs) {
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(f);
  }
  return unique;
}
}  // namespace internal

// Waits until `return_when` holds for `fs` or `timeout` expires (nullopt:
// forever), then returns which are done and which are not; never an error
// (on timeout, not_done is not empty). FIRST_COMPLETED: any future done;
// FIRST_EXCEPTION: any finished by an exception or a failure status (not by
// cancellation), else all done; ALL_COMPLETED: all done.
template <class T>
[[nodiscard]] WaitResult<T> wait(const std::vector<Future<T>>& fs,
                                 std::optional<absl::Duration> timeout = std::nullopt,
                                 ReturnWhen return_when = ALL_COMPLETED) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  std::vector<Future<T>> unique = internal::Unique(fs);
  std::vector<internal::FutureStateBase*> states;
  for (const Future<T>& f : unique) states.push_back(FutureAccess<T>::Get(f));
  const std::vector<bool> done = internal::WaitStates(states, deadline, return_when);
  WaitResult<T> result;
  for (std::size_t i = 0; i < unique.size(); ++i) {
    (done[i] ? result.done : result.not_done).push_back(unique[i]);
  }
  return result;
}

// wait({f1, f2}, ...): a braced list of futures.
template <class T>
[[nodiscard]] WaitResult<T> wait(std::initializer_list<Future<T>> fs,
                                 std::optional<absl::Duration> timeout = std::nullopt,
                                 ReturnWhen return_when = ALL_COMPLETED) {
  return wait(std::vector<Future<T>>(fs), timeout, return_when);
}

namespace internal {
template <class T>
Generator<absl::StatusOr<Future<T>>> AsCompleted(std::vector<Future<T>> unique,
                                                 std::unique_ptr<CompletionWatch> watch, Deadline deadline) {
  for (std::size_t yielded = 0; yielded < unique.size(); ++yielded) {
    std::optional<std::size_t> index = watch->Next(deadline);
    if (!index.has_value()) {
      co_yield absl::StatusOr<Future<T>>(absl::DeadlineExceededError(
          std::to_string(unique.size() - yielded) + " (of " + std::to_string(unique.size()) +
          ") futures unfinished"));
      co_return;
    }
    co_yield absl::StatusOr<Future<T>>(unique[*index]);
  }
}
}  // namespace internal

// Yields the futures of `fs` as they complete (finished or cancelled): those
// already done first, in the order given, then the others in completion order;
// duplicates once. The timeout counts from this call (nullopt: forever); if it
// expires, one DeadlineExceeded status "N (of M) futures unfinished" is
// yielded and the generator ends (Python raises TimeoutError from next()).
// Destroying the generator early stops watching the futures.
template <class T>
[[nodiscard]] Generator<absl::StatusOr<Future<T>>> as_completed(
    const std::vector<Future<T>>& fs, std::optional<absl::Duration> timeout = std::nullopt) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  std::vector<Future<T>> unique = internal::Unique(fs);
  std::vector<std::shared_ptr<internal::FutureStateBase>> states;
  for (const Future<T>& f : unique) states.push_back(FutureAccess<T>::Shared(f));
  auto watch = std::make_unique<internal::CompletionWatch>(std::move(states));
  return internal::AsCompleted<T>(std::move(unique), std::move(watch), deadline);
}

// as_completed({f1, f2}, ...): a braced list of futures.
template <class T>
[[nodiscard]] Generator<absl::StatusOr<Future<T>>> as_completed(
    std::initializer_list<Future<T>> fs, std::optional<absl::Duration> timeout = std::nullopt) {
  return as_completed(std::vector<Future<T>>(fs), timeout);
}

}  // namespace conc

#endif  // MODULES_THREADS_FUTURE_H_

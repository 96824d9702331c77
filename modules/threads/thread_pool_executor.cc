// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/thread_pool_executor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc {
namespace {

std::atomic<int> g_executor_counter{0};  // Python's ThreadPoolExecutor._counter.

}  // namespace

int cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : static_cast<int>(n);
}

ThreadPoolExecutor::ThreadPoolExecutor(InitTag, std::optional<int> max_workers, std::string thread_name_prefix,
                                       Initializer initializer)
    : max_workers_(max_workers.has_value() ? std::max(1, *max_workers) : std::min(32, cpu_count() + 4)),
      prefix_(thread_name_prefix.empty() ? absl::StrCat("ThreadPoolExecutor-", g_executor_counter++)
                                         : std::move(thread_name_prefix)),
      initializer_(std::move(initializer)) {
  // At exit, let the workers finish the queue and end, so the exit hook's join
  // of non-daemon threads does not wait forever on idle workers.
  atexit_id_ = internal::RegisterAtexit([this] { shutdown(/*wait=*/false); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  internal::UnregisterAtexit(atexit_id_);
  shutdown(/*wait=*/true);
}

absl::Status ThreadPoolExecutor::Enqueue(std::vector<WorkItem> items) {
  internal::MutexLock lock(mu_);
  if (!broken_.ok()) return broken_;
  if (shutdown_) return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
  for (WorkItem& item : items) queue_.push_back(std::move(item));
  // Python's _adjust_thread_count: idle workers take the work, and a new worker
  // starts (up to max_workers) for each item no idle worker is left for.
  // `idle_` counts workers blocked in wait that have not woken yet, so two
  // quick submits do not both count on one idle worker.
  const std::size_t idle = static_cast<std::size_t>(idle_);
  if (idle > 0) {
    if (items.size() == 1) {
      cv_.notify_one();
    } else {
      cv_.notify_all();
    }
  }
  return StartWorkersLocked(idle);
}

absl::Status ThreadPoolExecutor::StartWorkersLocked(std::size_t idle) {
  for (std::size_t started = 0;
       queue_.size() > idle + started && static_cast<int>(workers_.size()) < max_workers_; ++started) {
    Thread worker({.name = absl::StrCat(prefix_, "_", workers_.size()), .daemon = false},
                  [this] { WorkerLoop(); });
    if (absl::Status s = worker.start(); !s.ok()) {
      // No new thread: the workers there are will get to the work; with none, fail it.
      if (!workers_.empty()) break;
      queue_.clear();
      return s;
    }
    workers_.push_back(std::move(worker));
  }
  return absl::OkStatus();
}

absl::Status ThreadPoolExecutor::EnqueueBatch(std::shared_ptr<MapBatchBase> batch) {
  const std::size_t runners = std::min<std::size_t>(static_cast<std::size_t>(max_workers_), batch->size());
  internal::MutexLock lock(mu_);
  if (!broken_.ok()) return broken_;
  if (shutdown_) return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
  if (runners == 0) return absl::OkStatus();
  batch->runners.store(static_cast<int>(runners), std::memory_order_relaxed);
  batches_.push_back(batch);
  for (std::size_t i = 0; i < runners; ++i) {
    queue_.push_back(WorkItem{internal::UniqueFunction([this, batch] { RunBatch(batch); }), nullptr});
  }
  const std::size_t idle = static_cast<std::size_t>(idle_);
  if (idle > 0) {
    if (runners == 1) {
      cv_.notify_one();
    } else {
      cv_.notify_all();
    }
  }
  absl::Status s = StartWorkersLocked(idle);
  if (!s.ok()) std::erase(batches_, batch);
  return s;
}

void ThreadPoolExecutor::RunBatch(const std::shared_ptr<MapBatchBase>& batch) {
  batch->RunRunner();
  if (batch->runners.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The last runner: every item is claimed (or the batch stopped).
    internal::MutexLock lock(mu_);
    std::erase(batches_, batch);
  }
}

ThreadPoolExecutor::MapBatchBase::MapBatchBase(std::size_t n)
    : n_(n), states_(new std::atomic<unsigned char>[n]), waiting_for_(n) {
  for (std::size_t i = 0; i < n; ++i) states_[i].store(kUnclaimed, std::memory_order_relaxed);
  // Chunks small enough that the runners share the work, large enough that
  // claiming is rare; the final pass in RunRunner takes what a busy runner left.
  chunk_ = std::clamp<std::size_t>(n / 16, 1, 64);
}

void ThreadPoolExecutor::MapBatchBase::TryRun(std::size_t i) {
  unsigned char expected = kUnclaimed;
  if (!states_[i].compare_exchange_strong(expected, kRunning, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
    return;  // Taken by another runner, or cancelled.
  }
  RunItem(i);
  // seq_cst store, then seq_cst load of waiting_for_; Await does the mirror
  // image (store waiting_for_, load the state), so one of them sees the other.
  states_[i].store(kDone, std::memory_order_seq_cst);
  if (waiting_for_.load(std::memory_order_seq_cst) == i) {
    internal::MutexLock lock(mu_);
    cv_.notify_all();
  }
}

void ThreadPoolExecutor::MapBatchBase::RunRunner() {
  while (!stopped_.load(std::memory_order_relaxed)) {
    const std::size_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
    if (begin >= n_) break;
    const std::size_t end = std::min(n_, begin + chunk_);
    for (std::size_t i = begin; i < end && !stopped_.load(std::memory_order_relaxed); ++i) TryRun(i);
  }
  // Items of chunks other runners claimed but have not started yet (one of
  // them may be blocked in an earlier item of its chunk): take them, so that
  // no item waits behind a blocked one while this runner's worker is free.
  for (std::size_t i = 0; i < n_ && !stopped_.load(std::memory_order_relaxed); ++i) {
    if (states_[i].load(std::memory_order_relaxed) == kUnclaimed) TryRun(i);
  }
}

void ThreadPoolExecutor::MapBatchBase::Stop() {
  stopped_.store(true, std::memory_order_seq_cst);
  internal::MutexLock lock(mu_);
  cv_.notify_all();
}

void ThreadPoolExecutor::MapBatchBase::Break(absl::Status status) {
  {
    internal::MutexLock lock(mu_);
    stop_status_ = std::move(status);
  }
  Stop();
}

absl::Status ThreadPoolExecutor::MapBatchBase::StopStatus() {
  internal::MutexLock lock(mu_);
  if (!stop_status_.ok()) return stop_status_;
  return absl::CancelledError("Future.result: the future was cancelled");
}

ThreadPoolExecutor::MapBatchBase::State ThreadPoolExecutor::MapBatchBase::Await(std::size_t i,
                                                                                const Deadline& deadline) {
  auto state = [&] { return static_cast<State>(states_[i].load(std::memory_order_acquire)); };
  State st = state();
  if (st == kDone || st == kCancelled) return st;
  // A result microseconds away is cheaper to spin for than to sleep for (a
  // wake-up across CPUs costs tens of microseconds on a VM).
  for (int k = 0; k < 512; ++k) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    st = state();
    if (st == kDone) return st;
  }
  internal::MutexLock lock(mu_);
  waiting_for_.store(i, std::memory_order_seq_cst);
  while (true) {
    st = static_cast<State>(states_[i].load(std::memory_order_seq_cst));
    if (st == kDone || st == kCancelled) break;
    if (st == kUnclaimed && stopped_.load(std::memory_order_seq_cst)) {
      unsigned char expected = kUnclaimed;
      if (states_[i].compare_exchange_strong(expected, kCancelled, std::memory_order_acq_rel)) {
        st = kCancelled;
        break;
      }
      continue;  // A runner started it first.
    }
    if (deadline.is_infinite()) {
      cv_.wait(lock.native());
    } else if (cv_.wait_until(lock.native(), deadline.to_steady_time_point()) == std::cv_status::timeout) {
      st = static_cast<State>(states_[i].load(std::memory_order_acquire));
      if (st == kDone) break;
      if (deadline.expired()) break;
    }
  }
  waiting_for_.store(n_, std::memory_order_relaxed);
  return st;
}

void ThreadPoolExecutor::BreakPool(absl::Status why) {
  std::deque<WorkItem> failed;
  std::vector<std::shared_ptr<MapBatchBase>> batches;
  {
    internal::MutexLock lock(mu_);
    if (broken_.ok()) broken_ = std::move(why);
    failed.swap(queue_);
    batches.swap(batches_);
    why = broken_;
  }
  // Python's _initializer_failed: every pending future fails with BrokenThreadPool.
  for (WorkItem& item : failed) {
    if (item.future != nullptr) (void)item.future->SetStatus(why);
  }
  failed.clear();
  for (const std::shared_ptr<MapBatchBase>& batch : batches) batch->Break(why);
}

void ThreadPoolExecutor::WorkerLoop() {
  if (initializer_ != nullptr) {
    absl::Status s;
    try {
      s = initializer_();
    } catch (...) {
      s = absl::UnknownError(
          absl::StrCat("the initializer raised ", internal::DescribeException(std::current_exception())));
    }
    if (!s.ok()) {
      // This worker ends; the others finish what they run and then find nothing.
      BreakPool(BrokenError(absl::StrCat(
          "BrokenThreadPool: a thread initializer failed, the thread pool is not usable anymore: ", s.ToString())));
      return;
    }
  }
  internal::MutexLock lock(mu_);
  while (true) {
    if (!queue_.empty()) {
      WorkItem item = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      item.run();
      item = WorkItem{};  // Destroy the task's captures outside the lock.
      lock.lock();
      continue;
    }
    if (shutdown_) return;
    ++idle_;
    cv_.wait(lock.native());
    --idle_;
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<Thread> workers;
  std::deque<WorkItem> cancelled;
  {
    internal::MutexLock lock(mu_);
    shutdown_ = true;
    if (cancel_futures) {
      cancelled.swap(queue_);
      // Map calls: items not started are skipped; the consumer sees them cancelled.
      for (const std::shared_ptr<MapBatchBase>& batch : batches_) batch->Stop();
      // No batch is registered after shutdown; runners still running stop at
      // their next item (RunBatch's erase then finds nothing).
      batches_.clear();
    }
    cv_.notify_all();
    if (wait) workers = workers_;
  }
  for (WorkItem& item : cancelled) {
    if (item.future != nullptr) item.future->Cancel();
  }
  cancelled.clear();
  if (!wait) return;
  const Thread me = current_thread();
  for (const Thread& worker : workers) {
    if (worker == me) continue;  // shutdown(wait=true) from a task.
    (void)worker.join();
  }
}

}  // namespace conc

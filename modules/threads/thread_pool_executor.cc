// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/thread_pool_executor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"

namespace conc {
namespace {

std::atomic<int> g_executor_counter{0};  // Python's ThreadPoolExecutor._counter.

}  // namespace

int cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : static_cast<int>(n);
}

ThreadPoolExecutor::ThreadPoolExecutor(std::optional<int> max_workers, std::string thread_name_prefix)
    : max_workers_(max_workers.has_value() ? std::max(1, *max_workers) : std::min(32, cpu_count() + 4)),
      prefix_(thread_name_prefix.empty() ? absl::StrCat("ThreadPoolExecutor-", g_executor_counter++)
                                         : std::move(thread_name_prefix)) {
  // At exit, let the workers finish the queue and end, so the exit hook's join
  // of non-daemon threads does not wait forever on idle workers.
  atexit_id_ = internal::RegisterAtexit([this] { shutdown(/*wait=*/false); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  internal::UnregisterAtexit(atexit_id_);
  shutdown(/*wait=*/true);
}

absl::Status ThreadPoolExecutor::Enqueue(std::vector<WorkItem> items) {
  std::unique_lock<std::mutex> lock(mu_);
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

void ThreadPoolExecutor::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
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
    cv_.wait(lock);
    --idle_;
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<Thread> workers;
  std::deque<WorkItem> cancelled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    if (cancel_futures) cancelled.swap(queue_);
    cv_.notify_all();
    if (wait) workers = workers_;
  }
  for (WorkItem& item : cancelled) item.future->Cancel();
  cancelled.clear();
  if (!wait) return;
  const Thread me = current_thread();
  for (const Thread& worker : workers) {
    if (worker == me) continue;  // shutdown(wait=true) from a task.
    (void)worker.join();
  }
}

}  // namespace conc

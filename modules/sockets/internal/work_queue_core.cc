// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/internal/work_queue_core.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/timeout.h"

namespace conc::internal {
namespace {

constexpr int64_t kMaxSteps = 1'000'000;
constexpr int32_t kMaxStepDelayMs = 60'000;

}  // namespace

sockets::WatchEvent ProgressEvent(int64_t task_id, int64_t steps_done, int64_t total_steps) {
  sockets::WatchEvent event;
  sockets::Progress* progress = event.mutable_progress();
  progress->set_task_id(task_id);
  progress->set_steps_done(steps_done);
  progress->set_total_steps(total_steps);
  return event;
}

sockets::WatchEvent FinalEvent(const sockets::TaskStatus& status) {
  sockets::WatchEvent event;
  *event.mutable_final() = status;
  return event;
}

WorkQueueCore::WorkQueueCore(int workers, size_t max_finished)
    : max_finished_(std::max<size_t>(max_finished, 1)) {
  for (int i = 0; i < std::max(workers, 1); ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

WorkQueueCore::~WorkQueueCore() { Stop(); }

absl::Status WorkQueueCore::Validate(const sockets::TaskSpec& spec) {
  if (spec.kind() != sockets::COUNT && spec.kind() != sockets::SUM_OF_SQUARES) {
    return absl::InvalidArgumentError(
        absl::StrCat("task kind must be COUNT or SUM_OF_SQUARES, got ", spec.kind()));
  }
  if (spec.n() < 0 || spec.n() > kMaxSteps) {
    return absl::InvalidArgumentError(
        absl::StrCat("n must be in [0, ", kMaxSteps, "], got ", spec.n()));
  }
  if (spec.step_delay_ms() < 0 || spec.step_delay_ms() > kMaxStepDelayMs) {
    return absl::InvalidArgumentError(absl::StrCat("step_delay_ms must be in [0, ", kMaxStepDelayMs,
                                                   "], got ", spec.step_delay_ms()));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> WorkQueueCore::Submit(const sockets::TaskSpec& spec) {
  if (absl::Status valid = Validate(spec); !valid.ok()) return valid;
  MutexLock lock(mu_);
  if (draining_ || stopping_) {
    return absl::UnavailableError("the work queue is shutting down: submit to another server");
  }
  const int64_t id = next_id_++;
  Task& task = tasks_[id];
  task.spec = spec;
  task.status.set_task_id(id);
  task.status.set_state(sockets::QUEUED);
  task.status.set_total_steps(spec.n());
  queue_.push_back(id);
  work_cv_.notify_one();
  Changed(id);
  return id;
}

absl::StatusOr<sockets::TaskStatus> WorkQueueCore::Get(int64_t id) const {
  MutexLock lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return absl::NotFoundError(absl::StrCat("no task ", id));
  return it->second.status;
}

absl::StatusOr<sockets::TaskStatus> WorkQueueCore::Cancel(int64_t id, std::string_view why) {
  MutexLock lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return absl::NotFoundError(absl::StrCat("no task ", id));
  if (IsEnded(it->second.status.state())) return it->second.status;
  // A queued task stays in queue_; its worker skips it. A running one sees the
  // state before its next step, and its pause is cut short.
  EndTask(it->second, sockets::CANCELLED, why);
  sockets::TaskStatus status = it->second.status;
  cancel_cv_.notify_all();
  Changed(id);
  return status;
}

uint64_t WorkQueueCore::version() const {
  MutexLock lock(mu_);
  return version_;
}

uint64_t WorkQueueCore::WaitForChange(uint64_t seen, absl::Duration slice) const {
  const Deadline deadline = Deadline::FromTimeout(slice);
  MutexLock lock(mu_);
  changed_cv_.wait_until(lock.native(), deadline.to_steady_time_point(),
                         [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return version_ != seen; });
  return version_;
}

void WorkQueueCore::Poke() {
  MutexLock lock(mu_);
  ++version_;
  changed_cv_.notify_all();
}

uint64_t WorkQueueCore::Listen(int64_t id, std::function<void()> listener) {
  MutexLock lock(listeners_mu_);
  const uint64_t handle = next_listener_++;
  listeners_[id].emplace(handle, std::make_shared<const std::function<void()>>(std::move(listener)));
  listener_tasks_.emplace(handle, id);
  return handle;
}

void WorkQueueCore::Unlisten(uint64_t handle) {
  MutexLock lock(listeners_mu_);
  auto it = listener_tasks_.find(handle);
  if (it == listener_tasks_.end()) return;
  auto task = listeners_.find(it->second);
  task->second.erase(handle);
  if (task->second.empty()) listeners_.erase(task);
  listener_tasks_.erase(it);
}

void WorkQueueCore::Notify(int64_t id) {
  std::vector<Listener> calls;
  {
    MutexLock lock(listeners_mu_);
    auto task = listeners_.find(id);
    if (task == listeners_.end()) return;
    for (const auto& [handle, listener] : task->second) calls.push_back(listener);
  }
  for (const Listener& listener : calls) (*listener)();
}

void WorkQueueCore::StartDraining() {
  MutexLock lock(mu_);
  draining_ = true;
}

void WorkQueueCore::Stop() {
  std::vector<int64_t> cancelled;
  std::vector<std::thread> workers;
  {
    MutexLock lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, task] : tasks_) {
      if (!IsEnded(task.status.state())) {
        EndTask(task, sockets::CANCELLED, "server shutting down");
        cancelled.push_back(id);
      }
    }
    ++version_;
    changed_cv_.notify_all();
    work_cv_.notify_all();
    cancel_cv_.notify_all();
    workers.swap(workers_);  // joined by this call alone
  }
  for (int64_t id : cancelled) Notify(id);
  for (std::thread& worker : workers) worker.join();
}

void WorkQueueCore::WorkerLoop() {
  MutexLock lock(mu_);
  while (true) {
    work_cv_.wait(lock.native(),
                  [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const int64_t id = queue_.front();
    queue_.pop_front();
    RunTask(lock, id);
  }
}

void WorkQueueCore::RunTask(MutexLock& lock, int64_t id) {
  // The task is looked up again after every unlock: a cancel may end it meanwhile,
  // and an ended task may be forgotten (erased) once max_finished others ended.
  auto running = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> Task* {
    auto it = tasks_.find(id);
    if (it == tasks_.end() || it->second.status.state() != sockets::RUNNING || stopping_) {
      return nullptr;
    }
    return &it->second;
  };
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.status.state() != sockets::QUEUED) return;  // cancelled
  it->second.status.set_state(sockets::RUNNING);
  const sockets::TaskSpec spec = it->second.spec;
  Changed(id);
  const auto pause = std::chrono::milliseconds(spec.step_delay_ms());
  int64_t acc = 0;
  for (int64_t step = 1; step <= spec.n(); ++step) {
    Task* task = running();
    if (task == nullptr) return;
    acc += spec.kind() == sockets::SUM_OF_SQUARES ? step * step : 1;
    task->status.set_steps_done(step);
    steps_executed_.fetch_add(1, std::memory_order_relaxed);
    if (step == spec.n()) break;
    Changed(id);
    if (pause.count() > 0) {
      cancel_cv_.wait_for(lock.native(), pause,
                          [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running() == nullptr; });
    }
  }
  Task* task = running();
  if (task == nullptr) return;
  task->status.set_result(acc);
  EndTask(*task, sockets::DONE, "");
  Changed(id);
}

void WorkQueueCore::EndTask(Task& task, sockets::TaskState state, std::string_view why) {
  task.status.set_state(state);
  task.status.set_error(std::string(why));
  finished_.push_back(task.status.task_id());
  while (finished_.size() > max_finished_) {
    tasks_.erase(finished_.front());
    finished_.pop_front();
  }
}

void WorkQueueCore::Changed(int64_t id) {
  ++version_;
  changed_cv_.notify_all();
  // The caller's MutexLock still owns mu_ on paper: it is locked again before
  // the caller's scope can end.
  mu_.unlock();
  Notify(id);
  mu_.lock();
}

}  // namespace conc::internal

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/work_queue_core.h: the work queue itself, without gRPC: the task table,
// the FIFO of queued tasks and the worker threads that take their steps. Both
// server APIs of WorkQueueServer (the synchronous service and the callback
// reactors) are thin layers over one WorkQueueCore, so they behave identically.
//
// Tasks (see work_queue.proto): n steps, each step's work then step_delay_ms of
// pause. A worker checks the task's cancel flag before every step, and the pause
// ends at once on a cancel, so a cancelled task takes no further step: the
// counter steps_executed() stops growing (the cancellation test watches it).
//
// Change notification, two ways, one per server API:
//   * version()/WaitForChange(): a counter bumped on every change of any task,
//     with one condition variable; a synchronous handler thread sleeps on it (in
//     short slices, so that it can poll ServerContext::IsCancelled()). Every
//     waiting thread wakes on every change: fine for tens of watchers, and the
//     reason the callback API exists.
//   * Listen()/Unlisten(): a callback per task, run after each change of that
//     task on the thread that changed it, with no lock of the core held; a
//     reactor uses it to start its next write. Calls may overlap and arrive out
//     of order (the listener re-reads the task). After Unlisten returns no new
//     call starts, but one already started may still be running: a listener
//     holds what it touches by weak_ptr (gRPC may even run the reactor's
//     OnWriteDone, inline, inside the StartWrite a listener makes).
//
// Thread-safe. The mutexes are conc::internal::Mutex, a std::mutex that clang's
// -Wthread-safety sees (TSan cannot see Debian's absl::Mutex).

#ifndef MODULES_SOCKETS_INTERNAL_WORK_QUEUE_CORE_H_
#define MODULES_SOCKETS_INTERNAL_WORK_QUEUE_CORE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/sockets/work_queue.pb.h"

namespace conc::internal {

// Whether a task in this state will change no more.
inline bool IsEnded(sockets::TaskState state) {
  return state == sockets::DONE || state == sockets::CANCELLED;
}

// The events both server APIs send.
sockets::WatchEvent ProgressEvent(int64_t task_id, int64_t steps_done, int64_t total_steps);
sockets::WatchEvent FinalEvent(const sockets::TaskStatus& status);

// The errors a task cancelled through its call gets (Cancel's are the client's).
inline constexpr char kCancelledByClient[] = "cancelled by a client";
inline constexpr char kWatcherWentAway[] = "its watcher went away (cancel_on_abandon)";
inline constexpr char kSessionWentAway[] = "its session was cancelled";

class WorkQueueCore {
 public:
  // `workers` threads (at least 1) take tasks in submission order; the table keeps
  // at most `max_finished` ended tasks (the oldest are forgotten: NOT_FOUND).
  WorkQueueCore(int workers, size_t max_finished);
  ~WorkQueueCore();  // Stop()
  WorkQueueCore(const WorkQueueCore&) = delete;
  WorkQueueCore& operator=(const WorkQueueCore&) = delete;

  // InvalidArgument naming the field, or OK.
  static absl::Status Validate(const sockets::TaskSpec& spec);

  // The new task's id (1, 2, ...). InvalidArgument (Validate), Unavailable while
  // draining or stopped.
  absl::StatusOr<int64_t> Submit(const sockets::TaskSpec& spec);
  // NotFound for an id never given out (or forgotten).
  absl::StatusOr<sockets::TaskStatus> Get(int64_t id) const;
  // Cancels a queued or running task (`why` becomes its error); an ended task is
  // returned unchanged. NotFound as Get.
  absl::StatusOr<sockets::TaskStatus> Cancel(int64_t id, std::string_view why);

  uint64_t version() const;
  // Returns when version() != seen or after `slice`; returns version().
  uint64_t WaitForChange(uint64_t seen, absl::Duration slice) const;
  // Bumps the version: wakes every WaitForChange (a handler's own event).
  void Poke();

  uint64_t Listen(int64_t id, std::function<void()> listener);
  void Unlisten(uint64_t handle);

  // Refuse new tasks (Unavailable); queued and running ones go on.
  void StartDraining();
  // Refuse new tasks, cancel every unfinished one ("server shutting down"), join
  // the workers. Idempotent; a call while another one joins returns at once.
  void Stop();

  // Steps taken by all workers since construction.
  int64_t steps_executed() const { return steps_executed_.load(std::memory_order_relaxed); }

 private:
  struct Task {
    sockets::TaskSpec spec;
    sockets::TaskStatus status;
  };

  void WorkerLoop();
  void RunTask(MutexLock& lock, int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndTask(Task& task, sockets::TaskState state, std::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Bumps the version and runs the task's listeners, dropping mu_ meanwhile.
  void Changed(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify(int64_t id) ABSL_LOCKS_EXCLUDED(mu_, listeners_mu_);  // runs the task's listeners

  mutable Mutex mu_;
  mutable std::condition_variable changed_cv_;  // version_ moved
  std::condition_variable work_cv_;             // a task was queued, or stop
  std::condition_variable cancel_cv_;           // a cancel or stop: cut a step's pause short
  std::map<int64_t, Task> tasks_ ABSL_GUARDED_BY(mu_);
  std::deque<int64_t> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<int64_t> finished_ ABSL_GUARDED_BY(mu_);  // ended tasks, oldest first, for forgetting
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const size_t max_finished_;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> steps_executed_{0};

  using Listener = std::shared_ptr<const std::function<void()>>;
  Mutex listeners_mu_;
  uint64_t next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  // task id -> handle -> listener
  std::map<int64_t, std::map<uint64_t, Listener>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  std::map<uint64_t, int64_t> listener_tasks_ ABSL_GUARDED_BY(listeners_mu_);  // handle -> task id
};

}  // namespace conc::internal

#endif  // MODULES_SOCKETS_INTERNAL_WORK_QUEUE_CORE_H_

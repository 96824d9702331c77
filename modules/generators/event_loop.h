// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// event_loop.h: conc::EventLoop, Python's asyncio event loop, and conc::Handle,
// what call_soon/call_later/call_at return.
//
// An EventLoop runs callbacks and coroutine tasks (task.h) on ONE thread: the
// thread that calls run_until_complete/run_forever. It is built on epoll(7):
//
//   * a ready queue of callbacks (call_soon), run in FIFO order;
//   * a timer heap (call_later/call_at), a std::priority_queue of deadlines on
//     the monotonic clock (conc::Deadline); equal deadlines run in the order
//     they were scheduled;
//   * file descriptors watched for reading/writing (add_reader/add_writer);
//   * an eventfd in the same epoll set, written by call_soon_threadsafe so that
//     another thread can wake a loop blocked in epoll_wait.
//
// One iteration (Python's BaseEventLoop._run_once): wait in epoll_wait until a
// descriptor is ready or the earliest timer is due (not at all if callbacks are
// ready), move the ready descriptors' callbacks, the threadsafe queue and the
// due timers to the ready queue, then run exactly the callbacks that are ready
// now (those they schedule run in the next iteration).
//
// Python -> C++:
//
//   loop = asyncio.new_event_loop()       auto loop = conc::EventLoop::Create();  // StatusOr
//   h = loop.call_soon(fn)                conc::Handle h = loop->call_soon(fn);
//   loop.call_later(0.5, fn)              loop->call_later(absl::Milliseconds(500), fn);
//   loop.call_at(when, fn)                loop->call_at(deadline, fn);
//   h.cancel()                            h.cancel();
//   loop.call_soon_threadsafe(fn)         loop->call_soon_threadsafe(fn);   // any thread
//   loop.add_reader(fd, fn)               absl::Status s = loop->add_reader(fd, fn);
//   loop.run_until_complete(coro())       absl::StatusOr<T> r = loop->run_until_complete(coro());
//   loop.run_forever(); loop.stop()       absl::Status s = loop->run_forever(); loop->stop();
//   loop.create_task(coro())              conc::Task<T> t = loop->create_task(coro());
//   loop.close()                          loop.reset()   // the destructor closes
//   asyncio.get_running_loop()            conc::EventLoop::current()  // nullptr: none
//
// Where it differs from Python:
//   * Creation can fail (epoll_create1/eventfd: out of descriptors), so the loop
//     comes from a factory returning StatusOr (docs/DESIGN.md).
//   * run_until_complete and run_forever take the project's timeout (a bound on
//     the run, for tests and supervisors): on expiry they return
//     DeadlineExceeded and leave the tasks as they are.
//   * Errors are statuses: running a loop that is running, or while another loop
//     runs on this thread, is FailedPrecondition (Python's RuntimeError); a loop
//     stopped before the task completed is FailedPrecondition ("Event loop
//     stopped before Future completed.").
//   * Callbacks are `std::function<void()>` (use a lambda for arguments; no
//     `context=`); an exception escaping a callback is a bug (std::terminate),
//     since the loop has no exception handler. Exceptions in *tasks* are kept
//     by the task (task.h).
//   * Destroying the loop closes it: pending callbacks and timers are dropped,
//     tasks still pending stop waiting; a pending task that then has no owner
//     is destroyed and reported ("Task was destroyed but it is pending!").
//
// Thread-safety: every method runs on the loop's thread (the one running it, or
// before/after a run the one that owns it), except call_soon_threadsafe, which
// any thread may call while the loop exists. Memory ordering: what a thread did
// before call_soon_threadsafe(fn) happens-before fn runs on the loop's thread
// (a mutex protects the queue).
//
// Example:
//
//   auto loop = conc::EventLoop::Create();
//   if (!loop.ok()) return loop.status();
//   (*loop)->call_later(absl::Milliseconds(10), [&] { (*loop)->stop(); });
//   (*loop)->call_soon([] { std::puts("first"); });
//   absl::Status s = (*loop)->run_forever(absl::Seconds(5));  // "first", then stops

#ifndef MODULES_GENERATORS_EVENT_LOOP_H_
#define MODULES_GENERATORS_EVENT_LOOP_H_

#include <signal.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/mutex.h"
#include "modules/generators/internal/task_base.h"

namespace conc {

template <class T>
class Task;

namespace internal {
// A scheduled callback: shared by the loop's queues and the Handle.
struct Callback {
  std::function<void()> fn;
  Deadline::Clock::time_point when{};  // timers only
  bool cancelled = false;
  bool repeating = false;  // a reader/writer: fn is called in place, not consumed
};

// A sleeping task's timer (sleep.h). It lives in the sleeper's coroutine frame
// and the loop's sleeper heap points at it; it knows its place in that heap,
// so a cancelled sleep leaves the heap at once (O(log n), as libuv's timers
// do) and a sleep allocates nothing. The loop wakes `task` when it is due.
struct SleepTimer {
  static constexpr uint32_t kNotQueued = UINT32_MAX;
  Deadline::Clock::time_point when{};
  uint64_t seq = 0;          // equal deadlines fire in the order they were queued
  TaskBase* task = nullptr;  // the root task to wake
  uint32_t heap_index = kNotQueued;
};
}  // namespace internal

// What call_soon/call_later/call_at return: Python's Handle and TimerHandle.
// A small shared value; cancelling one copy cancels them all. A default
// Handle refers to nothing. Loop thread only.
class Handle {
 public:
  Handle() = default;

  // Prevents the callback from running if it has not run yet, and releases it
  // (its captures are destroyed now). Idempotent; harmless after it ran.
  void cancel();

  // True once cancel() was called.
  [[nodiscard]] bool cancelled() const { return cb_ && cb_->cancelled; }

  // For a timer: the instant (monotonic clock) it is due. Python's
  // TimerHandle.when(). Unspecified for call_soon's handles.
  [[nodiscard]] Deadline::Clock::time_point when() const {
    return cb_ ? cb_->when : Deadline::Clock::time_point{};
  }

 private:
  friend class EventLoop;
  explicit Handle(std::shared_ptr<internal::Callback> cb) : cb_(std::move(cb)) {}
  std::shared_ptr<internal::Callback> cb_;
};

class EventLoop {
 public:
  // A new loop (not running). Fails with the errno status of epoll_create1 or
  // eventfd (EMFILE: ResourceExhausted).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EventLoop>> Create();

  // The loop running on the calling thread (inside one of its callbacks or
  // tasks), or nullptr. Python's asyncio.get_running_loop() (which raises
  // RuntimeError where this returns nullptr).
  [[nodiscard]] static EventLoop* current();

  // Closes the loop: see "Destroying the loop" above. Must not be called while
  // the loop runs (from one of its own callbacks).
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Schedules fn to run in a later iteration, after the callbacks already
  // scheduled (FIFO). Never blocks; never fails.
  Handle call_soon(std::function<void()> fn);

  // Schedules fn to run once `delay` has passed (the project's timeout
  // convention through Deadline::FromTimeout: zero or negative is due at once,
  // but still runs from the timer heap, after the current iteration; an
  // infinite or absurdly large delay never fires). Never blocks.
  Handle call_later(absl::Duration delay, std::function<void()> fn);

  // Schedules fn to run at `deadline` (monotonic clock). Timers due at the same
  // instant run in the order they were scheduled.
  Handle call_at(Deadline deadline, std::function<void()> fn);

  // The only method that any thread may call: queues fn (under a mutex) and
  // wakes the loop through its eventfd, even when it is blocked in epoll_wait.
  // fn runs on the loop's thread in a later iteration. Calls made from one
  // thread run in order. Never blocks (beyond the mutex); never fails. A call
  // made while no run is in progress runs in the next run; if the loop is
  // destroyed first, fn is destroyed without running.
  void call_soon_threadsafe(std::function<void()> fn);

  // Watches `fd` for reading: fn runs in each iteration in which fd is
  // readable (level-triggered; also on hang-up and error), until
  // remove_reader(fd). Replaces a reader already set on fd. Errors: the errno
  // status of epoll_ctl (EPERM for a regular file, which epoll cannot watch;
  // EBADF for a closed descriptor). The fd must stay open until removed.
  [[nodiscard]] absl::Status add_reader(int fd, std::function<void()> fn);
  // Stops watching fd for reading. True if a reader was set.
  bool remove_reader(int fd);
  // As add_reader, for writability (EPOLLOUT).
  [[nodiscard]] absl::Status add_writer(int fd, std::function<void()> fn);
  // Stops watching fd for writing. True if a writer was set.
  bool remove_writer(int fd);

  // Python's loop.create_task(coro): schedules the task's first step and
  // returns it (the same task; a handle shares it). A task that is already
  // scheduled is returned unchanged. Requires: the task was not started inline
  // (co_awaited) elsewhere. Defined in task.h.
  template <class T>
  Task<T> create_task(Task<T> task);

  // Runs the loop until `task` (scheduled here if it was not) is done, stop()
  // is called, or `timeout` expires. Returns task.result() (task.h): its value,
  // Cancelled, or Unknown "the task raised ..." (its exception stays
  // task.exception()). FailedPrecondition if the loop is already running, if
  // another loop runs on this thread, or if stop() came first;
  // DeadlineExceeded on timeout (the task stays pending). Blocks the thread.
  // Defined in task.h; for Task<void> the result is an absl::Status.
  template <class T>
  auto run_until_complete(Task<T> task, std::optional<absl::Duration> timeout = std::nullopt);

  // Runs the loop until stop() is called (OK) or `timeout` expires
  // (DeadlineExceeded); FailedPrecondition if a loop is already running on
  // this thread. Blocks the thread.
  [[nodiscard]] absl::Status run_forever(std::optional<absl::Duration> timeout = std::nullopt);

  // Asks the running loop to stop after the current iteration (the callbacks
  // already ready run first, as in Python). Called while the loop is not
  // running, the next run stops after its first iteration.
  void stop();

  // True while run_until_complete/run_forever is running this loop.
  [[nodiscard]] bool is_running() const { return running_; }

  // The loop's clock (Python's loop.time()): the monotonic clock of Deadline.
  [[nodiscard]] static Deadline::Clock::time_point time() { return Deadline::Clock::now(); }

  // How many tasks of this loop are alive and not done (Python:
  // len(asyncio.all_tasks(loop))).
  [[nodiscard]] int pending_task_count() const;

  // Python's asyncio.run cleanup: cancels every pending task of the loop and
  // runs the loop until they are all done or `timeout` expires. OK, or
  // DeadlineExceeded if some task is still pending.
  [[nodiscard]] absl::Status cancel_all_tasks(std::optional<absl::Duration> timeout = std::nullopt);

  // OK if run_until_complete/run_forever may start now on this thread;
  // FailedPrecondition if this loop, or another one, is running here.
  [[nodiscard]] absl::Status can_run() const;

  // --- debug mode: Python's loop.set_debug(True) / PYTHONASYNCIODEBUG=1 ---
  //
  // In debug mode the loop times every callback and task step, and reports on
  // stderr each one slower than slow_callback_duration() (100 ms, as asyncio):
  //
  //   conc: Executing <Task Task-3> took 0.152 seconds
  //
  // A new loop starts in debug mode when the environment variable
  // CONC_ASYNCIO_DEBUG is set and not "0" (Python's PYTHONASYNCIODEBUG). Off,
  // it costs one branch per callback.
  void set_debug(bool enabled) { debug_ = enabled; }
  [[nodiscard]] bool get_debug() const { return debug_; }
  void set_slow_callback_duration(absl::Duration d) { slow_callback_ = d; }
  [[nodiscard]] absl::Duration slow_callback_duration() const { return slow_callback_; }

  // --- signals: Python's loop.add_signal_handler ---
  //
  // Runs fn on the loop's thread, as a callback, each time the process
  // receives `signum` (SIGINT, SIGTERM: a graceful shutdown). The C handler
  // only writes the signal's number to a pipe the loop watches (Python's
  // set_wakeup_fd), so fn may do anything. Replaces a handler set earlier on
  // this loop for the same signal. Errors: InvalidArgument for a number that
  // is not a signal or cannot be caught (SIGKILL, SIGSTOP); FailedPrecondition
  // if another loop of the process handles signals (signals are
  // process-wide: one loop at a time, as Python allows only the main
  // thread's); the errno status of pipe2/sigaction.
  // Where it differs from Python: any thread's loop may take the signals; the
  // other threads should block them (pthread_sigmask) or the kernel may
  // interrupt them instead, which only costs an EINTR that conc retries.
  [[nodiscard]] absl::Status add_signal_handler(int signum, std::function<void()> fn);
  // Restores the disposition the signal had before add_signal_handler. True
  // if a handler was set. Destroying the loop removes all of them.
  bool remove_signal_handler(int signum);

  // --- for tasks (internal) ---
  // A task step starts (debug mode names it in the slow-callback report).
  void note_task_step(const internal::TaskBase* task) {
    if (debug_) debug_label_ = task->name();  // names are made only when asked
  }

  // A weak reference to this loop, for objects that may outlive it (a stream
  // whose last handle a user keeps after conc::run returns): lock() gives the
  // loop, or nullptr once the loop's destruction has begun.
  [[nodiscard]] std::weak_ptr<EventLoop> weak() const { return alive_; }

  // --- for tasks (internal) ---
  // sleep.h's timers: queues `t` (its `when` and `task` set), or takes it out
  // of the heap again (a no-op once it fired). Loop thread only.
  void add_sleep_timer(internal::SleepTimer* t);
  void remove_sleep_timer(internal::SleepTimer* t);
  void register_task(internal::TaskBase* t);
  // call_soon of "t->step()", holding a reference to t, without a std::function.
  void call_soon_step(internal::TaskBase* t);
  void unregister_task(internal::TaskBase* t);
  // Runs the loop until *done becomes true (or the target task is done),
  // stop(), or the deadline. The body of run_until_complete.
  absl::Status run_until(internal::TaskBase* target, Deadline deadline);

 private:
  EventLoop(int epoll_fd, int wake_fd);

  struct TimerEntry {
    Deadline::Clock::time_point when;
    uint64_t seq;
    std::shared_ptr<internal::Callback> cb;
    bool operator>(const TimerEntry& o) const {
      return when != o.when ? when > o.when : seq > o.seq;
    }
  };
  struct Watch {
    std::shared_ptr<internal::Callback> reader;
    std::shared_ptr<internal::Callback> writer;
  };

  absl::Status begin_run();
  void end_run();
  void run_once(const Deadline& run_deadline);
  absl::Status update_watch(int fd, Watch& w, bool existed);

  const int epoll_fd_;
  const int wake_fd_;
  bool running_ = false;
  bool stopping_ = false;
  uint64_t timer_seq_ = 0;
  // What runs in the next iteration: a callback, or a task's step (what
  // call_soon_step queues: a reference to the task, nothing allocated).
  struct Ready {
    std::shared_ptr<internal::Callback> cb;  // null for a step
    internal::TaskRef task;
  };
  std::deque<Ready> ready_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<TimerEntry>> timers_;
  // The sleeping tasks' timers: a binary min-heap on (when, seq) whose nodes
  // record their index (SleepTimer::heap_index).
  std::vector<internal::SleepTimer*> sleepers_;
  void sift_up(uint32_t i);
  void sift_down(uint32_t i);
  void remove_sleeper_at(uint32_t i);
  std::unordered_map<int, Watch> watches_;
  internal::TaskBase* tasks_ = nullptr;  // intrusive list of live root tasks
  int task_count_ = 0;

  std::shared_ptr<EventLoop> alive_;  // owns nothing (no-op deleter); see weak()

  bool debug_ = false;
  absl::Duration slow_callback_ = absl::Milliseconds(100);
  std::string debug_label_;  // the task the current callback stepped, if any

  void report_if_slow(Deadline::Clock::time_point started);
  void dispatch_signals();
  int signal_pipe_[2] = {-1, -1};  // written by the C handler, read by the loop
  std::unordered_map<int, std::function<void()>> signal_handlers_;
  std::unordered_map<int, struct sigaction> previous_actions_;

  internal::Mutex threadsafe_mu_;
  std::vector<std::function<void()>> threadsafe_ ABSL_GUARDED_BY(threadsafe_mu_);
};

}  // namespace conc

#endif  // MODULES_GENERATORS_EVENT_LOOP_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/generators/event_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <typeinfo>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/generators/cancelled_error.h"
#include "modules/common/internal/exception.h"
#include "modules/generators/internal/block_pool.h"

namespace conc {
namespace {

thread_local EventLoop* t_running_loop = nullptr;

}  // namespace

// ---------------------------------------------------------------- Handle

void Handle::cancel() {
  if (!cb_ || cb_->cancelled) return;
  cb_->cancelled = true;
  // A one-shot callback is moved out before it runs, so this never destroys a
  // function that is running. A reader's function may be running (it may
  // remove itself): keep it, the Callback dies with its last reference.
  if (!cb_->repeating) {
    std::function<void()> drop = std::move(cb_->fn);
    cb_->fn = nullptr;
  }
}

// ---------------------------------------------------------------- EventLoop

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return ErrnoToStatus(errno, "epoll_create1");
  int ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ev < 0) {
    int err = errno;
    close(ep);
    return ErrnoToStatus(err, "eventfd");
  }
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = ev;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0) {
    int err = errno;
    close(ev);
    close(ep);
    return ErrnoToStatus(err, "epoll_ctl(eventfd)");
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(ep, ev));
  const char* debug = std::getenv("CONC_ASYNCIO_DEBUG");
  loop->set_debug(debug != nullptr && debug[0] != '\0' && std::string_view(debug) != "0");
  return loop;
}

EventLoop::EventLoop(int epoll_fd, int wake_fd)
    : epoll_fd_(epoll_fd), wake_fd_(wake_fd), alive_(this, [](EventLoop*) {}) {}

EventLoop* EventLoop::current() { return t_running_loop; }

EventLoop::~EventLoop() {
  // 0. Objects that may outlive the loop (streams) see it gone from now on:
  //    what they release below must not call back into it.
  alive_.reset();
  while (!signal_handlers_.empty()) remove_signal_handler(signal_handlers_.begin()->first);
  // 1. Every live task stops waiting and forgets the loop; the pins that kept
  //    waiting tasks alive are dropped last, once nothing refers to the queues.
  std::vector<internal::TaskRef> pins;
  while (tasks_ != nullptr) {
    internal::TaskBase* t = tasks_;
    unregister_task(t);
    pins.push_back(t->detach_from_loop());
  }
  // 2. Drop the queued callbacks (their captures may hold tasks). Moved out
  //    first: destroying a task may cancel other handles, never touch these
  //    containers (no task has a loop any more).
  std::deque<Ready> ready = std::move(ready_);
  auto timers = std::move(timers_);
  std::unordered_map<int, Watch> watches = std::move(watches_);
  std::vector<std::function<void()>> threadsafe;
  {
    internal::MutexLock lock(threadsafe_mu_);
    threadsafe.swap(threadsafe_);
  }
  // Each function is moved out of its Callback before it is destroyed, so a
  // cascade (a task destroyed, cancelling its handles) never re-enters a
  // std::function under destruction.
  for (Ready& r : ready) {
    internal::TaskRef task = std::move(r.task);
    if (r.cb == nullptr) continue;
    std::function<void()> fn = std::move(r.cb->fn);
    r.cb->fn = nullptr;
  }
  ready.clear();
  while (!timers.empty()) {
    std::function<void()> fn = std::move(timers.top().cb->fn);
    timers.top().cb->fn = nullptr;
    timers.pop();
  }
  // Every sleeper left the heap when its task detached (step 1).
  for (internal::SleepTimer* t : sleepers_) t->heap_index = internal::SleepTimer::kNotQueued;
  sleepers_.clear();
  watches.clear();
  threadsafe.clear();
  pins.clear();
  close(wake_fd_);
  close(epoll_fd_);
}

namespace {
// One-shot callbacks come from the thread's block pool (internal/block_pool.h).
std::shared_ptr<internal::Callback> NewCallback() {
  return std::allocate_shared<internal::Callback>(internal::PoolAllocator<internal::Callback>());
}
}  // namespace

namespace {
bool SleepsBefore(const internal::SleepTimer& a, const internal::SleepTimer& b) {
  return a.when != b.when ? a.when < b.when : a.seq < b.seq;
}
}  // namespace

void EventLoop::add_sleep_timer(internal::SleepTimer* t) {
  t->seq = timer_seq_++;
  t->heap_index = static_cast<uint32_t>(sleepers_.size());
  sleepers_.push_back(t);
  sift_up(t->heap_index);
}

void EventLoop::remove_sleep_timer(internal::SleepTimer* t) {
  if (t->heap_index != internal::SleepTimer::kNotQueued) remove_sleeper_at(t->heap_index);
}

void EventLoop::sift_up(uint32_t i) {
  internal::SleepTimer* t = sleepers_[i];
  while (i > 0) {
    const uint32_t parent = (i - 1) / 2;
    if (!SleepsBefore(*t, *sleepers_[parent])) break;
    sleepers_[i] = sleepers_[parent];
    sleepers_[i]->heap_index = i;
    i = parent;
  }
  sleepers_[i] = t;
  t->heap_index = i;
}

void EventLoop::sift_down(uint32_t i) {
  internal::SleepTimer* t = sleepers_[i];
  const uint32_t n = static_cast<uint32_t>(sleepers_.size());
  while (true) {
    uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && SleepsBefore(*sleepers_[child + 1], *sleepers_[child])) ++child;
    if (!SleepsBefore(*sleepers_[child], *t)) break;
    sleepers_[i] = sleepers_[child];
    sleepers_[i]->heap_index = i;
    i = child;
  }
  sleepers_[i] = t;
  t->heap_index = i;
}

void EventLoop::remove_sleeper_at(uint32_t i) {
  internal::SleepTimer* gone = sleepers_[i];
  gone->heap_index = internal::SleepTimer::kNotQueued;
  internal::SleepTimer* last = sleepers_.back();
  sleepers_.pop_back();
  if (last == gone) return;  // It was the last one.
  sleepers_[i] = last;
  last->heap_index = i;
  // The moved node may belong above or below its new place.
  if (i > 0 && SleepsBefore(*last, *sleepers_[(i - 1) / 2])) {
    sift_up(i);
  } else {
    sift_down(i);
  }
}

Handle EventLoop::call_soon(std::function<void()> fn) {
  auto cb = NewCallback();
  cb->fn = std::move(fn);
  ready_.push_back(Ready{cb, {}});
  return Handle(std::move(cb));
}

Handle EventLoop::call_later(absl::Duration delay, std::function<void()> fn) {
  return call_at(Deadline::FromTimeout(delay), std::move(fn));
}

void EventLoop::call_soon_step(internal::TaskBase* t) {
  ready_.push_back(Ready{nullptr, internal::TaskRef(t)});
}

Handle EventLoop::call_at(Deadline deadline, std::function<void()> fn) {
  auto cb = NewCallback();
  cb->fn = std::move(fn);
  // An infinite deadline is time_point::max(): it sorts last and is never due.
  cb->when = deadline.to_steady_time_point();
  timers_.push(TimerEntry{cb->when, timer_seq_++, cb});
  return Handle(std::move(cb));
}

void EventLoop::call_soon_threadsafe(std::function<void()> fn) {
  {
    internal::MutexLock lock(threadsafe_mu_);
    threadsafe_.push_back(std::move(fn));
  }
  // Wake epoll_wait. EAGAIN (the counter is at its maximum) means the eventfd
  // is readable already, which is all we need.
  uint64_t one = 1;
  ssize_t n;
  do {
    n = write(wake_fd_, &one, sizeof one);
  } while (n < 0 && errno == EINTR);
}

absl::Status EventLoop::update_watch(int fd, Watch& w, bool existed) {
  epoll_event e{};
  e.data.fd = fd;
  if (w.reader) e.events |= EPOLLIN;
  if (w.writer) e.events |= EPOLLOUT;
  int op = e.events == 0 ? EPOLL_CTL_DEL : (existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD);
  if (epoll_ctl(epoll_fd_, op, fd, &e) != 0) return ErrnoToStatus(errno, "epoll_ctl");
  return absl::OkStatus();
}

absl::Status EventLoop::add_reader(int fd, std::function<void()> fn) {
  if (fd == wake_fd_ || fd < 0) return ValueError(absl::StrCat("add_reader: invalid fd ", fd));
  auto it = watches_.find(fd);
  const bool existed = it != watches_.end();
  Watch w = existed ? it->second : Watch{};
  auto cb = std::make_shared<internal::Callback>();
  cb->fn = std::move(fn);
  cb->repeating = true;
  auto old = w.reader;
  w.reader = cb;
  if (absl::Status s = update_watch(fd, w, existed); !s.ok()) return s;
  if (old) old->cancelled = true;
  watches_[fd] = std::move(w);
  return absl::OkStatus();
}

absl::Status EventLoop::add_writer(int fd, std::function<void()> fn) {
  if (fd == wake_fd_ || fd < 0) return ValueError(absl::StrCat("add_writer: invalid fd ", fd));
  auto it = watches_.find(fd);
  const bool existed = it != watches_.end();
  Watch w = existed ? it->second : Watch{};
  auto cb = std::make_shared<internal::Callback>();
  cb->fn = std::move(fn);
  cb->repeating = true;
  auto old = w.writer;
  w.writer = cb;
  if (absl::Status s = update_watch(fd, w, existed); !s.ok()) return s;
  if (old) old->cancelled = true;
  watches_[fd] = std::move(w);
  return absl::OkStatus();
}

bool EventLoop::remove_reader(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || !it->second.reader) return false;
  Watch w = it->second;
  w.reader->cancelled = true;  // a queued run of it is skipped
  w.reader = nullptr;
  // epoll_ctl fails only if fd was closed meanwhile (EBADF): it is gone from
  // the epoll set then anyway.
  (void)update_watch(fd, w, true);
  if (!w.writer) {
    watches_.erase(it);
  } else {
    it->second = std::move(w);
  }
  return true;
}

bool EventLoop::remove_writer(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || !it->second.writer) return false;
  Watch w = it->second;
  w.writer->cancelled = true;
  w.writer = nullptr;
  (void)update_watch(fd, w, true);
  if (!w.reader) {
    watches_.erase(it);
  } else {
    it->second = std::move(w);
  }
  return true;
}

void EventLoop::stop() { stopping_ = true; }

absl::Status EventLoop::can_run() const {
  if (running_) return MisuseError("This event loop is already running");
  if (t_running_loop != nullptr) {
    return MisuseError("Cannot run the event loop while another loop is running");
  }
  return absl::OkStatus();
}

absl::Status EventLoop::begin_run() {
  if (running_) return MisuseError("This event loop is already running");
  if (t_running_loop != nullptr) {
    return MisuseError("Cannot run the event loop while another loop is running");
  }
  running_ = true;
  t_running_loop = this;
  return absl::OkStatus();
}

void EventLoop::end_run() {
  running_ = false;
  stopping_ = false;
  t_running_loop = nullptr;
}

void EventLoop::run_once(const Deadline& run_deadline) {
  int timeout_ms = 0;
  if (ready_.empty() && !stopping_) {
    while (!timers_.empty() && timers_.top().cb->cancelled) timers_.pop();
    Deadline d = run_deadline;
    if (!timers_.empty()) {
      Deadline t = Deadline::At(timers_.top().when);
      if (d.is_infinite() || t.to_steady_time_point() < d.to_steady_time_point()) d = t;
    }
    if (!sleepers_.empty()) {
      Deadline t = Deadline::At(sleepers_.front()->when);
      if (d.is_infinite() || t.to_steady_time_point() < d.to_steady_time_point()) d = t;
    }
    timeout_ms = d.remaining_poll_milliseconds();
  }
  epoll_event events[64];
  int n = epoll_wait(epoll_fd_, events, 64, timeout_ms);
  if (n < 0) n = 0;  // EINTR: a signal; the loop simply goes round again.
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    const uint32_t ev = events[i].events;
    if (fd == wake_fd_) {
      uint64_t count;
      while (read(wake_fd_, &count, sizeof count) > 0) {
      }
      continue;
    }
    auto it = watches_.find(fd);
    if (it == watches_.end()) continue;
    if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) && it->second.reader) ready_.push_back(Ready{it->second.reader, {}});
    if ((ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && it->second.writer) ready_.push_back(Ready{it->second.writer, {}});
  }
  // The threadsafe queue: checked every iteration (cheap when empty), so a
  // wake-up that raced with the previous drain is never lost.
  {
    std::vector<std::function<void()>> incoming;
    {
      internal::MutexLock lock(threadsafe_mu_);
      incoming.swap(threadsafe_);
    }
    for (auto& fn : incoming) call_soon(std::move(fn));
  }
  const auto now = Deadline::Clock::now();
  // The due timers of both heaps, merged in (when, seq) order: a callback
  // goes to the ready queue, a sleeper is woken (which queues its step).
  while (true) {
    const bool timer_due = !timers_.empty() && timers_.top().when <= now;
    const bool sleeper_due = !sleepers_.empty() && sleepers_.front()->when <= now;
    if (!timer_due && !sleeper_due) break;
    if (sleeper_due &&
        (!timer_due || sleepers_.front()->when < timers_.top().when ||
         (sleepers_.front()->when == timers_.top().when && sleepers_.front()->seq < timers_.top().seq))) {
      internal::TaskBase* task = sleepers_.front()->task;
      remove_sleeper_at(0);
      task->wake();
      continue;
    }
    auto cb = timers_.top().cb;
    timers_.pop();
    if (!cb->cancelled) ready_.push_back(Ready{std::move(cb), {}});
  }
  // Run what is ready now; what these schedule waits for the next iteration.
  for (size_t todo = ready_.size(); todo > 0 && !ready_.empty(); --todo) {
    Ready next = std::move(ready_.front());
    ready_.pop_front();
    if (next.cb == nullptr) {  // A task's step; the reference keeps it alive meanwhile.
      const auto started = debug_ ? Deadline::Clock::now() : Deadline::Clock::time_point{};
      next.task->step();
      if (debug_) report_if_slow(started);
      continue;
    }
    std::shared_ptr<internal::Callback>& cb = next.cb;
    if (cb->cancelled) continue;
    const auto started = debug_ ? Deadline::Clock::now() : Deadline::Clock::time_point{};
    if (cb->repeating) {
      cb->fn();  // cb (a shared_ptr) keeps the function alive if it removes itself
    } else {
      std::function<void()> fn = std::move(cb->fn);
      cb->fn = nullptr;
      cb->cancelled = true;  // ran: a later cancel() is a no-op
      if (fn) fn();
    }
    if (debug_) report_if_slow(started);
  }
}

// Debug mode's report (asyncio's "Executing <Handle ...> took 0.152 seconds").
void EventLoop::report_if_slow(Deadline::Clock::time_point started) {
  const absl::Duration took = absl::FromChrono(Deadline::Clock::now() - started);
  if (took >= slow_callback_) {
    const std::string what =
        debug_label_.empty() ? std::string("<Handle callback>") : absl::StrCat("<Task ", debug_label_, ">");
    std::fprintf(stderr, "conc: Executing %s took %.3f seconds\n", what.c_str(),
                 absl::ToDoubleSeconds(took));
  }
  debug_label_.clear();
}

absl::Status EventLoop::run_forever(std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (absl::Status s = begin_run(); !s.ok()) return s;
  absl::Status result = absl::OkStatus();
  while (true) {
    run_once(deadline);
    if (stopping_) break;
    if (deadline.expired()) {
      result = absl::DeadlineExceededError("run_forever: the timeout expired before stop()");
      break;
    }
  }
  end_run();
  return result;
}

absl::Status EventLoop::run_until(internal::TaskBase* target, Deadline deadline) {
  if (absl::Status s = begin_run(); !s.ok()) return s;
  absl::Status result = absl::OkStatus();
  while (!target->done()) {
    run_once(deadline);
    if (target->done()) break;
    if (stopping_) {
      result = MisuseError("Event loop stopped before Future completed.");
      break;
    }
    if (deadline.expired()) {
      result = absl::DeadlineExceededError(
          "run_until_complete: the timeout expired before the task completed");
      break;
    }
  }
  end_run();
  return result;
}

void EventLoop::register_task(internal::TaskBase* t) {
  t->prev_in_loop_ = nullptr;
  t->next_in_loop_ = tasks_;
  if (tasks_) tasks_->prev_in_loop_ = t;
  tasks_ = t;
  ++task_count_;
}

void EventLoop::unregister_task(internal::TaskBase* t) {
  if (t->prev_in_loop_) {
    t->prev_in_loop_->next_in_loop_ = t->next_in_loop_;
  } else {
    tasks_ = t->next_in_loop_;
  }
  if (t->next_in_loop_) t->next_in_loop_->prev_in_loop_ = t->prev_in_loop_;
  t->next_in_loop_ = t->prev_in_loop_ = nullptr;
  --task_count_;
}

int EventLoop::pending_task_count() const {
  int n = 0;
  for (internal::TaskBase* t = tasks_; t; t = t->next_in_loop_) n += t->done() ? 0 : 1;
  return n;
}

absl::Status EventLoop::cancel_all_tasks(std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  // Cancel through references: cancelling may finish (and release) a task.
  std::vector<internal::TaskRef> pending;
  for (internal::TaskBase* t = tasks_; t; t = t->next_in_loop_) {
    if (!t->done()) pending.emplace_back(t);
  }
  for (auto& t : pending) t->cancel();
  if (absl::Status s = begin_run(); !s.ok()) return s;
  absl::Status result = absl::OkStatus();
  auto all_done = [&] {
    for (auto& t : pending) {
      if (!t->done()) return false;
    }
    return true;
  };
  // At least one iteration, even with an expired deadline: the cancelled
  // tasks' steps are ready, and each gets to react once.
  while (!all_done()) {
    run_once(deadline);
    if (all_done()) break;
    if (deadline.expired()) {
      result = absl::DeadlineExceededError("cancel_all_tasks: some tasks did not finish in time");
      break;
    }
  }
  end_run();
  // Python's asyncio.run reports a failure (other than cancellation) of a task
  // it cancelled; here the task keeps it, and its destruction reports it if
  // nobody retrieved it.
  return result;
}

// ---------------------------------------------------------------- TaskBase

namespace internal {
namespace {

// Task names: Task-1, Task-2, ... unique in the process. Each thread takes the
// numbers in blocks of kNumbersPerBlock, so that scheduling a task costs no
// atomic read-modify-write (a locked instruction was a quarter of a task's
// cost in BM_Task_CreateRunComplete).
constexpr uint64_t kNumbersPerBlock = 1024;
std::atomic<uint64_t> g_task_blocks{0};
thread_local uint64_t t_next_number = 0;
thread_local uint64_t t_block_end = 0;

uint64_t NextTaskNumber() {
  if (t_next_number == t_block_end) {
    t_next_number = g_task_blocks.fetch_add(1, std::memory_order_relaxed) * kNumbersPerBlock + 1;
    t_block_end = t_next_number + kNumbersPerBlock;
  }
  return t_next_number++;
}

}  // namespace

std::string TaskBase::name() const { return number_ == 0 ? std::string() : absl::StrCat("Task-", number_); }

bool IsCancelledError(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

void TaskBase::release() {
  if (--refs_ > 0) return;
  if (is_root()) {
    if (!done_) {
      std::fprintf(stderr, "Task was destroyed but it is pending! task: <Task pending name='%s'>\n",
                   name().c_str());
      std::fflush(stderr);
    } else if (exception_ && !cancelled_ && !retrieved_) {
      std::fprintf(stderr,
                   "Task exception was never retrieved: <Task finished name='%s' exception=%s>\n",
                   name().c_str(), DescribeException(exception_).c_str());
      std::fflush(stderr);
    }
  }
  self_.destroy();  // runs ~TaskBase too, last
}

TaskBase::~TaskBase() {
  // The awaiters (Suspensions) lived in the frame and have detached themselves
  // in their destructors; only the loop's list is left.
  if (is_root() && loop_) loop_->unregister_task(this);
}

void TaskBase::schedule_on(EventLoop* loop) {
  root_ = this;
  loop_ = loop;
  number_ = NextTaskNumber();
  loop->register_task(this);
  schedule_step();
}

void TaskBase::start_inline(TaskBase* parent, std::coroutine_handle<> continuation) {
  root_ = parent->root_;
  continuation_ = continuation.address();
  started_ = true;
}

void TaskBase::schedule_step() {
  if (!loop_) return;
  loop_->call_soon_step(this);
}

void TaskBase::step() {
  if (done_) return;
  if (loop_) loop_->note_task_step(this);
  if (!started_) {
    started_ = true;
    resume_point_ = self_;
    if (must_cancel_) {
      // Cancelled before it ever ran: it ends cancelled without running
      // (Python throws CancelledError into the coroutine at its start).
      must_cancel_ = false;
      exception_ = std::make_exception_ptr(
          cancel_message_ ? CancelledError(*cancel_message_) : CancelledError());
      finish();
      return;
    }
  }
  std::coroutine_handle<> h = std::exchange(resume_point_, nullptr);
  if (h) h.resume();
}

bool TaskBase::cancel(std::string message) {
  TaskBase* r = root_ ? root_ : this;
  if (r != this) return r->cancel(std::move(message));  // an inline child: cancel its task
  if (done_) return false;
  if (waiting_ && waiting_->cancel_wait()) return true;
  must_cancel_ = true;
  if (message.empty()) {
    cancel_message_.reset();
  } else {
    cancel_message_ = std::make_unique<std::string>(std::move(message));
  }
  if (waiting_) wake();
  return true;
}

void TaskBase::suspend(Suspension* s, std::coroutine_handle<> leaf) {
  waiting_ = s;
  resume_point_ = leaf;
  if (!pinned_) {
    pinned_ = true;
    add_ref();
  }
}

void TaskBase::forget_suspension(Suspension* s) {
  if (waiting_ == s) waiting_ = nullptr;
}

void TaskBase::wake() {
  waiting_ = nullptr;
  schedule_step();
  if (pinned_) {
    pinned_ = false;
    release();  // the scheduled step holds a reference (if there is a loop)
  }
}

void TaskBase::throw_if_cancel_requested() {
  if (!must_cancel_) return;
  must_cancel_ = false;
  if (!cancel_message_) throw CancelledError();
  std::unique_ptr<std::string> message = std::move(cancel_message_);
  throw CancelledError(std::move(*message));
}

uint64_t TaskBase::add_done_callback(std::function<void()> fn) {
  uint64_t id = next_callback_id_++;
  callbacks_.emplace_back(id, std::move(fn));
  return id;
}

void TaskBase::remove_done_callback(uint64_t id) {
  for (auto it = callbacks_.begin(); it != callbacks_.end(); ++it) {
    if (it->first == id) {
      callbacks_.erase(it);
      return;
    }
  }
}

std::coroutine_handle<> TaskBase::on_final_suspend() {
  if (!is_root()) {
    done_ = true;  // so that a second co_await gives the result again
    cancelled_ = exception_ && IsCancelledError(exception_);
    return continuation_ ? std::coroutine_handle<>::from_address(continuation_)
                         : std::noop_coroutine();
  }
  finish();
  return std::noop_coroutine();
}

void TaskBase::finish() {
  done_ = true;
  must_cancel_ = false;
  if (exception_ && IsCancelledError(exception_)) cancelled_ = true;
  auto callbacks = std::move(callbacks_);
  callbacks_.clear();
  for (auto& [id, fn] : callbacks) fn();
}

TaskRef TaskBase::detach_from_loop() {
  if (waiting_) {
    waiting_->detach();
    waiting_ = nullptr;
  }
  loop_ = nullptr;
  TaskRef pin;
  if (pinned_) {
    pinned_ = false;
    pin = TaskRef(this);
    release();  // the pin's reference replaces the task's own
  }
  return pin;
}

}  // namespace internal
}  // namespace conc

// ---- signals (Python's add_signal_handler on top of signal.set_wakeup_fd) ----

namespace conc {
namespace {

// The write end of the pipe of the loop that handles signals, or -1. Read by
// the C handler, so a lock-free atomic (async-signal-safe).
std::atomic<int> g_signal_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void ConcOnSignal(int signum) {
  const int saved = errno;
  const int fd = g_signal_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const unsigned char byte = static_cast<unsigned char>(signum);
    (void)!write(fd, &byte, 1);  // a full pipe drops it: the loop is that far behind
  }
  errno = saved;
}

}  // namespace

absl::Status EventLoop::add_signal_handler(int signum, std::function<void()> fn) {
  if (signum <= 0 || signum >= NSIG || signum > 255) {
    return ValueError(absl::StrCat("add_signal_handler: invalid signal number ", signum));
  }
  if (signum == SIGKILL || signum == SIGSTOP) {
    return ValueError(absl::StrCat("add_signal_handler: signal ", signum, " cannot be caught"));
  }
  if (signal_pipe_[1] < 0) {
    int expected = -1;
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
    if (!g_signal_fd.compare_exchange_strong(expected, fds[1])) {
      close(fds[0]);
      close(fds[1]);
      return MisuseError("add_signal_handler: another event loop of this process handles signals");
    }
    if (absl::Status s = add_reader(fds[0], [this] { dispatch_signals(); }); !s.ok()) {
      g_signal_fd.store(-1);
      close(fds[0]);
      close(fds[1]);
      return s;
    }
    signal_pipe_[0] = fds[0];
    signal_pipe_[1] = fds[1];
  }
  if (!previous_actions_.contains(signum)) {
    struct sigaction action {};
    action.sa_handler = ConcOnSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    struct sigaction previous {};
    if (sigaction(signum, &action, &previous) != 0) {
      absl::Status s = ErrnoToStatus(errno, absl::StrCat("sigaction(", signum, ")"));
      if (signal_handlers_.empty()) remove_signal_handler(0);  // closes the pipe
      return s;
    }
    previous_actions_[signum] = previous;
  }
  signal_handlers_[signum] = std::move(fn);
  return absl::OkStatus();
}

bool EventLoop::remove_signal_handler(int signum) {
  bool removed = false;
  if (auto it = previous_actions_.find(signum); it != previous_actions_.end()) {
    sigaction(signum, &it->second, nullptr);
    previous_actions_.erase(it);
    removed = signal_handlers_.erase(signum) > 0;
  }
  if (signal_handlers_.empty() && signal_pipe_[1] >= 0) {
    g_signal_fd.store(-1);
    remove_reader(signal_pipe_[0]);
    close(signal_pipe_[0]);
    close(signal_pipe_[1]);
    signal_pipe_[0] = signal_pipe_[1] = -1;
  }
  return removed;
}

// The pipe is readable: each byte is a signal; its handler runs as a callback.
void EventLoop::dispatch_signals() {
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(signal_pipe_[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      auto it = signal_handlers_.find(buf[i]);
      if (it != signal_handlers_.end()) call_soon(it->second);
    }
  }
}

}  // namespace conc

namespace conc::internal {
// What every task frame carries (task_base.h); a sleeping task's memory is
// mostly this and its frame (benchmarks/sleeping_tasks_benchmark.cc).
static_assert(sizeof(TaskBase) == 120, "TaskBase grew: see the layout note in task_base.h");
}  // namespace conc::internal

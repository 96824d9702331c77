// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The parent side: a manager thread (Python's executor manager thread) owns the
// workers' pipes. It hands each worker at most kMaxInFlightPerWorker tasks,
// writes them without blocking (so a worker busy with a long task can never
// stall the others' results), reads results as frames, and watches every
// worker's pidfd, so that a worker's death is noticed even if some other
// process holds its pipes open.
//
// The worker side: PoolWorkerMain, a registered process function that reads
// task frames until EOF and answers each with a result frame.

#include "modules/threads/process_pool_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "modules/common/fd.h"
#include "modules/common/framed.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "modules/common/internal/exception.h"
#include "modules/threads/internal/process_registry.h"
#include "modules/threads/thread_pool_executor.h"

namespace conc::internal {

// What the parent sends a worker.
struct TaskMessage {
  uint64_t id = 0;
  std::string function;
  std::string args;
  std::vector<std::string> chunk;  // A map chunk: each item's arguments (args unused).
  CONC_CODEC_FIELDS(id, function, args, chunk);
};

// What a worker answers.
// kInitFailed: the initializer failed (payload: why); the worker then exits.
enum class ResultKind : uint8_t { kValue = 0, kException = 1, kError = 2, kInitFailed = 3 };
struct ResultMessage {
  uint64_t id = 0;
  ResultKind kind = ResultKind::kValue;
  // kValue: the encoded value; kError: an encoded StatusMessage; otherwise
  // the failure's text.
  std::string payload;
  CONC_CODEC_FIELDS(id, kind, payload);
};

// A failure's status as it crosses the process boundary: its code and its
// message, both kept (the future sees DATA_LOSS, not INTERNAL with
// "DATA_LOSS: ..." folded into the text).
struct StatusMessage {
  int32_t code = 0;
  std::string message;
  CONC_CODEC_FIELDS(code, message);
};

std::string EncodeStatus(const absl::Status& status) {
  return Encode(StatusMessage{static_cast<int32_t>(status.code()), std::string(status.message())});
}

// The worker's status back; a payload that is not one (it never is, both ends
// being this file) is Internal, and never OK.
absl::Status DecodeStatus(std::string_view payload) {
  absl::StatusOr<StatusMessage> m = Decode<StatusMessage>(payload);
  if (!m.ok()) {
    return absl::InternalError(
        absl::StrCat("a worker's failure that does not decode: ", m.status().message()));
  }
  if (m->code == 0) return absl::InternalError("a worker reported a failure with status OK");
  return absl::Status(static_cast<absl::StatusCode>(m->code), m->message);
}

// Frames (framed.h's format) parsed out of bytes read in bulk: one read(2)
// may bring many small frames, where FrameReader makes two calls per frame.
// Both ends of the pool are conc's own code, so a frame that breaks the format
// (a length above the limit) just marks the stream corrupt.
class BufferedFrames {
 public:
  // One read(2) into the buffer: its result (>0 bytes, 0 at EOF, -1 with errno).
  ssize_t Fill(int fd) {
    if (offset_ == buffer_.size()) {
      buffer_.clear();
      offset_ = 0;
    } else if (offset_ > kChunk) {
      buffer_.erase(0, offset_);
      offset_ = 0;
    }
    char chunk[kChunk];
    ssize_t n;
    do {
      n = ::read(fd, chunk, sizeof chunk);
    } while (n < 0 && errno == EINTR);
    if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
    return n;
  }

  // The next complete frame's payload (valid until the next Fill), or nullopt.
  std::optional<std::string_view> Next() {
    if (buffer_.size() - offset_ < kFrameHeaderSize) return std::nullopt;
    uint64_t size;
    std::memcpy(&size, buffer_.data() + offset_, sizeof size);  // Little-endian.
    if (size > kDefaultMaxFrameSize) {
      corrupt_ = true;
      return std::nullopt;
    }
    if (size > buffer_.size() - offset_ - kFrameHeaderSize) return std::nullopt;
    std::string_view payload(buffer_.data() + offset_ + kFrameHeaderSize, size);
    offset_ += kFrameHeaderSize + size;
    return payload;
  }

  bool corrupt() const { return corrupt_; }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  std::string buffer_;
  size_t offset_ = 0;  // Start of the first unparsed frame.
  bool corrupt_ = false;
};

// Runs one task in the worker: its encoded result, or the failure's kind and text.
void RunOne(ProcessThunk thunk, std::string_view args, ResultKind* kind, std::string* payload) {
  try {
    absl::StatusOr<std::string> value = thunk(args);
    if (value.ok()) {
      *kind = ResultKind::kValue;
      *payload = *std::move(value);
    } else {
      *kind = ResultKind::kError;
      *payload = EncodeStatus(value.status());
    }
  } catch (...) {
    *kind = ResultKind::kException;
    *payload = DescribeException(std::current_exception());
  }
}

absl::StatusOr<std::string> PoolItemOutcome(PoolItemResult item) {
  switch (static_cast<ResultKind>(item.kind)) {
    case ResultKind::kValue:
      return std::move(item.payload);
    case ResultKind::kException:
      return absl::UnknownError(absl::StrCat("the task raised ", item.payload));
    case ResultKind::kError:
      return DecodeStatus(item.payload);
    default:
      return absl::InternalError(item.payload);
  }
}

// The worker process's loop: runs the initializer (if any), then tasks until
// the parent closes the task pipe, or until it has answered `max_tasks` of
// them (max_tasks_per_child; 0: no limit), when it exits and the parent starts
// another worker in its place.
void PoolWorkerMain(int64_t task_fd, int64_t result_fd, std::string initializer, std::string initargs,
                    int64_t max_tasks) {
  int64_t answered = 0;
  BufferedFrames in;
  FrameWriter out(static_cast<int>(result_fd));
  if (!initializer.empty()) {
    std::string failure;
    absl::StatusOr<ProcessThunk> thunk = FindProcessFunction(initializer);
    if (!thunk.ok()) {
      failure = thunk.status().ToString();
    } else {
      try {
        absl::StatusOr<std::string> done = (*thunk)(initargs);
        if (!done.ok()) failure = done.status().ToString();
      } catch (...) {
        failure = absl::StrCat("the initializer raised ", DescribeException(std::current_exception()));
      }
    }
    if (!failure.empty()) {
      // Python's worker logs the exception and exits; the parent then breaks the pool.
      (void)out.WriteMessage(ResultMessage{0, ResultKind::kInitFailed, std::move(failure)});
      return;
    }
  }
  for (;;) {
    std::optional<std::string_view> frame = in.Next();
    if (!frame.has_value()) {
      // EOF: shutdown (or a parent that died).
      if (in.corrupt() || in.Fill(static_cast<int>(task_fd)) <= 0) return;
      continue;
    }
    absl::StatusOr<TaskMessage> task = Decode<TaskMessage>(*frame);
    if (!task.ok()) return;
    ResultMessage result;
    result.id = task->id;
    absl::StatusOr<ProcessThunk> thunk = FindProcessFunction(task->function);
    if (!thunk.ok()) {
      result.kind = ResultKind::kError;
      result.payload = EncodeStatus(thunk.status());
    } else if (task->chunk.empty()) {
      RunOne(*thunk, task->args, &result.kind, &result.payload);
    } else {
      std::vector<PoolItemResult> items(task->chunk.size());
      for (size_t i = 0; i < items.size(); ++i) {
        ResultKind kind = ResultKind::kValue;
        RunOne(*thunk, task->chunk[i], &kind, &items[i].payload);
        items[i].kind = static_cast<uint8_t>(kind);
      }
      result.payload = Encode(items);
    }
    if (!out.WriteMessage(result).ok()) return;
    if (max_tasks > 0 && ++answered >= max_tasks) return;  // Python's worker exits the same way.
  }
}

}  // namespace conc::internal

CONC_PROCESS_FUNCTION(conc::internal::PoolWorkerMain);

namespace conc {
namespace internal {

class ProcessPoolCore {
 public:
  ProcessPoolCore(int max_workers, std::optional<int> max_tasks_per_child, std::string initializer, std::string initargs)
      : max_workers_(max_workers),
        max_tasks_per_child_(max_tasks_per_child),
        initializer_(std::move(initializer)),
        initargs_(std::move(initargs)) {
    absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> wake = MakePipe();
    if (!wake.ok()) {
      broken_ = wake.status();
      return;
    }
    wake_r_ = std::move(wake->first);
    wake_w_ = std::move(wake->second);
    ::fcntl(wake_r_.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(wake_w_.get(), F_SETFL, O_NONBLOCK);
  }

  ~ProcessPoolCore() { Shutdown(/*wait=*/true, /*cancel_futures=*/false); }

  void Enqueue(PoolTask task) {
    absl::Status refused;
    {
      internal::MutexLock lock(mu_);
      if (max_workers_ < 1) {
        refused = ValueError(absl::StrCat(
            "ProcessPoolExecutor: max_workers must be greater than 0, got ", max_workers_));
      } else if (max_tasks_per_child_.has_value() && *max_tasks_per_child_ < 1) {
        refused = ValueError(absl::StrCat("ProcessPoolExecutor: max_tasks_per_child must be >= 1, got ",
                                          *max_tasks_per_child_));
      } else if (!broken_.ok()) {
        refused = broken_;
      } else if (shutdown_) {
        refused = absl::FailedPreconditionError(
            "ProcessPoolExecutor.submit: cannot schedule new futures after shutdown");
      } else {
        queue_.push_back(std::move(task));
        if (!started_) {
          started_ = true;
          manager_ = std::thread([this] { Run(); });
        }
      }
    }
    if (!refused.ok()) {
      task.complete(refused);
      return;
    }
    Wake();
  }

  void Shutdown(bool wait, bool cancel_futures) {
    std::deque<PoolTask> cancelled;
    bool started;
    {
      internal::MutexLock lock(mu_);
      shutdown_ = true;
      if (cancel_futures) cancelled.swap(queue_);
      started = started_;
    }
    for (PoolTask& t : cancelled) {
      if (!t.future->Cancel()) t.complete(absl::CancelledError("cancelled at shutdown"));
    }
    Wake();
    if (!wait || !started) return;
    internal::MutexLock join_lock(join_mu_);
    if (manager_.joinable() && manager_.get_id() != std::this_thread::get_id()) manager_.join();
  }

  bool Broken() const {
    internal::MutexLock lock(mu_);
    return broken_started_;
  }

  std::vector<pid_t> Pids() const {
    internal::MutexLock lock(mu_);
    return pids_;
  }

 private:
  struct Worker {
    explicit Worker(Process p) : process(std::move(p)), pid(*process.pid()) {}
    Process process;
    pid_t pid = 0;
    FileDescriptor task_w;    // Non-blocking; the worker reads the other end.
    FileDescriptor result_r;  // Non-blocking; the worker writes the other end.
    FileDescriptor pidfd;     // Readable once the worker has ended.
    BufferedFrames results;
    std::deque<std::pair<uint64_t, PoolTask>> in_flight;  // In the order sent.
    int64_t sent = 0;         // Tasks given to this worker (max_tasks_per_child counts them).
    std::string out;          // Task frames not yet written.
    size_t out_offset = 0;
  };

  void Wake() {
    if (!wake_w_.valid()) return;
    const char c = 1;
    // EAGAIN: the pipe is full, so the manager will wake anyway.
    while (::write(wake_w_.get(), &c, 1) < 0 && errno == EINTR) {
    }
  }

  // Starts the worker process of slot `index` (0-based; its name counts from
  // 1, as Python's do), with its two pipes.
  absl::StatusOr<Worker> StartWorker(int index) {
    absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> tasks = MakePipe();
    if (!tasks.ok()) return tasks.status();
    absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> results = MakePipe();
    if (!results.ok()) return results.status();
    const int task_r = tasks->first.get();
    const int result_w = results->second.get();
    Process process({.name = absl::StrCat("ProcessPoolWorker-", index + 1),
                     .daemon = true,
                     .pass_fds = {task_r, result_w}},
                    process_function<PoolWorkerMain>, int64_t{task_r}, int64_t{result_w}, initializer_,
                    initargs_, int64_t{max_tasks_per_child_.value_or(0)});
    if (absl::Status s = process.start(); !s.ok()) return s;
    Worker w(process);
    w.task_w = std::move(tasks->second);
    w.result_r = std::move(results->first);
    ::fcntl(w.task_w.get(), F_SETFL, O_NONBLOCK);
    w.pidfd = FileDescriptor(static_cast<int>(::syscall(SYS_pidfd_open, w.pid, 0)));
    ::fcntl(w.result_r.get(), F_SETFL, O_NONBLOCK);
    internal::MutexLock lock(mu_);
    pids_.push_back(w.pid);
    return w;
  }

  absl::Status StartWorkers() {
    for (int i = 0; i < max_workers_; ++i) {
      absl::StatusOr<Worker> w = StartWorker(i);
      if (!w.ok()) return w.status();
      workers_.push_back(*std::move(w));
    }
    return absl::OkStatus();
  }

  bool ShutDownAndDrained() const {
    internal::MutexLock lock(mu_);
    return shutdown_ && queue_.empty();
  }

  // True if `w` has been given its max_tasks_per_child tasks: it gets no more,
  // and its exit is expected.
  bool Spent(const Worker& w) const {
    return max_tasks_per_child_.has_value() && w.sent >= *max_tasks_per_child_;
  }

  // A spent worker's process ended: true if it retired as it should (every
  // result read and matched, exit code 0), false if it died otherwise (then
  // the pool breaks, as for any worker that dies).
  static bool RetiredCleanly(Worker& w) {
    absl::Status init_failed;
    if (!DrainResults(w, &init_failed) || !w.in_flight.empty()) return false;
    if (!w.process.join(absl::Seconds(10)).ok()) return false;
    return w.process.exitcode().value_or(-1) == 0;
  }

  // Moves queued tasks to workers with room. Returns true when shut down and
  // nothing is left to do.
  bool Dispatch() {
    internal::MutexLock lock(mu_);
    bool room = true;
    while (room && !queue_.empty()) {
      room = false;
      for (Worker& w : workers_) {
        if (queue_.empty()) break;
        if (w.in_flight.size() >= ProcessPoolExecutor::kMaxInFlightPerWorker || Spent(w)) continue;
        room = true;
        PoolTask task = std::move(queue_.front());
        queue_.pop_front();
        if (!task.future->SetRunningOrNotifyCancel()) continue;  // Cancelled while queued.
        const uint64_t id = next_id_++;
        const std::string payload = Encode(TaskMessage{id, task.function, task.args, std::move(task.chunk)});
        const uint64_t size = payload.size();
        w.out.append(reinterpret_cast<const char*>(&size), sizeof size);  // Little-endian header.
        w.out.append(payload);
        w.in_flight.emplace_back(id, std::move(task));
        ++w.sent;
      }
    }
    if (!shutdown_ || !queue_.empty()) return false;
    for (const Worker& w : workers_) {
      if (!w.in_flight.empty()) return false;
    }
    return true;
  }

  // Writes what the pipe takes without blocking.
  static void Flush(Worker& w) {
    while (w.out_offset < w.out.size()) {
      ssize_t n = ::write(w.task_w.get(), w.out.data() + w.out_offset, w.out.size() - w.out_offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) w.out_offset = w.out.size();  // EPIPE: the pidfd reports the death.
        break;
      }
      w.out_offset += static_cast<size_t>(n);
    }
    if (w.out_offset == w.out.size()) {
      w.out.clear();
      w.out_offset = 0;
    }
  }

  // Completes the task a result frame answers; false if the frame is not the
  // answer expected next, or reports that the initializer failed (then
  // *init_failed says so).
  static bool Complete(Worker& w, std::string_view frame, absl::Status* init_failed) {
    absl::StatusOr<ResultMessage> r = Decode<ResultMessage>(frame);
    if (r.ok() && r->kind == ResultKind::kInitFailed) {
      *init_failed = BrokenError(absl::StrCat("BrokenProcessPool: the initializer failed in worker process ", w.pid,
                                              ": ", r->payload, "; the process pool is not usable anymore"));
      return false;
    }
    if (!r.ok() || w.in_flight.empty() || w.in_flight.front().first != r->id) return false;
    PoolTask task = std::move(w.in_flight.front().second);
    w.in_flight.pop_front();
    switch (r->kind) {
      case ResultKind::kValue:
        task.complete(std::move(r->payload));
        break;
      case ResultKind::kException:
        task.complete(absl::UnknownError(absl::StrCat("the task raised ", r->payload)));
        break;
      case ResultKind::kError:
        task.complete(DecodeStatus(r->payload));
        break;
      case ResultKind::kInitFailed:  // Handled above; never reaches a task.
        task.complete(absl::InternalError(r->payload));
        break;
    }
    return true;
  }

  // Reads what the worker's result pipe holds (one read) and completes the
  // tasks it answers. False if the pipe ended or carried nonsense.
  static bool ReadResults(Worker& w, absl::Status* init_failed) {
    const ssize_t n = w.results.Fill(w.result_r.get());
    if (n == 0 || (n < 0 && errno != EAGAIN)) return false;
    while (std::optional<std::string_view> frame = w.results.Next()) {
      if (!Complete(w, *frame, init_failed)) return false;
    }
    return !w.results.corrupt();
  }

  // A worker died: every pending task fails, the other workers are stopped.
  void Break(absl::Status status) {
    std::deque<PoolTask> pending;
    {
      internal::MutexLock lock(mu_);
      broken_ = status;
      broken_started_ = true;
      pending.swap(queue_);
    }
    for (Worker& w : workers_) {
      for (auto& [id, task] : w.in_flight) pending.push_back(std::move(task));
      w.in_flight.clear();
      (void)w.process.terminate();
      w.task_w.reset();
    }
    for (PoolTask& t : pending) t.complete(status);
    JoinWorkers();
  }

  void JoinWorkers() {
    for (Worker& w : workers_) {
      w.task_w.reset();  // EOF: the worker's loop ends.
      if (!w.process.join(absl::Seconds(60)).ok()) {
        (void)w.process.kill();
        (void)w.process.join();
      }
    }
  }

  // Reads what an ended worker left in its result pipe (EAGAIN or EOF ends
  // it) and completes the tasks it answers. False at a frame that is not the
  // answer expected next (or says the initializer failed: *init_failed).
  static bool DrainResults(Worker& w, absl::Status* init_failed) {
    while (w.results.Fill(w.result_r.get()) > 0) {
      while (std::optional<std::string_view> frame = w.results.Next()) {
        if (!Complete(w, *frame, init_failed)) return false;
      }
    }
    return !w.results.corrupt();
  }

  // init_failed: set if the worker said its initializer failed.
  absl::Status WorkerDied(Worker& w, absl::Status init_failed) {
    // Results it sent before dying still count.
    if (init_failed.ok()) (void)DrainResults(w, &init_failed);
    if (!w.process.join(absl::Seconds(10)).ok()) {
      (void)w.process.kill();
      (void)w.process.join();
    }
    if (!init_failed.ok()) return init_failed;
    return BrokenError(absl::StrCat(
        "BrokenProcessPool: worker process ", w.pid, " ",
        DescribeExitCode(w.process.exitcode().value_or(255)),
        "; a process in the pool was terminated abruptly while the future was running or pending"));
  }

  void Run() {
    if (absl::Status s = StartWorkers(); !s.ok()) {
      Break(s);
      return;
    }
    std::vector<pollfd> fds;
    for (;;) {
      if (Dispatch()) break;
      for (Worker& w : workers_) Flush(w);
      fds.clear();
      fds.push_back({wake_r_.get(), POLLIN, 0});
      for (Worker& w : workers_) {
        fds.push_back({w.result_r.get(), POLLIN, 0});
        fds.push_back({w.pidfd.get(), POLLIN, 0});
        fds.push_back({w.task_w.get(), static_cast<short>(w.out.empty() ? 0 : POLLOUT), 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;  // EINTR.
      if (fds[0].revents != 0) {
        char buf[256];
        while (::read(wake_r_.get(), buf, sizeof buf) > 0) {
        }
      }
      for (size_t i = 0; i < workers_.size(); ++i) {
        Worker& w = workers_[i];
        const pollfd& result = fds[1 + 3 * i];
        const pollfd& pidfd = fds[2 + 3 * i];
        bool dead = (pidfd.revents & POLLIN) != 0;
        absl::Status init_failed;
        if (!dead && result.revents != 0) dead = !ReadResults(w, &init_failed);
        if (dead && init_failed.ok() && Spent(w) && RetiredCleanly(w)) {
          // max_tasks_per_child: a fresh process takes the slot, as in Python,
          // unless the pool is shut down with nothing left to give it.
          if (ShutDownAndDrained()) {
            workers_.erase(workers_.begin() + static_cast<std::ptrdiff_t>(i));
            break;  // The indexes into fds have moved; poll again.
          }
          absl::StatusOr<Worker> fresh = StartWorker(static_cast<int>(i));
          if (!fresh.ok()) {
            Break(fresh.status());
            return;
          }
          workers_[i] = *std::move(fresh);
          continue;
        }
        if (dead) {
          Break(WorkerDied(w, std::move(init_failed)));
          return;
        }
      }
    }
    JoinWorkers();
  }

  const int max_workers_;
  const std::optional<int> max_tasks_per_child_;  // nullopt: workers live as long as the pool.
  const std::string initializer_;  // A registered function's name; empty for none.
  const std::string initargs_;     // Its arguments, encoded.

  mutable internal::Mutex mu_;
  std::deque<PoolTask> queue_ ABSL_GUARDED_BY(mu_);  // Submitted, not yet sent.
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // The manager thread exists.
  absl::Status broken_ ABSL_GUARDED_BY(mu_);   // Why submits fail from now on.
  bool broken_started_ ABSL_GUARDED_BY(mu_) = false;  // broken() (not a bad constructor).
  std::vector<pid_t> pids_ ABSL_GUARDED_BY(mu_);
  std::thread manager_;  // Assigned under mu_ before started_ is set.
  internal::Mutex join_mu_;   // One joiner at a time.
  FileDescriptor wake_r_, wake_w_;  // Wake-ups for the manager.

  // Owned by the manager thread.
  std::vector<Worker> workers_;
  uint64_t next_id_ = 0;
};

}  // namespace internal

ProcessPoolExecutor::ProcessPoolExecutor(std::optional<int> max_workers)
    : ProcessPoolExecutor(Options{.max_workers = max_workers, .max_tasks_per_child = std::nullopt}, std::string(), std::string()) {}

ProcessPoolExecutor::ProcessPoolExecutor(Options options)
    : ProcessPoolExecutor(options, std::string(), std::string()) {}

ProcessPoolExecutor::ProcessPoolExecutor(Options options, std::string initializer, std::string initargs)
    : max_workers_(options.max_workers.value_or(cpu_count())),
      core_(std::make_shared<internal::ProcessPoolCore>(max_workers_, options.max_tasks_per_child,
                                                        std::move(initializer), std::move(initargs))) {}

ProcessPoolExecutor::~ProcessPoolExecutor() { shutdown(/*wait=*/true); }

void ProcessPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  core_->Shutdown(wait, cancel_futures);
}

bool ProcessPoolExecutor::broken() const { return core_->Broken(); }

std::vector<pid_t> ProcessPoolExecutor::worker_pids() const { return core_->Pids(); }

void ProcessPoolExecutor::Enqueue(internal::PoolTask task) { core_->Enqueue(std::move(task)); }

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "modules/common/codec.h"
#include "modules/common/fd.h"
#include "modules/common/framed.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/exception.h"

namespace conc {
namespace internal {
namespace {

// The marker argument of a spawned child: argv = {argv0, kSpawnMarker, "<fd>"}.
constexpr char kSpawnMarker[] = "--conc-process-spawn";

// What the parent sends a spawned child through its boot pipe.
struct SpawnRequest {
  std::string function;
  std::string args;
  std::string name;
  std::string identity;
  int64_t parent_pid = 0;
  std::string parent_name;
  bool daemon = false;
  CONC_CODEC_FIELDS(function, args, name, identity, parent_pid, parent_name, daemon);
};

}  // namespace

// The state behind a Process handle.
//
// Kinds: kChild is a process this one created (or will); kCurrent is the
// calling process (current_process()); kParent is the process that created
// this one (parent_process()). Only kChild can be started, joined, signalled.
//
// Lifecycle of a kChild (phase under mu):
//
//   kInitial --start()--> kStarted --waitpid reaps it--> kEnded
//   kInitial/kEnded --close()--> closed = true (a flag beside the phase)
struct ProcessState {
  enum class Kind { kChild, kCurrent, kParent };
  enum class Phase { kInitial, kStarted, kEnded };

  Kind kind = Kind::kChild;
  StartMethod method = StartMethod::kSpawn;
  std::string name;      // Immutable after construction.
  std::string identity;  // "1", "1:2": Python's _identity.
  std::vector<int> pass_fds;
  std::string function;         // Spawn: the registered name.
  std::string args;             // Spawn: the encoded arguments.
  std::function<void()> body;   // Fork: the callable.
  pid_t fixed_pid = 0;          // kCurrent/kParent: the pid.

  mutable internal::Mutex mu;
  bool daemon ABSL_GUARDED_BY(mu) = false;
  Phase phase ABSL_GUARDED_BY(mu) = Phase::kInitial;
  bool closed ABSL_GUARDED_BY(mu) = false;
  pid_t pid ABSL_GUARDED_BY(mu) = 0;
  int pidfd ABSL_GUARDED_BY(mu) = -1;  // Readable once the child has ended.
  int pidfd_errno ABSL_GUARDED_BY(mu) = 0;  // Why pidfd is -1 after start.
  std::optional<int> exitcode ABSL_GUARDED_BY(mu);

  ~ProcessState() {
    // No lock: the last handle is going away.
    if (pidfd >= 0) ::close(pidfd);
  }

  // Reaps the child if it has ended. Returns true once ended.
  bool PollLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (phase == Phase::kEnded) return true;
    if (phase != Phase::kStarted) return false;
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    if (r < 0) {
      // ECHILD: someone else reaped it (waitpid(-1), SIGCHLD ignored); the
      // code is lost, as it would be in Python.
      exitcode = 255;
    } else if (WIFSIGNALED(status)) {
      exitcode = -WTERMSIG(status);
    } else {
      exitcode = WEXITSTATUS(status);
    }
    phase = Phase::kEnded;
    return true;
  }
};

namespace {

// The process-wide table (Python's `_current_process`, `_children`).
struct Globals {
  internal::Mutex mu;
  bool main_called ABSL_GUARDED_BY(mu) = false;
  std::string argv0 ABSL_GUARDED_BY(mu) = "conc-process";
  std::shared_ptr<ProcessState> current ABSL_GUARDED_BY(mu);
  std::shared_ptr<ProcessState> parent ABSL_GUARDED_BY(mu);  // Null in the main process.
  int counter ABSL_GUARDED_BY(mu) = 0;                       // Children named so far.
  std::vector<std::shared_ptr<ProcessState>> children ABSL_GUARDED_BY(mu);
  bool atexit_registered ABSL_GUARDED_BY(mu) = false;
};

// Never destroyed: the atexit hook and daemon children outlive static destructors.
Globals& G() {
  static Globals* g = new Globals;
  return *g;
}

std::shared_ptr<ProcessState> MakeCurrentLocked(std::string name, std::string identity, bool daemon)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(G().mu) {
  auto s = std::make_shared<ProcessState>();
  s->kind = ProcessState::Kind::kCurrent;
  s->name = std::move(name);
  s->identity = std::move(identity);
  s->fixed_pid = ::getpid();
  internal::MutexLock lock(s->mu);
  s->daemon = daemon;
  return s;
}

std::shared_ptr<ProcessState> CurrentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(G().mu) {
  if (G().current == nullptr) G().current = MakeCurrentLocked("MainProcess", "", false);
  return G().current;
}

void SetParentLocked(pid_t pid, std::string name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(G().mu) {
  auto p = std::make_shared<ProcessState>();
  p->kind = ProcessState::Kind::kParent;
  p->name = std::move(name);
  p->fixed_pid = pid;
  G().parent = std::move(p);
}

// Opens the child's pidfd (O_CLOEXEC by default); -1 with errno on failure.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

void FlushStdio() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

// Python's util._exit_function: terminate the daemonic children, then join
// every child. Runs at normal exit, and at the end of a forked child.
void ExitFunction() {
  std::vector<Process> children = active_children();
  for (Process& p : children) {
    if (p.daemon()) (void)p.terminate();
  }
  for (Process& p : children) (void)p.join();
}

void RegisterAtexitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(G().mu) {
  if (G().atexit_registered) return;
  G().atexit_registered = true;
  std::atexit(ExitFunction);
}

// What a child prints when its target throws (Python prints the traceback).
void ReportException(const std::string& name, std::exception_ptr e) {
  std::fprintf(stderr, "Process %s:\n%s\n", name.c_str(), DescribeException(e).c_str());
}

// The child side of the spawn start method; never returns.
[[noreturn]] void RunSpawnedChild(int fd) {
  SpawnRequest request;
  {
    FileDescriptor boot(fd);
    FrameReader reader(boot.get());
    absl::StatusOr<SpawnRequest> got = reader.ReadMessage<SpawnRequest>();
    if (!got.ok()) {
      std::fprintf(stderr, "conc: a spawned process could not read its request: %s\n",
                   got.status().ToString().c_str());
      std::exit(1);
    }
    request = *std::move(got);
  }
  {
    internal::MutexLock lock(G().mu);
    G().current = MakeCurrentLocked(request.name, request.identity, request.daemon);
    SetParentLocked(static_cast<pid_t>(request.parent_pid), request.parent_name);
  }
  int code = 0;
  absl::StatusOr<ProcessThunk> thunk = FindProcessFunction(request.function);
  if (!thunk.ok()) {
    std::fprintf(stderr, "Process %s:\n%s\n", request.name.c_str(),
                 thunk.status().ToString().c_str());
    code = 1;
  } else {
    try {
      absl::StatusOr<std::string> result = (*thunk)(request.args);
      if (!result.ok()) {
        std::fprintf(stderr, "Process %s:\n%s\n", request.name.c_str(),
                     result.status().ToString().c_str());
        code = 1;
      }
    } catch (...) {
      ReportException(request.name, std::current_exception());
      code = 1;
    }
  }
  FlushStdio();
  std::exit(code);  // Runs the atexit hooks: this child's own children are joined.
}

}  // namespace

std::string DescribeExitCode(int exitcode) {
  if (exitcode >= 0) return absl::StrCat("exited with code ", exitcode);
  const char* abbrev = ::sigabbrev_np(-exitcode);
  return absl::StrCat("was killed by signal ", -exitcode,
                      abbrev ? absl::StrCat(" (SIG", abbrev, ")") : std::string());
}

// True if the calling process is daemonic (its flag cannot change).
bool CurrentIsDaemon() {
  std::shared_ptr<ProcessState> current;
  {
    internal::MutexLock lock(G().mu);
    current = CurrentLocked();
  }
  internal::MutexLock lock(current->mu);
  return current->daemon;
}

std::shared_ptr<ProcessState> NewChildState(ProcessOptions options) {
  auto s = std::make_shared<ProcessState>();
  {
    internal::MutexLock lock(G().mu);
    std::shared_ptr<ProcessState> current = CurrentLocked();
    const int n = ++G().counter;
    s->identity =
        current->identity.empty() ? absl::StrCat(n) : absl::StrCat(current->identity, ":", n);
  }
  s->name = options.name.empty() ? absl::StrCat("Process-", s->identity) : std::move(options.name);
  s->pass_fds = std::move(options.pass_fds);
  // Python: the child's config is a copy of the creator's, daemon included.
  const bool daemon = options.daemon.has_value() ? *options.daemon : CurrentIsDaemon();
  internal::MutexLock lock(s->mu);
  s->daemon = daemon;
  return s;
}

std::shared_ptr<ProcessState> NewSpawnState(ProcessOptions options, std::string_view function,
                                            std::string encoded_args) {
  std::shared_ptr<ProcessState> s = NewChildState(std::move(options));
  s->method = StartMethod::kSpawn;
  s->function = std::string(function);
  s->args = std::move(encoded_args);
  return s;
}

std::shared_ptr<ProcessState> NewForkState(ProcessOptions options, std::function<void()> body) {
  std::shared_ptr<ProcessState> s = NewChildState(std::move(options));
  s->method = StartMethod::kFork;
  s->body = std::move(body);
  return s;
}

}  // namespace internal

using internal::G;
using internal::ProcessState;

namespace {

absl::Status NotAChild(const ProcessState& s, const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": can only ", what, " a child process (", s.name, " is not one)"));
}

absl::Status Closed(const char* what) {
  return ValueError(absl::StrCat(what, ": process object is closed"));
}

// Starts a spawned child: fork, then exec of /proc/self/exe in the child, then
// the request through the boot pipe.
absl::Status StartSpawn(ProcessState& s, bool daemon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
  std::string argv0;
  std::string parent_name;
  std::string identity;
  {
    internal::MutexLock lock(G().mu);
    if (!G().main_called) {
      return absl::FailedPreconditionError(
          "Process.start: the spawn start method needs conc::ProcessMain(argc, argv) at the top "
          "of main()");
    }
    argv0 = G().argv0;
    parent_name = internal::CurrentLocked()->name;
  }
  absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> boot = MakePipe();
  if (!boot.ok()) return boot.status();
  auto& [boot_r, boot_w] = *boot;

  // Everything the child needs is prepared before fork: between fork and exec
  // it may only call async-signal-safe functions.
  const std::string fd_arg = std::to_string(boot_r.get());
  char* const argv[] = {argv0.data(), const_cast<char*>(internal::kSpawnMarker),
                        const_cast<char*>(fd_arg.c_str()), nullptr};
  std::vector<int> keep = s.pass_fds;
  keep.push_back(boot_r.get());
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    return err == EAGAIN ? absl::ResourceExhaustedError("Process.start: fork: too many processes")
                         : ErrnoToStatus(err, "Process.start: fork");
  }
  if (pid == 0) {
    if (daemon) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);  // The parent died before prctl.
    }
    for (int fd : keep) ::fcntl(fd, F_SETFD, 0);  // Survive the exec.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // The mask survives exec.
    ::execv("/proc/self/exe", argv);
    ::_exit(127);
  }
  s.pid = pid;
  s.pidfd = internal::PidfdOpen(pid);
  s.pidfd_errno = s.pidfd < 0 ? errno : 0;
  s.phase = ProcessState::Phase::kStarted;
  boot_r.reset();

  internal::SpawnRequest request;
  request.function = s.function;
  request.args = s.args;
  request.name = s.name;
  request.identity = s.identity;
  request.parent_pid = parent;
  request.parent_name = parent_name;
  request.daemon = daemon;
  FrameWriter writer(boot_w.get());
  // A child that died before reading (exec failed) shows in its exit code (127).
  (void)writer.WriteMessage(request);
  return absl::OkStatus();
}

absl::Status StartFork(ProcessState& s, bool daemon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
  internal::FlushStdio();  // Or buffered output would be printed twice.
  // Fork while holding the table's lock, so that no other thread holds it in
  // the child (where that thread does not exist); both sides release it.
  internal::MutexLock table(G().mu);
  const pid_t parent = ::getpid();
  const std::string parent_name = internal::CurrentLocked()->name;
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    return err == EAGAIN ? absl::ResourceExhaustedError("Process.start: fork: too many processes")
                         : ErrnoToStatus(err, "Process.start: fork");
  }
  if (pid == 0) {
    if (daemon) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
    }
    G().current = internal::MakeCurrentLocked(s.name, s.identity, daemon);
    internal::SetParentLocked(parent, parent_name);
    G().children.clear();  // The parent's children are not ours.
    G().counter = 0;
    table.unlock();
    int code = 0;
    try {
      s.body();
    } catch (...) {
      internal::ReportException(s.name, std::current_exception());
      code = 1;
    }
    internal::ExitFunction();
    internal::FlushStdio();
    // _exit, not exit: the parent's atexit hooks and static destructors must
    // not run in this copy of it (Python's forked child uses os._exit too).
    ::_exit(code);
  }
  table.unlock();
  s.pid = pid;
  s.pidfd = internal::PidfdOpen(pid);
  s.pidfd_errno = s.pidfd < 0 ? errno : 0;
  s.phase = ProcessState::Phase::kStarted;
  return absl::OkStatus();
}

void Forget(const std::shared_ptr<ProcessState>& s) {
  internal::MutexLock lock(G().mu);
  std::erase(G().children, s);
}

}  // namespace

absl::Status Process::start() {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) return NotAChild(s, "start");
  const bool caller_is_daemon = internal::CurrentIsDaemon();  // Before s.mu: lock order.
  internal::MutexLock lock(s.mu);
  if (s.closed) return Closed("Process.start");
  if (s.phase != ProcessState::Phase::kInitial) {
    return absl::FailedPreconditionError("Process.start: cannot start a process twice");
  }
  if (caller_is_daemon) {
    // Python's AssertionError: a daemonic process is terminated (or killed) at
    // its parent's exit, and would leave its own children orphaned.
    return absl::FailedPreconditionError(
        "Process.start: daemonic processes are not allowed to have children");
  }
  absl::Status started =
      s.method == StartMethod::kSpawn ? StartSpawn(s, s.daemon) : StartFork(s, s.daemon);
  if (!started.ok()) return started;
  lock.unlock();
  internal::MutexLock table(G().mu);
  G().children.push_back(state_);
  internal::RegisterAtexitLocked();
  return absl::OkStatus();
}

absl::Status Process::join(std::optional<absl::Duration> timeout) {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) return NotAChild(s, "join");
  const Deadline deadline = Deadline::FromTimeout(timeout);
  int pidfd;
  {
    internal::MutexLock lock(s.mu);
    if (s.closed) return Closed("Process.join");
    if (s.phase == ProcessState::Phase::kInitial) {
      return absl::FailedPreconditionError("Process.join: can only join a started process");
    }
    if (s.PollLocked()) {
      Forget(state_);
      return absl::OkStatus();
    }
    pidfd = s.pidfd;  // Stays open until the state is destroyed; we hold a handle.
  }
  for (;;) {
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      int r = ::poll(&p, 1, deadline.remaining_poll_milliseconds());
      if (r < 0 && errno != EINTR) return ErrnoToStatus(errno, "Process.join: poll");
    } else {
      // No pidfd (kernel < 5.3): poll for the end every millisecond.
      ::usleep(static_cast<useconds_t>(
          std::min<int64_t>(1000, absl::ToInt64Microseconds(deadline.remaining()))));
    }
    {
      internal::MutexLock lock(s.mu);
      if (s.PollLocked()) break;
    }
    if (deadline.expired()) {
      return absl::DeadlineExceededError(
          absl::StrCat("Process.join: ", s.name, " still running after the timeout"));
    }
  }
  Forget(state_);
  return absl::OkStatus();
}

bool Process::is_alive() const {
  ProcessState& s = *state_;
  switch (s.kind) {
    case ProcessState::Kind::kCurrent:
      return true;
    case ProcessState::Kind::kParent:
      return ::getppid() == s.fixed_pid;
    case ProcessState::Kind::kChild:
      break;
  }
  bool ended;
  {
    internal::MutexLock lock(s.mu);
    if (s.phase == ProcessState::Phase::kInitial || s.closed) return false;
    ended = s.PollLocked();
  }
  if (ended) Forget(state_);
  return !ended;
}

std::optional<int> Process::exitcode() const {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) return std::nullopt;
  internal::MutexLock lock(s.mu);
  if (!s.closed) s.PollLocked();
  return s.exitcode;
}

std::optional<pid_t> Process::pid() const {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) return s.fixed_pid;
  internal::MutexLock lock(s.mu);
  if (s.phase == ProcessState::Phase::kInitial) return std::nullopt;
  return s.pid;
}

absl::StatusOr<int> Process::sentinel() const {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) {
    return absl::FailedPreconditionError(
        absl::StrCat("Process.sentinel: ", s.name, " is not a child of this process"));
  }
  internal::MutexLock lock(s.mu);
  if (s.closed) return Closed("Process.sentinel");
  if (s.phase == ProcessState::Phase::kInitial) {
    return ValueError("Process.sentinel: process not started");
  }
  if (s.pidfd < 0) return ErrnoToStatus(s.pidfd_errno, "Process.sentinel: pidfd_open");
  return s.pidfd;
}

const std::string& Process::name() const { return state_->name; }

bool Process::daemon() const {
  internal::MutexLock lock(state_->mu);
  return state_->daemon;
}

absl::Status Process::set_daemon(bool daemon) {
  internal::MutexLock lock(state_->mu);
  if (state_->kind != ProcessState::Kind::kChild ||
      state_->phase != ProcessState::Phase::kInitial) {
    return absl::FailedPreconditionError(
        "Process.daemon: cannot set daemon status of an active process");
  }
  state_->daemon = daemon;
  return absl::OkStatus();
}

StartMethod Process::start_method() const { return state_->method; }

namespace {
absl::Status SendSignal(ProcessState& s, int sig, const char* what) {
  if (s.kind != ProcessState::Kind::kChild) return NotAChild(s, what);
  internal::MutexLock lock(s.mu);
  if (s.closed) return Closed(what);
  if (s.phase == ProcessState::Phase::kInitial) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": the process has not been started"));
  }
  // Not yet reaped, the pid cannot have been reused: signalling it is safe.
  if (s.PollLocked()) return absl::OkStatus();
  if (::kill(s.pid, sig) != 0 && errno != ESRCH) return ErrnoToStatus(errno, what);
  return absl::OkStatus();
}
}  // namespace

absl::Status Process::terminate() { return SendSignal(*state_, SIGTERM, "Process.terminate"); }
absl::Status Process::kill() { return SendSignal(*state_, SIGKILL, "Process.kill"); }

absl::Status Process::close() {
  ProcessState& s = *state_;
  if (s.kind != ProcessState::Kind::kChild) return NotAChild(s, "close");
  {
    internal::MutexLock lock(s.mu);
    if (s.closed) return absl::OkStatus();
    if (s.phase == ProcessState::Phase::kStarted && !s.PollLocked()) {
      return ValueError("Process.close: cannot close a process while it is still running; "
                        "join or terminate it first");
    }
    s.closed = true;
    if (s.pidfd >= 0) {
      ::close(s.pidfd);
      s.pidfd = -1;
    }
  }
  Forget(state_);
  return absl::OkStatus();
}

void ProcessMain(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], internal::kSpawnMarker) == 0) {
    {
      internal::MutexLock lock(G().mu);
      G().main_called = true;
      G().argv0 = argv[0];
    }
    internal::RunSpawnedChild(std::atoi(argv[2]));
  }
  internal::MutexLock lock(G().mu);
  G().main_called = true;
  if (argc >= 1 && argv[0] != nullptr) G().argv0 = argv[0];
}

Process current_process() {
  internal::MutexLock lock(G().mu);
  return Process(internal::CurrentLocked());
}

std::optional<Process> parent_process() {
  internal::MutexLock lock(G().mu);
  if (G().parent == nullptr) return std::nullopt;
  return Process(G().parent);
}

std::vector<Process> active_children() {
  std::vector<std::shared_ptr<ProcessState>> children;
  {
    internal::MutexLock lock(G().mu);
    children = G().children;
  }
  std::vector<Process> alive;
  for (auto& c : children) {
    Process p(c);
    if (p.is_alive()) alive.push_back(p);  // is_alive forgets the ended ones.
  }
  return alive;
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/run_command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/fd.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"

namespace conc {
namespace {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// The last `n` bytes of `s`, for a message.
std::string Tail(const std::string& s, size_t n = 2000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

}  // namespace

bool HaveProgram(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", program);
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                                         size_t max_output) {
  if (argv.empty()) return ValueError("RunCommand: empty argv");
  const Deadline deadline = Deadline::FromTimeout(timeout);
  // Everything the child needs is made before fork: after it, the child may
  // only make async-signal-safe calls (other threads' locks are frozen).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "RunCommand: pipe2");
  FileDescriptor out_read(out[0]), out_write(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "RunCommand: pipe2");
  FileDescriptor err_read(err[0]), err_write(err[1]);

  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoToStatus(errno, "RunCommand: fork");
  if (pid == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(args[0], args.data());
    const int e = errno;
    (void)!::write(err[1], &e, sizeof e);  // the parent reads why
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: whichever runs first wins
  out_write.reset();
  err_write.reset();

  // exec failed iff the error pipe carries an errno; EOF means exec happened.
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(err_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int ws;
    while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return ErrnoToStatus(exec_errno, absl::StrCat("RunCommand: cannot run ", argv[0]));
  }

  CommandResult result;
  char buf[65536];
  bool eof = false;
  while (!eof) {
    pollfd p{out_read.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (ready < 0 && errno != EINTR) return ErrnoToStatus(errno, "RunCommand: poll");
    if (ready > 0) {
      const ssize_t n = ::read(out_read.get(), buf, sizeof buf);
      if (n > 0) {
        const size_t room = max_output - std::min(max_output, result.output.size());
        result.output.append(buf, std::min(room, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        eof = true;
      }
    } else if (deadline.expired()) {
      break;
    }
  }
  // The output is closed (or time is up): reap the child, still within the deadline.
  int ws = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &ws, WNOHANG);
    if (r == pid) {
      result.exit_code = ExitCodeOf(ws);
      return result;
    }
    if (r < 0 && errno != EINTR) return ErrnoToStatus(errno, "RunCommand: waitpid");
    if (deadline.expired()) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
      }
      return absl::DeadlineExceededError(absl::StrCat("RunCommand: ", argv[0], " still running after ",
                                                      absl::FormatDuration(timeout),
                                                      "; killed it. Its output so far:\n",
                                                      Tail(result.output)));
    }
    ::usleep(5000);
  }
}

}  // namespace conc

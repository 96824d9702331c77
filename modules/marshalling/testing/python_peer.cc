// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/testing/python_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

std::string Runfile(const std::string& path) {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  if (dir == nullptr) return path;
  return absl::StrCat(dir, "/", ws ? ws : "conc", "/", path);
}

}  // namespace

absl::StatusOr<PythonPeer> PythonPeer::Start(const std::vector<std::string>& args) {
  absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> pipe = MakePipe();
  if (!pipe.ok()) return pipe.status();
  std::vector<std::string> argv = {kPython, "-u"};
  for (size_t i = 0; i < args.size(); ++i) argv.push_back(i == 0 ? Runfile(args[i]) : args[i]);
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(pipe->second.get(), 1);
    ::dup2(pipe->second.get(), 2);
    ::execv(kPython, cargv.data());
    _exit(127);
  }
  pipe->second.reset();
  return PythonPeer(pid, std::move(pipe->first));
}

PythonPeer::PythonPeer(PythonPeer&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), out_(std::move(other.out_)), buffer_(std::move(other.buffer_)) {}

PythonPeer::~PythonPeer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

absl::StatusOr<bool> PythonPeer::Fill(const Deadline& deadline) {
  while (true) {
    if (deadline.expired()) {
      return absl::DeadlineExceededError("python peer: timed out; it printed: " + buffer_);
    }
    pollfd p{out_.get(), POLLIN, 0};
    const int n = ::poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, "poll");
    if (n == 0) continue;
    char chunk[4096];
    const ssize_t got = ::read(out_.get(), chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoToStatus(errno, "read");
    if (got == 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }
}

absl::StatusOr<std::string> PythonPeer::ReadLine(absl::Duration timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  while (true) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    absl::StatusOr<bool> more = Fill(deadline);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OutOfRangeError("python peer: end of output; it printed: " + buffer_);
  }
}

absl::StatusOr<PythonPeer::Exit> PythonPeer::Finish(absl::Duration timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  while (true) {
    absl::StatusOr<bool> more = Fill(deadline);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return ErrnoToStatus(errno, "waitpid");
  pid_ = -1;
  Exit exit;
  exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  exit.output = std::move(buffer_);
  return exit;
}

}  // namespace conc::testing

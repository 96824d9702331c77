// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/fd.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "modules/common/status.h"

namespace conc {

void FileDescriptor::reset(int fd) {
  // close(2)'s error is deliberately dropped here (Close() reports it); EINTR
  // must not be retried on Linux: the descriptor is already released.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

absl::Status FileDescriptor::Close() {
  if (fd_ < 0) return absl::OkStatus();
  const int fd = release();
  // EINTR: the descriptor is closed all the same on Linux; not an error.
  if (::close(fd) != 0 && errno != EINTR) return ErrnoToStatus(errno, "close");
  return absl::OkStatus();
}

absl::StatusOr<size_t> ReadFull(int fd, std::span<std::byte> buffer) {
  size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + done, buffer.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n == 0) {
      break;  // End of file.
    } else if (errno != EINTR) {
      return ErrnoToStatus(errno, "read");
    }
  }
  return done;
}

absl::Status WriteFull(int fd, std::span<const std::byte> data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      return ErrnoToStatus(errno, "write");
    }
  }
  return absl::OkStatus();
}

void IgnoreSigpipe() {
  // A function-local static is initialised exactly once, thread-safely.
  [[maybe_unused]] static const bool once = [] {
    struct sigaction action = {};
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGPIPE, &action, nullptr);
    return true;
  }();
}

absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  return std::make_pair(FileDescriptor(fds[0]), FileDescriptor(fds[1]));
}

}  // namespace conc

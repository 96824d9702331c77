// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/pipe.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "modules/common/status.h"
#include "modules/ipc/internal/pipe_shared_page.h"

namespace conc {

absl::StatusOr<std::pair<Connection, Connection>> Pipe(bool duplex) {
  absl::StatusOr<std::shared_ptr<internal::PipeSharedPage>> page =
      internal::PipeSharedPage::Create();
  if (!page.ok()) return page.status();
  int fds[2];
  if (duplex) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return ErrnoToStatus(errno, "socketpair");
    }
  } else if (::pipe2(fds, O_CLOEXEC) != 0) {
    return ErrnoToStatus(errno, "pipe2");
  }
  // Python's Pipe(False) returns (reader, writer): fds[0] is pipe2's read end.
  return std::pair<Connection, Connection>(
      Connection(FileDescriptor(fds[0]), *page, 0, true, duplex),
      Connection(FileDescriptor(fds[1]), *page, 1, duplex, true));
}

}  // namespace conc

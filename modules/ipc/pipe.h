// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe.h: conc::Pipe, Python's `multiprocessing.Pipe(duplex=True)`.
//
// Returns the two ends of a new pipe as `Connection`s (connection.h):
//
//   * duplex (the default): a socketpair(AF_UNIX, SOCK_STREAM); each end sends
//     to and receives from the other;
//   * one-way (`Pipe(false)`): a pipe(2); the FIRST end only receives and the
//     SECOND only sends, as Python's `r, w = Pipe(False)`.
//
// Both ends share one page of shared memory (a memfd) with the robust
// process-shared locks that let several processes send and receive on the same
// end safely (connection.h, "SEVERAL WRITERS AND SEVERAL READERS"). Every
// descriptor is close-on-exec: a forked child inherits the ends; a spawned one
// gets those passed with `fds_to_pass()`.
//
// Example (the notebook's first cell):
//
//   auto p = conc::Pipe();
//   if (!p.ok()) return p.status();
//   auto& [r, w] = *p;
//   absl::Status sent = w.send(std::string("Hello, world"));
//   absl::StatusOr<std::string> got = r.recv<std::string>();  // "Hello, world"
//
// Errors: socketpair/pipe2/memfd_create/mmap errno via ErrnoToStatus (EMFILE ->
// ResourceExhausted). The process ignores SIGPIPE from then on (as CPython does
// at start-up), so a vanished reader is Unavailable, not death by signal.

#ifndef MODULES_IPC_PIPE_H_
#define MODULES_IPC_PIPE_H_

#include <utility>

#include "absl/status/statusor.h"
#include "modules/ipc/connection.h"

namespace conc {

[[nodiscard]] absl::StatusOr<std::pair<Connection, Connection>> Pipe(bool duplex = true);

}  // namespace conc

#endif  // MODULES_IPC_PIPE_H_

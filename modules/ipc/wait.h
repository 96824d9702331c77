// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// wait.h: conc::wait, Python's `multiprocessing.connection.wait`: waits until
// at least one of several Connections, process sentinels or raw descriptors is
// ready, and says which.
//
//   Python                                        C++
//   from multiprocessing.connection import wait
//   ready = wait([r1, r2, p.sentinel])            auto ready = conc::wait({r1, r2, p});
//   ready = wait([r1, fd], timeout=0.5)           auto ready = conc::wait({r1, fd}, absl::Milliseconds(500));
//   for obj in ready: ...                         for (size_t i : *ready) ...  // indices into the list
//
// What "ready" means, per kind of object:
//   * a Connection (readable end): recv would not block: a message, EOF (the
//     peer closed, or died), or an error recv will report (a broken
//     direction). As `Connection::poll`, it also sees bytes another reader (in
//     any process) left in the pipe's shared read-ahead buffer.
//   * a Process (its `sentinel()`, a pidfd): the child has ended. A raw
//     `int` sentinel works too: `conc::wait({*p.sentinel()})`.
//   * an `int` descriptor: poll(2) reports any event on it for POLLIN
//     (readable, hang-up, error, or POLLNVAL for a descriptor that is not
//     open), as Python's selectors count them.
//
// Returns the indices of the ready objects in the list, ascending (each once,
// even if listed twice: then both indices). Indices, not pointers: the list
// mixes kinds, and an index says at once which worker or which end it was.
// With several readers on one end, another may take the message between wait
// and recv (as in Python).
//
// Timeout (docs/DESIGN.md, "Timeouts and deadlines"): nullopt waits until one
// is ready; a positive duration waits at most that long and then returns an
// empty list (Python returns []); zero or negative polls once and never
// blocks. Durations too large for the clock wait forever (conc::Deadline
// saturates; see TIMEOUT_MAX in modules/common/timeout.h).
//
// Errors (Python raises OSError or ValueError, and waits on nothing):
//   a closed Connection                     FailedPrecondition "handle is closed"
//   a send-only Connection                  FailedPrecondition "connection is
//                                           write-only"
//   a Process not started, or closed        InvalidArgument (sentinel()'s error)
//   current_process() / parent_process()    FailedPrecondition (no sentinel)
//   a negative descriptor                   InvalidArgument
//   poll(2) failing (EINVAL: more objects   the errno's status
//     than RLIMIT_NOFILE; ENOMEM)
// Each message names the object's index. EINTR is retried within the timeout.
//
// Where it differs from Python:
//   * Returns indices, not the objects.
//   * A send-only Connection is refused (FailedPrecondition), as recv on it
//     is; Python registers its descriptor anyway, and it is "ready" only once
//     the reading end has closed (POLLERR).
//   * A Process can be listed directly (its sentinel is taken at the call).
//   * With a Connection in the list, the wait sleeps in poll(2) slices of at
//     most 50 ms, to see bytes another process moved into the shared
//     read-ahead buffer (which changes no descriptor's state); descriptors
//     and sentinels still wake it at once.
//   * An empty list sleeps for the timeout and returns an empty list (nullopt:
//     forever), as Python's does.
//
// Thread-safety: as `Connection::poll`: several threads may wait on the same
// objects at once; the objects must not be closed, moved or destroyed during
// the call.
//
// Example: a parent watching its workers' results and their deaths.
//
//   std::vector<conc::WaitObject> watch = {results_a, results_b, worker_a, worker_b};
//   absl::StatusOr<std::vector<size_t>> ready = conc::wait(watch, absl::Seconds(5));
//   if (!ready.ok()) return ready.status();
//   for (size_t i : *ready) {
//     if (i < 2) { /* a result (or EOF) waits on results_a or results_b */ }
//     else       { /* worker_a or worker_b has ended: join it */ }
//   }

#ifndef MODULES_IPC_WAIT_H_
#define MODULES_IPC_WAIT_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/ipc/connection.h"
#include "modules/threads/process.h"

namespace conc {

// One object conc::wait watches: a Connection, a Process (its sentinel) or a
// raw descriptor. It refers to the Connection or Process, which must outlive
// the wait() call (a braced list in the call is fine).
class WaitObject {
 public:
  WaitObject(const Connection& connection)  // NOLINT: implicit, as Python's list.
      : kind_(Kind::kConnection), connection_(&connection) {}
  WaitObject(const Process& process)  // NOLINT
      : kind_(Kind::kProcess), process_(&process) {}
  WaitObject(int fd) : kind_(Kind::kFd), fd_(fd) {}  // NOLINT

 private:
  friend struct WaitAccess;
  enum class Kind { kConnection, kProcess, kFd };
  Kind kind_;
  const Connection* connection_ = nullptr;
  const Process* process_ = nullptr;
  int fd_ = -1;
};

// Python's multiprocessing.connection.wait(object_list, timeout=None): blocks
// until at least one object is ready or the timeout passes; returns the
// indices of the ready ones (see the top of this file).
[[nodiscard]] absl::StatusOr<std::vector<size_t>> wait(
    std::span<const WaitObject> objects, std::optional<absl::Duration> timeout = std::nullopt);

// wait({a, b, p}, ...): a braced list.
[[nodiscard]] inline absl::StatusOr<std::vector<size_t>> wait(
    std::initializer_list<WaitObject> objects,
    std::optional<absl::Duration> timeout = std::nullopt) {
  return wait(std::span<const WaitObject>(objects.begin(), objects.size()), timeout);
}

}  // namespace conc

#endif  // MODULES_IPC_WAIT_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shm_watcher.h: the process that unlinks a SharedMemoryManager's segments
// when its owner shuts down or dies (CPython's resource tracker does this job
// for all of Python's segments). One serves each manager, and one more serves
// each process that creates tracked plain SharedMemory segments
// (shared_memory.h, `track`).
//
// The owner holds one end of a SOCK_SEQPACKET socketpair; the watcher, a
// forked child, holds the other and keeps a list of names:
//
//   owner sends    "T<name>"  track: unlink <name> at the end
//                  "U<name>"  untrack: the owner unlinked it itself
//                  "S"        stop: unlink everything now and exit
//
// The watcher ends and unlinks every tracked name when it reads "S", when the
// socket reports EOF (every copy of the owner's end is closed: the owner
// exited or was killed), or when the owner's pidfd becomes readable (the owner
// died, even if a forked child still holds a copy of its end). A message the
// owner sent is queued in the watcher's socket before send() returns and stays
// there if the owner dies right after, so tracking a name *before* creating
// the segment leaves no window in which a SIGKILL leaks it. After the owner's
// pidfd fires the watcher drains the queued messages before unlinking.
//
// Safe to start from a program that runs threads: after fork the child calls
// only async-signal-safe functions (sigprocmask, setsid, dup2, open, close,
// poll, recv, mmap, unlink, write, _exit), allocates with mmap, closes every
// descriptor it inherited except its own (so it cannot hold another pipe of
// the program open), and blocks SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE: a
// Ctrl-C or a terminate sent to the owner's process group must not kill the
// one process that cleans up after it. SIGKILL still does; the segments then
// stay until unlinked by hand (ls /dev/shm).
//
// Thread-safety: Track/Untrack may be called from several threads; Stop must
// not race with them (the manager's mutex orders them).

#ifndef MODULES_IPC_INTERNAL_SHM_WATCHER_H_
#define MODULES_IPC_INTERNAL_SHM_WATCHER_H_

#include <sys/types.h>

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace conc::internal {

class ShmWatcher {
 public:
  // Forks the watcher. `label` names the owner in the warning the watcher
  // prints when it cleans up after an owner that ended without Stop(); it
  // must be a string literal (read in the forked child; at most 64 bytes
  // used). Never blocks beyond fork. The errno's status if socketpair or fork
  // fail.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ShmWatcher>> Start(
      const char* label = "SharedMemoryManager watcher");

  ShmWatcher(const ShmWatcher&) = delete;
  ShmWatcher& operator=(const ShmWatcher&) = delete;
  // Stop(10 s) if not stopped yet.
  ~ShmWatcher();

  // Adds / removes a name (without '/', at most 255 bytes) from the list.
  // Unavailable if the watcher is gone.
  [[nodiscard]] absl::Status Track(std::string_view name);
  [[nodiscard]] absl::Status Untrack(std::string_view name);

  // Has the watcher unlink everything and exit; waits up to `timeout` for it
  // (then DeadlineExceeded; the watcher still finishes on its own). Only the
  // process that started it stops it: in a forked copy this just closes the
  // copy's socket end. Idempotent.
  [[nodiscard]] absl::Status Stop(absl::Duration timeout);

  [[nodiscard]] pid_t pid() const { return pid_; }

  // getpid() of the process that started it: in a forked copy of the owner
  // this differs from getpid(), and Track/Untrack would feed the parent's list.
  [[nodiscard]] pid_t owner() const { return owner_; }

 private:
  ShmWatcher(int sock, pid_t pid, int pidfd, pid_t owner)
      : sock_(sock), pid_(pid), pidfd_(pidfd), owner_(owner) {}
  absl::Status Send(char op, std::string_view name);

  int sock_;     // The owner's end; -1 once stopped.
  pid_t pid_;    // The watcher.
  int pidfd_;    // The watcher's pidfd (bounded wait in Stop), or -1.
  pid_t owner_;  // getpid() of the starter.
};

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_SHM_WATCHER_H_

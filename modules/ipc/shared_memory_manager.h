// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_memory_manager.h: conc::SharedMemoryManager, Python's
// `multiprocessing.managers.SharedMemoryManager`: makes SharedMemory blocks
// and ShareableLists and unlinks every one of them when it shuts down — also
// when the process that owns it is killed.
//
//   Python                                          C++
//   with SharedMemoryManager() as smm:              conc::SharedMemoryManager smm;
//                                                   if (!smm.start().ok()) ...
//       shm = smm.SharedMemory(size=128)            auto shm = smm.SharedMemory(128);
//       sl = smm.ShareableList(range(5))            auto sl = smm.ShareableList({int64_t{0}, ...});
//   # leaving the block: smm.shutdown()             auto s = smm.shutdown();  // or the destructor
//
// Contract:
//   * start() forks a watcher process (internal/shm_watcher.h). Every segment
//     the manager makes is reported to the watcher *before* it is created, so
//     from start() to shutdown() no segment made here can outlive the owner:
//     shutdown() (and the destructor) has the watcher unlink them all and
//     waits for it; if the owner exits without shutdown, crashes, or is
//     killed with SIGKILL, the watcher sees the owner's pidfd fire (or its
//     socket reach EOF), drains the names it was sent and unlinks them.
//     Race-freedom: a name is queued in the watcher's socket before
//     shm_open(O_CREAT|O_EXCL) runs, and queued messages outlive their
//     sender. The only cost is that a name may be unlinked that was never
//     created (ENOENT, ignored), or, on a 1-in-2^64 collision of generated
//     names, one made by someone else between our failed create and the
//     "untrack" that follows it.
//   * Tracking is explicit: only segments made by this manager are tracked.
//     A process that merely attaches by name (SharedMemory::Attach,
//     ShareableList::Attach) never unlinks anything, and a child that crashes
//     while attached changes nothing.
//   * Segments are named name_prefix + 16 random hex digits.
//   * The SharedMemory/ShareableList objects returned are ordinary handles in
//     this process; after shutdown() they stay mapped and usable, but their
//     names are gone (nobody new can attach), as in Python.
//
// Errors: SharedMemory(size)/ShareableList(items) before start() or after
// shutdown() are FailedPrecondition (Python: the manager is not running); a
// second start() is FailedPrecondition (Python's ProcessError "Already started
// server"); size <= 0 is InvalidArgument; shutdown() is idempotent.
//
// Where it differs from Python: Python's manager is a server process reached
// over a socket, and the caller creates each segment and then asks the server
// to track it (a crash between the two leaks the segment). Here the segments
// are created in the caller too, but tracked first, and the "server" is a
// watcher that only unlinks: there is no address to connect to from another
// process (children attach to the segments by name instead).
// The watcher is forked, so start() works without conc::ProcessMain and from
// a program that already runs threads (the child calls only
// async-signal-safe functions). A child forked (not spawned) from the owner
// inherits the owner's end of the watcher socket; the watcher still notices
// the owner's death through its pidfd.
//
// Thread-safety: all methods may be called from any thread.
//
// Example:
//
//   conc::SharedMemoryManager smm;
//   if (absl::Status s = smm.start(); !s.ok()) return s;
//   absl::StatusOr<conc::SharedMemory> shm = smm.SharedMemory(1 << 20);
//   if (!shm.ok()) return shm.status();
//   // ...children attach with conc::SharedMemory::Attach(shm->name())...
//   return smm.shutdown();  // unlinks shm's name

#ifndef MODULES_IPC_SHARED_MEMORY_MANAGER_H_
#define MODULES_IPC_SHARED_MEMORY_MANAGER_H_

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/internal/mutex.h"
#include "modules/ipc/shareable_list.h"
#include "modules/ipc/shared_memory.h"

namespace conc {

namespace internal {
class ShmWatcher;
}  // namespace internal

struct SharedMemoryManagerOptions {
  // Generated segment names start with this (tests use one unique to their
  // process to look for leftovers in /dev/shm).
  std::string name_prefix = "psm_";
};

class SharedMemoryManager {
 public:
  SharedMemoryManager();
  explicit SharedMemoryManager(SharedMemoryManagerOptions options);
  SharedMemoryManager(const SharedMemoryManager&) = delete;
  SharedMemoryManager& operator=(const SharedMemoryManager&) = delete;
  // shutdown(): every segment made here is unlinked.
  ~SharedMemoryManager();

  // Starts the watcher. FailedPrecondition if started before (also after
  // shutdown); the errno's status if fork fails.
  [[nodiscard]] absl::Status start();

  // smm.SharedMemory(size): a new zero-filled segment of `size` bytes, tracked.
  [[nodiscard]] absl::StatusOr<conc::SharedMemory> SharedMemory(int64_t size);

  // smm.ShareableList(sequence): a new list holding `items`, tracked.
  [[nodiscard]] absl::StatusOr<conc::ShareableList> ShareableList(
      std::span<const ShareableItem> items);
  [[nodiscard]] absl::StatusOr<conc::ShareableList> ShareableList(
      std::initializer_list<ShareableItem> items) {
    return ShareableList(std::span<const ShareableItem>(items.begin(), items.size()));
  }

  // The names of the segments made so far (Python's smm._list_tracked... kept
  // by its server), in creation order.
  [[nodiscard]] std::vector<std::string> segment_names() const;

  // Unlinks every segment made here and stops the watcher, waiting for it
  // (at most 10 s: it only unlinks names). OK if never started or already
  // shut down; DeadlineExceeded if the watcher did not finish in time.
  absl::Status shutdown();

 private:
  // Tracks a fresh name and creates a segment under it.
  absl::StatusOr<conc::SharedMemory> CreateTracked(int64_t size);

  enum class State { kInitial, kStarted, kShutDown };

  const SharedMemoryManagerOptions options_;
  mutable internal::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kInitial;
  std::unique_ptr<internal::ShmWatcher> watcher_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace conc

#endif  // MODULES_IPC_SHARED_MEMORY_MANAGER_H_

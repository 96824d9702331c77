// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_shared_page.h: the page of shared memory behind the ends of one Pipe.
//
// For each direction (0: written at end 0, read at end 1; 1: the reverse) it
// holds a writer lock, a reader lock (robust, process-shared) and a `broken`
// reason. The page is a memfd mapped MAP_SHARED: forked children inherit the
// mapping; spawned children (which re-exec, so an anonymous mapping would not
// survive) map the memfd they got through pass_fds. The memfd has no name in
// any file system, so nothing leaks in /dev/shm when a process crashes: the
// page goes away with the last descriptor and mapping.
//
// Invariants: `write_lock` is held for the whole of each frame written in the
// direction; `read_lock` for the whole of each frame read, and guards the
// direction's read-ahead buffer. `broken` only goes
// from kNone to another value, never back (first writer wins).

#ifndef MODULES_IPC_INTERNAL_PIPE_SHARED_PAGE_H_
#define MODULES_IPC_INTERNAL_PIPE_SHARED_PAGE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/fd.h"
#include "modules/common/internal/robust_mutex.h"

namespace conc::internal {

// Why a direction was condemned.
enum class BrokenReason : uint32_t {
  kNone = 0,
  kWriterDied = 1,   // A writer died holding the writer lock.
  kReaderDied = 2,   // A reader died holding the reader lock.
  kTruncated = 3,    // The stream ended, or a write failed, inside a frame.
  kBadLength = 4,    // A header was refused (above the limit); its payload is unread.
  kReadError = 5,    // read(2) failed inside a frame.
};

// Bytes a reader may read ahead of its frame (see ReadExact in connection.cc).
inline constexpr uint32_t kReadAheadBytes = 64 * 1024;

struct DirectionState {
  RobustMutex write_lock;
  RobustMutex read_lock;
  std::atomic<uint32_t> broken{0};  // A BrokenReason.
  std::atomic<uint64_t> bad_length{0};  // The refused length, for kBadLength.
  // The read-ahead buffer: bytes read from the stream but not yet consumed are
  // read_ahead[begin, end). Guarded by read_lock; begin/end are atomics only so
  // that poll() may peek at them without the lock. The next reader, in any
  // process, consumes these bytes before reading the descriptor again, so the
  // stream's order is kept however the readers take turns.
  std::atomic<uint32_t> read_ahead_begin{0};
  std::atomic<uint32_t> read_ahead_end{0};
  std::byte read_ahead[kReadAheadBytes];
};

struct PipeSharedLayout {
  uint64_t magic;
  DirectionState direction[2];
};

class PipeSharedPage {
 public:
  // Creates and initialises a new page.
  static absl::StatusOr<std::shared_ptr<PipeSharedPage>> Create();
  // Maps the page of an inherited memfd (taking ownership of it).
  static absl::StatusOr<std::shared_ptr<PipeSharedPage>> Attach(int memfd);

  PipeSharedPage(const PipeSharedPage&) = delete;
  PipeSharedPage& operator=(const PipeSharedPage&) = delete;
  ~PipeSharedPage();

  DirectionState& direction(int d) { return layout_->direction[d]; }
  int fd() const { return memfd_.get(); }

  // Marks direction `d` broken for `reason` unless it already is.
  void MarkBroken(int d, BrokenReason reason, uint64_t bad_length = 0);
  // OK, or the DataLoss describing why direction `d` is broken.
  absl::Status BrokenStatus(int d) const;
  // True if direction `d` has read-ahead bytes waiting (a peek, no lock).
  bool has_read_ahead(int d) const {
    const DirectionState& s = layout_->direction[d];
    return s.read_ahead_end.load(std::memory_order_acquire) >
           s.read_ahead_begin.load(std::memory_order_acquire);
  }
  bool broken(int d) const {
    return layout_->direction[d].broken.load(std::memory_order_acquire) != 0;
  }

 private:
  PipeSharedPage(FileDescriptor memfd, PipeSharedLayout* layout)
      : memfd_(std::move(memfd)), layout_(layout) {}

  FileDescriptor memfd_;
  PipeSharedLayout* layout_;
};

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_PIPE_SHARED_PAGE_H_

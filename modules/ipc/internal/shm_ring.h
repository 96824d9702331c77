// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/shm_ring.h: the byte-level engine of conc::mp::Queue, JoinableQueue
// and SimpleQueue (modules/ipc/mp_queue.h). Not for direct use.
//
// A ShmRing is a multi-producer, multi-consumer queue of variable-length byte
// records in one memfd (memfd_create + mmap MAP_SHARED), so it is shared by a
// forked child (the mapping is inherited) and by a spawned child (which maps
// the same memfd from the descriptor it was given with pass_fds; `Attach`).
//
// Layout of the memfd: one header page (the `Shared` struct in shm_ring.cc:
// locks, counters, futex words), then the ring of `capacity` bytes.
// The ring is mapped TWICE, back to back ("mirrored" mapping), so a record
// that runs past the end of the ring continues in the second mapping and every
// record is one contiguous memcpy: no wrap markers, no split copies. A record
// is a uint64 length, the payload, and padding to 8 bytes; a payload may be up
// to `capacity - 8` bytes (`max_message_size()`); larger is refused with
// InvalidArgument before anything is written.
//
// Producers are serialised by one PidLock (internal/pid_lock.h: a lock that
// names its holder's process, so a dead holder is detected), consumers by
// another; between the one producer and the one consumer that hold them the
// ring is single-producer/single-consumer: `tail` (bytes ever written) is
// stored by the producer with release order after the copy, `head` (bytes ever
// consumed) by the consumer after the copy out. A record is therefore either
// published whole or not at all. A holder that dies (SIGKILL) leaves its lock
// held by a dead process; the next locker takes it over, finishes or discards
// the dead holder's step from a small journal (see shm_ring.cc), and carries
// on, so nothing is torn, lost or delivered twice. A record whose length is
// impossible (only something else writing into the memory can do that) marks
// the ring broken: every call then reports Aborted.
//
// No read-modify-write and no full fence on the path of a message but the
// lock's compare-and-swap: a full fence waits until the record just copied
// has reached the other CPU, which between two processes cost more than the
// rest of the message (the measurements: modules/ipc/README.md). That
// compare-and-swap still waits for the previous record's stores, so after a
// small record the producer takes the next 512 bytes of free ring into its
// cache in the exclusive state ahead of time (OwnAhead, PREFETCHW).
//
// Waiting: a blocked call spins a bounded, adaptive number of times and yields
// the CPU a few times (AdaptiveSpin::SpinThenYield, common/internal/spin.h:
// the peer may be waiting for this very CPU), then
// registers in a waiters counter and sleeps in FUTEX_WAIT_BITSET (shared, not
// FUTEX_PRIVATE_FLAG: the word is in shared memory) on a sequence word until
// the Deadline's absolute CLOCK_MONOTONIC time. The other side makes the wake
// system call only when the counter says someone sleeps, so the fast path has
// no system call at all. The store-then-load handshake between the two is an
// asymmetric fence (internal/asymmetric_fence.h): a compiler barrier for the
// side that publishes, a membarrier system call for the side going to sleep.
//
// Thread-safety: every method may be called from any thread of any process
// that maps the ring.

#ifndef MODULES_IPC_INTERNAL_SHM_RING_H_
#define MODULES_IPC_INTERNAL_SHM_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/fd.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/spin.h"

namespace conc::mp::internal {

struct ShmRingTestPeer;

struct Shared;  // The header page; defined in shm_ring.cc.

class ShmRing {
 public:
  // The default ring size (Python's Queue has none: its feeder thread buffers
  // without bound in the putting process).
  static constexpr size_t kDefaultCapacity = size_t{1} << 20;

  // Creates a ring of at least `capacity` bytes (rounded up to whole pages, at
  // least one page) holding at most `maxsize` records (<= 0: no limit but the
  // bytes, as Python's maxsize <= 0). InvalidArgument for a capacity above
  // 1 GiB; the errno's status if memfd_create/mmap fail.
  static absl::StatusOr<std::shared_ptr<ShmRing>> Create(int64_t maxsize, size_t capacity);

  // Maps the ring of another process from a descriptor (which is duplicated:
  // the caller keeps its own). InvalidArgument if `fd` is not a ring of this
  // version; the errno's status if dup/mmap fail.
  static absl::StatusOr<std::shared_ptr<ShmRing>> Attach(int fd);

  ~ShmRing();
  ShmRing(const ShmRing&) = delete;
  ShmRing& operator=(const ShmRing&) = delete;

  // Appends one record. With `count_task` (JoinableQueue), one unfinished
  // task is counted under the producer lock just before the record is
  // published, so a consumer's TaskDone() can never run ahead of it.
  // DeadlineExceeded (Full) when no room before `deadline`; InvalidArgument if
  // bigger than max_message_size(); Aborted if the ring is broken.
  absl::Status Put(std::string_view bytes, const Deadline& deadline, bool count_task);

  // Removes the oldest record and hands it to `consume` (the view points into
  // shared memory and is valid only during the call; the record is consumed
  // whatever `consume` returns, and its status is returned).
  // DeadlineExceeded (Empty) when nothing arrives before `deadline`.
  absl::Status Get(const Deadline& deadline,
                   absl::FunctionRef<absl::Status(std::string_view)> consume);

  // JoinableQueue: one task done / wait for all tasks done.
  absl::Status TaskDone();
  absl::Status Join(const Deadline& deadline);

  // Records in the ring now (approximate while others put and get).
  int64_t size() const;
  bool empty() const;
  // True if a record of `bytes` bytes would not fit now, or maxsize is reached.
  bool full(size_t bytes) const;

  int64_t maxsize() const;
  size_t capacity() const { return capacity_; }
  size_t max_message_size() const { return capacity_ - kRecordHeader; }
  // The memfd (owned by the ring) to pass to a spawned child.
  int fd() const { return fd_.get(); }

 private:
  // What the tests reach through ShmRingTestPeer (testing/shm_ring_test_peer.h).
  friend struct ShmRingTestPeer;
  // Start a put (or get) and `_exit(0)` while holding the lock at `stage`, as
  // a SIGKILL at that instant would. Put stages: 1 = half the payload copied,
  // nothing published; 2 = the record published (tail stored) but the item
  // count not yet updated. Get stage 1 = the record read, head not yet advanced.
  [[noreturn]] void DieDuringPut(std::string_view bytes, int stage);
  [[noreturn]] void DieDuringGet(int stage);
  // A blocked call of this handle neither spins nor yields but goes to sleep
  // at once, so that every wait takes the futex path.
  void NeverSpin() { never_spin_ = true; }

  static constexpr size_t kRecordHeader = 8;
  ShmRing(FileDescriptor fd, char* base, size_t map_size, size_t capacity);
  static absl::StatusOr<std::shared_ptr<ShmRing>> Map(FileDescriptor fd, size_t capacity);

  // Locks a PidLock of the header, repairing after a dead holder.
  absl::Status LockProducer(const Deadline& deadline);
  absl::Status LockConsumer(const Deadline& deadline);
  void Unlock(bool producer);
  // Spin, then sleep until `ready()` or the deadline. Returns ready().
  bool WaitUntil(std::atomic<uint32_t>* seq, std::atomic<uint32_t>* waiters,
                 const Deadline& deadline, const std::function<bool()>& ready);
  void Wake(std::atomic<uint32_t>* seq, std::atomic<uint32_t>* waiters);
  // Producers, under the lock, after a put that ended at `tail`.
  void OwnAhead(uint64_t tail, uint64_t need);

  FileDescriptor fd_;
  char* base_;        // The whole mapping: header page, ring, ring again.
  size_t map_size_;
  size_t capacity_;   // Ring bytes, a multiple of the page size.
  Shared* shared_;
  char* ring_;
  conc::internal::AdaptiveSpin spin_;  // Process-local: adapts to this machine.
  bool never_spin_ = false;            // NeverSpin (tests only).
  // Producers only, under the producer lock: the ring position up to which
  // OwnAhead has asked for this process's lines (a hint: another process's
  // puts do not update it).
  uint64_t owned_to_ = 0;
};

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_INTERNAL_SHM_RING_H_

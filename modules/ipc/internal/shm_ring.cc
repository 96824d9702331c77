// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/shm_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/asymmetric_fence.h"
#include "modules/common/internal/futex.h"
#include "modules/ipc/internal/pid_lock.h"
#include "modules/common/internal/cpu_relax.h"
#include "modules/common/internal/prefetch.h"

namespace conc::mp::internal {
namespace {

constexpr uint64_t kMagic = 0x636f6e632d6d7071;  // "conc-mpq"
constexpr uint32_t kVersion = 3;  // 2: cache-line layout; 3: PidLocks, 128-byte groups.
constexpr size_t kHeaderSize = 4096;  // One page; the ring starts there.
constexpr size_t kMaxCapacity = size_t{1} << 30;
// The unit the fields of Shared are grouped in: two cache lines, because
// the L2 prefetchers of current x86 cores fetch a line's 128-byte neighbour
// with it, so a line next to one the other side writes is contended as well.
constexpr size_t kLineGroup = 128;

static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared atomics must be address-free");
static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared atomics must be address-free");

// The inode of this process's pid namespace (0 if /proc cannot say): the
// PidLocks of a ring name their holders by pid, which means something only
// inside one namespace.
uint64_t PidNamespace() {
  struct stat st;
  return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

size_t PageSize() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

size_t RecordSize(size_t payload) { return 8 + ((payload + 7) & ~size_t{7}); }


}  // namespace

// The header page, shared by every process that maps the ring.
//
// Invariants (head, tail and the counters only grow):
//   head <= tail <= head + capacity; get_count <= put_count;
//   the records in [head, tail) are whole, published records;
//   put_count - get_count is the number of records in the ring.
// producer_lock guards writing at `tail` and the producer journal;
// consumer_lock guards reading at `head` and the consumer journal.
// `tail`/`put_count` are stored only under producer_lock, `head`/`get_count`
// only under consumer_lock; anyone may load them.
//
// The journals: a producer first records the values it is about to publish
// (pending_tail, then pending_put_count), then stores tail, then put_count.
// If it dies holding the lock, the next producer finds the holder dead
// (PidLock: OwnerDiedError) and repairs:
// tail == pending_tail means the record was published, so put_count is set to
// pending_put_count (idempotent); otherwise the record was never published and
// is simply overwritten later, and a task it counted (task_counted) is taken
// back. Consumers likewise with pending_head / pending_get_count.
struct Shared {
  // Read-only after Create (and `broken`, written once, if ever): shared by
  // every CPU's cache without ever moving.
  std::atomic<uint64_t> magic;
  uint32_t version;
  uint32_t unused;
  uint64_t capacity;
  int64_t maxsize;
  std::atomic<uint32_t> broken;  // 1: a corrupt record was found.
  uint64_t pid_namespace;        // Of the creator (see PidNamespace).

  // Layout: what only producers write, what only consumers write, and what
  // one side writes for the other to read each have a 128-byte group of
  // their own (kLineGroup).
  // (In version 1 the two mutexes shared a line with each other and with the
  // read-mostly fields above, so every put and every get pulled that line
  // away from the other side: ~3/4 of the time per message between two CPUs.)

  // Producers only: their lock, their journal, their view of `head`.
  alignas(kLineGroup) PidLock producer_lock;
  std::atomic<uint64_t> pending_tail;
  std::atomic<int64_t> pending_put_count;
  std::atomic<uint32_t> task_counted;
  // The producers' last look at `head` (<= head): room is checked against it
  // first, and `head` (a line the consumers write) is read only when it says
  // "no room". Saves a cache miss per put.
  std::atomic<uint64_t> head_cache;

  // Written by producers, read by consumers.
  alignas(kLineGroup) std::atomic<uint64_t> tail;
  std::atomic<int64_t> put_count;

  // Consumers only.
  alignas(kLineGroup) PidLock consumer_lock;
  std::atomic<uint64_t> pending_head;
  std::atomic<int64_t> pending_get_count;
  std::atomic<uint64_t> tail_cache;  // The consumers' last look at `tail` (<= tail).

  // Written by consumers, read by producers (only when the ring looks full).
  alignas(kLineGroup) std::atomic<uint64_t> head;
  std::atomic<int64_t> get_count;

  // Futex words: bumped when a record is published / removed / tasks reach 0.
  alignas(kLineGroup) std::atomic<uint32_t> not_empty_seq;
  std::atomic<uint32_t> consumers_waiting;
  alignas(kLineGroup) std::atomic<uint32_t> not_full_seq;
  std::atomic<uint32_t> producers_waiting;
  alignas(kLineGroup) std::atomic<int64_t> unfinished_tasks;
  std::atomic<uint32_t> tasks_seq;
  std::atomic<uint32_t> join_waiters;
};
static_assert(sizeof(Shared) <= kHeaderSize);
// What each side writes per message stays off the other side's groups: the
// producers' block (lock to head_cache) ends before tail's line, the
// consumers' block (lock to tail_cache) before head's line.
constexpr size_t LineOf(size_t offset) { return offset / kLineGroup; }
static_assert(LineOf(offsetof(Shared, pid_namespace)) < LineOf(offsetof(Shared, producer_lock)));
static_assert(LineOf(offsetof(Shared, head_cache)) < LineOf(offsetof(Shared, tail)));
static_assert(LineOf(offsetof(Shared, put_count)) < LineOf(offsetof(Shared, consumer_lock)));
static_assert(LineOf(offsetof(Shared, tail_cache)) < LineOf(offsetof(Shared, head)));
static_assert(LineOf(offsetof(Shared, get_count)) < LineOf(offsetof(Shared, not_empty_seq)));

absl::StatusOr<std::shared_ptr<ShmRing>> ShmRing::Create(int64_t maxsize, size_t capacity) {
  if (capacity > kMaxCapacity) {
    return ValueError(absl::StrCat("mp::Queue capacity of ", capacity,
                                   " bytes exceeds the limit of ", kMaxCapacity));
  }
  const size_t page = PageSize();
  capacity = capacity == 0 ? page : (capacity + page - 1) / page * page;
  FileDescriptor fd(::memfd_create("conc-mp-queue", MFD_CLOEXEC));
  if (fd.get() < 0) return ErrnoToStatus(errno, "memfd_create");
  if (::ftruncate(fd.get(), static_cast<off_t>(kHeaderSize + capacity)) != 0) {
    return ErrnoToStatus(errno, "ftruncate");
  }
  absl::StatusOr<std::shared_ptr<ShmRing>> ring = Map(std::move(fd), capacity);
  if (!ring.ok()) return ring.status();
  Shared* s = new ((*ring)->shared_) Shared();  // The memfd is zero-filled.
  s->version = kVersion;
  s->capacity = capacity;
  s->maxsize = maxsize <= 0 ? 0 : maxsize;
  s->pid_namespace = PidNamespace();
  s->magic.store(kMagic, std::memory_order_release);
  return ring;
}

absl::StatusOr<std::shared_ptr<ShmRing>> ShmRing::Attach(int fd) {
  FileDescriptor own(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (own.get() < 0) return ErrnoToStatus(errno, "mp::Queue attach: dup");
  struct stat st;
  if (::fstat(own.get(), &st) != 0) return ErrnoToStatus(errno, "mp::Queue attach: fstat");
  const size_t size = static_cast<size_t>(st.st_size);
  const size_t page = PageSize();
  if (size <= kHeaderSize || size - kHeaderSize > kMaxCapacity || (size - kHeaderSize) % page) {
    return ValueError(absl::StrCat("mp::Queue attach: descriptor ", fd, " (", size,
                                   " bytes) is not an mp::Queue"));
  }
  const size_t capacity = size - kHeaderSize;
  absl::StatusOr<std::shared_ptr<ShmRing>> ring = Map(std::move(own), capacity);
  if (!ring.ok()) return ring.status();
  const Shared* s = (*ring)->shared_;
  if (s->magic.load(std::memory_order_acquire) != kMagic || s->version != kVersion ||
      s->capacity != capacity) {
    return ValueError(absl::StrCat("mp::Queue attach: descriptor ", fd,
                                   " is not an mp::Queue of this version"));
  }
  if (const uint64_t ns = PidNamespace();
      ns != 0 && s->pid_namespace != 0 && ns != s->pid_namespace) {
    // Its locks name holders by pid: another namespace's pids would make a
    // live holder look dead.
    return absl::FailedPreconditionError(
        "mp::Queue attach: the queue was created in another pid namespace");
  }
  return ring;
}

absl::StatusOr<std::shared_ptr<ShmRing>> ShmRing::Map(FileDescriptor fd, size_t capacity) {
  // Reserve header + 2 * capacity of address space, then map the file's header
  // and ring over it, and the ring a second time right after the first.
  const size_t total = kHeaderSize + 2 * capacity;
  void* base = ::mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
  if (base == MAP_FAILED) return ErrnoToStatus(errno, "mmap (reserve)");
  char* b = static_cast<char*>(base);
  if (::mmap(b, kHeaderSize + capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd.get(),
             0) == MAP_FAILED ||
      ::mmap(b + kHeaderSize + capacity, capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             fd.get(), static_cast<off_t>(kHeaderSize)) == MAP_FAILED) {
    const int err = errno;
    ::munmap(base, total);
    return ErrnoToStatus(err, "mmap (ring)");
  }
  // Before this process can touch the ring: its wake-ups rely on the fence.
  RegisterThisProcess();
  return std::shared_ptr<ShmRing>(new ShmRing(std::move(fd), b, total, capacity));
}

ShmRing::ShmRing(FileDescriptor fd, char* base, size_t map_size, size_t capacity)
    : fd_(std::move(fd)),
      base_(base),
      map_size_(map_size),
      capacity_(capacity),
      shared_(reinterpret_cast<Shared*>(base)),
      ring_(base + kHeaderSize) {}

ShmRing::~ShmRing() { ::munmap(base_, map_size_); }

int64_t ShmRing::maxsize() const { return shared_->maxsize; }

int64_t ShmRing::size() const {
  const int64_t got = shared_->get_count.load(std::memory_order_acquire);
  const int64_t put = shared_->put_count.load(std::memory_order_acquire);
  return put > got ? put - got : 0;
}

bool ShmRing::empty() const {
  return shared_->tail.load(std::memory_order_acquire) ==
         shared_->head.load(std::memory_order_acquire);
}

bool ShmRing::full(size_t bytes) const {
  if (shared_->maxsize > 0 && size() >= shared_->maxsize) return true;
  const uint64_t head = shared_->head.load(std::memory_order_acquire);
  const uint64_t tail = shared_->tail.load(std::memory_order_acquire);
  return tail - head + RecordSize(bytes) > capacity_;
}

// Locks `lock` by the deadline (at least a 50 ms grace: the lock is held only
// for a copy, so a non-blocking call still waits out a holder in mid-copy).
// If its holder died, runs `repair` first (the journal makes that safe).
static absl::Status LockSide(PidLock* lock, const Deadline& deadline,
                             const std::atomic<uint32_t>& broken, const char* what,
                             void (*repair)(Shared*), Shared* shared) {
  if (!lock->TryLock()) {
    const Deadline with_grace =
        deadline.is_infinite() || deadline.remaining() >= absl::Milliseconds(50)
            ? deadline
            : Deadline::FromTimeout(absl::Milliseconds(50));
    const absl::Status st = lock->Lock(with_grace);
    if (IsOwnerDied(st)) {
      repair(shared);  // We hold the lock now.
    } else if (!st.ok()) {
      return absl::DeadlineExceededError(absl::StrCat("mp::Queue ", what, " lock"));
    }
  }
  if (broken.load(std::memory_order_acquire) != 0) [[unlikely]] {
    lock->Unlock();
    return BrokenError("mp::Queue is broken: it held a corrupt record");
  }
  return absl::OkStatus();
}

absl::Status ShmRing::LockProducer(const Deadline& deadline) {
  // A function pointer, not a std::function: this runs twice per message.
  return LockSide(&shared_->producer_lock, deadline, shared_->broken, "producer",
                  [](Shared* s) {
                    // A producer died holding the lock: finish or discard its step.
                    if (s->tail.load() == s->pending_tail.load()) {
                      s->put_count.store(s->pending_put_count.load());
                    } else if (s->task_counted.load() != 0) {
                      s->unfinished_tasks.fetch_sub(1);
                    }
                    s->task_counted.store(0);
                  },
                  shared_);
}

absl::Status ShmRing::LockConsumer(const Deadline& deadline) {
  return LockSide(&shared_->consumer_lock, deadline, shared_->broken, "consumer",
                  [](Shared* s) {
                    if (s->head.load() == s->pending_head.load()) {
                      s->get_count.store(s->pending_get_count.load());
                    }
                  },
                  shared_);
}

void ShmRing::Unlock(bool producer) {
  (producer ? shared_->producer_lock : shared_->consumer_lock).Unlock();
}

bool ShmRing::WaitUntil(std::atomic<uint32_t>* seq, std::atomic<uint32_t>* waiters,
                        const Deadline& deadline, const std::function<bool()>& ready) {
  if (ready()) return true;
  if (deadline.expired()) return false;
  // A peer on another CPU usually answers within a few microseconds, far below
  // the cost of a futex sleep and wake-up; a peer that shares this CPU needs it
  // to answer. The peer is another process, whose CPU we cannot see: spin,
  // then yield (common/internal/spin.h), then sleep.
  if (!never_spin_ && spin_.SpinThenYield(ready)) return true;
  for (;;) {
    const uint32_t observed = seq->load(std::memory_order_acquire);
    // The handshake with Wake(): we increment `waiters`, fence, then load the
    // state (in ready()); the other side stores the state, fences, then loads
    // `waiters`; so at least one of us sees the other. Our fence is the heavy
    // half of the asymmetric fence (a system call: we are about to sleep
    // anyway), theirs the light half (free: they run it on every message).
    waiters->fetch_add(1, std::memory_order_relaxed);
    const bool fenced = HeavyFence();
    if (ready()) {
      waiters->fetch_sub(1, std::memory_order_relaxed);
      return true;
    }
    if (deadline.expired()) {
      waiters->fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    // Without the fence (a kernel that refuses membarrier) a wake-up can be
    // lost: then sleep at most 1 ms at a time and look again.
    conc::internal::FutexWait(
        seq, observed,
        fenced ? deadline
               : Deadline::At(std::min(deadline.to_steady_time_point(),
                                       Deadline::Clock::now() + std::chrono::milliseconds(1))), conc::internal::FutexScope::kShared);
    waiters->fetch_sub(1, std::memory_order_relaxed);
    if (ready()) return true;
    if (deadline.expired()) return false;
  }
}

void ShmRing::Wake(std::atomic<uint32_t>* seq, std::atomic<uint32_t>* waiters) {
  // The caller stored the state (tail, head, unfinished_tasks); the light
  // half of the fence orders that store before this load: see WaitUntil.
  LightFence();
  if (waiters->load(std::memory_order_relaxed) == 0) return;  // The fast path: no syscall.
  seq->fetch_add(1, std::memory_order_release);
  conc::internal::FutexWake(seq, INT_MAX, conc::internal::FutexScope::kShared);
}

// Asks for the cache lines the next puts will write, in the exclusive state
// (PREFETCHW), while this put's own stores drain. Without it each record's
// stores wait for lines the consumer's CPU last read, and the next put's
// lock (a compare-and-swap: a full fence) waits for those stores. Between
// two CPUs of the project VM that was up to two thirds of a 64-byte
// message's time (150 -> 45 ns in its fast periods; 1.2-2x on the medians of
// interleaved runs in the others). Only free room is touched (the consumer
// does not read it), and each line once.
void ShmRing::OwnAhead(uint64_t tail, uint64_t need) {
  // 512 bytes (8 lines, ~7 records of 64 bytes): measured best of 128-4096
  // for 64-byte messages. Records this big or bigger gain nothing (their
  // memcpy streams well by itself): 4 KiB ones lost 5-8% with any window.
  constexpr uint64_t kWindow = 512;
  if (need >= kWindow) return;
  const uint64_t room_end = shared_->head_cache.load(std::memory_order_relaxed) + capacity_;
  const uint64_t end = std::min(tail + kWindow, room_end);
  uint64_t line = std::max(owned_to_, tail) & ~uint64_t{63};
  for (; line < end; line += 64) conc::internal::PrefetchForWrite(ring_ + (line % capacity_));
  owned_to_ = std::max(owned_to_, line);
}

absl::Status ShmRing::Put(std::string_view bytes, const Deadline& deadline, bool count_task) {
  if (bytes.size() > max_message_size()) {
    return ValueError(absl::StrCat("mp::Queue.put: message of ", bytes.size(),
                                   " bytes exceeds the queue's limit of ", max_message_size(),
                                   " bytes (capacity ", capacity_, " minus an 8-byte header)"));
  }
  Shared* s = shared_;
  const uint64_t need = RecordSize(bytes.size());
  auto fits = [&] {
    const uint64_t tail = s->tail.load(std::memory_order_acquire);
    const uint64_t head = s->head.load(std::memory_order_acquire);
    if (tail - head + need > capacity_) return false;
    return s->maxsize == 0 || s->put_count.load(std::memory_order_acquire) -
                                      s->get_count.load(std::memory_order_acquire) <
                                  s->maxsize;
  };
  for (;;) {
    if (absl::Status st = LockProducer(deadline); !st.ok()) {
      if (absl::IsDeadlineExceeded(st)) return FullError("mp::Queue.put: queue is full");
      return st;
    }
    // Under the lock, check against the cached head first (no cache miss).
    const uint64_t t = s->tail.load(std::memory_order_relaxed);
    if (t - s->head_cache.load(std::memory_order_relaxed) + need > capacity_) {
      s->head_cache.store(s->head.load(std::memory_order_acquire), std::memory_order_relaxed);
    }
    if (t - s->head_cache.load(std::memory_order_relaxed) + need <= capacity_ &&
        (s->maxsize == 0 || fits())) {
      break;
    }
    Unlock(true);
    if (!WaitUntil(&s->not_full_seq, &s->producers_waiting, deadline, fits)) {
      return FullError("mp::Queue.put: queue is full");
    }
  }
  // Holding producer_mu: the only writer. The record goes at `tail`, in one
  // piece thanks to the mirrored mapping.
  const uint64_t tail = s->tail.load(std::memory_order_relaxed);
  char* at = ring_ + (tail % capacity_);
  const uint64_t len = bytes.size();
  std::memcpy(at, &len, sizeof(len));
  if (len != 0) std::memcpy(at + 8, bytes.data(), len);
  const int64_t count = s->put_count.load(std::memory_order_relaxed) + 1;
  // The journal first (release keeps the order a crash-time observer sees).
  s->pending_tail.store(tail + need, std::memory_order_release);
  s->pending_put_count.store(count, std::memory_order_release);
  if (count_task) {
    // Counted before the record is visible, so a consumer's task_done() can
    // never see the count go negative.
    s->unfinished_tasks.fetch_add(1);
    s->task_counted.store(1);
  }
  // Publishes the record. A release store, not seq_cst: a seq_cst store
  // would wait here until the record's cache lines reached the consumer's
  // CPU; the handshake with sleeping consumers is Wake()'s fence.
  s->tail.store(tail + need, std::memory_order_release);
  s->put_count.store(count, std::memory_order_release);
  s->task_counted.store(0, std::memory_order_relaxed);
  OwnAhead(tail + need, need);
  Unlock(true);
  Wake(&s->not_empty_seq, &s->consumers_waiting);
  return absl::OkStatus();
}

absl::Status ShmRing::Get(const Deadline& deadline,
                          absl::FunctionRef<absl::Status(std::string_view)> consume) {
  Shared* s = shared_;
  auto available = [s] {
    return s->tail.load(std::memory_order_acquire) != s->head.load(std::memory_order_acquire);
  };
  for (;;) {
    if (absl::Status st = LockConsumer(deadline); !st.ok()) {
      if (absl::IsDeadlineExceeded(st)) return EmptyError("mp::Queue.get: queue is empty");
      return st;
    }
    const uint64_t h = s->head.load(std::memory_order_relaxed);
    if (h == s->tail_cache.load(std::memory_order_relaxed)) {
      s->tail_cache.store(s->tail.load(std::memory_order_acquire), std::memory_order_relaxed);
    }
    if (h != s->tail_cache.load(std::memory_order_relaxed)) break;
    Unlock(false);
    if (!WaitUntil(&s->not_empty_seq, &s->consumers_waiting, deadline, available)) {
      return EmptyError("mp::Queue.get: queue is empty");
    }
  }
  const uint64_t head = s->head.load(std::memory_order_relaxed);
  const uint64_t tail = s->tail_cache.load(std::memory_order_relaxed);
  const char* at = ring_ + (head % capacity_);
  uint64_t len = 0;
  std::memcpy(&len, at, sizeof(len));
  absl::Status result;
  uint64_t need = 0;
  if (len > max_message_size() || RecordSize(len) > tail - head) {
    // Cannot happen unless something else wrote into the shared memory.
    s->broken.store(1, std::memory_order_release);
    Unlock(false);
    return DataLossError(absl::StrCat("mp::Queue.get: corrupt record length ", len));
  }
  need = RecordSize(len);
  result = consume(std::string_view(at + 8, len));
  const int64_t count = s->get_count.load(std::memory_order_relaxed) + 1;
  s->pending_head.store(head + need, std::memory_order_release);
  s->pending_get_count.store(count, std::memory_order_release);
  s->head.store(head + need, std::memory_order_release);  // Frees the room.
  s->get_count.store(count, std::memory_order_release);
  Unlock(false);
  Wake(&s->not_full_seq, &s->producers_waiting);
  return result;
}

absl::Status ShmRing::TaskDone() {
  Shared* s = shared_;
  int64_t v = s->unfinished_tasks.load(std::memory_order_acquire);
  do {
    if (v <= 0) return MisuseError("JoinableQueue.task_done: called too many times");
  } while (!s->unfinished_tasks.compare_exchange_weak(v, v - 1, std::memory_order_seq_cst));
  if (v == 1) Wake(&s->tasks_seq, &s->join_waiters);
  return absl::OkStatus();
}

absl::Status ShmRing::Join(const Deadline& deadline) {
  Shared* s = shared_;
  auto done = [s] { return s->unfinished_tasks.load(std::memory_order_acquire) <= 0; };
  if (WaitUntil(&s->tasks_seq, &s->join_waiters, deadline, done)) return absl::OkStatus();
  return absl::DeadlineExceededError("JoinableQueue.join: tasks still unfinished at the deadline");
}

void ShmRing::DieDuringPut(std::string_view bytes, int stage) {
  Shared* s = shared_;
  if (!LockProducer(Deadline::Infinite()).ok()) ::_exit(3);
  const uint64_t need = RecordSize(bytes.size());
  const uint64_t tail = s->tail.load();
  if (tail - s->head.load() + need > capacity_) ::_exit(4);
  char* at = ring_ + (tail % capacity_);
  const uint64_t len = bytes.size();
  std::memcpy(at, &len, sizeof(len));
  std::memcpy(at + 8, bytes.data(), stage == 1 ? len / 2 : len);
  s->pending_tail.store(tail + need);
  s->pending_put_count.store(s->put_count.load() + 1);
  if (stage >= 2) s->tail.store(tail + need);
  ::_exit(0);  // producer_lock stays held by this (dead) process.
}

void ShmRing::DieDuringGet(int /*stage*/) {
  Shared* s = shared_;
  if (!LockConsumer(Deadline::Infinite()).ok()) ::_exit(3);
  if (s->tail.load() == s->head.load()) ::_exit(4);
  // Read the record, then die before advancing head.
  ::_exit(0);
}

}  // namespace conc::mp::internal

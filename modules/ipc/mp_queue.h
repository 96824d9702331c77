// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_queue.h: conc::mp::Queue<T>, mp::JoinableQueue<T> and mp::SimpleQueue<T>,
// Python's multiprocessing.Queue, JoinableQueue and SimpleQueue: FIFO queues
// between processes (and the threads in them).
//
//   Python                                    C++
//   q = multiprocessing.Queue(maxsize=10)     auto q = *conc::mp::Queue<int>::Create(10);
//   q.put(x); q.put(x, timeout=0.5)           auto s = q.put(x); s = q.put(x, absl::Milliseconds(500));
//   q.put_nowait(x) / q.put(x, False)         s = q.put_nowait(x);   // Full: DeadlineExceeded
//   x = q.get(); q.get(timeout=0.5)           absl::StatusOr<int> x = q.get(); x = q.get(absl::Milliseconds(500));
//   q.get_nowait() / q.get(False)             x = q.get_nowait();    // Empty: DeadlineExceeded
//   q.qsize(), q.empty(), q.full()            q.qsize(), q.empty(), q.full()
//   q.close(); q.join_thread()                q.close(); q.join_thread();
//   Process(target=f, args=(q,))              conc::Process p({.pass_fds = q.fds_to_pass()},
//                                                             conc::process_function<f>, q.handle());
//   def f(q): q.put(1)                        void f(conc::mp::QueueHandle h) {
//                                               auto q = conc::mp::Queue<int>::Attach(h); ... }
//   JoinableQueue: q.task_done(); q.join()    auto s = q.task_done(); s = q.join();
//
// DESIGN. The items live in shared memory: a ring of bytes in a memfd, mapped
// MAP_SHARED (internal/shm_ring.h). put() encodes the item with the project's
// codec (modules/common/codec.h; Python pickles) and copies it into the ring as
// one length-prefixed record; get() decodes the oldest record. Producers take
// one process-shared lock, consumers another, each only for the copy (locks
// that name their holder's process, so a dead holder is detected:
// internal/pid_lock.h); a blocked call spins briefly, then sleeps on a futex
// in the shared page, and the other side pays for a wake-up system call only
// when someone sleeps.
//
// HOW A QUEUE REACHES ANOTHER PROCESS. A forked child (conc::kForkMethod)
// inherits the mapping: use the queue object as is. A spawned child is a fresh
// program: pass the memfd with `ProcessOptions{.pass_fds = q.fds_to_pass()}`
// and the encodable `q.handle()` as an argument, and in the child call
// `mp::Queue<T>::Attach(handle)` (the child maps the same memory). Python
// pickles the queue object into the child; this is the same thing, spelled out.
//
// WHERE IT DIFFERS FROM PYTHON.
//   * No feeder thread. Python's put() appends to a buffer in the putting
//     process and a background thread writes it to a pipe later, so a process
//     that exits early can lose items it has "put" (hence join_thread() and
//     cancel_join_thread()). Here put() copies the item into shared memory
//     before it returns: once put() returned OK the item is in the queue and
//     survives the putting process's exit or death. join_thread() therefore
//     returns at once, and cancel_join_thread() has nothing to cancel; both
//     exist so that Python code translates line by line.
//   * Bounded in bytes as well as items: the ring holds `capacity` bytes
//     (default 1 MiB, Options::capacity). A put that does not fit blocks like a
//     put on a full queue (Python's feeder buffers without limit instead). One
//     encoded item may be at most `max_message_size()` (capacity - 8) bytes; a
//     larger one is refused at once with InvalidArgument (Python has no limit
//     short of memory; raise the capacity for big items).
//   * After close(), put and get on this handle return InvalidArgument
//     ("Queue is closed", Python's ValueError). close() affects only the
//     calling process's handle (and its copies), as in Python.
//   * maxsize <= 0 means "no item limit" (as Python); timeouts follow the
//     project's convention: nullopt waits forever, zero or negative polls once
//     (Python treats a negative timeout as 0 here as well).
//   * T is fixed at compile time on both ends (no type tags): attach with the
//     same T the creator used.
//
// FAULTS. A process killed while holding a queue lock leaves it held by a dead
// process; the next caller sees that (/proc says the holder is gone, a zombie,
// or another process with a reused pid), takes the lock over, finishes or
// discards the dead one's half-done step (a small journal in shared memory)
// and carries on: no item is torn, lost once put()
// returned, or delivered twice (an item a dead consumer was decoding is
// delivered to the next consumer). A peer that dies outside the lock changes
// nothing. A queue whose consumers all died stays full: a bounded put returns
// DeadlineExceeded at its deadline (an unbounded put waits forever, as
// Python's would); likewise a bounded get whose producers died. If the ring
// holds a corrupt record (something else wrote into its memory), every call
// returns Aborted ("broken"). All processes of a queue must share one pid
// namespace (Attach refuses with FailedPrecondition otherwise): its locks
// name holders by pid.
//
// Lifetime: the memory lives while any process maps it (or holds the memfd);
// it is freed by the kernel when the last one unmaps or dies, so nothing leaks
// in /dev/shm. The destructor never blocks.
//
// Thread-safety: every method may be called concurrently from any thread of any
// process that has the queue.
//
// Memory ordering: everything the putting thread did before put() returned
// happens-before everything the thread that gets that item does after get().
//
// Example:
//
//   void consumer(conc::mp::QueueHandle h) {
//     auto q = conc::mp::Queue<std::string>::Attach(h);
//     for (absl::StatusOr<std::string> s = q->get(); s.ok() && !s->empty(); s = q->get()) {}
//   }
//   CONC_PROCESS_FUNCTION(consumer);
//   ...
//   auto q = conc::mp::Queue<std::string>::Create();
//   conc::Process p({.pass_fds = q->fds_to_pass()}, conc::process_function<consumer>, q->handle());
//   (void)p.start(); (void)q->put("hello"); (void)q->put(""); (void)p.join();

#ifndef MODULES_IPC_MP_QUEUE_H_
#define MODULES_IPC_MP_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/shm_ring.h"

namespace conc::mp {

// What a spawned child needs to attach to a queue: the number of the memfd it
// received through ProcessOptions::pass_fds. Encodable, so it can be a process
// argument.
struct QueueHandle {
  int fd = -1;
  CONC_CODEC_FIELDS(fd);
};

// Sizing of the shared ring.
struct QueueOptions {
  // Bytes of the ring, rounded up to whole pages (at most 1 GiB). Each item
  // takes its encoded size plus 8, rounded up to 8.
  size_t capacity = internal::ShmRing::kDefaultCapacity;
};

namespace internal {

// What the three queues share; `kJoinable` counts tasks.
template <class T, bool kJoinable>
class QueueBase {
 public:
  // A queue holding at most `maxsize` items (<= 0: no item limit) in a ring of
  // `options.capacity` bytes. Errors: InvalidArgument for a capacity above
  // 1 GiB; the errno's status if memfd_create or mmap fail.
  [[nodiscard]] static absl::StatusOr<QueueBase> CreateBase(int64_t maxsize,
                                                            QueueOptions options) {
    absl::StatusOr<std::shared_ptr<ShmRing>> ring = ShmRing::Create(maxsize, options.capacity);
    if (!ring.ok()) return ring.status();
    return QueueBase(*std::move(ring));
  }

  // Maps the queue a parent passed with `fds_to_pass()` / `handle()`.
  // InvalidArgument if the descriptor is not a queue.
  [[nodiscard]] static absl::StatusOr<QueueBase> AttachBase(QueueHandle handle) {
    absl::StatusOr<std::shared_ptr<ShmRing>> ring = ShmRing::Attach(handle.fd);
    if (!ring.ok()) return ring.status();
    return QueueBase(*std::move(ring));
  }

  // Puts `item` at the back of the queue. block && timeout == nullopt: waits
  // for room as long as it takes; block with a timeout: at most that long
  // (zero or negative: not at all); !block: never waits (timeout ignored).
  // Errors: DeadlineExceeded (queue.Full) if there was no room in time;
  // InvalidArgument if this handle is closed or the encoded item exceeds
  // max_message_size(); Aborted if the queue is broken.
  [[nodiscard]] absl::Status put(const T& item, bool block = true,
                                 std::optional<absl::Duration> timeout = std::nullopt) {
    if (closed_->load(std::memory_order_acquire)) return ValueError("Queue is closed");
    std::string& buffer = EncodeBuffer();
    buffer.clear();
    EncodeTo(item, &buffer);
    absl::Status s = ring_->Put(buffer, MakeDeadline(block, timeout), kJoinable);
    if (buffer.capacity() > (size_t{1} << 20)) std::string().swap(buffer);  // Keep no big buffer.
    return s;
  }
  [[nodiscard]] absl::Status put(const T& item, absl::Duration timeout) {
    return put(item, true, timeout);
  }
  [[nodiscard]] absl::Status put_nowait(const T& item) { return put(item, false); }

  // Removes and returns the item at the front. Blocking as put(). Errors:
  // DeadlineExceeded (queue.Empty) if nothing arrived in time; InvalidArgument
  // if closed; DataLoss if the bytes do not decode as a T, ResourceExhausted
  // if decoding them would exceed the codec's memory budget (common/codec.h;
  // either way the item is consumed); Aborted if the queue is broken.
  [[nodiscard]] absl::StatusOr<T> get(bool block = true,
                                      std::optional<absl::Duration> timeout = std::nullopt) {
    if (closed_->load(std::memory_order_acquire)) return ValueError("Queue is closed");
    std::optional<T> out;
    absl::Status s = ring_->Get(MakeDeadline(block, timeout), [&out](std::string_view bytes) {
      // Decodes straight from the shared ring into the value returned (what
      // Decode<T> does, minus two moves of the value).
      Decoder decoder(bytes);
      if (absl::Status st = decoder.Read(&out.emplace()); !st.ok()) return st;
      return decoder.Finish();
    });
    if (!s.ok()) return s;
    return *std::move(out);
  }
  [[nodiscard]] absl::StatusOr<T> get(absl::Duration timeout) { return get(true, timeout); }
  [[nodiscard]] absl::StatusOr<T> get_nowait() { return get(false); }

  // The number of items in the queue: approximate while other threads or
  // processes put and get, as Python's.
  [[nodiscard]] int64_t qsize() const { return ring_->size(); }
  // True if no item is in the queue (approximate, as Python's).
  [[nodiscard]] bool empty() const { return ring_->empty(); }
  // True if maxsize items are in the queue, or the ring has no room for even
  // an empty item (approximate, as Python's).
  [[nodiscard]] bool full() const { return ring_->full(0); }

  // The item limit (0: none), the ring's bytes, the largest encoded item.
  [[nodiscard]] int64_t maxsize() const { return ring_->maxsize(); }
  [[nodiscard]] size_t capacity() const { return ring_->capacity(); }
  [[nodiscard]] size_t max_message_size() const { return ring_->max_message_size(); }

  // Python's close(): this process will put (and get) no more through this
  // handle and its copies; later calls return InvalidArgument. Other processes
  // and the items already put are unaffected. Idempotent.
  void close() { closed_->store(true, std::memory_order_release); }

  // Python waits here for the feeder thread to flush its buffer. put() wrote
  // synchronously, so there is nothing to wait for: returns at once.
  void join_thread() {}
  // Python lets the process exit without flushing the feeder's buffer (losing
  // those items). Nothing is ever buffered here: a no-op.
  void cancel_join_thread() {}

  // How a spawned child gets the queue (see the top of this file).
  [[nodiscard]] std::vector<int> fds_to_pass() const { return {ring_->fd()}; }
  [[nodiscard]] QueueHandle handle() const { return QueueHandle{ring_->fd()}; }

 protected:
  explicit QueueBase(std::shared_ptr<ShmRing> ring)
      : ring_(std::move(ring)), closed_(std::make_shared<std::atomic<bool>>(false)) {}

  static Deadline MakeDeadline(bool block, std::optional<absl::Duration> timeout) {
    return block ? Deadline::FromTimeout(timeout) : Deadline::FromTimeout(absl::ZeroDuration());
  }
  static std::string& EncodeBuffer() {
    thread_local std::string buffer;  // Reused: no allocation per put.
    return buffer;
  }

  std::shared_ptr<ShmRing> ring_;                // Never null.
  std::shared_ptr<std::atomic<bool>> closed_;    // Shared by copies of this handle.
};

}  // namespace internal

// multiprocessing.Queue. A handle: copies refer to the same queue.
template <class T>
class Queue : public internal::QueueBase<T, false> {
  using Base = internal::QueueBase<T, false>;

 public:
  // multiprocessing.Queue(maxsize): see QueueBase::CreateBase.
  [[nodiscard]] static absl::StatusOr<Queue> Create(int64_t maxsize = 0,
                                                    QueueOptions options = {}) {
    absl::StatusOr<Base> base = Base::CreateBase(maxsize, options);
    if (!base.ok()) return base.status();
    return Queue(*std::move(base));
  }
  // In a spawned child: the queue whose handle() the parent passed.
  [[nodiscard]] static absl::StatusOr<Queue> Attach(QueueHandle handle) {
    absl::StatusOr<Base> base = Base::AttachBase(handle);
    if (!base.ok()) return base.status();
    return Queue(*std::move(base));
  }

 private:
  explicit Queue(Base base) : Base(std::move(base)) {}
};

// multiprocessing.JoinableQueue: a Queue whose put() counts an unfinished task
// that a consumer's task_done() finishes; join() waits until none is left,
// across processes (a counter and a futex in the shared page).
//
// Caveat: a producer killed after counting a task but before its put returned
// is repaired by the next producer; a consumer killed before its task_done()
// leaves that task unfinished forever, so join() with a timeout is the way to
// find out (DeadlineExceeded), as in Python where join() would hang.
template <class T>
class JoinableQueue : public internal::QueueBase<T, true> {
  using Base = internal::QueueBase<T, true>;

 public:
  [[nodiscard]] static absl::StatusOr<JoinableQueue> Create(int64_t maxsize = 0,
                                                            QueueOptions options = {}) {
    absl::StatusOr<Base> base = Base::CreateBase(maxsize, options);
    if (!base.ok()) return base.status();
    return JoinableQueue(*std::move(base));
  }
  [[nodiscard]] static absl::StatusOr<JoinableQueue> Attach(QueueHandle handle) {
    absl::StatusOr<Base> base = Base::AttachBase(handle);
    if (!base.ok()) return base.status();
    return JoinableQueue(*std::move(base));
  }

  // One item taken with get() has been processed. FailedPrecondition
  // ("called too many times", Python's ValueError) if no task is unfinished.
  [[nodiscard]] absl::Status task_done() {
    if (this->closed_->load(std::memory_order_acquire)) return ValueError("Queue is closed");
    return this->ring_->TaskDone();
  }

  // Waits until every item ever put has been task_done()'d, in any process.
  // nullopt: as long as it takes; otherwise DeadlineExceeded at the timeout.
  [[nodiscard]] absl::Status join(std::optional<absl::Duration> timeout = std::nullopt) {
    return this->ring_->Join(Deadline::FromTimeout(timeout));
  }

 private:
  explicit JoinableQueue(Base base) : Base(std::move(base)) {}
};

// multiprocessing.SimpleQueue: put, get, empty, close only; put and get always
// block (until there is room / an item), as Python's.
template <class T>
class SimpleQueue {
 public:
  [[nodiscard]] static absl::StatusOr<SimpleQueue> Create(QueueOptions options = {}) {
    absl::StatusOr<Queue<T>> q = Queue<T>::Create(0, options);
    if (!q.ok()) return q.status();
    return SimpleQueue(*std::move(q));
  }
  [[nodiscard]] static absl::StatusOr<SimpleQueue> Attach(QueueHandle handle) {
    absl::StatusOr<Queue<T>> q = Queue<T>::Attach(handle);
    if (!q.ok()) return q.status();
    return SimpleQueue(*std::move(q));
  }

  // Waits for room, then puts. InvalidArgument if closed or too large.
  [[nodiscard]] absl::Status put(const T& item) { return q_.put(item); }
  // Waits for an item. InvalidArgument if closed; DataLoss if undecodable;
  // ResourceExhausted over the codec's memory budget.
  [[nodiscard]] absl::StatusOr<T> get() { return q_.get(); }
  [[nodiscard]] bool empty() const { return q_.empty(); }
  void close() { q_.close(); }

  [[nodiscard]] std::vector<int> fds_to_pass() const { return q_.fds_to_pass(); }
  [[nodiscard]] QueueHandle handle() const { return q_.handle(); }

 private:
  explicit SimpleQueue(Queue<T> q) : q_(std::move(q)) {}
  Queue<T> q_;
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_QUEUE_H_

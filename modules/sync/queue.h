// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// queue.h: `conc::Queue<T>`, a multi-producer, multi-consumer queue of `T`,
// the counterpart of Python's `queue.Queue` (Lib/queue.py, with Python 3.13's
// `shutdown`).
//
// The design is CPython's (see reference/queue.h, the same contract in one
// mutex and three conditions, line for line; queue_test.cc runs every case on
// both); what this one changes and why:
//   * Two locks instead of one (Michael & Scott's two-lock queue): producers
//     append under `mu_`; a getter that finds its batch empty takes the whole
//     backlog in one swap and serves it under `get_mu_` alone, so producers
//     and consumers rarely share a lock or a cache line (FIFO only: LIFO and
//     priority order take one item at a time under `mu_`).
//   * The locks are internal::SpinLock (common/internal/spin_lock.h: one
//     exchange to lock, a plain store to unlock) instead of a mutex, whose
//     second read-modify-write cost a cross-CPU cache-line transfer per
//     hand-over; nobody sleeps on them.
//   * A notify only when someone sleeps: a put wakes a getter only if one
//     waits and has not been signalled already; gets and task_done likewise.
//     CPython notifies on every put and every get.
//   * An idle getter polls for a put before sleeping (AdaptiveSpin,
//     common/internal/spin.h), since a futex wake-up across CPUs costs far
//     more than a put that is about to come.
//   * The storage is a vector with a read position that keeps its capacity:
//     no allocation in the steady state (a deque frees in the consumer what
//     the producer allocated); padding keeps the two sides' fields on
//     separate cache lines.
// The checks, their order, the statuses and the messages are CPython's.
//
// A `Queue<T>` moves items between threads, first in, first out. Producers
// `put` items, consumers `get` them; with a `maxsize` > 0 a full queue makes
// `put` wait, and an empty queue always makes `get` wait. On top of the items
// the queue counts "unfinished tasks": every `put` adds one, every `task_done`
// removes one, and `join` waits until the count is back to zero, i.e. until
// every item ever put has been gotten *and* processed.
//
// Main operations (Python's three-way contract for blocking calls):
//
//   put(item, block = true, timeout = nullopt)   -> absl::Status
//   get(block = true, timeout = nullopt)         -> absl::StatusOr<T>
//     * block && timeout == nullopt: wait as long as it takes;
//     * block && timeout >= 0: wait at most `timeout`, then fail with
//       `DeadlineExceeded` (Python's `queue.Full` / `queue.Empty`); zero polls;
//     * block && timeout < 0: `InvalidArgument`, as Python's `ValueError`
//       ("'timeout' must be a non-negative number"). As in Python, `put` checks
//       this only on a bounded queue (an unbounded `put` never waits);
//     * !block: never wait; `timeout` is ignored.
//   put_nowait(item), get_nowait()                the same with block = false.
//   qsize(), empty(), full()                       a snapshot, stale at once.
//   task_done() -> absl::Status                    `FailedPrecondition` when
//                                                  called more times than items
//                                                  were put.
//   join(), join(timeout) -> bool                  wait for unfinished == 0.
//   shutdown(immediate = false)                    see below.
//
// Shutdown (Python 3.13):
//
//   state      | put                  | get                          | join
//   -----------+----------------------+------------------------------+---------------
//   open       | as above             | as above                     | waits for 0
//   shut down  | `Cancelled` at once; | items left: returns them;    | waits for 0
//   (graceful) | blocked putters wake | empty: `Cancelled`; blocked  |
//              | with `Cancelled`     | getters wake with it         |
//   shut down  | as graceful          | the queue was emptied: every | waiters wake
//   (immediate)|                      | get is `Cancelled`           | and re-check
//
// `shutdown(true)` drops every queued item (destroying it) and, as Python
// does, counts one `task_done` for each, so a `join` that only waited for the
// dropped items returns. Items already gotten but not yet `task_done`'d still
// count: `join` keeps waiting for them, exactly as in Python. Shutting down
// twice is harmless; there is no way back to "open".
//
// Variants: the order of items is a policy, Python's `_init/_qsize/_put/_get`
// hooks made a template parameter (`QueueStorage` below). `LifoQueue<T>`
// (lifo_queue.h) and `PriorityQueue<T, Compare>` (priority_queue.h) are a few
// lines each on top of this class.
//
// Where it differs from Python:
//   * Errors are statuses (modules/common/status.h): Full and Empty are both
//     `DeadlineExceeded`, ShutDown is `Cancelled`, ValueError is
//     `InvalidArgument`, task_done() too often is `FailedPrecondition`.
//   * `join(timeout) -> bool` is an extension (Python's `join` has no timeout).
//   * Items are moved in and out: move-only types (`std::unique_ptr`) work.
//   * `maxsize` is fixed at construction (Python lets you assign the attribute).
//
// Requires:
//   * The queue outlives every call on it; destroying it while a thread is
//     blocked in `put`, `get` or `join` is undefined. Call `shutdown()` and
//     join those threads first.
// Guarantees:
//   * Every item put is returned by exactly one `get` (or dropped by an
//     immediate shutdown); nothing is duplicated or lost.
//   * Waits are measured on the monotonic clock (modules/common/timeout.h);
//     spurious wake-ups never end a wait early or report a timeout early.
//   * The library throws nothing; an exception thrown by `T`'s move
//     constructor or by `Compare` propagates to the caller (the queue stays
//     usable, the item may be lost).
//
// Memory ordering: everything a producer did before `put(x)` happens-before
// everything the consumer does after the `get()` that returns `x`; everything
// a consumer did before `task_done()` happens-before the return of a `join()`
// it released. (Every hand-over goes through a lock with acquire/release
// order, internal::SpinLock: producers' and consumers' halves each have
// one, and items cross between them under both.)
//
// Performance: a FIFO `Queue` is a two-lock queue whose consumers take what
// producers queued in batches, so the two sides rarely share a lock or a
// cache line; each lock costs one atomic exchange to take and a plain store
// to release (nobody sleeps on it: sleepers wait on conditions, which release
// it); a notify is sent only when a getter sleeps; an idle getter polls for
// up to ~10 µs before it sleeps (adaptively; never on one CPU).
// Buffers keep their capacity (that of the largest backlog) until the queue
// is destroyed, and a queue takes ~0.6 KB for its padding and conditions.
// `LifoQueue` and `PriorityQueue` hand items over one at a time.
//
// Example:
//
//   conc::Queue<std::string> q(/*maxsize=*/5);
//   std::jthread worker([&] {
//     for (absl::StatusOr<std::string> job = q.get(); job.ok(); job = q.get()) {
//       Process(*job);
//       (void)q.task_done();
//     }  // Ends with Cancelled after q.shutdown(), once the queue is drained.
//   });
//   for (std::string& job : jobs) (void)q.put(std::move(job));
//   q.join();      // Every job processed.
//   q.shutdown();  // The worker's next get() fails: it returns.

#ifndef MODULES_SYNC_QUEUE_H_
#define MODULES_SYNC_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/spin.h"
#include "modules/common/internal/spin_lock.h"
#include "modules/sync/internal/batch.h"

namespace conc {

// The storage hooks of a queue: Python's `_init` (the constructor), `_qsize`,
// `_put` and `_get`. `Queue` calls them only with its main mutex held, so they
// need no synchronisation of their own; `get` is called only when
// `size() > 0`.
template <typename S, typename T>
concept QueueStorage = std::default_initializable<S> &&
    requires(S s, const S cs, T item) {
  { cs.size() } -> std::convertible_to<std::size_t>;
  s.put(std::move(item));
  { s.get() } -> std::same_as<T>;
};

// An optional hook: `drain_into(out)` moves every stored item, in the order
// `get` would return them, into `out` (which is empty). A storage that offers
// it promises that items put later never come out before items put earlier
// (first in, first out); `Queue` then hands items to consumers in batches,
// which keeps producers and consumers off each other's lock.
template <typename S, typename T>
concept BatchingQueueStorage =
    QueueStorage<S, T> &&
    requires(S s, internal::Batch<T>& out) { s.drain_into(out); };

// First in, first out: Python's `collections.deque` with `append`/`popleft`
// (a vector with a read position here, which keeps its memory; see
// internal::Batch).
template <typename T>
class FifoStorage {
 public:
  std::size_t size() const { return items_.size(); }
  void put(T&& item) { items_.push_back(std::move(item)); }
  T get() { return items_.pop_front(); }
  void drain_into(internal::Batch<T>& out) { out.swap(items_); }

 private:
  internal::Batch<T> items_;
};

template <typename T, typename Storage = FifoStorage<T>>
  requires QueueStorage<Storage, T>
class Queue {
 public:
  // A queue that holds at most `maxsize` items; `maxsize <= 0` means no limit
  // (as in Python, a negative maxsize is not an error).
  explicit Queue(int maxsize = 0) : maxsize_(maxsize) {}

  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Puts `item` into the queue.
  //
  // Blocks (only on a bounded queue) while it is full: forever if `block` and
  // `timeout` is nullopt; at most `timeout` if `block` and `timeout` >= 0;
  // not at all if `!block` (`timeout` is then ignored).
  //
  // Returns OK once the item is queued (and counted as an unfinished task);
  //   `DeadlineExceeded` (queue.Full) if there was no room in time;
  //   `Cancelled` (queue.ShutDown) if the queue is, or while waiting becomes,
  //     shut down;
  //   `InvalidArgument` (ValueError) for a negative `timeout` with `block` on
  //     a bounded queue, as Python.
  // On failure the item is destroyed.
  [[nodiscard]] absl::Status put(
      T item, bool block = true,
      std::optional<absl::Duration> timeout = std::nullopt)
      ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    internal::SpinLockHolder lock(mu_);
    if (is_shutdown_) return ShutDownError("Queue.put: the queue is shut down");
    if (maxsize_ > 0) {
      if (!block) {
        if (Size() >= capacity()) {
          return FullError("Queue.put: the queue is full");
        }
      } else if (timeout.has_value() && *timeout < absl::ZeroDuration()) {
        return ValueError("Queue.put: 'timeout' must be a non-negative number");
      } else {
        const Deadline deadline = Deadline::FromTimeout(timeout);
        while (Size() >= capacity()) {
          if (deadline.expired()) {
            return FullError("Queue.put: the queue is full");
          }
          WaitForRoom(lock, deadline);
          if (is_shutdown_) {
            return ShutDownError("Queue.put: the queue is shut down");
          }
        }
      }
    }
    storage_.put(std::move(item));
    // Written only when the storage stops being empty, so that a getter
    // polling it does not pull the line away from the producer on every put.
    if (storage_.size() == 1) tail_nonempty_.store(true, std::memory_order_relaxed);
    ++unfinished_tasks_;
    WakeGetter();
    return absl::OkStatus();
  }

  // Removes and returns the next item.
  //
  // Blocks while the queue is empty: forever if `block` and `timeout` is
  // nullopt; at most `timeout` if `block` and `timeout` >= 0; not at all if
  // `!block` (`timeout` is then ignored).
  //
  // Returns the item; or
  //   `DeadlineExceeded` (queue.Empty) if none came in time;
  //   `Cancelled` (queue.ShutDown) if the queue is shut down and empty (a
  //     graceful shutdown still hands out what is queued);
  //   `InvalidArgument` (ValueError) for a negative `timeout` with `block`.
  [[nodiscard]] absl::StatusOr<T> get(
      bool block = true, std::optional<absl::Duration> timeout = std::nullopt)
      ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    if (block && timeout.has_value() && *timeout < absl::ZeroDuration()) {
      // Python checks "shut down and empty" first, then the timeout.
      internal::SpinLockHolder get_lock(get_mu_);
      internal::SpinLockHolder lock(mu_);
      if (is_shutdown_ && Size() == 0) {
        return ShutDownError("Queue.get: the queue is shut down");
      }
      return ValueError("Queue.get: 'timeout' must be a non-negative number");
    }
    const Deadline deadline =
        !block ? Deadline::FromTimeout(absl::ZeroDuration())
               : (timeout.has_value() ? Deadline::FromTimeout(timeout)
                                      : Deadline::Infinite());
    bool spun = false;
    while (true) {
      internal::SpinLockHolder get_lock(get_mu_);
      if constexpr (kBatching) {
        if (!head_.empty()) {
          T item = PopHead();
          get_lock.unlock();
          WakePutter();
          return item;
        }
      }
      if (!spun && !tail_nonempty_.load(std::memory_order_relaxed) && !deadline.expired()) {
        // Nothing queued: poll for a put before taking the producers' lock
        // (the adaptive spin of common/internal/spin.h).
        spun = true;
        get_lock.unlock();
        (void)spin_.Spin([this] { return tail_nonempty_.load(std::memory_order_relaxed); });
        continue;
      }
      internal::SpinLockHolder lock(mu_);
      if (storage_.size() > 0) {
        if constexpr (kBatching) {
          // Take everything the producers queued in one hand-over.
          storage_.drain_into(head_);
          head_size_.store(head_.size(), std::memory_order_seq_cst);
          tail_nonempty_.store(false, std::memory_order_relaxed);
          lock.unlock();
          T item = PopHead();
          get_lock.unlock();
          WakePutter();
          return item;
        } else {
          T item = storage_.get();
          if (storage_.size() == 0) {
            tail_nonempty_.store(false, std::memory_order_relaxed);
          }
          if (putters_waiting_.load(std::memory_order_relaxed) > 0) {
            not_full_.notify_one();
          }
          return item;
        }
      }
      // Empty (both halves, seen with both locks held).
      if (is_shutdown_) return ShutDownError("Queue.get: the queue is shut down");
      if (deadline.expired()) return EmptyError("Queue.get: the queue is empty");
      // Sleep until a put, with only mu_ held (never get_mu_: other getters,
      // with other deadlines, must be able to run), then start over.
      get_lock.unlock();
      ++getters_waiting_;
      if (deadline.is_infinite()) {
        not_empty_.wait(lock);
      } else {
        not_empty_.wait_until(lock, deadline.to_steady_time_point());
      }
      --getters_waiting_;
      if (getters_signalled_ > 0) --getters_signalled_;
    }
  }

  // put(item, /*block=*/false): queues `item` only if there is room now.
  [[nodiscard]] absl::Status put_nowait(T item) ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    return put(std::move(item), /*block=*/false);
  }

  // get(/*block=*/false): returns an item only if one is there now.
  [[nodiscard]] absl::StatusOr<T> get_nowait() ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    return get(/*block=*/false);
  }

  // Tells the queue that one item obtained by `get` has been processed. When
  // the last unfinished task is done, every `join` returns.
  // Returns `FailedPrecondition` ("task_done() called too many times", Python's
  // ValueError) if there is no unfinished task; nothing changes then.
  [[nodiscard]] absl::Status task_done() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    if (unfinished_tasks_ == 0) {
      return MisuseError("Queue.task_done: task_done() called too many times");
    }
    if (--unfinished_tasks_ == 0 && joiners_waiting_ > 0) {
      all_tasks_done_.notify_all();
    }
    return absl::OkStatus();
  }

  // Blocks until every item put so far has been gotten and `task_done`'d
  // (returns at once if there is none). Shutdown does not end it by itself;
  // see the table above.
  void join() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    while (unfinished_tasks_ > 0) {
      ++joiners_waiting_;
      all_tasks_done_.wait(lock);
      --joiners_waiting_;
    }
  }

  // Extension: `join` that gives up after `timeout` (zero or negative polls).
  // Returns true if the unfinished-task count reached zero, false on timeout.
  [[nodiscard]] bool join(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_) {
    const Deadline deadline = Deadline::FromTimeout(timeout);
    internal::SpinLockHolder lock(mu_);
    while (unfinished_tasks_ > 0) {
      if (deadline.expired()) return false;
      ++joiners_waiting_;
      if (deadline.is_infinite()) {
        all_tasks_done_.wait(lock);
      } else {
        all_tasks_done_.wait_until(lock, deadline.to_steady_time_point());
      }
      --joiners_waiting_;
    }
    return true;
  }

  // Shuts the queue down: from now on `put` fails with `Cancelled`, and `get`
  // does too once the queue is empty. Every blocked `put` and `get` wakes up
  // (a getter still finds the queued items after a graceful shutdown). With
  // `immediate`, the queued items are dropped first, each counted as a
  // `task_done`, and blocked `join`s re-check their count.
  void shutdown(bool immediate = false) ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    // The dropped items are destroyed after the locks are released, so that
    // a destructor that touches this queue does not deadlock.
    std::vector<T> dropped;
    internal::SpinLockHolder get_lock(get_mu_);
    internal::SpinLockHolder lock(mu_);
    is_shutdown_ = true;
    if (immediate) {
      while (!head_.empty()) dropped.push_back(head_.pop_front());
      while (storage_.size() > 0) dropped.push_back(storage_.get());
      head_size_.store(0, std::memory_order_seq_cst);
      tail_nonempty_.store(false, std::memory_order_relaxed);
      unfinished_tasks_ -= std::min(unfinished_tasks_, dropped.size());
      all_tasks_done_.notify_all();
    }
    // Getters re-check "shut down and empty", putters "shut down".
    getters_signalled_ = getters_waiting_;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // The number of queued items. Approximate: other threads may change it
  // before the caller acts on it (Python: "not reliable!").
  std::size_t qsize() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return Size();
  }

  // qsize() == 0, with the same caveat.
  bool empty() const ABSL_LOCKS_EXCLUDED(mu_) { return qsize() == 0; }

  // True if a bounded queue holds maxsize items (never for an unbounded one),
  // with the same caveat.
  bool full() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return maxsize_ > 0 && Size() >= capacity();
  }

  // The bound given at construction (<= 0: unbounded). Python's `maxsize`.
  int maxsize() const { return maxsize_; }

  // True after `shutdown()`. Python's `is_shutdown` attribute.
  bool is_shutdown() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return is_shutdown_;
  }

  // Puts counted but not yet task_done'd. Python's `unfinished_tasks`.
  std::size_t unfinished_tasks() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return unfinished_tasks_;
  }

  // Diagnostics (tests use them to know a thread is blocked without
  // sleeping): how many threads are waiting in `get`, `put` and `join` now.
  std::size_t getters_waiting() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return getters_waiting_;
  }
  std::size_t putters_waiting() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return putters_waiting_.load(std::memory_order_relaxed);
  }
  std::size_t joiners_waiting() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::SpinLockHolder lock(mu_);
    return joiners_waiting_;
  }

 private:
  static constexpr bool kBatching = BatchingQueueStorage<Storage, T>;

  std::size_t capacity() const { return static_cast<std::size_t>(maxsize_); }

  // Items in the queue: the consumers' batch plus the storage.
  std::size_t Size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return head_size_.load(std::memory_order_seq_cst) + storage_.size();
  }

  // Waits on not_full_ once. The count goes up *before* the last look at the
  // size: a getter that takes from head_ (without mu_) stores the new size and
  // then reads the count, so one of the two sees the other (both seq_cst), and
  // a getter that sees the count notifies under mu_, after this wait began.
  void WaitForRoom(internal::SpinLockHolder& lock, const Deadline& deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    putters_waiting_.fetch_add(1, std::memory_order_seq_cst);
    if (Size() >= capacity()) {
      if (deadline.is_infinite()) {
        not_full_.wait(lock);
      } else {
        not_full_.wait_until(lock, deadline.to_steady_time_point());
      }
    }
    putters_waiting_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Wakes one sleeping getter, unless every sleeper has already been sent a
  // wake-up it has not acted on yet. A getter takes ~50 µs to wake on a VM;
  // without the count, every put in that window would pay for another
  // pthread_cond_signal. A woken getter that finds more items than it takes
  // leaves them for the next get, and the next put wakes the next sleeper.
  void WakeGetter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (getters_waiting_ > getters_signalled_) {
      ++getters_signalled_;
      not_empty_.notify_one();
    }
  }

  // Takes the oldest item of the consumers' batch. The caller then drops
  // get_mu_ and calls WakePutter.
  T PopHead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(get_mu_) {
    T item = head_.pop_front();
    if (maxsize_ <= 0) {
      // Unbounded: no putter ever waits, so no ordering is needed; qsize()
      // reads a snapshot either way.
      head_size_.store(head_.size(), std::memory_order_relaxed);
    } else {
      head_size_.store(head_.size(), std::memory_order_seq_cst);
    }
    return item;
  }

  // After a PopHead, with get_mu_ released: wakes a putter of a bounded queue
  // that waits for the room the getter just made (see WaitForRoom).
  void WakePutter() ABSL_LOCKS_EXCLUDED(mu_, get_mu_) {
    if (maxsize_ > 0 && putters_waiting_.load(std::memory_order_seq_cst) > 0) {
      internal::SpinLockHolder lock(mu_);
      not_full_.notify_one();
    }
  }

  // Two locks, so that producers and consumers rarely meet (Michael and
  // Scott's two-lock queue, with the hand-over done in batches):
  //
  //   get_mu_  guards head_: a batch of the oldest items, taken from storage_
  //            in one go by a getter that found head_ empty (only for storages
  //            with `drain_into`, i.e. FIFO; for LIFO and priority order head_
  //            stays empty and getters take from storage_ under mu_).
  //   mu_      guards everything else, as Python's `self.mutex`: storage_,
  //            the task count, the shutdown flag, and the three conditions.
  //
  // Both are internal::SpinLock (one exchange to lock, a store to
  // unlock; a std::mutex's second read-modify-write made each hand-over wait
  // for the other CPU's cache line, ~1/3 of the time per item); the conditions
  // are condition_variable_any, which releases mu_ while waiting, so nobody
  // ever sleeps holding or waiting for either lock.
  //
  // Every item in head_ is older than every item in storage_, so the order is
  // still first-in-first-out. Lock order: get_mu_, then mu_. Nobody waits on
  // a condition while holding get_mu_.
  //
  // Layout: the consumers' fields, then the rarely written ones, then the
  // producers', separated (and fenced off from whatever the queue's neighbours
  // in memory are, e.g. a producer's stack variables) by 64 bytes of padding,
  // so that the two sides do not write to a shared cache line. Padding, not
  // alignas: an over-aligned Queue would be misaligned in ASan's fake stack
  // frames and in allocators that ignore over-alignment.
  char leading_padding_[64];
  mutable internal::SpinLock get_mu_;
  internal::Batch<T> head_ ABSL_GUARDED_BY(get_mu_);
  // head_.size(), stored under get_mu_; read under mu_ to know the queue's
  // size without taking get_mu_ (bounded puts, qsize).
  std::atomic<std::size_t> head_size_{0};
  // How long idle getters poll before sleeping (common/internal/spin.h).
  internal::AdaptiveSpin spin_;

  char consumer_padding_[64];

  // Threads blocked on not_full_: changed under mu_, read without it by
  // getters that took from head_ (see WaitForRoom). On a cache line of its
  // own: getters read it once per item, putters write it only to wait.
  std::atomic<std::size_t> putters_waiting_{0};
  // storage_.size() > 0, stored under mu_ only when it changes (once per
  // batch, not once per put); idle getters poll it while spinning. Here, away
  // from what producers write per put, so that the polling costs them nothing.
  std::atomic<bool> tail_nonempty_{false};
  // Read by both sides on every item, written never: kept off the lines each
  // side writes (next to it, the consumers' lock and batch would make every
  // put miss the cache).
  const int maxsize_;
  char waiters_padding_[64];

  mutable internal::SpinLock mu_;

  // Notified (one waiter) by a put that finds a getter waiting, and (every
  // waiter) on shutdown. A getter waits on it only after finding both head_
  // and storage_ empty with both locks held, then keeping mu_.
  std::condition_variable_any not_empty_;

  // Notified (one waiter) by a get that finds a putter waiting, and (every
  // waiter) on shutdown.
  std::condition_variable_any not_full_;

  // Notified (every waiter) whenever the number of unfinished tasks drops to
  // zero, and on an immediate shutdown: threads in `join` wake then.
  std::condition_variable_any all_tasks_done_;

  Storage storage_ ABSL_GUARDED_BY(mu_);
  // Puts minus task_done()s; never negative.
  std::size_t unfinished_tasks_ ABSL_GUARDED_BY(mu_) = 0;
  bool is_shutdown_ ABSL_GUARDED_BY(mu_) = false;
  // Threads blocked on not_empty_ and all_tasks_done_. A notify is sent only
  // when the matching count is positive.
  std::size_t getters_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Of those getters, how many have been notified and not yet woken (each
  // waking getter takes one off, whatever woke it; never above
  // getters_waiting_). See WakeGetter.
  std::size_t getters_signalled_ ABSL_GUARDED_BY(mu_) = 0;
  std::size_t joiners_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  char trailing_padding_[64];
};

}  // namespace conc

#endif  // MODULES_SYNC_QUEUE_H_

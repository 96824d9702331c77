// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// reference/queue.h: `conc::reference::Queue<T>`, CPython's `queue.Queue`
// (Lib/queue.py of Python 3.13, with `shutdown`) line for line: one mutex,
// three conditions over it (not_empty, not_full, all_tasks_done), and the
// `_init/_qsize/_put/_get` hooks as the `Storage` parameter. The comment on
// each statement is the Python statement it mirrors.
//
// Read this one to learn the algorithm; use `conc::Queue<T>` (../queue.h),
// which keeps exactly this contract (the same calls, statuses and messages:
// queue_test.cc runs every case on both) and says at its top what it changes
// for speed and why. The lesson queue_reference_vs_tuned measures the two.
//
// Where C++ makes it differ from the Python text (never in behaviour):
//   * raise Full / Empty / ShutDown / ValueError are the statuses of
//     modules/common/status.h (DeadlineExceeded, Cancelled, InvalidArgument;
//     task_done too often: FailedPrecondition), with conc::Queue's messages;
//   * `Condition(self.mutex)` is a std::condition_variable over the one
//     std::mutex; it may wake spuriously, which the `while` loops below
//     already absorb (a Python waiter re-checks after every wake-up too);
//   * a deadline (modules/common/timeout.h) stands for `endtime`;
//   * `shutdown(immediate=True)` destroys the dropped items after unlocking
//     (Python drops each under the lock), so that a destructor that touches
//     the queue cannot deadlock;
//   * extras conc::Queue has: `join(timeout)`, `getters_waiting()` & co.
//     (what `len(cond._waiters)` would say), `maxsize()` as a method.

#ifndef MODULES_SYNC_REFERENCE_QUEUE_H_
#define MODULES_SYNC_REFERENCE_QUEUE_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"

namespace conc::reference {

// The hooks of queue.Queue (called only with the mutex held).
template <typename T>
struct FifoStorage {
  std::deque<T> queue;                                       // self.queue = deque()
  std::size_t size() const { return queue.size(); }          // len(self.queue)
  void put(T&& item) { queue.push_back(std::move(item)); }   // self.queue.append(item)
  T get() {                                                  // self.queue.popleft()
    T item = std::move(queue.front());
    queue.pop_front();
    return item;
  }
};

template <typename T, typename Storage = FifoStorage<T>>
class Queue {
 public:
  // def __init__(self, maxsize=0): self.maxsize = maxsize; self._init(maxsize)
  explicit Queue(int maxsize = 0) : maxsize_(maxsize) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  [[nodiscard]] absl::Status put(T item, bool block = true,
                                 std::optional<absl::Duration> timeout = std::nullopt) {
    internal::MutexLock lock(mutex_);                 // with self.not_full:
    if (is_shutdown_) return ShutDownError("Queue.put: the queue is shut down");  // raise ShutDown
    if (maxsize_ > 0) {                                        // if self.maxsize > 0:
      if (!block) {                                            //   if not block:
        if (Qsize() >= Maxsize()) return FullError("Queue.put: the queue is full");
      } else if (!timeout.has_value()) {                       //   elif timeout is None:
        while (Qsize() >= Maxsize()) {                         //     while self._qsize() >= self.maxsize:
          Wait(not_full_, lock, putters_waiting_, Deadline::Infinite());  // self.not_full.wait()
          if (is_shutdown_) return ShutDownError("Queue.put: the queue is shut down");
        }
      } else if (*timeout < absl::ZeroDuration()) {            //   elif timeout < 0: raise ValueError
        return ValueError("Queue.put: 'timeout' must be a non-negative number");
      } else {                                                 //   else:
        const Deadline endtime = Deadline::FromTimeout(timeout);  // endtime = time() + timeout
        while (Qsize() >= Maxsize()) {                         //     while self._qsize() >= self.maxsize:
          if (endtime.expired()) return FullError("Queue.put: the queue is full");  // remaining <= 0
          Wait(not_full_, lock, putters_waiting_, endtime);    //       self.not_full.wait(remaining)
          if (is_shutdown_) return ShutDownError("Queue.put: the queue is shut down");
        }
      }
    }
    queue_.put(std::move(item));                               // self._put(item)
    ++unfinished_tasks_;                                       // self.unfinished_tasks += 1
    not_empty_.notify_one();                                   // self.not_empty.notify()
    return absl::OkStatus();
  }

  [[nodiscard]] absl::StatusOr<T> get(bool block = true,
                                      std::optional<absl::Duration> timeout = std::nullopt) {
    internal::MutexLock lock(mutex_);                 // with self.not_empty:
    if (is_shutdown_ && Qsize() == 0) {                        // if self.is_shutdown and not self._qsize():
      return ShutDownError("Queue.get: the queue is shut down");
    }
    if (!block) {                                              // if not block:
      if (Qsize() == 0) return EmptyError("Queue.get: the queue is empty");  // raise Empty
    } else if (!timeout.has_value()) {                         // elif timeout is None:
      while (Qsize() == 0) {                                   //   while not self._qsize():
        Wait(not_empty_, lock, getters_waiting_, Deadline::Infinite());  // self.not_empty.wait()
        if (is_shutdown_ && Qsize() == 0) return ShutDownError("Queue.get: the queue is shut down");
      }
    } else if (*timeout < absl::ZeroDuration()) {              // elif timeout < 0: raise ValueError
      return ValueError("Queue.get: 'timeout' must be a non-negative number");
    } else {                                                   // else:
      const Deadline endtime = Deadline::FromTimeout(timeout); //   endtime = time() + timeout
      while (Qsize() == 0) {                                   //   while not self._qsize():
        if (endtime.expired()) return EmptyError("Queue.get: the queue is empty");  // remaining <= 0
        Wait(not_empty_, lock, getters_waiting_, endtime);     //     self.not_empty.wait(remaining)
        if (is_shutdown_ && Qsize() == 0) return ShutDownError("Queue.get: the queue is shut down");
      }
    }
    T item = queue_.get();                                     // item = self._get()
    not_full_.notify_one();                                    // self.not_full.notify()
    return item;                                               // return item
  }

  [[nodiscard]] absl::Status put_nowait(T item) { return put(std::move(item), false); }
  [[nodiscard]] absl::StatusOr<T> get_nowait() { return get(false); }

  [[nodiscard]] absl::Status task_done() {
    internal::MutexLock lock(mutex_);                  // with self.all_tasks_done:
    const int64_t unfinished = unfinished_tasks_ - 1;          // unfinished = self.unfinished_tasks - 1
    if (unfinished <= 0) {                                     // if unfinished <= 0:
      if (unfinished < 0) {                                    //   if unfinished < 0: raise ValueError(...)
        return MisuseError("Queue.task_done: task_done() called too many times");
      }
      all_tasks_done_.notify_all();                            //   self.all_tasks_done.notify_all()
    }
    unfinished_tasks_ = unfinished;                            // self.unfinished_tasks = unfinished
    return absl::OkStatus();
  }

  void join() {
    internal::MutexLock lock(mutex_);                 // with self.all_tasks_done:
    while (unfinished_tasks_ != 0) {                           //   while self.unfinished_tasks:
      Wait(all_tasks_done_, lock, joiners_waiting_, Deadline::Infinite());  // self.all_tasks_done.wait()
    }
  }

  // conc::Queue's extension: join() that gives up after `timeout`.
  [[nodiscard]] bool join(absl::Duration timeout) {
    const Deadline endtime = Deadline::FromTimeout(timeout);
    internal::MutexLock lock(mutex_);
    while (unfinished_tasks_ != 0) {
      if (endtime.expired()) return false;
      Wait(all_tasks_done_, lock, joiners_waiting_, endtime);
    }
    return true;
  }

  void shutdown(bool immediate = false) {
    std::vector<T> dropped;  // Destroyed after `lock` is released.
    internal::MutexLock lock(mutex_);                  // with self.mutex:
    is_shutdown_ = true;                                       // self.is_shutdown = True
    if (immediate) {                                           // if immediate:
      while (Qsize() != 0) {                                   //   while self._qsize():
        dropped.push_back(queue_.get());                       //     self._get()
        if (unfinished_tasks_ > 0) --unfinished_tasks_;        //     if self.unfinished_tasks > 0: ... -= 1
      }
      all_tasks_done_.notify_all();                            //   self.all_tasks_done.notify_all()
    }
    not_empty_.notify_all();                                   // self.not_empty.notify_all()
    not_full_.notify_all();                                    // self.not_full.notify_all()
  }

  std::size_t qsize() const {
    internal::MutexLock lock(mutex_);                  // with self.mutex:
    return Qsize();                                            //   return self._qsize()
  }
  bool empty() const {
    internal::MutexLock lock(mutex_);                  // with self.mutex:
    return Qsize() == 0;                                       //   return not self._qsize()
  }
  bool full() const {
    internal::MutexLock lock(mutex_);                  // with self.mutex:
    return 0 < maxsize_ && Maxsize() <= Qsize();               //   return 0 < self.maxsize <= self._qsize()
  }
  int maxsize() const { return maxsize_; }                     // self.maxsize
  bool is_shutdown() const {
    internal::MutexLock lock(mutex_);
    return is_shutdown_;                                       // self.is_shutdown
  }
  std::size_t unfinished_tasks() const {
    internal::MutexLock lock(mutex_);
    return static_cast<std::size_t>(unfinished_tasks_);       // self.unfinished_tasks
  }
  std::size_t getters_waiting() const { return Count(getters_waiting_); }  // len(not_empty._waiters)
  std::size_t putters_waiting() const { return Count(putters_waiting_); }  // len(not_full._waiters)
  std::size_t joiners_waiting() const { return Count(joiners_waiting_); }  // len(all_tasks_done._waiters)

 private:
  std::size_t Qsize() const { return queue_.size(); }          // self._qsize()
  std::size_t Maxsize() const { return static_cast<std::size_t>(maxsize_); }  // only when > 0

  // cond.wait(remaining) (infinite deadline: cond.wait()), counted in `waiting`.
  static void Wait(std::condition_variable& cond, internal::MutexLock& lock,
                   std::size_t& waiting, const Deadline& deadline) {
    ++waiting;
    if (deadline.is_infinite()) {
      cond.wait(lock.native());
    } else {
      cond.wait_until(lock.native(), deadline.to_steady_time_point());
    }
    --waiting;
  }
  std::size_t Count(const std::size_t& waiting) const {
    internal::MutexLock lock(mutex_);
    return waiting;
  }

  const int maxsize_;
  Storage queue_;                                  // guarded by mutex_ (self.queue)
  mutable internal::Mutex mutex_;                       // self.mutex = threading.Lock()
  std::condition_variable not_empty_;              // threading.Condition(self.mutex)
  std::condition_variable not_full_;               // threading.Condition(self.mutex)
  std::condition_variable all_tasks_done_;         // threading.Condition(self.mutex)
  int64_t unfinished_tasks_ = 0;                   // guarded by mutex_
  bool is_shutdown_ = false;                       // guarded by mutex_
  std::size_t getters_waiting_ = 0;                // guarded by mutex_
  std::size_t putters_waiting_ = 0;                // guarded by mutex_
  std::size_t joiners_waiting_ = 0;                // guarded by mutex_
};

// queue.LifoQueue's hooks: self.queue = [], append, pop.
template <typename T>
struct LifoStorage {
  std::vector<T> queue;
  std::size_t size() const { return queue.size(); }
  void put(T&& item) { queue.push_back(std::move(item)); }
  T get() {
    T item = std::move(queue.back());
    queue.pop_back();
    return item;
  }
};

// queue.PriorityQueue's hooks: self.queue = [], heappush, heappop (lowest
// first: std::*_heap keep the largest on top, so the comparison is reversed).
template <typename T, typename Compare = std::less<T>>
struct PriorityStorage {
  struct Greater {
    bool operator()(const T& a, const T& b) const { return Compare{}(b, a); }
  };
  std::vector<T> queue;
  std::size_t size() const { return queue.size(); }
  void put(T&& item) {
    queue.push_back(std::move(item));
    std::push_heap(queue.begin(), queue.end(), Greater{});
  }
  T get() {
    std::pop_heap(queue.begin(), queue.end(), Greater{});
    T item = std::move(queue.back());
    queue.pop_back();
    return item;
  }
};

template <typename T>
class LifoQueue : public Queue<T, LifoStorage<T>> {
 public:
  using Queue<T, LifoStorage<T>>::Queue;
};

template <typename T, typename Compare = std::less<T>>
class PriorityQueue : public Queue<T, PriorityStorage<T, Compare>> {
 public:
  using Queue<T, PriorityStorage<T, Compare>>::Queue;
};

}  // namespace conc::reference

#endif  // MODULES_SYNC_REFERENCE_QUEUE_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_condition.h: conc::mp::Condition, Python's multiprocessing.Condition: a
// condition variable whose waiters and notifiers are threads of several
// processes.
//
//   Python                                   C++
//   c = multiprocessing.Condition()          auto c = conc::mp::Condition::Create();       // own RLock
//   c = multiprocessing.Condition(lock)      auto c = conc::mp::Condition::Create(*lock);  // mp::Lock or RLock
//   with c: c.wait(timeout=1)                { conc::mp::ScopedAcquire g(*c); absl::StatusOr<bool> w = c->wait(absl::Seconds(1)); }
//   c.wait_for(lambda: ready, timeout=1)     absl::StatusOr<bool> r = c->wait_for([&] { return ready(); }, absl::Seconds(1));
//   c.notify(2); c.notify_all()              absl::Status s = c->notify(2); s = c->notify_all();
//   Process(target=f, args=(c,))             conc::Process p({.pass_fds = c->fds_to_pass()}, conc::process_function<f>, c->handle());
//   def f(c): ...                            void f(conc::mp::ConditionHandle h) { auto c = conc::mp::Condition::Attach(h); ... }
//
// DESIGN. The condition's region holds a table of waiter slots (default 128,
// ConditionOptions::max_waiters), each a 32-bit futex word with the waiter's
// pid and a ticket number. wait() claims a free slot under the lock, takes a
// ticket (FIFO order), releases the lock (every level of an RLock), sleeps on
// its slot's word, and takes the lock back. notify(n), under the lock, marks
// the n oldest waiting slots notified and wakes each. Because every change of
// a slot's state happens with the lock held (the waiter frees its slot after
// re-taking the lock), a waiter whose timeout expires just as it is notified
// returns true, and notify(n) accounts for exactly n waiters, as in
// threading.Condition. The lock's ownership is exact (mp::Lock has an owner,
// see mp_lock.h), so waiting or notifying without holding it is detected for
// both lock kinds.
//
// WHERE IT DIFFERS FROM PYTHON.
//   * wait() and wait_for() return absl::StatusOr<bool>: true when notified
//     (wait_for: the predicate's last value), false on timeout;
//     FailedPrecondition without the lock (Python's RuntimeError/
//     AssertionError); ResourceExhausted if max_waiters threads already wait
//     (Python has no limit); OwnerDiedError if, while the caller waited, a
//     holder of the lock died holding it: the caller holds the lock again and
//     should repair the guarded state (the wait's own result is lost; treat it
//     as a spurious wake-up and re-check).
//   * notify()/notify_all() without the lock return FailedPrecondition.
//   * A waiter that dies: its slot is skipped and reclaimed by the next
//     notify() (it checks that the pid lives), so notify(1) still wakes a live
//     waiter. CPython's Condition instead lets notify() block for ever on
//     the dead sleeper's acknowledgement (`_woken_count.acquire()`).
//   * Timeouts: nullopt waits for ever; zero or negative polls (the lock is
//     still released and re-taken), as in Python.
//
// Memory ordering: everything the notifier did before releasing the lock
// happens-before the waiter's return from wait().
//
// Thread-safety: every method may be called from any thread of any process
// that has the condition. The lock passed to Create must be shared the same
// way (handle() and fds_to_pass() carry it along).
//
// Example:
//
//   auto c = conc::mp::Condition::Create();
//   auto ready = conc::mp::RawValue<int>::Create(0);
//   // consumer (any process)
//   { conc::mp::ScopedAcquire g(*c);
//     absl::StatusOr<bool> ok = c->wait_for([&] { return ready->value() == 1; }, absl::Seconds(5)); }
//   // producer
//   { conc::mp::ScopedAcquire g(*c); ready->set_value(1); (void)c->notify_all(); }

#ifndef MODULES_IPC_MP_CONDITION_H_
#define MODULES_IPC_MP_CONDITION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/shared_region.h"
#include "modules/ipc/mp_lock.h"

namespace conc::mp {

// What a spawned child needs: the condition's memfd, and its lock's handle
// (the same memfd when the condition owns its RLock). Encodable.
struct ConditionHandle {
  int fd = -1;
  LockHandle lock;
  uint32_t lock_kind = 0;  // 1 Lock, 2 RLock
  bool own_lock = false;
  CONC_CODEC_FIELDS(fd, lock, lock_kind, own_lock);
};

struct ConditionOptions {
  // How many threads (of all processes) may wait at once; 1..65536.
  int max_waiters = 128;
};

class Condition {
 public:
  // Python's `Condition()`: over an RLock stored in the condition's region.
  // InvalidArgument for max_waiters outside 1..65536; errno's status if the
  // shared memory cannot be created.
  [[nodiscard]] static absl::StatusOr<Condition> Create(ConditionOptions options = {});
  // Python's `Condition(lock)`: over the caller's lock (a copy of the handle
  // is kept, so the lock lives as long as the condition).
  [[nodiscard]] static absl::StatusOr<Condition> Create(const Lock& lock,
                                                        ConditionOptions options = {});
  [[nodiscard]] static absl::StatusOr<Condition> Create(const RLock& lock,
                                                        ConditionOptions options = {});

  // The condition a parent passed with fds_to_pass()/handle().
  // InvalidArgument if a descriptor holds no such condition or lock.
  [[nodiscard]] static absl::StatusOr<Condition> Attach(const ConditionHandle& handle);

  // The lock's acquire and release (`with c:`); see mp_lock.h.
  [[nodiscard]] absl::StatusOr<bool> acquire(bool blocking = true,
                                             std::optional<absl::Duration> timeout = std::nullopt);
  [[nodiscard]] absl::Status release();

  // Python's `wait(timeout=None)`. Requires the lock. Releases it (every level
  // of an RLock), sleeps until notified or the timeout passes, takes the lock
  // back (restoring every level) and returns true if notified, false on
  // timeout. Errors: see "Where it differs" above.
  [[nodiscard]] absl::StatusOr<bool> wait(std::optional<absl::Duration> timeout = std::nullopt);

  // Python's `wait_for(predicate, timeout=None)`: waits until `predicate()`
  // (called with the lock held) is true or the timeout passes; one timeout
  // covers every wait. Returns the predicate's last value. Errors as wait().
  template <typename Predicate>
  [[nodiscard]] absl::StatusOr<bool> wait_for(Predicate predicate,
                                              std::optional<absl::Duration> timeout = std::nullopt) {
    if (!is_owned()) return NotOwnedError("wait_for");
    const Deadline deadline = Deadline::FromTimeout(timeout);
    bool result = predicate();
    bool waited = false;
    while (!result) {
      if (waited && deadline.expired()) break;
      absl::StatusOr<bool> w = WaitUntil(deadline);
      if (!w.ok()) return w.status();
      waited = true;
      result = predicate();
    }
    return result;
  }

  // Python's `notify(n=1)`: wakes the n longest-waiting live waiters (all, if
  // fewer wait; none for n <= 0). Requires the lock (FailedPrecondition
  // otherwise, and nobody wakes). The woken return from wait() once they get
  // the lock back, i.e. after the caller releases it.
  [[nodiscard]] absl::Status notify(int64_t n = 1);

  // Python's `notify_all()`.
  [[nodiscard]] absl::Status notify_all();

  // True if the calling thread holds the lock.
  [[nodiscard]] bool is_owned() const;

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument; the child calls Attach(handle).
  [[nodiscard]] ConditionHandle handle() const;
  [[nodiscard]] std::vector<int> fds_to_pass() const;

 private:
  // One waiter slot in shared memory. Slot 0 is not a waiter: its `ticket`
  // is the next ticket to hand out. All fields change only with the lock held,
  // except that `state` is also read (and slept on) by its waiter.
  struct Slot {
    static constexpr uint32_t kFree = 0;
    static constexpr uint32_t kWaiting = 1;
    static constexpr uint32_t kNotified = 2;
    std::atomic<uint32_t> state;
    std::atomic<int32_t> pid;
    std::atomic<uint64_t> ticket;
  };

  Condition(std::shared_ptr<conc::internal::SharedRegion> region, Slot* slots, uint32_t nslots,
            std::optional<Lock> lock, std::optional<RLock> rlock, bool own_lock)
      : region_(std::move(region)),
        slots_(slots),
        nslots_(nslots),
        lock_(std::move(lock)),
        rlock_(std::move(rlock)),
        own_lock_(own_lock) {}

  static absl::StatusOr<Condition> CreateWith(std::optional<Lock> lock, std::optional<RLock> rlock,
                                              ConditionOptions options);
  static absl::Status NotOwnedError(const char* what);
  conc::internal::LockCore* core() const;
  absl::StatusOr<bool> WaitUntil(const Deadline& deadline);
  Slot* ClaimSlot();

  std::shared_ptr<conc::internal::SharedRegion> region_;
  Slot* slots_;      // slots_[0] is the ticket counter; waiters use 1..nslots_-1
  uint32_t nslots_;
  std::optional<Lock> lock_;  // exactly one of lock_ and rlock_ is set
  std::optional<RLock> rlock_;
  bool own_lock_;
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_CONDITION_H_

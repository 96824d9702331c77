// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_lock.h: conc::mp::Lock and conc::mp::RLock, Python's multiprocessing.Lock
// and multiprocessing.RLock: locks in shared memory that threads of several
// processes take, and `mp::ScopedAcquire`, the `with lock:` guard.
//
//   Python                                   C++
//   lock = multiprocessing.Lock()            auto lock = conc::mp::Lock::Create();   // StatusOr
//   lock.acquire()                           absl::StatusOr<bool> got = lock->acquire();
//   lock.acquire(timeout=0.5)                got = lock->acquire(true, absl::Milliseconds(500));
//   lock.acquire(False)                      got = lock->acquire(false);
//   lock.release()                           absl::Status s = lock->release();
//   with lock: ...                           { conc::mp::ScopedAcquire g(*lock); ... }
//   Process(target=f, args=(lock,))          conc::Process p({.pass_fds = lock->fds_to_pass()},
//                                                            conc::process_function<f>, lock->handle());
//   def f(lock): ...                         void f(conc::mp::LockHandle h) { auto lock = conc::mp::Lock::Attach(h); ... }
//   rlock = multiprocessing.RLock()          auto rlock = conc::mp::RLock::Create();
//
// DESIGN. Each lock is a robust, process-shared pthread mutex in a memfd
// region (internal/mp_lock_core.h). What that buys over CPython, whose locks
// are POSIX semaphores (SemLock):
//   * A holder that dies — killed by SIGKILL, crashed — does not leave the lock
//     taken for ever. CPython's SemLock stays at 0 and every later acquire()
//     hangs (or times out) for good. Here the kernel notices through the
//     holder's robust list, and the next acquire() returns
//     `OwnerDiedError` (kAborted with payload "conc/owner_died";
//     `conc::IsOwnerDied(status)`): the caller now HOLDS the lock, repairs (or
//     discards) what it guards, and releases it as usual. The lock works
//     afterwards; only the one acquirer is told.
//   * Ownership is exact and cheap to ask (`is_owned()`), also for mp::Lock.
//
// WHERE IT DIFFERS FROM PYTHON.
//   * mp::Lock has an owner. Python's multiprocessing.Lock is a semaphore that
//     another process or thread may release; a robust mutex cannot be released
//     by a non-owner (the kernel could not tell who died holding it otherwise).
//     Here release() by any thread other than the one that acquired returns
//     FailedPrecondition and changes nothing — also in a forked child that
//     inherited a held lock. Use mp::Semaphore(1) (or mp::Event) to signal
//     between processes. (conc::Lock, the thread version, keeps Python's rule.)
//   * acquire() returns absl::StatusOr<bool>: true (acquired), false (not
//     acquired: polled or timed out), OwnerDiedError (acquired, see above), or
//     FailedPrecondition when the holder of an mp::Lock acquires it again
//     without a timeout: CPython hangs for ever; here the self-deadlock is
//     reported (with a timeout it waits the timeout out and returns false, as
//     CPython does).
//   * Timeouts follow multiprocessing's SemLock (not threading.Lock, whose
//     ValueError the thread version keeps): `blocking == false` polls once and
//     ignores the timeout; zero or a negative timeout polls once; nullopt waits
//     for ever. Waits are measured on the monotonic clock.
//   * release() of an unlocked lock returns FailedPrecondition (Python's
//     ValueError "semaphore or lock released too many times" for Lock,
//     AssertionError/RuntimeError for RLock).
//
// HOW A LOCK REACHES ANOTHER PROCESS. Forked: use the same object (a copy
// refers to the same lock). Spawned: pass `fds_to_pass()` in
// ProcessOptions::pass_fds and `handle()` as an argument; the child calls
// `Attach(handle)`. Attach checks that the descriptor really holds a lock of
// that kind (InvalidArgument otherwise).
//
// Lifetime: the lock's memory lives while any process maps it. A thread must
// not let its process drop the last reference to a lock it holds (the robust
// list still points into the mapping): release first.
//
// Memory ordering: release() happens-before the acquire() that next takes the
// lock, in whichever process (the mutex's futex word is the synchronisation).
//
// Thread-safety: every method may be called concurrently from any thread of
// any process that has the lock.
//
// Example:
//
//   void worker(conc::mp::LockHandle h) {
//     absl::StatusOr<conc::mp::Lock> lock = conc::mp::Lock::Attach(h);
//     conc::mp::ScopedAcquire g(*lock);
//     if (conc::IsOwnerDied(g.status())) RepairSharedState();
//     std::printf("hello from %d\n", ::getpid());
//   }

#ifndef MODULES_IPC_MP_LOCK_H_
#define MODULES_IPC_MP_LOCK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/mp_lock_core.h"

namespace conc::mp {

// What a spawned child needs to attach to a lock: the memfd's number (passed
// with ProcessOptions::pass_fds) and where the lock sits in it (a Value's or a
// Condition's lock shares its object's region). Encodable.
struct LockHandle {
  int fd = -1;
  uint64_t offset = 0;
  CONC_CODEC_FIELDS(fd, offset);
};

class Condition;

namespace internal {
// What Lock and RLock share: a reference to the region and its LockCore.
class LockBase {
 public:
  // Python's `locked()` (3.14): true if some thread of some process holds the
  // lock. A snapshot: it may have changed by the time the caller looks.
  [[nodiscard]] bool locked() const { return core_->Locked(); }

  // True if the calling thread holds the lock (Python's private `_is_mine()`).
  [[nodiscard]] bool is_owned() const { return core_->IsMine(); }

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument; the child calls Attach(handle).
  [[nodiscard]] LockHandle handle() const {
    return {region_->handle().fd,
            static_cast<uint64_t>(reinterpret_cast<std::byte*>(core_) - region_->data())};
  }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return region_->fds_to_pass(); }

 protected:
  LockBase(std::shared_ptr<conc::internal::SharedRegion> region, conc::internal::LockCore* core)
      : region_(std::move(region)), core_(core) {}

  // Maps `handle` and checks that a lock of `kind` sits at its offset.
  static absl::StatusOr<LockBase> AttachBase(LockHandle handle, conc::internal::MpLockKind kind);

  std::shared_ptr<conc::internal::SharedRegion> region_;
  conc::internal::LockCore* core_;
};

// For an object (a Value, an Array) guarded by `lock`: its handle with the
// lock's added when the lock is another object's (`shared`, Python's lock=),
// and the descriptors a child needs for both.
template <class Handle>
Handle WithLockHandle(Handle h, const LockBase& lock, bool shared) {
  if (shared) {
    const LockHandle l = lock.handle();
    h.lock_fd = l.fd;
    h.lock_offset = l.offset;
  }
  return h;
}
inline std::vector<int> FdsWithLock(std::vector<int> fds, const LockBase& lock, bool shared) {
  if (shared) {
    for (int fd : lock.fds_to_pass()) fds.push_back(fd);
  }
  return fds;
}
}  // namespace internal

class Lock : public internal::LockBase {
 public:
  // Python's `multiprocessing.Lock()`. Errors: the errno's status if the
  // shared memory cannot be created.
  [[nodiscard]] static absl::StatusOr<Lock> Create();

  // The lock a parent passed with fds_to_pass()/handle(). InvalidArgument if
  // the descriptor is not open or holds no mp::Lock at that offset.
  [[nodiscard]] static absl::StatusOr<Lock> Attach(LockHandle handle);

  // Python's `acquire(block=True, timeout=None)`:
  //   blocking, nullopt    waits until acquired;
  //   blocking, timeout    waits at most `timeout` (zero or negative: polls);
  //   !blocking            polls once (the timeout is ignored, as Python's).
  // Returns true if acquired, false if not. OwnerDiedError: acquired from a
  // holder that died (see above). FailedPrecondition: the caller already holds
  // it and asked to wait for ever.
  [[nodiscard]] absl::StatusOr<bool> acquire(bool blocking = true,
                                             std::optional<absl::Duration> timeout = std::nullopt);

  // Python's `release()`. FailedPrecondition if the calling thread does not
  // hold the lock (unlocked, or held by another thread or process).
  [[nodiscard]] absl::Status release() { return core_->Release(); }

 private:
  friend class Condition;
  template <class T>
  friend class Value;
  template <class T>
  friend class Array;
  Lock(std::shared_ptr<conc::internal::SharedRegion> region, conc::internal::LockCore* core)
      : LockBase(std::move(region), core) {}
  explicit Lock(LockBase base) : LockBase(std::move(base)) {}
};

// Python's `multiprocessing.RLock()`: re-entrant. The thread that holds it may
// acquire it again; it is free for others once released as many times.
// Only the owner may release it (as in Python).
class RLock : public internal::LockBase {
 public:
  [[nodiscard]] static absl::StatusOr<RLock> Create();
  [[nodiscard]] static absl::StatusOr<RLock> Attach(LockHandle handle);

  // As Lock::acquire, except that the owner acquires again at once, whatever
  // `blocking` and `timeout` say (the recursion level goes up). After an
  // OwnerDiedError the level is 1: the dead owner's levels died with it.
  [[nodiscard]] absl::StatusOr<bool> acquire(bool blocking = true,
                                             std::optional<absl::Duration> timeout = std::nullopt) {
    if (core_->IsMine()) {
      // Only the owner writes the count: a plain load and store, no locked
      // read-modify-write instruction.
      core_->count.store(core_->count.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
      return true;
    }
    return AcquireSlow(blocking, timeout);
  }

  // Python's `release()`: the level goes down by one; at zero the lock is free.
  // FailedPrecondition if the calling thread does not own it ("cannot release
  // un-acquired lock").
  [[nodiscard]] absl::Status release() {
    if (core_->IsMine()) {
      const uint32_t level = core_->count.load(std::memory_order_relaxed);
      if (level > 1) {
        core_->count.store(level - 1, std::memory_order_relaxed);
        return absl::OkStatus();
      }
      core_->count.store(0, std::memory_order_relaxed);
      return core_->Release();
    }
    return MisuseError("cannot release un-acquired lock");
  }

  // The calling thread's recursion level (0 if it does not own the lock).
  [[nodiscard]] uint32_t recursion_level() const {
    return core_->IsMine() ? core_->count.load(std::memory_order_relaxed) : 0;
  }

 private:
  friend class Condition;
  template <class T>
  friend class Value;
  template <class T>
  friend class Array;
  RLock(std::shared_ptr<conc::internal::SharedRegion> region, conc::internal::LockCore* core)
      : LockBase(std::move(region), core) {}
  explicit RLock(LockBase base) : LockBase(std::move(base)) {}
  absl::StatusOr<bool> AcquireSlow(bool blocking, std::optional<absl::Duration> timeout);
};

// `with lock:` for mp::Lock, mp::RLock and mp::Condition: acquires (waiting
// for ever) on construction, releases on destruction if it holds the lock.
// `status()` tells how the acquire went: OK, OwnerDiedError (held: repair what
// the lock guards), or an error (not held, e.g. a self-deadlock on a Lock).
template <class L>
class ScopedAcquire {
 public:
  explicit ScopedAcquire(L& lock) : lock_(lock) {
    absl::StatusOr<bool> got = lock_.acquire();
    if (got.ok()) {
      held_ = *got;
    } else {
      status_ = got.status();
      held_ = IsOwnerDied(status_);
    }
  }
  ~ScopedAcquire() {
    if (held_) (void)lock_.release();
  }
  ScopedAcquire(const ScopedAcquire&) = delete;
  ScopedAcquire& operator=(const ScopedAcquire&) = delete;

  // OK, OwnerDiedError (the lock is held), or why it is not held.
  [[nodiscard]] const absl::Status& status() const { return status_; }
  [[nodiscard]] bool held() const { return held_; }

 private:
  L& lock_;
  absl::Status status_;
  bool held_ = false;
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_LOCK_H_

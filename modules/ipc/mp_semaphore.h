// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_semaphore.h: conc::mp::Semaphore and conc::mp::BoundedSemaphore,
// Python's multiprocessing.Semaphore and multiprocessing.BoundedSemaphore: a
// counter of permits in shared memory that threads of several processes take
// and give back.
//
//   Python                                     C++
//   s = multiprocessing.Semaphore(2)           auto s = conc::mp::Semaphore::Create(2);   // StatusOr
//   b = multiprocessing.BoundedSemaphore(2)    auto b = conc::mp::BoundedSemaphore::Create(2);
//   s.acquire()                                bool got = s->acquire();
//   s.acquire(timeout=0.5)                     got = s->acquire(true, absl::Milliseconds(500));
//   s.acquire(False)                           got = s->acquire(false);
//   s.release()  /  s.release(n) (threading)   absl::Status st = s->release();  st = s->release(3);
//   s.get_value()                              int64_t v = s->get_value();
//   Process(target=f, args=(s,))               conc::Process p({.pass_fds = s->fds_to_pass()},
//                                                              conc::process_function<f>, s->handle());
//   def f(s): ...                              void f(conc::mp::SemaphoreHandle h) {
//                                                auto s = conc::mp::Semaphore::Attach(h); ... }
//
// DESIGN. The whole semaphore is two 32-bit words in a memfd region
// (internal/shared_region.h): the count, which is also the futex word, and the
// number of sleepers. acquire() is a compare-and-swap loop on the count (no
// system call when a permit is free); a blocked acquire() registers as a
// sleeper and sleeps on the count with FUTEX_WAIT_BITSET until its deadline;
// release(n) adds n with a CAS (checking the bound) and calls FUTEX_WAKE for n
// only if someone sleeps. No lock guards the state, so there is nothing a dead
// process can leave locked.
//
// A PROCESS THAT DIES HOLDING PERMITS DOES NOT GIVE THEM BACK. A permit is a
// number, not an owner (any process may release it), so nobody can tell which
// permits a dead process "held": the count stays where the dead process left
// it, exactly as with CPython's SemLock. (A process that dies while *waiting*
// leaves nothing behind but a stale sleeper count, which costs later releases
// one spare futex call.) Use mp::Lock when the holder's death must be noticed.
//
// WHERE IT DIFFERS FROM PYTHON.
//   * Errors are statuses. Create(value) with value < 0 (Python's ValueError)
//     or above INT32_MAX (SEM_VALUE_MAX) is InvalidArgument. release(n) with
//     n < 1 is InvalidArgument; a release above INT32_MAX permits is
//     InvalidArgument (Python's OverflowError); over-releasing a
//     BoundedSemaphore is FailedPrecondition (Python's ValueError "semaphore
//     or lock released too many times"; the misuse row of docs/DESIGN.md). On every
//     error the count is unchanged.
//   * release(n) exists for multiprocessing too (Python's has only threading's
//     release(n)); release(n) wakes up to n waiters.
//   * Timeouts follow multiprocessing's SemLock (as mp::Lock does), not
//     threading.Semaphore: `blocking == false` polls once and ignores the
//     timeout (threading would raise ValueError); zero or a negative timeout
//     polls once; nullopt waits forever. Waits use the monotonic clock.
//   * Waiters are not woken in FIFO order (neither are SemLock's).
//
// HOW IT REACHES ANOTHER PROCESS. Forked: use the same object (copies share
// the semaphore). Spawned: pass `fds_to_pass()` in ProcessOptions::pass_fds
// and `handle()` as an argument; the child calls `Attach(handle)`, which
// checks that the descriptor holds a semaphore of that class (a
// BoundedSemaphore's handle does not attach as a Semaphore, nor the reverse).
//
// Memory ordering: a release() happens-before the acquire(), in whichever
// process, that takes one of the permits it gave.
//
// Thread-safety: every method may be called concurrently from any thread of
// any process that has the semaphore.
//
// Example:
//
//   auto slots = conc::mp::BoundedSemaphore::Create(3);  // at most 3 at once
//   if (!slots.ok()) return slots.status();
//   if (slots->acquire(true, absl::Seconds(5))) {
//     UseTheSharedResource();
//     (void)slots->release();
//   }

#ifndef MODULES_IPC_MP_SEMAPHORE_H_
#define MODULES_IPC_MP_SEMAPHORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/internal/shared_region.h"

namespace conc::mp {

namespace internal {
struct SemState;
}  // namespace internal

// What a spawned child needs to attach a semaphore: the memfd's number.
struct SemaphoreHandle {
  int fd = -1;
  CONC_CODEC_FIELDS(fd);
};

class Semaphore {
 public:
  // Python's `Semaphore(value=1)`. InvalidArgument if value < 0 or value >
  // INT32_MAX; the errno's status if the shared memory cannot be created.
  [[nodiscard]] static absl::StatusOr<Semaphore> Create(int64_t value = 1);

  // The semaphore a parent passed with fds_to_pass()/handle(). InvalidArgument
  // if the descriptor is not open or does not hold a (plain) Semaphore.
  [[nodiscard]] static absl::StatusOr<Semaphore> Attach(SemaphoreHandle handle);

  // Python's `acquire(block=True, timeout=None)`: takes one permit.
  //   blocking, nullopt:  waits until a permit is free; returns true.
  //   blocking, timeout:  waits at most `timeout` (zero or negative: polls
  //                       once); true if it got a permit.
  //   !blocking:          polls once (the timeout is ignored, as SemLock does).
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout = std::nullopt) const;

  // Adds n permits and wakes up to n waiters. InvalidArgument if n < 1 or the
  // count would exceed INT32_MAX; FailedPrecondition for a BoundedSemaphore
  // released above its initial value. Nothing changes on error.
  [[nodiscard]] absl::Status release(int64_t n = 1) const;

  // Python's `get_value()`: the free permits now (a snapshot).
  [[nodiscard]] int64_t get_value() const;

  // The most permits the semaphore may hold: INT32_MAX, or a
  // BoundedSemaphore's initial value.
  [[nodiscard]] int64_t bound() const;

  // Processes or threads asleep in acquire() now (a snapshot for tests and
  // diagnostics; a process killed while asleep stays counted).
  [[nodiscard]] int sleepers() const;

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument; the child calls Attach(handle).
  [[nodiscard]] SemaphoreHandle handle() const { return {region_->handle().fd}; }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return region_->fds_to_pass(); }

 protected:
  enum class Kind : uint32_t { kSemaphore = 1, kBounded = 2 };
  static absl::StatusOr<Semaphore> CreateKind(int64_t value, Kind kind);
  static absl::StatusOr<Semaphore> AttachKind(SemaphoreHandle handle, Kind kind);

  Semaphore(std::shared_ptr<conc::internal::SharedRegion> region, internal::SemState* state)
      : region_(std::move(region)), state_(state) {}

 private:
  bool TryTake() const;
  bool AcquireSlow(std::optional<absl::Duration> timeout) const;

  std::shared_ptr<conc::internal::SharedRegion> region_;
  internal::SemState* state_;  // in region_
};

class BoundedSemaphore : public Semaphore {
 public:
  // Python's `BoundedSemaphore(value=1)`: `value` is also the bound.
  // InvalidArgument if value < 0 or value > INT32_MAX.
  [[nodiscard]] static absl::StatusOr<BoundedSemaphore> Create(int64_t value = 1);

  // InvalidArgument unless the descriptor holds a BoundedSemaphore.
  [[nodiscard]] static absl::StatusOr<BoundedSemaphore> Attach(SemaphoreHandle handle);

 private:
  explicit BoundedSemaphore(Semaphore s) : Semaphore(std::move(s)) {}
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_SEMAPHORE_H_

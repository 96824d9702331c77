// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_event.h: conc::mp::Event, Python's multiprocessing.Event: a flag in
// shared memory that processes wait for.
//
//   Python                                     C++
//   e = multiprocessing.Event()                auto e = conc::mp::Event::Create();   // StatusOr
//   e.set(); e.clear(); e.is_set()             e->set(); e->clear(); bool up = e->is_set();
//   e.wait()  /  e.wait(timeout=0.5)           bool got = e->wait();  got = e->wait(absl::Milliseconds(500));
//   Process(target=f, args=(e,))               conc::Process p({.pass_fds = e->fds_to_pass()},
//                                                              conc::process_function<f>, e->handle());
//   def f(e): ...                              void f(conc::mp::EventHandle h) {
//                                                auto e = conc::mp::Event::Attach(h); ... }
//
// Guarantees (those of conc::Event, across processes):
//   * set() wakes every process and thread waiting at that moment, even if
//     clear() follows at once: those waiters return true (in CPython they were
//     notified under the Condition's lock and return the flag they saw).
//   * wait() returns true if the flag was set or a set() happened while it
//     waited, false only when the timeout passed.
//
// DESIGN. Two 32-bit words in a memfd region (internal/shared_region.h): the
// state word — bit 0 the flag, bits 1..31 a generation that every set()
// raising the flag increments — which is also the futex word, and the number
// of sleepers. A waiter that found the flag down sleeps until the word moves
// and returns true as soon as the generation differs from the one it saw,
// whatever the flag says by then: that is how set-then-clear still wakes it.
// set() is one compare-and-swap and calls FUTEX_WAKE only if someone sleeps;
// clear() is one atomic AND; is_set() one load. No lock, so a process that dies
// inside any call leaves nothing to repair (a waiter killed while asleep leaves
// a stale sleeper count: later set() calls make one spare futex call).
// The generation wraps after 2^31 set() calls; a waiter that sleeps through
// exactly a multiple of 2^31 of them would miss the wake-up (not a practical
// concern).
//
// WHERE IT DIFFERS FROM PYTHON: errors are statuses (only Create and Attach can
// fail); timeouts follow the project convention (nullopt forever; zero or
// negative polls, as Python's wait treats a negative timeout).
//
// HOW IT REACHES ANOTHER PROCESS. Forked: use the same object (copies share
// the event). Spawned: pass `fds_to_pass()` in ProcessOptions::pass_fds and
// `handle()` as an argument; the child calls `Attach(handle)`.
//
// Memory ordering: everything a process did before set() happens-before the
// return of a wait() that returns true because of it, and of an is_set() that
// returns true.
//
// Thread-safety: every method may be called concurrently from any thread of
// any process that has the event.
//
// Example:
//
//   auto start = conc::mp::Event::Create();
//   if (!start.ok()) return start.status();
//   conc::Process p(conc::kForkMethod, [e = *start] { if (e.wait(absl::Seconds(5))) Work(); });
//   (void)p.start();
//   start->set();  // the child's wait() returns true

#ifndef MODULES_IPC_MP_EVENT_H_
#define MODULES_IPC_MP_EVENT_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/internal/shared_region.h"

namespace conc::mp {

namespace internal {
struct EventState;
}  // namespace internal

// What a spawned child needs to attach an event: the memfd's number.
struct EventHandle {
  int fd = -1;
  CONC_CODEC_FIELDS(fd);
};

class Event {
 public:
  // Python's `Event()`, cleared. The errno's status if the shared memory
  // cannot be created.
  [[nodiscard]] static absl::StatusOr<Event> Create();

  // The event a parent passed with fds_to_pass()/handle(). InvalidArgument if
  // the descriptor is not open or does not hold an Event.
  [[nodiscard]] static absl::StatusOr<Event> Attach(EventHandle handle);

  // Python's `is_set()`.
  [[nodiscard]] bool is_set() const;

  // Python's `set()`: raises the flag and wakes every waiter in every process.
  void set() const;

  // Python's `clear()`: lowers the flag; later waits block until set().
  void clear() const;

  // Python's `wait(timeout=None)`: true at once if the flag is up; otherwise
  // waits for a set() (nullopt: forever; zero or negative: not at all).
  // Returns false only if the timeout passed with no set().
  [[nodiscard]] bool wait(std::optional<absl::Duration> timeout = std::nullopt) const;

  // Processes or threads inside wait() past the fast path (a snapshot for
  // tests; not a Python API; a process killed while waiting stays counted).
  [[nodiscard]] int n_waiting() const;

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument; the child calls Attach(handle).
  [[nodiscard]] EventHandle handle() const { return {region_->handle().fd}; }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return region_->fds_to_pass(); }

 private:
  Event(std::shared_ptr<conc::internal::SharedRegion> region, internal::EventState* state)
      : region_(std::move(region)), state_(state) {}

  std::shared_ptr<conc::internal::SharedRegion> region_;
  internal::EventState* state_;  // in region_
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_EVENT_H_

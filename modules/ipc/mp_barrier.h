// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_barrier.h: conc::mp::Barrier, Python's multiprocessing.Barrier: a
// meeting point in shared memory for a fixed number of parties (processes or
// threads of several processes).
//
//   Python                                       C++
//   b = multiprocessing.Barrier(3, action, 5.0)  auto b = conc::mp::Barrier::Create(3, action, absl::Seconds(5));
//   i = b.wait()  /  b.wait(timeout=1.0)         absl::StatusOr<int> i = b->wait();  i = b->wait(absl::Seconds(1));
//   b.reset(); b.abort()                         absl::Status s = b->reset();  s = b->abort();
//   b.parties, b.n_waiting, b.broken             b->parties(), b->n_waiting(), b->broken()
//   Process(target=f, args=(b,))                 conc::Process p({.pass_fds = b->fds_to_pass()},
//                                                                conc::process_function<f>, b->handle());
//   def f(b): ...                                void f(conc::mp::BarrierHandle h) {
//                                                  auto b = conc::mp::Barrier::Attach(h, my_action); ... }
//
// Semantics are conc::Barrier's (modules/sync/barrier.h), i.e. CPython's:
// wait() returns the caller's arrival index 0..parties-1 in its round; the
// last to arrive runs the action, then all are released and the next round
// starts. A timeout in any waiter, abort(), or a failing action breaks the
// barrier: every waiter, and every later wait(), gets kAborted (Python's
// BrokenBarrierError) until reset(). reset() wakes the current waiters with
// kAborted; the next round works.
//
// States (CPython's names, one more):
//
//   state      meaning                                    wait() on entry
//   ---------  -----------------------------------------  ---------------------------
//   filling    parties arriving for this round            joins the round
//   acting     the last party runs its action (unlocked)  waits for the round to end
//   draining   round complete, parties leaving            waits for it to finish
//   resetting  reset() while parties were waiting         waits for it to finish
//   broken     abort(), timeout, failed action, a death   returns kAborted at once
//
// THE ACTION. A function pointer or closure cannot cross spawn (a fresh
// program, another address layout), so the action is not shared: each
// process's handle carries its own, given to Create or Attach (nullptr: none).
// Exactly one participant per round — the last to arrive — runs the action
// of *its* handle, before anyone is released. Give every handle the same
// action if it must not matter who arrives last. The action runs with the
// barrier's internal lock released (so other processes' timeouts and reset()
// still work while it runs); an action that returns an error or throws breaks
// the barrier, and its runner gets the action's status.
//
// DEATH OF A PARTICIPANT. Each waiting party holds a robust mutex of its own
// (a "slot") for as long as it is inside wait(). While they sleep, the
// waiters look at the slots every 100 ms: a slot whose holder died (SIGKILL
// included; the kernel marks its robust mutex) is reclaimed, and if the round
// was still filling (or its action was running) the barrier breaks — every
// waiter gets kAborted promptly, well within its timeout, and a later reset()
// makes the barrier usable again (the dead party no longer counts). A death
// after the round completed only removes the party from the draining count.
// The state itself is guarded by a robust mutex held only for short
// bookkeeping; if a process dies holding it, the next process to take it gets
// OwnerDiedError (kAborted + payload "conc/owner_died", `conc::IsOwnerDied`)
// from that call: the barrier has been marked broken (its counters may be
// half-updated) and repaired (dead slots reclaimed, the count recomputed);
// reset() makes it usable again.
//
// WHERE IT DIFFERS FROM PYTHON (and from conc::Barrier).
//   * Errors are statuses: Create with parties < 1 (ValueError) or more than
//     65536 parties is InvalidArgument; BrokenBarrierError is kAborted.
//   * reset() and abort() return absl::Status: OK, or OwnerDiedError when
//     they found the lock's previous holder dead (they did their job anyway).
//   * A waiter whose timeout passes while the last party runs its action
//     breaks the barrier (CPython runs the action under the lock, so its
//     waiters cannot time out until it ends).
//   * Waiting to *enter* (while the previous round drains or a reset
//     completes) is bounded by the same deadline; if it passes, the barrier
//     breaks (CPython waits there without a timeout).
//   * A party whose round completed gets its index even if the barrier is
//     aborted before it leaves wait() (as conc::Barrier).
//   * parties(), n_waiting() and broken() are lock-free snapshots.
//
// HOW IT REACHES ANOTHER PROCESS. Forked: use the same object (copies share
// the barrier and the action). Spawned: pass `fds_to_pass()` in
// ProcessOptions::pass_fds and `handle()` as an argument; the child calls
// `Attach(handle, action)`. The default timeout given to Create is shared.
//
// Memory ordering: everything each party did before wait() happens-before the
// action and every party's return from that round's wait().
//
// Thread-safety: every method may be called concurrently from any thread of
// any process that has the barrier.
//
// Example:
//
//   auto barrier = conc::mp::Barrier::Create(3, nullptr, absl::Seconds(30));
//   // in each of three processes (forked, or spawned and Attach-ed):
//   absl::StatusOr<int> index = barrier->wait();
//   if (!index.ok()) { /* broken: timeout, abort, failed action, a death */ }

#ifndef MODULES_IPC_MP_BARRIER_H_
#define MODULES_IPC_MP_BARRIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/timeout.h"
#include "modules/common/internal/shared_region.h"

namespace conc::mp {

namespace internal {
struct BarrierState;
struct BarrierTestPeer;  // testing/mp_barrier_test_peer.h
}  // namespace internal

// What a spawned child needs to attach a barrier: the memfd's number.
struct BarrierHandle {
  int fd = -1;
  CONC_CODEC_FIELDS(fd);
};

class Barrier {
 public:
  using Action = std::function<absl::Status()>;

  // The most parties a barrier may have.
  static constexpr int kMaxParties = 65536;

  // Python's `Barrier(parties, action=None, timeout=None)`. `action` belongs
  // to this handle (and its copies and forked children's); `timeout` is the
  // shared default for wait(). InvalidArgument if parties < 1 or > kMaxParties;
  // the errno's status if the shared memory cannot be created.
  [[nodiscard]] static absl::StatusOr<Barrier> Create(
      int parties, Action action = nullptr, std::optional<absl::Duration> timeout = std::nullopt);

  // The barrier a parent passed with fds_to_pass()/handle(), with this
  // process's action. InvalidArgument if the descriptor is not open or does
  // not hold a Barrier.
  [[nodiscard]] static absl::StatusOr<Barrier> Attach(BarrierHandle handle,
                                                      Action action = nullptr);

  // An action that returns nothing (it can still fail by throwing).
  template <typename F>
    requires std::is_void_v<std::invoke_result_t<F&>>
  static Action MakeAction(F f) {
    return [f = std::move(f)]() mutable {
      f();
      return absl::OkStatus();
    };
  }

  // Python's `wait(timeout=None)`: waits for all parties; returns the
  // caller's arrival index in the round (the last, parties-1, runs its
  // action). `timeout` (nullopt: the barrier's default; zero or negative: do
  // not wait) bounds the wait; when it passes the barrier breaks. Errors:
  // kAborted if the barrier is or becomes broken (timeout, abort, failed
  // action, a dead party) or is reset while waiting; the action's own status
  // for the party that ran a failing action; OwnerDiedError (also kAborted) if
  // a process died holding the barrier's lock (see above).
  [[nodiscard]] absl::StatusOr<int> wait(std::optional<absl::Duration> timeout = std::nullopt) const;

  // Python's `reset()`: back to the empty filling state; parties waiting now
  // get kAborted; the next round works. OK, or OwnerDiedError (reset done).
  [[nodiscard]] absl::Status reset() const;

  // Python's `abort()`: breaks the barrier until reset(). OK, or
  // OwnerDiedError (the barrier is broken either way).
  [[nodiscard]] absl::Status abort() const;

  // Python's `parties`.
  [[nodiscard]] int parties() const;
  // Python's `n_waiting`: parties waiting in the current filling round.
  [[nodiscard]] int n_waiting() const;
  // Python's `broken`.
  [[nodiscard]] bool broken() const;

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument; the child calls Attach(handle, action).
  [[nodiscard]] BarrierHandle handle() const { return {region_->handle().fd}; }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return region_->fds_to_pass(); }

 private:
  friend struct internal::BarrierTestPeer;

  Barrier(std::shared_ptr<conc::internal::SharedRegion> region, internal::BarrierState* state,
          Action action)
      : region_(std::move(region)), state_(state), action_(std::move(action)) {}

  // Takes the state lock; on a dead previous holder repairs the state, marks
  // the barrier broken and returns OwnerDiedError (the lock is held).
  absl::Status Lock() const;
  void Unlock() const;
  // With the lock held: sleeps until the state changes, 100 ms pass or
  // `deadline`; then reclaims dead parties. False once `deadline` has passed.
  bool SleepLocked(const Deadline& deadline, int my_slot) const;
  // With the lock held: reclaims slots whose holder died (breaking the round
  // they were in). Returns how many.
  int ReapLocked(int my_slot) const;
  void BreakLocked() const;
  void NotifyLocked() const;
  absl::Status RunAction() const;

  std::shared_ptr<conc::internal::SharedRegion> region_;
  internal::BarrierState* state_;  // in region_
  Action action_;                  // this process's
};

}  // namespace conc::mp

#endif  // MODULES_IPC_MP_BARRIER_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The algorithm is CPython's (Lib/threading.py, class Barrier), statement for
// statement, with statuses where it raises.

#include "modules/sync/barrier.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc {
namespace {

absl::Status BrokenBarrier() { return BrokenError("Barrier: broken"); }

}  // namespace

absl::Status Barrier::PartiesError(int parties) {
  return ValueError(absl::StrCat("Barrier: parties must be >= 1 (got ", parties, ")"));
}

absl::StatusOr<std::unique_ptr<Barrier>> Barrier::Create(int parties, Action action,
                                                         std::optional<absl::Duration> timeout) {
  if (parties < 1) return PartiesError(parties);
  return std::make_unique<Barrier>(parties, std::move(action), timeout);
}

Barrier::Barrier(int parties, Action action,
                 std::optional<absl::Duration> timeout)
    : parties_(parties < 1 ? 1 : parties),
      action_(std::move(action)),
      default_timeout_(timeout) {}

absl::StatusOr<int> Barrier::wait(std::optional<absl::Duration> timeout) {
  if (!timeout.has_value()) timeout = default_timeout_;
  const Deadline deadline = Deadline::FromTimeout(timeout);
  LockGuard guard(lock_);
  // Block while the barrier drains or resets.
  if (absl::Status s = Enter(); !s.ok()) return s;
  const int index = count_;
  const uint64_t my_round = round_;
  ++count_;
  absl::Status status =
      index + 1 == parties_ ? Release() : Wait(my_round, deadline);
  --count_;
  // Wake threads waiting for the barrier to drain.
  Exit();
  if (!status.ok()) return status;
  return index;
}

absl::Status Barrier::Enter() {
  (void)cond_.wait_for([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return state_ != State::kDraining && state_ != State::kResetting;
  });
  if (state_ == State::kBroken) return BrokenBarrier();
  return absl::OkStatus();
}

absl::Status Barrier::Release() {
  // The last thread in runs the action, under the lock as Python does.
  absl::Status status;
  if (action_) {
    try {
      status = action_();
    } catch (const std::exception& e) {
      status = BrokenError(std::string("Barrier action threw: ") + e.what());
    } catch (...) {
      status = BrokenError("Barrier action threw a non-std::exception");
    }
  }
  if (!status.ok()) {
    Break();
    return status;
  }
  ++round_;
  state_ = State::kDraining;
  (void)cond_.notify_all();
  return absl::OkStatus();
}

absl::Status Barrier::Wait(uint64_t my_round, const Deadline& deadline) {
  const bool released = cond_.wait_for(
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return state_ != State::kFilling || round_ != my_round;
      },
      deadline.is_infinite() ? std::nullopt
                             : std::optional<absl::Duration>(deadline.remaining()));
  // Our round completed: success, whatever happened to the barrier since.
  if (round_ != my_round) return absl::OkStatus();
  if (!released) {
    // Timed out: break the barrier for everyone.
    Break();
    return BrokenError("Barrier: timed out, barrier broken");
  }
  if (state_ == State::kBroken || state_ == State::kResetting) {
    return BrokenBarrier();
  }
  return absl::OkStatus();
}

void Barrier::Exit() {
  if (count_ == 0 &&
      (state_ == State::kResetting || state_ == State::kDraining)) {
    state_ = State::kFilling;
    (void)cond_.notify_all();
  }
}

void Barrier::reset() {
  LockGuard guard(lock_);
  if (count_ > 0) {
    if (state_ == State::kFilling || state_ == State::kBroken) {
      // Wake the waiters with a broken status; the last to leave refills.
      state_ = State::kResetting;
    }
  } else {
    state_ = State::kFilling;
  }
  (void)cond_.notify_all();
}

void Barrier::abort() {
  LockGuard guard(lock_);
  Break();
}

void Barrier::Break() {
  state_ = State::kBroken;
  (void)cond_.notify_all();
}

int Barrier::n_waiting() const {
  LockGuard guard(lock_);
  return state_ == State::kFilling ? count_ : 0;
}

bool Barrier::broken() const {
  LockGuard guard(lock_);
  return state_ == State::kBroken;
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/future.h"

#include <sched.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/internal/exception.h"
#include "modules/common/internal/spin.h"

namespace conc::internal {
namespace {

const char* PhaseName(FutureStateBase::Phase phase) {
  switch (phase) {
    case FutureStateBase::Phase::kPending:
      return "PENDING";
    case FutureStateBase::Phase::kRunning:
      return "RUNNING";
    case FutureStateBase::Phase::kCancelled:
      return "CANCELLED";
    case FutureStateBase::Phase::kFinished:
      return "FINISHED";
  }
  return "?";
}

}  // namespace

void Waiter::Add(std::size_t index, bool failed) {
  MutexLock lock(mu_);
  completed_.push_back(index);
  if (failed) ++failed_;
  cv_.notify_all();
}

bool Waiter::WaitFor(const Deadline& deadline,
                     const std::function<bool(std::size_t, std::size_t)>& pred) {
  MutexLock lock(mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return pred(completed_.size(), failed_); };
  if (deadline.is_infinite()) {
    cv_.wait(lock.native(), ready);
    return true;
  }
  return cv_.wait_until(lock.native(), deadline.to_steady_time_point(), ready);
}

std::optional<std::size_t> Waiter::Take(const Deadline& deadline) {
  MutexLock lock(mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return taken_ < completed_.size(); };
  if (deadline.is_infinite()) {
    cv_.wait(lock.native(), ready);
  } else if (!cv_.wait_until(lock.native(), deadline.to_steady_time_point(), ready)) {
    return std::nullopt;
  }
  return completed_[taken_++];
}

std::vector<std::size_t> Waiter::Completed() {
  MutexLock lock(mu_);
  return completed_;
}

bool FutureStateBase::Cancel() {
  MutexLock lock(mu_);
  if (phase_ == Phase::kRunning || phase_ == Phase::kFinished) return false;
  if (phase_ == Phase::kCancelled) return true;
  Finished finished = FinishLocked(Phase::kCancelled);
  lock.unlock();
  ReportFinished(std::move(finished));
  return true;
}

bool FutureStateBase::Cancelled() const {
  MutexLock lock(mu_);
  return phase_ == Phase::kCancelled;
}

bool FutureStateBase::Running() const {
  MutexLock lock(mu_);
  return phase_ == Phase::kRunning;
}

bool FutureStateBase::Done() const {
  MutexLock lock(mu_);
  return phase_ == Phase::kCancelled || phase_ == Phase::kFinished;
}

bool FutureStateBase::SetRunningOrNotifyCancel() {
  MutexLock lock(mu_);
  if (phase_ != Phase::kPending) return false;
  phase_ = Phase::kRunning;
  return true;
}

absl::Status FutureStateBase::SetException(std::exception_ptr e) {
  if (!e) return absl::InvalidArgumentError("set_exception: null exception_ptr");
  MutexLock lock(mu_);
  if (absl::Status s = CheckCanFinishLocked(); !s.ok()) return s;
  exception_ = std::move(e);
  Finished finished = FinishLocked(Phase::kFinished);
  lock.unlock();
  ReportFinished(std::move(finished));
  return absl::OkStatus();
}

absl::Status FutureStateBase::SetStatus(absl::Status status) {
  if (status.ok()) return absl::InvalidArgumentError("set_status: the status must be an error");
  MutexLock lock(mu_);
  if (absl::Status s = CheckCanFinishLocked(); !s.ok()) return s;
  status_ = std::move(status);
  Finished finished = FinishLocked(Phase::kFinished);
  lock.unlock();
  ReportFinished(std::move(finished));
  return absl::OkStatus();
}

absl::StatusOr<std::exception_ptr> FutureStateBase::Exception(std::optional<absl::Duration> timeout) const {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  SpinUntilDone(deadline);
  MutexLock lock(mu_);
  absl::Status s = WaitLocked(lock, deadline, "exception");
  if (exception_) return exception_;
  if (!s.ok()) return s;
  return std::exception_ptr();
}

void FutureStateBase::AddDoneCallback(Callback cb) {
  {
    MutexLock lock(mu_);
    if (phase_ != Phase::kCancelled && phase_ != Phase::kFinished) {
      callbacks_.push_back(std::move(cb));
      return;
    }
  }
  try {
    cb(shared_from_this());
  } catch (...) {
    std::fprintf(stderr, "exception calling callback for future: %s\n",
                 DescribeException(std::current_exception()).c_str());
  }
}

void FutureStateBase::AddWaiter(const std::shared_ptr<Waiter>& waiter, std::size_t index) {
  MutexLock lock(mu_);
  if (phase_ == Phase::kCancelled || phase_ == Phase::kFinished) {
    waiter->Add(index, phase_ == Phase::kFinished && (exception_ || !status_.ok()));
    return;
  }
  waiters_.emplace_back(waiter, index);
}

void FutureStateBase::RemoveWaiter(const Waiter* waiter) {
  MutexLock lock(mu_);
  std::erase_if(waiters_, [waiter](const auto& entry) { return entry.first.get() == waiter; });
}

absl::Status FutureStateBase::WaitLocked(MutexLock& lock, const Deadline& deadline,
                                         const char* what) const {
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return phase_ == Phase::kCancelled || phase_ == Phase::kFinished;
  };
  if (deadline.is_infinite()) {
    cv_.wait(lock.native(), done);
  } else if (!cv_.wait_until(lock.native(), deadline.to_steady_time_point(), done)) {
    return absl::DeadlineExceededError(absl::StrCat("Future.", what, ": timed out, the future is ",
                                                    PhaseName(phase_)));
  }
  if (phase_ == Phase::kCancelled) {
    return absl::CancelledError(absl::StrCat("Future.", what, ": the future was cancelled"));
  }
  if (exception_) {
    return absl::UnknownError(absl::StrCat("the task raised ", DescribeException(exception_)));
  }
  return status_;
}

absl::Status FutureStateBase::CheckCanFinishLocked() const {
  if (phase_ == Phase::kCancelled || phase_ == Phase::kFinished) {
    return absl::FailedPreconditionError(absl::StrCat("invalid state: the future is ", PhaseName(phase_)));
  }
  return absl::OkStatus();
}

void FutureStateBase::SpinUntilDone(const Deadline& deadline) const {
  // A result that is microseconds away (a pool running short tasks) is
  // cheaper to wait for by spinning briefly than by sleeping on the futex:
  // a sleep and wake-up across CPUs costs tens of microseconds on a VM.
  if (done_hint_.load(std::memory_order_acquire) || deadline.expired()) return;
  for (int i = 0; i < 256; ++i) {
    if (done_hint_.load(std::memory_order_acquire)) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  for (int i = 0; i < 16; ++i) {
    if (done_hint_.load(std::memory_order_acquire)) return;
    // Let the producer run if it shares our CPU; a slow yield means the
    // machine is oversubscribed: sleep (rule 5 of common/internal/spin.h).
    if (!internal::YieldCpu()) return;
  }
}

FutureStateBase::Finished FutureStateBase::FinishLocked(Phase phase) {
  phase_ = phase;
  done_hint_.store(true, std::memory_order_release);
  Finished finished;
  finished.failed = phase == Phase::kFinished && (exception_ || !status_.ok());
  finished.callbacks.swap(callbacks_);
  finished.waiters.swap(waiters_);
  cv_.notify_all();
  return finished;
}

void FutureStateBase::ReportFinished(Finished finished) {
  for (const auto& [waiter, index] : finished.waiters) waiter->Add(index, finished.failed);
  if (finished.callbacks.empty()) return;
  const std::shared_ptr<FutureStateBase> self = shared_from_this();
  for (Callback& cb : finished.callbacks) {
    try {
      cb(self);
    } catch (...) {
      std::fprintf(stderr, "exception calling callback for future: %s\n",
                   DescribeException(std::current_exception()).c_str());
    }
  }
}

std::vector<bool> WaitStates(const std::vector<FutureStateBase*>& states, const Deadline& deadline,
                             ReturnWhen return_when) {
  const std::size_t n = states.size();
  auto waiter = std::make_shared<Waiter>();
  for (std::size_t i = 0; i < n; ++i) states[i]->AddWaiter(waiter, i);
  waiter->WaitFor(deadline, [&](std::size_t completed, std::size_t failed) {
    switch (return_when) {
      case ReturnWhen::kFirstCompleted:
        return completed >= 1 || n == 0;
      case ReturnWhen::kFirstException:
        return failed >= 1 || completed == n;
      case ReturnWhen::kAllCompleted:
        return completed == n;
    }
    return true;
  });
  for (FutureStateBase* state : states) state->RemoveWaiter(waiter.get());
  std::vector<bool> done(n, false);
  for (std::size_t index : waiter->Completed()) done[index] = true;
  return done;
}

CompletionWatch::CompletionWatch(std::vector<std::shared_ptr<FutureStateBase>> states)
    : states_(std::move(states)), waiter_(std::make_shared<Waiter>()) {
  for (std::size_t i = 0; i < states_.size(); ++i) states_[i]->AddWaiter(waiter_, i);
}

CompletionWatch::~CompletionWatch() {
  for (const auto& state : states_) state->RemoveWaiter(waiter_.get());
}

}  // namespace conc::internal

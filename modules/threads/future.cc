// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/future.h"

#include <sched.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/internal/exception.h"

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
  std::lock_guard<std::mutex> lock(mu_);
  completed_.push_back(index);
  if (failed) ++failed_;
  cv_.notify_all();
}

bool Waiter::WaitFor(const Deadline& deadline,
                     const std::function<bool(std::size_t, std::size_t)>& pred) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return pred(completed_.size(), failed_); };
  if (deadline.is_infinite()) {
    cv_.wait(lock, ready);
    return true;
  }
  return cv_.wait_until(lock, deadline.to_steady_time_point(), ready);
}

std::optional<std::size_t> Waiter::Take(const Deadline& deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return taken_ < completed_.size(); };
  if (deadline.is_infinite()) {
    cv_.wait(lock, ready);
  } else if (!cv_.wait_until(lock, deadline.to_steady_time_point(), ready)) {
    return std::nullopt;
  }
  return completed_[taken_++];
}

std::vector<std::size_t> Waiter::Completed() {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

bool FutureStateBase::Cancel() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kRunning || phase_ == Phase::kFinished) return false;
  if (phase_ == Phase::kCancelled) return true;
  FinishLocked(lock, Phase::kCancelled);
  return true;
}

bool FutureStateBase::Cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_ == Phase::kCancelled;
}

bool FutureStateBase::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_ == Phase::kRunning;
}

bool FutureStateBase::Done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_ == Phase::kCancelled || phase_ == Phase::kFinished;
}

bool FutureStateBase::SetRunningOrNotifyCancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ != Phase::kPending) return false;
  phase_ = Phase::kRunning;
  return true;
}

absl::Status FutureStateBase::SetException(std::exception_ptr e) {
  if (!e) return absl::InvalidArgumentError("set_exception: null exception_ptr");
  std::unique_lock<std::mutex> lock(mu_);
  if (absl::Status s = CheckCanFinishLocked(); !s.ok()) return s;
  exception_ = std::move(e);
  FinishLocked(lock, Phase::kFinished);
  return absl::OkStatus();
}

absl::Status FutureStateBase::SetStatus(absl::Status status) {
  if (status.ok()) return absl::InvalidArgumentError("set_status: the status must be an error");
  std::unique_lock<std::mutex> lock(mu_);
  if (absl::Status s = CheckCanFinishLocked(); !s.ok()) return s;
  status_ = std::move(status);
  FinishLocked(lock, Phase::kFinished);
  return absl::OkStatus();
}

absl::StatusOr<std::exception_ptr> FutureStateBase::Exception(std::optional<absl::Duration> timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  absl::Status s = WaitLocked(lock, timeout, "exception");
  if (exception_) return exception_;
  if (!s.ok()) return s;
  return std::exception_ptr();
}

void FutureStateBase::AddDoneCallback(Callback cb) {
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ == Phase::kCancelled || phase_ == Phase::kFinished) {
    waiter->Add(index, phase_ == Phase::kFinished && (exception_ || !status_.ok()));
    return;
  }
  waiters_.emplace_back(waiter, index);
}

void FutureStateBase::RemoveWaiter(const Waiter* waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(waiters_, [waiter](const auto& entry) { return entry.first.get() == waiter; });
}

absl::Status FutureStateBase::WaitLocked(std::unique_lock<std::mutex>& lock,
                                         std::optional<absl::Duration> timeout, const char* what) const {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  auto done = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return phase_ == Phase::kCancelled || phase_ == Phase::kFinished;
  };
  if (!done() && !deadline.expired()) {
    // A result that is microseconds away (a pool running short tasks) is
    // cheaper to wait for by spinning briefly than by sleeping on the futex:
    // a sleep and wake-up across CPUs costs tens of microseconds on a VM.
    lock.unlock();
    SpinUntilDone();
    lock.lock();
  }
  if (deadline.is_infinite()) {
    cv_.wait(lock, done);
  } else if (!cv_.wait_until(lock, deadline.to_steady_time_point(), done)) {
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

void FutureStateBase::SpinUntilDone() const {
  for (int i = 0; i < 256; ++i) {
    if (done_hint_.load(std::memory_order_acquire)) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  for (int i = 0; i < 16; ++i) {
    if (done_hint_.load(std::memory_order_acquire)) return;
    sched_yield();  // Let the producer run if it shares our CPU.
  }
}

void FutureStateBase::FinishLocked(std::unique_lock<std::mutex>& lock, Phase phase) {
  phase_ = phase;
  done_hint_.store(true, std::memory_order_release);
  const bool failed = phase == Phase::kFinished && (exception_ || !status_.ok());
  std::vector<Callback> callbacks;
  callbacks.swap(callbacks_);
  std::vector<std::pair<std::shared_ptr<Waiter>, std::size_t>> waiters;
  waiters.swap(waiters_);
  cv_.notify_all();
  lock.unlock();
  for (const auto& [waiter, index] : waiters) waiter->Add(index, failed);
  if (callbacks.empty()) return;
  const std::shared_ptr<FutureStateBase> self = shared_from_this();
  for (Callback& cb : callbacks) {
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

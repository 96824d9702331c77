// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// CPython's threading.Condition (Lib/threading.py), statement for statement;
// the comments are the Python it mirrors.

#include "modules/sync/reference/condition.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "modules/common/status.h"

namespace conc::reference {

Condition::Condition() : lock_(nullptr), rlock_(&own_rlock_) {}
Condition::Condition(Lock& lock) : lock_(&lock), rlock_(nullptr) {}
Condition::Condition(RLock& lock) : lock_(nullptr), rlock_(&lock) {}

bool Condition::acquire(bool blocking, std::optional<absl::Duration> timeout) {
  return lock_ != nullptr ? lock_->acquire(blocking, timeout)
                          : rlock_->acquire(blocking, timeout);
}

absl::StatusOr<bool> Condition::acquire_checked(bool blocking,
                                                std::optional<absl::Duration> timeout) {
  return lock_ != nullptr ? lock_->acquire_checked(blocking, timeout)
                          : rlock_->acquire_checked(blocking, timeout);
}

absl::Status Condition::release() {
  return lock_ != nullptr ? lock_->release() : rlock_->release();
}

bool Condition::is_owned() const {
  // def _is_owned(self): for a Lock, "if self._lock.acquire(False): release,
  // return False; else return True", i.e. "is it held by someone", which
  // locked() says without taking it; an RLock knows its owner.
  return lock_ != nullptr ? lock_->locked() : rlock_->is_owned();
}

absl::Status Condition::NotOwnedError(const char* what) {
  // raise RuntimeError("cannot wait on un-acquired lock") (or "notify on")
  return MisuseError(std::string("Condition.") + what +
                     ": cannot wait/notify on un-acquired lock");
}

uint64_t Condition::ReleaseSave() {
  if (lock_ != nullptr) {
    (void)lock_->release();  // Lock: self._lock.release()
    return 0;
  }
  // RLock._release_save releases every level at once and returns the count.
  // conc::RLock keeps its count private: releasing level by level while we
  // still own it comes to the same.
  uint64_t count = 0;
  while (rlock_->is_owned()) {
    (void)rlock_->release();
    ++count;
  }
  return count;
}

void Condition::AcquireRestore(uint64_t saved_state) {
  if (lock_ != nullptr) {
    (void)lock_->acquire();  // Lock: self._lock.acquire()
    return;
  }
  // RLock._acquire_restore: take it back at the same level.
  for (uint64_t i = 0; i < saved_state; ++i) (void)rlock_->acquire();
}

bool Condition::wait(std::optional<absl::Duration> timeout) {
  if (!is_owned()) return false;  // raise RuntimeError(...)
  return Wait(timeout);
}

absl::StatusOr<bool> Condition::wait_checked(std::optional<absl::Duration> timeout) {
  if (!is_owned()) return NotOwnedError("wait");  // raise RuntimeError(...)
  return Wait(timeout);
}

// def wait(self, timeout=None):
bool Condition::Wait(std::optional<absl::Duration> timeout) {
  auto waiter = std::make_shared<Lock>();  // waiter = _allocate_lock()
  (void)waiter->acquire();                 // waiter.acquire()
  {
    internal::MutexLock gil(waiters_mu_);
    waiters_.push_back(waiter);            // self._waiters.append(waiter)
  }
  const uint64_t saved_state = ReleaseSave();  // saved_state = self._release_save()
  bool gotit = false;                          // gotit = False
  if (!timeout.has_value()) {                  // if timeout is None:
    (void)waiter->acquire();                   //   waiter.acquire()
    gotit = true;                              //   gotit = True
  } else if (*timeout > absl::ZeroDuration()) {  // elif timeout > 0:
    gotit = waiter->acquire(true, timeout);    //   gotit = waiter.acquire(True, timeout)
  } else {                                     // else:
    gotit = waiter->acquire(false);            //   gotit = waiter.acquire(False)
  }
  AcquireRestore(saved_state);                 // finally: self._acquire_restore(saved_state)
  if (!gotit) {                                // if not gotit:
    internal::MutexLock gil(waiters_mu_);
    auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
    if (it != waiters_.end()) {
      waiters_.erase(it);                      //   self._waiters.remove(waiter)
    } else {                                   //   except ValueError: pass
      // Not in the deque: a notify released our lock after we timed out (it
      // does both under the outer lock, which we now hold). Count it, as
      // conc::Condition does; CPython returns False here.
      gotit = true;
    }
  }
  return gotit;                                // return gotit
}

namespace {

// waiter.release(), by the notifier: a waiter's lock is a one-shot semaphore,
// acquired by the waiting thread and released by another, which
// -Wthread-safety (a lock is released by the thread that holds it) cannot
// express.
bool ReleaseWaiter(Lock& waiter) ABSL_NO_THREAD_SAFETY_ANALYSIS { return waiter.release().ok(); }

}  // namespace

// def notify(self, n=1):
absl::Status Condition::notify(int64_t n) {
  if (!is_owned()) return NotOwnedError("notify");  // raise RuntimeError(...)
  internal::MutexLock gil(waiters_mu_);
  while (!waiters_.empty() && n > 0) {         // while waiters and n > 0:
    std::shared_ptr<Lock> waiter = waiters_.front();  // waiter = waiters[0]
    if (ReleaseWaiter(*waiter)) {              // try: waiter.release()
      --n;                                     // else: n -= 1
    }                                          // except RuntimeError: pass (gh-92530)
    waiters_.pop_front();                      // waiters.remove(waiter)
  }
  return absl::OkStatus();
}

// def notify_all(self): self.notify(len(self._waiters))
absl::Status Condition::notify_all() {
  // Checked here too, so that the message names notify_all (as conc's does).
  if (!is_owned()) return NotOwnedError("notify_all");
  std::size_t n;
  {
    internal::MutexLock gil(waiters_mu_);
    n = waiters_.size();
  }
  return notify(static_cast<int64_t>(n));
}

}  // namespace conc::reference

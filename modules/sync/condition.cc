// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sync/condition.h"

#include <string>

#include "modules/common/status.h"
#include "modules/common/internal/futex.h"

namespace conc {

Condition::Condition() : lock_(nullptr), rlock_(&own_rlock_) {}
Condition::Condition(Lock& lock) : lock_(&lock), rlock_(nullptr) {}
Condition::Condition(RLock& lock) : lock_(nullptr), rlock_(&lock) {}

bool Condition::acquire(bool blocking, std::optional<absl::Duration> timeout) {
  return lock_ != nullptr ? lock_->acquire(blocking, timeout)
                          : rlock_->acquire(blocking, timeout);
}

absl::StatusOr<bool> Condition::acquire_checked(
    bool blocking, std::optional<absl::Duration> timeout) {
  return lock_ != nullptr ? lock_->acquire_checked(blocking, timeout)
                          : rlock_->acquire_checked(blocking, timeout);
}

absl::Status Condition::release() {
  return lock_ != nullptr ? lock_->release() : rlock_->release();
}

bool Condition::is_owned() const {
  // Python's Condition._is_owned: a Lock can only say whether it is held.
  return lock_ != nullptr ? lock_->locked() : rlock_->is_owned();
}

absl::Status Condition::NotOwnedError(const char* what) {
  return MisuseError(std::string("Condition.") + what +
                     ": cannot wait/notify on un-acquired lock");
}

uint64_t Condition::ReleaseSave() {
  if (lock_ != nullptr) {
    (void)lock_->release();  // Held (checked by the caller).
    return 0;
  }
  return rlock_->ReleaseSave();
}

void Condition::AcquireRestore(uint64_t saved, bool after_sleep) {
  if (lock_ != nullptr) {
    if (after_sleep) {
      lock_->AcquireAfterSleep();
    } else {
      (void)lock_->acquire();  // Untimed: always true.
    }
    return;
  }
  rlock_->AcquireRestore(saved, after_sleep);
}

bool Condition::wait(std::optional<absl::Duration> timeout) {
  if (!is_owned()) return false;
  return WaitUntil(Deadline::FromTimeout(timeout));
}

absl::StatusOr<bool> Condition::wait_checked(
    std::optional<absl::Duration> timeout) {
  if (!is_owned()) return NotOwnedError("wait");
  return WaitUntil(Deadline::FromTimeout(timeout));
}

bool Condition::WaitUntil(const Deadline& deadline) {
  Waiter me;
  {
    LockGuard guard(list_lock_);
    me.prev = tail_;
    if (tail_ != nullptr) {
      tail_->next = &me;
    } else {
      head_ = &me;
    }
    tail_ = &me;
    me.queued = true;
  }
  // From here a notify may pick us; it needs the user's lock, which we now let
  // go of (every level of an RLock).
  const uint64_t saved = ReleaseSave();

  auto notified = [&me] {
    return me.state.load(std::memory_order_acquire) >= Waiter::kNotified;
  };
  if (!deadline.expired()) {
    const int my_cpu = internal::CurrentCpu();
    const int previous_waiter = waiter_cpu_.exchange(my_cpu, std::memory_order_relaxed);
    int signaller = notifier_cpu_.load(std::memory_order_relaxed);
    if (signaller == my_cpu) signaller = previous_waiter;
    (void)spin_.Spin(notified, signaller);
  }
  while (!notified()) {
    uint32_t expected = Waiter::kWaiting;
    if (!me.state.compare_exchange_strong(expected, Waiter::kSleeping,
                                          std::memory_order_acquire) &&
        expected >= Waiter::kNotified) {
      break;
    }
    if (!internal::FutexWait(&me.state, Waiter::kSleeping, deadline, internal::FutexScope::kPrivate)) {
      break;  // Timed out (the notified check below still has the last word).
    }
  }

  // A sleeper may have been requeued onto the lock's futex by notify(); it
  // is counted among the lock's sleepers and must take it as one.
  const bool requeued =
      me.state.load(std::memory_order_acquire) == Waiter::kNotifiedRequeued;
  AcquireRestore(saved, requeued);
  if (!requeued &&
      me.state.load(std::memory_order_acquire) == Waiter::kNotifiedRequeued) {
    // A notify requeued us after our timeout, while we were already on our
    // way to the lock (so nothing was moved): give back the sleeper count it
    // took on our behalf. (It did so before we got the lock: we see it.)
    underlying_lock().sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (notified()) return true;
  // Timed out. Leave the queue, unless a notify took us out meanwhile: then we
  // count as notified, so that notify(n) woke exactly n.
  LockGuard guard(list_lock_);
  if (!me.queued) {
    // A notify dequeued us before its store to me.state; wait for that store
    // so that it does not touch `me` after we return.
    while (!notified()) internal::CpuRelax();
    return true;
  }
  if (me.prev != nullptr) {
    me.prev->next = me.next;
  } else {
    head_ = me.next;
  }
  if (me.next != nullptr) {
    me.next->prev = me.prev;
  } else {
    tail_ = me.prev;
  }
  me.queued = false;
  return false;
}

absl::Status Condition::notify(int64_t n) {
  if (!is_owned()) return NotOwnedError("notify");
  // Written only when it changes: a store would pull the cache line away
  // from a thread spinning on this object.
  if (const int cpu = internal::CurrentCpu();
      notifier_cpu_.load(std::memory_order_relaxed) != cpu) {
    notifier_cpu_.store(cpu, std::memory_order_relaxed);
  }
  LockGuard guard(list_lock_);
  while (n > 0 && head_ != nullptr) {
    Waiter* w = head_;
    head_ = w->next;
    if (head_ != nullptr) {
      head_->prev = nullptr;
    } else {
      tail_ = nullptr;
    }
    w->queued = false;
    --n;
    Notify(w);
  }
  return absl::OkStatus();
}

void Condition::Notify(Waiter* w) {
  std::atomic<uint32_t>* word = &w->state;
  uint32_t state = word->load(std::memory_order_relaxed);
  // A spinning waiter (kWaiting) sees the store and goes; it may turn into a
  // sleeper meanwhile, so retry.
  while (state == Waiter::kWaiting) {
    if (word->compare_exchange_weak(state, Waiter::kNotified,
                                    std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return;
    }
  }
  // kSleeping: only we change the word now. The waiter's next step is to
  // take the lock we hold, so waking it now would only let it run into the
  // held lock and sleep again (on one CPU: two extra context switches).
  // Instead ("wait morphing"), in order of preference:
  Lock& lock = underlying_lock();
  if (lock.DeferWake(word)) {
    // 1. our release of the lock wakes it, and it takes the lock as usual;
    word->store(Waiter::kNotified, std::memory_order_release);
  } else if (std::atomic<uint32_t>* lock_word = lock.PrepareRequeue()) {
    // 2. (the lock's one deferred slot is taken) move it onto the lock's
    //    futex; it wakes as a sleeper of the lock;
    word->store(Waiter::kNotifiedRequeued, std::memory_order_release);
    internal::FutexRequeueOne(word, Waiter::kNotifiedRequeued, lock_word, internal::FutexScope::kPrivate);
  } else {
    // 3. (the lock is not held: misuse of a Lock-based Condition) wake it.
    word->store(Waiter::kNotified, std::memory_order_release);
    internal::FutexWake(word, 1, internal::FutexScope::kPrivate);
  }
  // FUTEX_WAKE/REQUEUE use only the address: the waiter may already be gone.
}

absl::Status Condition::notify_all() {
  if (!is_owned()) return NotOwnedError("notify_all");
  return notify(INT64_MAX);
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// reference/condition.h: `conc::reference::Condition`, CPython's
// `threading.Condition` (Lib/threading.py) statement for statement: a deque of
// waiter locks. A waiter allocates a Lock, acquires it, appends it to the
// deque, releases the outer lock (every level of an RLock), and blocks
// acquiring its own lock a second time, with the timeout; `notify(n)` releases
// the first n waiter locks and removes them from the deque. The comments in
// condition.cc quote the Python statement each C++ statement mirrors.
//
// Read this one to learn the algorithm; use `conc::Condition` (../condition.h),
// which keeps exactly this contract (condition_test.cc runs every case on
// both) and says at its top what it changes for speed and why.
//
// The contract is conc::Condition's: the same calls, statuses and messages.
// Where that makes it differ from the Python text:
//   * RuntimeError (wait/notify without the lock) is FailedPrecondition from
//     `notify*`, `wait_checked` and `wait_for_checked`; `wait` and `wait_for`
//     return false at once;
//   * a waiter whose timeout expires just as a notify releases its lock
//     returns true (CPython returns False and the notify is lost), so that
//     `notify(n)` accounts for exactly n waiters: one line in `Wait`;
//   * the deque has a small mutex of its own, standing in for the GIL that
//     makes Python's deque operations atomic: a misused notify (over a Lock
//     held by *another* thread, which cannot be detected) cannot corrupt it;
//   * the waiter locks are shared_ptr (Python's are reference-counted), so a
//     notifier never touches a waiter's lock after that waiter returned.

#ifndef MODULES_SYNC_REFERENCE_CONDITION_H_
#define MODULES_SYNC_REFERENCE_CONDITION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/sync/lock.h"
#include "modules/sync/rlock.h"

namespace conc::reference {

class Condition {
 public:
  Condition();                        // Condition(): self._lock = RLock()
  explicit Condition(Lock& lock);     // Condition(lock)
  explicit Condition(RLock& lock);
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // self.acquire = lock.acquire; self.release = lock.release
  [[nodiscard]] bool acquire(bool blocking = true,
                             std::optional<absl::Duration> timeout = std::nullopt);
  [[nodiscard]] absl::StatusOr<bool> acquire_checked(
      bool blocking = true, std::optional<absl::Duration> timeout = std::nullopt);
  // Releases whichever of lock_ and rlock_ is set: the analysis cannot
  // know which (conc::Condition says the same).
  [[nodiscard]] absl::Status release() ABSL_NO_THREAD_SAFETY_ANALYSIS;

  [[nodiscard]] bool wait(std::optional<absl::Duration> timeout = std::nullopt);
  [[nodiscard]] absl::StatusOr<bool> wait_checked(
      std::optional<absl::Duration> timeout = std::nullopt);

  template <typename Predicate>
  [[nodiscard]] bool wait_for(Predicate predicate,
                              std::optional<absl::Duration> timeout = std::nullopt) {
    if (!is_owned()) return false;
    return WaitFor(predicate, timeout);
  }
  template <typename Predicate>
  [[nodiscard]] absl::StatusOr<bool> wait_for_checked(
      Predicate predicate, std::optional<absl::Duration> timeout = std::nullopt) {
    if (!is_owned()) return NotOwnedError("wait_for");
    return WaitFor(predicate, timeout);
  }

  [[nodiscard]] absl::Status notify(int64_t n = 1);
  [[nodiscard]] absl::Status notify_all();

 private:
  bool is_owned() const;                      // self._is_owned()
  static absl::Status NotOwnedError(const char* what);
  uint64_t ReleaseSave() ABSL_NO_THREAD_SAFETY_ANALYSIS;  // self._release_save()
  void AcquireRestore(uint64_t saved_state);  // self._acquire_restore(saved_state)
  bool Wait(std::optional<absl::Duration> timeout);  // the body of wait()

  // def wait_for(self, predicate, timeout=None):
  template <typename Predicate>
  bool WaitFor(Predicate& predicate, std::optional<absl::Duration> timeout) {
    std::optional<Deadline> endtime;                   // endtime = None
    std::optional<absl::Duration> waittime = timeout;  // waittime = timeout
    bool result = predicate();                         // result = predicate()
    while (!result) {                                  // while not result:
      if (waittime.has_value()) {                      //   if waittime is not None:
        if (!endtime.has_value()) {                    //     if endtime is None:
          endtime = Deadline::FromTimeout(waittime);   //       endtime = _time() + waittime
        } else {                                       //     else:
          waittime = endtime->remaining();             //       waittime = endtime - _time()
          if (*waittime <= absl::ZeroDuration()) {     //       if waittime <= 0:
            break;                                     //         break
          }
        }
      }
      (void)Wait(waittime);                            //   self.wait(waittime)
      result = predicate();                            //   result = predicate()
    }
    return result;                                     // return result
  }

  RLock own_rlock_;     // used when constructed without a lock
  Lock* const lock_;    // exactly one of lock_ and rlock_ is non-null
  RLock* const rlock_;

  internal::Mutex waiters_mu_;  // the GIL's part: guards waiters_
  std::deque<std::shared_ptr<Lock>> waiters_ ABSL_GUARDED_BY(waiters_mu_);  // self._waiters = _deque()
};

}  // namespace conc::reference

#endif  // MODULES_SYNC_REFERENCE_CONDITION_H_

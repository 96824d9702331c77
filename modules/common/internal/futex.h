// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// futex.h: the Linux futex operations every primitive of conc sleeps and wakes
// on, thread-level (sync) and process-shared (ipc) alike.
//
// A futex is a 32-bit word in user memory plus a kernel wait queue keyed by its
// address. `FutexWait(word, expected, deadline, scope)` sleeps only if the word
// still holds `expected` when the kernel looks (so a wake between the caller's
// last load and the sleep is never lost); `FutexWake(word, n, scope)` wakes up
// to n sleepers. Spurious wake-ups happen: always re-check the condition.
//
// Scope: kPrivate (FUTEX_PRIVATE_FLAG) for a word only the threads of one
// process see: the kernel keys the queue by virtual address, a cheaper lookup.
// kShared for a word in memory mapped by several processes (an mp:: primitive,
// a shared-memory ring): the queue is keyed by the physical page, so a waiter
// in one process is woken by a waker in another. Waker and waiter must agree:
// a private wake never reaches a shared waiter.
//
// Memory ordering: none. The primitives publish their state with release
// stores or read-modify-writes on the word and re-read it with acquire loads
// after waking, which is also what ThreadSanitizer sees (it does not see the
// syscall).
//
// Waking an address whose owner has already gone away (a waiter that returned
// and popped its stack frame) is harmless: FUTEX_WAKE never touches the memory.
//
// Example (an event flag):
//
//   while (flag->load(std::memory_order_acquire) == 0) {
//     if (!FutexWait(flag, 0, deadline, FutexScope::kShared)) break;  // timed out
//   }
//   ...
//   flag->store(1, std::memory_order_release);
//   FutexWakeAll(flag, FutexScope::kShared);

#ifndef MODULES_COMMON_INTERNAL_FUTEX_H_
#define MODULES_COMMON_INTERNAL_FUTEX_H_

#include <atomic>
#include <cstdint>

#include "modules/common/timeout.h"

namespace conc::internal {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "a futex word must be a plain, address-free 32-bit integer");

enum class FutexScope {
  kPrivate,  // threads of this process only
  kShared,   // any process that maps the word
};

// Sleeps while `*word == expected`, until woken, the deadline passes, or a
// signal or spurious wake-up. Returns false only if the deadline had passed
// when the call returned (callers re-check their state either way). An expired
// deadline returns false at once, without a system call. The deadline is
// absolute (FUTEX_WAIT_BITSET on CLOCK_MONOTONIC): a wait restarted after a
// signal keeps it.
bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected, const Deadline& deadline,
               FutexScope scope);

// Wakes up to `n` threads sleeping on `word`.
void FutexWake(std::atomic<uint32_t>* word, int n, FutexScope scope);

// Wakes every thread sleeping on `word`.
void FutexWakeAll(std::atomic<uint32_t>* word, FutexScope scope);

// Moves up to one thread sleeping on `from` (if `*from == expected`) to the
// wait queue of `to`, without waking it: it wakes when `to` is woken
// (FUTEX_CMP_REQUEUE). Condition::notify uses it to hand a waiter straight to
// the lock ("wait morphing"), so the waiter does not wake only to find the lock
// still held by its notifier.
void FutexRequeueOne(std::atomic<uint32_t>* from, uint32_t expected, std::atomic<uint32_t>* to,
                     FutexScope scope);

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_FUTEX_H_

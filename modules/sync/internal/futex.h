// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// futex.h: the two Linux futex operations the sync primitives sleep and wake on.
//
// A futex is a 32-bit word in user memory plus a kernel wait queue keyed by its
// address. `FutexWait(word, expected, deadline)` sleeps only if the word still
// holds `expected` when the kernel looks (so a wake between the caller's last
// load and the sleep is never lost); `FutexWake(word, n)` wakes up to n
// sleepers. Neither orders memory: the primitives publish their state with
// release stores / read-modify-writes on the word and re-read it with acquire
// loads after waking, which is also what ThreadSanitizer sees (it does not see
// the syscall).
//
// Private futexes (FUTEX_PRIVATE_FLAG): thread-level primitives only; the
// process-shared twins in `conc::mp` use their own.
//
// Waking an address whose owner has already gone away (a waiter that returned
// and popped its stack frame) is harmless: FUTEX_WAKE never touches the memory,
// and every waiter here tolerates a spurious wake-up.

#ifndef MODULES_SYNC_INTERNAL_FUTEX_H_
#define MODULES_SYNC_INTERNAL_FUTEX_H_

#include <atomic>
#include <cstdint>

#include "modules/common/timeout.h"

namespace conc::sync_internal {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t),
              "a futex word must be a plain 32-bit integer");

// Sleeps while `*word == expected`, until woken, the deadline passes or a
// signal/spurious wake-up. Returns false only if the deadline had passed when
// the call returned (callers re-check their state either way). An expired
// deadline returns false at once without a syscall.
bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
               const Deadline& deadline);

// Wakes up to `n` threads sleeping on `word` (INT32_MAX: all).
void FutexWake(std::atomic<uint32_t>* word, int n);

// Wakes every thread sleeping on `word`.
void FutexWakeAll(std::atomic<uint32_t>* word);

// Moves up to one thread sleeping on `from` (if `*from == expected`) to the
// wait queue of `to`, without waking it: it wakes when `to` is woken
// (FUTEX_CMP_REQUEUE). Condition::notify uses it to hand a waiter straight to
// the lock ("wait morphing"), so the waiter does not wake only to find the lock
// still held by its notifier.
void FutexRequeueOne(std::atomic<uint32_t>* from, uint32_t expected,
                     std::atomic<uint32_t>* to);

}  // namespace conc::sync_internal

#endif  // MODULES_SYNC_INTERNAL_FUTEX_H_

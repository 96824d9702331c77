// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/futex.h: sleeping on a 32-bit word in memory shared between
// processes (Linux futex, without FUTEX_PRIVATE_FLAG), with a Deadline.
//
// The usual protocol: a waiter reads the word, checks its condition, and calls
// FutexWait(word, value_it_read, deadline); a waker changes the state, bumps the
// word and calls FutexWake. The kernel compares the word with the expected
// value atomically with going to sleep, so a wake between the check and the
// sleep is never lost. Spurious wake-ups happen: always re-check the condition.
//
// Example (an event flag):
//
//   while (flag->load() == 0) {
//     if (!FutexWait(flag, 0, deadline)) break;  // deadline passed
//   }
//   ...
//   flag->store(1); FutexWake(flag, INT_MAX);

#ifndef MODULES_IPC_INTERNAL_FUTEX_H_
#define MODULES_IPC_INTERNAL_FUTEX_H_

#include <atomic>
#include <cstdint>

#include "modules/common/timeout.h"

namespace conc::internal {

static_assert(std::atomic<uint32_t>::is_always_lock_free, "futex words must be address-free");

// Sleeps while `*word == expected`, until woken or `deadline` passes. Returns
// false only when the deadline has passed (then the caller gives up); true
// otherwise (woken, a spurious wake-up, a signal, or the word already differed).
bool FutexWait(std::atomic<uint32_t>* word, uint32_t expected, const Deadline& deadline);

// Wakes up to `count` processes or threads sleeping on `word`.
void FutexWake(std::atomic<uint32_t>* word, int count);

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_FUTEX_H_

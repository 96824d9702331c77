// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/asymmetric_fence.h: a store-load fence split in two halves, one
// nearly free for the side that runs on every message, one expensive (a system
// call) for the side that is about to go to sleep anyway.
//
// WHY. A waker and a sleeper in shared memory run the Dekker handshake:
//
//   waker:   store state;    fence; if (load waiters) wake;
//   sleeper: waiters += 1;   fence; if (!load state) sleep;
//
// Without both fences each side may read the other's old value (x86 lets a
// load pass an earlier store) and the wake-up is lost. A full fence (or a
// seq_cst store) costs the waker more than the whole hand-off it guards: it
// waits until the message just copied into the ring has left the store
// buffer, i.e. for the cache lines to arrive from the other CPU. On mp::Queue
// between two processes, three such fences per message cost more than the
// message itself (modules/ipc/doc/performance.md).
//
// HOW. `LightFence()` is only a compiler barrier; `HeavyFence()` calls
// membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), which makes every CPU that runs
// a thread of a registered process execute a full fence before it returns
// (an interrupt on those CPUs; a CPU running nothing of ours has passed a
// context switch, itself a full fence). Whatever the waker did before the
// interrupt is then visible to the sleeper, and whatever it does after sees
// the sleeper's `waiters += 1`: one of the two sees the other, as with two
// fences. The same split is folly's asymmetricLightBarrier/HeavyBarrier and
// liburcu's membarrier flavour.
//
// REGISTRATION. Only registered processes get the interrupt. Every process
// registers in `RegisterThisProcess()` (the rings call it when they are
// created or attached) and, since a forked child is a new process, again in
// the child of every fork() after the parent registered (a pthread_atfork
// handler, before fork() returns in the child).
//
// FALLBACK. If the kernel refuses (no membarrier, a seccomp filter),
// `LightFence()` becomes a real seq_cst fence in this process, and
// `HeavyFence()` returns false: a sleeper in a process that cannot force
// the fence elsewhere must bound its sleeps (see ShmRing::WaitUntil).
//
// Thread-safety: all functions may be called from any thread.
//
// Example (the waker and the sleeper above):
//
//   state->store(v, std::memory_order_release);
//   conc::mp::internal::LightFence();
//   if (waiters->load(std::memory_order_relaxed) != 0) Wake();
//   ...
//   waiters->fetch_add(1);
//   const bool sure = conc::mp::internal::HeavyFence();
//   if (!Ready()) FutexWait(..., sure ? deadline : min(deadline, now + 1ms), kShared);

#ifndef MODULES_IPC_INTERNAL_ASYMMETRIC_FENCE_H_
#define MODULES_IPC_INTERNAL_ASYMMETRIC_FENCE_H_

#include <atomic>

namespace conc::mp::internal {

// Set when this process could not register (see FALLBACK above).
extern std::atomic<bool> g_light_fence_is_full;

// Registers this process (and, through pthread_atfork, its forked children)
// for HeavyFence. Cheap after the first call. Returns false if the kernel
// refused; LightFence is then a full fence in this process.
bool RegisterThisProcess();

// The waker's half: a compiler barrier (a full fence if registration failed).
inline void LightFence() {
  if (g_light_fence_is_full.load(std::memory_order_relaxed)) [[unlikely]] {
#if defined(__SANITIZE_THREAD__)
    // TSan does not model fences (g++ warns); an RMW is a full fence on x86.
    static std::atomic<int> word;
    word.fetch_add(0, std::memory_order_seq_cst);
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  } else {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
}

// The sleeper's half: a full fence on every CPU running a registered process
// (a system call that interrupts each of them). Returns false if the kernel refused: then no
// other process was fenced, and the caller must not sleep unboundedly.
bool HeavyFence();

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_INTERNAL_ASYMMETRIC_FENCE_H_

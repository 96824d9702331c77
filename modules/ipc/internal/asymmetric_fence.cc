// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/asymmetric_fence.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

namespace conc::mp::internal {

std::atomic<bool> g_light_fence_is_full{false};

namespace {

// 0: not yet; 1: registered; 2: refused.
std::atomic<int> g_registration{0};

bool RegisterNow() {
  const long commands = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  const bool ok = commands >= 0 && (commands & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0 &&
                  ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
  g_light_fence_is_full.store(!ok, std::memory_order_relaxed);
  g_registration.store(ok ? 1 : 2, std::memory_order_release);
  return ok;
}

// In the child of fork(), before fork() returns there: the child is a new
// process (a new mm), so it registers for itself before it can touch a ring.
// Only system calls and atomics: safe in the child of a multithreaded parent.
void RegisterForkedChild() { RegisterNow(); }

}  // namespace

bool RegisterThisProcess() {
  const int state = g_registration.load(std::memory_order_acquire);
  if (state != 0) return state == 1;
  static std::once_flag once;
  std::call_once(once, [] {
    ::pthread_atfork(nullptr, nullptr, RegisterForkedChild);
    RegisterNow();
  });
  return g_registration.load(std::memory_order_acquire) == 1;
}

bool HeavyFence() {
  return ::syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;
}

}  // namespace conc::mp::internal

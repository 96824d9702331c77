// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/pid_lock.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "modules/common/status.h"
#include "modules/ipc/internal/asymmetric_fence.h"
#include "modules/common/internal/futex.h"
#include "modules/common/internal/spin.h"

namespace conc::mp::internal {
namespace {

// What /proc/<pid>/stat says of a process.
struct ProcStat {
  char state = '?';
  long threads = 0;
  uint64_t start_ticks = 0;
};

// Reads /proc/<pid>/stat. nullopt if the file does not exist (no such
// process, or no /proc: see ProcIsMounted). Only open/read/close: safe in the
// child of fork().
std::optional<ProcStat> ReadProcStat(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so the
  // fields start after the last ')'. Field 3 is the state, 20 the number of
  // threads, 22 the start time.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  ProcStat st;
  int field = 2;
  for (const char* tok = p + 1; *tok != '\0';) {
    while (*tok == ' ') ++tok;
    if (*tok == '\0') break;
    ++field;
    if (field == 3) st.state = *tok;
    if (field == 20) st.threads = std::strtol(tok, nullptr, 10);
    if (field == 22) {
      st.start_ticks = std::strtoull(tok, nullptr, 10);
      return st;
    }
    while (*tok != ' ' && *tok != '\0') ++tok;
  }
  return std::nullopt;  // Truncated: treat as unreadable.
}

bool ProcIsMounted() {
  static const bool mounted = ::access("/proc/self/stat", R_OK) == 0;
  return mounted;
}

uint64_t ComputeSelfWord() {
  const pid_t pid = ::getpid();
  const std::optional<ProcStat> st = ReadProcStat(pid);
  return PidLockWord(pid, st ? st->start_ticks : 0);
}

std::atomic<uint64_t> g_self_word{0};  // 0: not computed in this process yet.

void ForgetSelfWordInChild() { g_self_word.store(0, std::memory_order_relaxed); }


}  // namespace

uint64_t PidLock::SelfWord() {
  uint64_t word = g_self_word.load(std::memory_order_relaxed);
  if (word != 0) [[likely]] return word;
  static std::once_flag once;
  // The child of fork() is another process: it must not lock with its
  // parent's word (a waiter would think the parent holds the lock).
  std::call_once(once, [] { ::pthread_atfork(nullptr, nullptr, ForgetSelfWordInChild); });
  word = ComputeSelfWord();
  g_self_word.store(word, std::memory_order_relaxed);
  return word;
}

bool PidLock::HolderIsDead(uint64_t word) {
  if (word == 0) return false;
  const pid_t pid = static_cast<pid_t>(word >> 32);
  const uint32_t tag = static_cast<uint32_t>(word);
  if (word == SelfWord()) return false;  // A thread of this process holds it.
  if (!ProcIsMounted()) return ::kill(pid, 0) != 0 && errno == ESRCH;
  const std::optional<ProcStat> st = ReadProcStat(pid);
  if (!st) return true;                                                // Gone (reaped).
  if (tag != 0 && static_cast<uint32_t>(st->start_ticks) != tag) return true;  // Reused pid.
  // A zombie: killed or exited, not yet reaped. A zombie thread-group leader
  // whose other threads still run (its main thread called pthread_exit) is
  // alive.
  return (st->state == 'Z' || st->state == 'X') && st->threads <= 1;
}

void PidLock::Unlock() {
  owner_.store(0, std::memory_order_release);
  LightFence();  // Pairs with the HeavyFence of a waiter going to sleep.
  if (sleepers_.load(std::memory_order_relaxed) != 0) {
    wake_seq_.fetch_add(1, std::memory_order_release);
    conc::internal::FutexWake(&wake_seq_, INT_MAX, conc::internal::FutexScope::kShared);
  }
}

absl::Status PidLock::LockSlow(const Deadline& deadline) {
  // A holder copies a message and lets go: usually within a microsecond or
  // two, so spin first, then let a holder that shares this CPU run
  // (common/internal/spin.h). The budget is this process's, for all its
  // PidLocks: the lock itself lives in shared memory.
  static conc::internal::AdaptiveSpin spin;
  if (spin.SpinThenYield(
          [&] { return owner_.load(std::memory_order_relaxed) == 0 && TryLock(); })) {
    return absl::OkStatus();
  }
  // Then sleep, waking at least every `period` to ask whether the holder
  // lives (a dead holder never unlocks, so nothing else would wake us).
  auto period = std::chrono::milliseconds(1);
  for (;;) {
    uint64_t word = owner_.load(std::memory_order_acquire);
    if (word == 0) {
      if (TryLock()) return absl::OkStatus();
      continue;
    }
    if (HolderIsDead(word)) {
      if (owner_.compare_exchange_strong(word, SelfWord(), std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        return OwnerDiedError("the process holding a shared-memory lock died holding it");
      }
      continue;  // Another waiter took it over (or it changed hands).
    }
    if (deadline.expired()) return absl::DeadlineExceededError("lock is held");
    const uint32_t seq = wake_seq_.load(std::memory_order_acquire);
    sleepers_.fetch_add(1, std::memory_order_relaxed);
    // If this fence fails the sleep below is bounded anyway (by `period`).
    HeavyFence();
    if (owner_.load(std::memory_order_acquire) == word) {
      const auto wake_by = std::min(deadline.to_steady_time_point(),
                                    Deadline::Clock::now() + period);
      conc::internal::FutexWait(&wake_seq_, seq, Deadline::At(wake_by), conc::internal::FutexScope::kShared);
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    period = std::min(period * 2, std::chrono::milliseconds(64));
  }
}

}  // namespace conc::mp::internal

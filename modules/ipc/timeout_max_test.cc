// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// conc::TIMEOUT_MAX (modules/common/timeout.h) across the blocking calls of
// sync and ipc: with TIMEOUT_MAX (the largest finite timeout) and with larger
// ones (which are infinite), Lock::acquire, Event::wait, Condition::wait_for,
// Semaphore::acquire, Queue::get and mp::Queue::get block until released, and
// do not time out at once (what an overflow when a huge timeout meets the
// clock would do). Each waiter is released only once it is known to be
// waiting: its thread sleeps in the kernel and has not returned. Here, at the
// top of the chain, because the test needs both chapters.

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/common/timeout.h"
#include "modules/ipc/mp_queue.h"
#include "modules/sync/condition.h"
#include "modules/sync/event.h"
#include "modules/sync/lock.h"
#include "modules/sync/queue.h"
#include "modules/sync/semaphore.h"

namespace {

// Generous: a loaded 2-core VM under the sanitizers.
constexpr absl::Duration kBound = absl::Seconds(60);

// The timeouts under test: the largest finite one, and larger (infinite) ones.
const absl::Duration kHugeTimeouts[] = {
    conc::TIMEOUT_MAX,
    conc::TIMEOUT_MAX + absl::Nanoseconds(1),
    absl::Hours(24 * 365 * 1000),
    absl::Seconds(INT64_MAX),
    absl::InfiniteDuration(),
};

// True if thread `tid` of this process is asleep in the kernel (state S).
bool Sleeping(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "tid (comm) S ...": the state follows the last ')'.
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S';
}

// Runs `wait(timeout)` in a thread, waits until that thread is known to be
// waiting, then calls `release()`; expects the wait to have blocked until
// then and to report success.
void ExpectBlocksUntilReleased(const std::string& what, absl::Duration timeout,
                               const std::function<bool(absl::Duration)>& wait,
                               const std::function<void()>& release) {
  SCOPED_TRACE(what + " with timeout " + absl::FormatDuration(timeout));
  std::atomic<pid_t> tid{0};
  std::atomic<bool> returned{false};
  bool result = false;
  std::thread waiter([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    result = wait(timeout);
    returned = true;
  });
  // Polls a state nobody can announce (asleep in the kernel), bounded.
  const absl::Time end = absl::Now() + kBound;
  while (!returned && !(tid != 0 && Sleeping(tid)) && absl::Now() < end) {
    absl::SleepFor(absl::Microseconds(200));
  }
  EXPECT_FALSE(returned.load()) << "returned before it was released";
  release();
  waiter.join();
  EXPECT_TRUE(result);
}

TEST(TimeoutMaxTest, LockAcquireBlocksUntilReleased) {
  for (absl::Duration timeout : kHugeTimeouts) {
    conc::Lock lock;
    ASSERT_TRUE(lock.acquire());
    ExpectBlocksUntilReleased(
        "Lock::acquire", timeout,
        [&](absl::Duration t) {
          const bool got = lock.acquire(true, t);
          if (got) {
            EXPECT_TRUE(lock.release().ok());
          }
          return got;
        },
        // Releases what the ASSERT above acquired: -Wthread-safety follows no
        // lock into a lambda.
        [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { EXPECT_TRUE(lock.release().ok()); });
  }
}

TEST(TimeoutMaxTest, EventWaitBlocksUntilSet) {
  for (absl::Duration timeout : kHugeTimeouts) {
    conc::Event event;
    ExpectBlocksUntilReleased(
        "Event::wait", timeout, [&](absl::Duration t) { return event.wait(t); },
        [&] {
          EXPECT_EQ(event.n_waiting(), 1);
          event.set();
        });
  }
}

TEST(TimeoutMaxTest, ConditionWaitForBlocksUntilNotified) {
  for (absl::Duration timeout : kHugeTimeouts) {
    conc::Condition cond;
    bool ready = false;  // Guarded by cond's lock.
    ExpectBlocksUntilReleased(
        "Condition::wait_for", timeout,
        [&](absl::Duration t) {
          EXPECT_TRUE(cond.acquire());
          const bool got = cond.wait_for([&] { return ready; }, t);
          EXPECT_TRUE(cond.release().ok());
          return got;
        },
        [&] {
          EXPECT_TRUE(cond.acquire());
          ready = true;
          EXPECT_TRUE(cond.notify_all().ok());
          EXPECT_TRUE(cond.release().ok());
        });
  }
}

TEST(TimeoutMaxTest, SemaphoreAcquireBlocksUntilReleased) {
  for (absl::Duration timeout : kHugeTimeouts) {
    conc::Semaphore sem(0);
    ExpectBlocksUntilReleased(
        "Semaphore::acquire", timeout, [&](absl::Duration t) { return sem.acquire(true, t); },
        [&] { EXPECT_TRUE(sem.release().ok()); });
  }
}

TEST(TimeoutMaxTest, QueueGetBlocksUntilPut) {
  for (absl::Duration timeout : kHugeTimeouts) {
    conc::Queue<int> q;
    ExpectBlocksUntilReleased(
        "Queue::get", timeout,
        [&](absl::Duration t) {
          absl::StatusOr<int> got = q.get(true, t);
          EXPECT_TRUE(got.ok()) << got.status();
          return got.ok() && *got == 7;
        },
        [&] { EXPECT_TRUE(q.put(7).ok()); });
  }
}

TEST(TimeoutMaxTest, MpQueueGetBlocksUntilPut) {
  for (absl::Duration timeout : kHugeTimeouts) {
    absl::StatusOr<conc::mp::Queue<int>> q = conc::mp::Queue<int>::Create();
    ASSERT_TRUE(q.ok()) << q.status();
    ExpectBlocksUntilReleased(
        "mp::Queue::get", timeout,
        [&](absl::Duration t) {
          absl::StatusOr<int> got = q->get(true, t);
          EXPECT_TRUE(got.ok()) << got.status();
          return got.ok() && *got == 7;
        },
        [&] { EXPECT_TRUE(q->put(7).ok()); });
  }
}

}  // namespace

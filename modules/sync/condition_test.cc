// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests for Condition (Python's threading.Condition). Every case runs on both
// implementations (typed tests): the tuned conc::Condition (condition.h) and
// conc::reference::Condition (reference/condition.h, CPython's deque of waiter
// locks), so neither can drift from the contract.

#include "modules/sync/condition.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sync/testing/test_util.h"
#include "modules/sync/lock.h"
#include "modules/sync/reference/condition.h"
#include "modules/sync/rlock.h"

namespace conc {
namespace {

using sync_testing::PollUntil;

constexpr absl::Duration kLong = absl::Seconds(60);

template <typename C>
class ConditionTest : public ::testing::Test {};
using Conditions = ::testing::Types<Condition, reference::Condition>;
struct ConditionName {
  template <typename C>
  static std::string GetName(int) {
    return std::is_same_v<C, Condition> ? "Tuned" : "Reference";
  }
};
TYPED_TEST_SUITE(ConditionTest, Conditions, ConditionName);

TYPED_TEST(ConditionTest, WaitAndNotifyRequireTheLock) {
  TypeParam c;
  EXPECT_FALSE(c.wait(absl::ZeroDuration()));
  EXPECT_EQ(c.wait_checked().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(c.wait_for([] { return true; }));
  EXPECT_EQ(c.wait_for_checked([] { return true; }).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.notify().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.notify_all().code(), absl::StatusCode::kFailedPrecondition);
  // The default lock is an RLock: another thread's hold does not count.
  ASSERT_TRUE(c.acquire());
  std::thread([&] {
    EXPECT_EQ(c.notify().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(c.release().code(), absl::StatusCode::kFailedPrecondition);
  }).join();
  EXPECT_TRUE(c.notify().ok());  // nobody waits: a no-op
  EXPECT_TRUE(c.release().ok());
}

TYPED_TEST(ConditionTest, MisuseMessagesNameTheCall) {
  // The same message from both implementations (Python's RuntimeError text).
  TypeParam c;
  EXPECT_EQ(c.notify().message(),
            "Condition.notify: cannot wait/notify on un-acquired lock");
  EXPECT_EQ(c.notify_all().message(),
            "Condition.notify_all: cannot wait/notify on un-acquired lock");
  EXPECT_EQ(c.wait_checked().status().message(),
            "Condition.wait: cannot wait/notify on un-acquired lock");
  EXPECT_EQ(c.wait_for_checked([] { return true; }).status().message(),
            "Condition.wait_for: cannot wait/notify on un-acquired lock");
}

TYPED_TEST(ConditionTest, ZeroAndNegativeTimeoutsPollAndKeepTheLock) {
  Lock lock;
  TypeParam c(lock);
  ASSERT_TRUE(c.acquire());
  EXPECT_FALSE(c.wait(absl::ZeroDuration()));
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(c.wait(absl::Seconds(-1)));
  EXPECT_TRUE(lock.locked());
  absl::StatusOr<bool> r = c.wait_checked(absl::ZeroDuration());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_TRUE(c.release().ok());
}

TYPED_TEST(ConditionTest, WaitTimesOut) {
  TypeParam c;
  ScopedAcquire guard(c);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(c.wait(absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_TRUE(c.notify().ok());  // still held; the queue is empty again
}

TYPED_TEST(ConditionTest, WaitReleasesTheLockAndNotifyWakes) {
  Lock lock;
  TypeParam c(lock);
  bool ready = false;  // guarded by lock
  std::thread t([&] {
    ScopedAcquire guard(c);
    EXPECT_TRUE(c.wait_for([&] { return ready; }, kLong));
  });
  // The waiter released the lock while waiting, so we can take it.
  ASSERT_TRUE(PollUntil([&] {
    ScopedAcquire guard(c);
    if (ready) return true;
    ready = true;
    EXPECT_TRUE(c.notify().ok());
    return true;
  }));
  t.join();
}

TYPED_TEST(ConditionTest, NotifyNWakesExactlyN) {
  TypeParam c;
  constexpr int kWaiters = 5;
  int entered = 0;  // guarded by c
  int phase = 0;    // guarded by c
  std::vector<int> woken_in_phase;  // guarded by c
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      ScopedAcquire guard(c);
      ++entered;
      EXPECT_TRUE(c.wait(kLong));
      woken_in_phase.push_back(phase);
    });
  }
  // Entered under the lock, and the lock is free again only inside wait():
  // so entered == 5 means all five are queued.
  ASSERT_TRUE(PollUntil([&] {
    ScopedAcquire guard(c);
    return entered == kWaiters;
  }));
  {
    ScopedAcquire guard(c);
    phase = 1;
    EXPECT_TRUE(c.notify(2).ok());
  }
  ASSERT_TRUE(PollUntil([&] {
    ScopedAcquire guard(c);
    return woken_in_phase.size() == 2;
  }));
  {
    ScopedAcquire guard(c);
    phase = 2;
    EXPECT_TRUE(c.notify(0).ok());   // none
    EXPECT_TRUE(c.notify(-3).ok());  // none
    EXPECT_TRUE(c.notify_all().ok());
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(woken_in_phase.size(), 5u);
  EXPECT_EQ(std::count(woken_in_phase.begin(), woken_in_phase.end(), 1), 2);
  EXPECT_EQ(std::count(woken_in_phase.begin(), woken_in_phase.end(), 2), 3);
}

TYPED_TEST(ConditionTest, WaitersWakeInFifoOrder) {
  TypeParam c;
  int entered = 0;          // guarded by c
  std::vector<int> order;   // guarded by c
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ScopedAcquire guard(c);
      ++entered;
      EXPECT_TRUE(c.wait(kLong));
      order.push_back(i);
    });
    ASSERT_TRUE(PollUntil([&] {
      ScopedAcquire guard(c);
      return entered == i + 1;
    }));
  }
  for (size_t woken = 1; woken <= 4; ++woken) {
    {
      ScopedAcquire guard(c);
      EXPECT_TRUE(c.notify().ok());
    }
    ASSERT_TRUE(PollUntil([&] {
      ScopedAcquire guard(c);
      return order.size() == woken;
    }));
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

// ABSL_NO_THREAD_SAFETY_ANALYSIS below: these tests acquire under ASSERT_TRUE and release
// on other threads or past zero, which -Wthread-safety cannot follow.
TYPED_TEST(ConditionTest, RLockHeldThreeTimesIsReleasedAndRestored) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RLock rlock;
  TypeParam c(rlock);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rlock.acquire());
  std::atomic<bool> notified{false};
  std::thread t([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    // Gets the RLock only if wait() released all three levels.
    ASSERT_TRUE(rlock.acquire(true, kLong));
    notified = true;
    EXPECT_TRUE(c.notify().ok());
    EXPECT_TRUE(rlock.release().ok());
  });
  EXPECT_TRUE(c.wait_for([&] { return notified.load(); }, kLong));
  t.join();
  EXPECT_TRUE(rlock.is_owned());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rlock.release().ok());
  EXPECT_EQ(rlock.release().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(rlock.locked());
}

TYPED_TEST(ConditionTest, WaitForReturnsThePredicatesLastValue) {
  TypeParam c;
  ScopedAcquire guard(c);
  int calls = 0;
  EXPECT_TRUE(c.wait_for([&] { return ++calls > 0; }));
  EXPECT_EQ(calls, 1);  // true at once: no wait
  calls = 0;
  EXPECT_FALSE(c.wait_for([&] { ++calls; return false; }, absl::ZeroDuration()));
  EXPECT_EQ(calls, 2);  // checked, polled once, checked again
  const absl::Time start = absl::Now();
  EXPECT_FALSE(c.wait_for([] { return false; }, absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
}

TYPED_TEST(ConditionTest, ProducersAndConsumers) {
  Lock lock;
  TypeParam not_empty(lock);
  std::deque<int> items;  // guarded by lock
  int64_t sum = 0;        // guarded by lock
  constexpr int kPerProducer = 5000;
  std::vector<std::thread> threads;
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&] {
      for (int i = 1; i <= kPerProducer; ++i) {
        ScopedAcquire guard(not_empty);
        items.push_back(i);
        EXPECT_TRUE(not_empty.notify().ok());
      }
    });
  }
  for (int consumer = 0; consumer < 2; ++consumer) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        ScopedAcquire guard(not_empty);
        ASSERT_TRUE(not_empty.wait_for([&] { return !items.empty(); }, kLong));
        sum += items.front();
        items.pop_front();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(sum, 2 * int64_t{kPerProducer} * (kPerProducer + 1) / 2);
}

TYPED_TEST(ConditionTest, NotifyAllWhileOthersHammerTheLock) {
  // Waiters handed to the lock by notify (wait morphing) share its futex with
  // threads blocked in plain acquire(): nobody may be left asleep.
  for (bool use_rlock : {false, true}) {
    Lock lock;
    RLock rlock;
    std::unique_ptr<TypeParam> owned =
        use_rlock ? std::make_unique<TypeParam>(rlock) : std::make_unique<TypeParam>(lock);
    TypeParam& c = *owned;
    int generation = 0;  // guarded by the condition's lock
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        for (int round = 0; round < 200; ++round) {
          ScopedAcquire guard(c);
          const int seen = generation;
          ASSERT_TRUE(c.wait_for([&] { return generation != seen; }, kLong));
        }
      });
    }
    std::thread hammer([&] {
      while (!stop.load()) {
        ScopedAcquire guard(c);
      }
    });
    std::thread notifier([&] {
      while (!stop.load()) {
        ScopedAcquire guard(c);
        ++generation;
        EXPECT_TRUE(c.notify_all().ok());
      }
    });
    for (std::thread& t : threads) t.join();
    stop = true;
    hammer.join();
    notifier.join();
  }
}

TYPED_TEST(ConditionTest, TimeoutsRacingWithNotifies) {
  // Waiters that time out leave the queue while notifiers pop it.
  TypeParam c;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::atomic<int> notified{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 1500; ++j) {
        ScopedAcquire guard(c);
        if (c.wait(absl::Microseconds(10 * ((i + j) % 4)))) notified.fetch_add(1);
      }
    });
  }
  std::thread notifier([&] {
    while (!stop.load()) {
      ScopedAcquire guard(c);
      EXPECT_TRUE(c.notify((notified.load() % 2) + 1).ok());
    }
  });
  for (std::thread& t : threads) t.join();
  stop = true;
  notifier.join();
  SUCCEED() << notified.load() << " waits were notified";
}

}  // namespace
}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests for Local<T> (threading.local()): one value per thread per object,
// made on first access, destroyed at thread exit or with the Local. Threads
// are held in place with std::latch, never with sleeps.

#include "modules/sync/local.h"

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

// Counts live instances, so tests can see constructions and destructions.
struct Tracked {
  static std::atomic<int> live;
  static std::atomic<int> made;
  int value = 0;
  Tracked() { live.fetch_add(1); made.fetch_add(1); }
  explicit Tracked(int v) : value(v) { live.fetch_add(1); made.fetch_add(1); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { live.fetch_sub(1); }
};
std::atomic<int> Tracked::live{0};
std::atomic<int> Tracked::made{0};

class LocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Tracked::live = 0;
    Tracked::made = 0;
  }
};

TEST_F(LocalTest, EachThreadSeesItsOwnValue) {
  Local<int> data;
  data.get() = 100;
  constexpr int kThreads = 8;
  std::vector<int> seen_at_start(kThreads, -1);
  std::vector<int> seen_at_end(kThreads, -1);
  std::latch all_set(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        seen_at_start[i] = data.get();  // Default-constructed: 0.
        *data = i;
        all_set.arrive_and_wait();      // Everyone has written before anyone reads.
        seen_at_end[i] = *data;
      });
    }
  }
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(seen_at_start[i], 0);
    EXPECT_EQ(seen_at_end[i], i);
  }
  EXPECT_EQ(data.get(), 100);  // Main's value untouched.
}

TEST_F(LocalTest, FactoryRunsOncePerThreadInThatThread) {
  std::atomic<int> calls{0};
  Local<std::string> name([&] {
    calls.fetch_add(1);
    return std::string("fresh");
  });
  EXPECT_FALSE(name.has_value());
  EXPECT_EQ(*name, "fresh");
  EXPECT_TRUE(name.has_value());
  name->append("!");
  EXPECT_EQ(name.get(), "fresh!");
  EXPECT_EQ(calls.load(), 1);
  std::jthread([&] {
    EXPECT_FALSE(name.has_value());
    EXPECT_EQ(name.get(), "fresh");
    EXPECT_EQ(name->size(), 5u);
  }).join();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(name.get(), "fresh!");
}

TEST_F(LocalTest, ValuesDestroyedAtThreadExit) {
  Local<Tracked> data;
  constexpr int kThreads = 5;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] { data->value = i; });
    }
  }
  EXPECT_EQ(Tracked::made.load(), kThreads);
  EXPECT_EQ(Tracked::live.load(), 0);  // Every exited thread cleaned up.
}

TEST_F(LocalTest, ValuesDestroyedWithTheLocalWhileThreadsLive) {
  constexpr int kThreads = 4;
  auto data = std::make_unique<Local<Tracked>>();
  std::latch made(kThreads);
  std::latch local_gone(1);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      (*data)->value = 1;
      made.count_down();
      local_gone.wait();  // Stay alive while the Local is destroyed.
    });
  }
  made.wait();
  (*data)->value = 2;  // The main thread's value too.
  EXPECT_EQ(Tracked::live.load(), kThreads + 1);
  data.reset();  // Destroys every thread's value, here.
  EXPECT_EQ(Tracked::live.load(), 0);
  local_gone.count_down();
  threads.clear();  // Exiting threads find nothing left to destroy.
  EXPECT_EQ(Tracked::live.load(), 0);
  EXPECT_EQ(Tracked::made.load(), kThreads + 1);
}

TEST_F(LocalTest, ThreadExitRacingLocalDestructionDestroysEachValueOnce) {
  // Threads exit while the Local is destroyed: each value exactly once.
  for (int round = 0; round < 20; ++round) {
    auto data = std::make_unique<Local<Tracked>>();
    std::latch made(4);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        (*data)->value = 1;
        made.count_down();
      });
    }
    made.wait();
    data.reset();
    threads.clear();
    EXPECT_EQ(Tracked::live.load(), 0);
  }
}

TEST_F(LocalTest, ManyLocalsAreIndependent) {
  constexpr int kLocals = 200;
  std::vector<std::unique_ptr<Local<int>>> locals;
  for (int i = 0; i < kLocals; ++i) locals.push_back(std::make_unique<Local<int>>());
  for (int i = 0; i < kLocals; ++i) locals[i]->get() = i;
  std::jthread([&] {
    for (int i = 0; i < kLocals; ++i) {
      EXPECT_EQ(locals[i]->get(), 0);
      locals[i]->get() = -i;
    }
  }).join();
  for (int i = 0; i < kLocals; ++i) EXPECT_EQ(locals[i]->get(), i);
}

TEST_F(LocalTest, ANewLocalNeverSeesAnOldOnesValue) {
  // Slot numbers are reused; values are not.
  for (int i = 0; i < 10; ++i) {
    Local<int> data;
    EXPECT_FALSE(data.has_value());
    EXPECT_EQ(data.get(), 0);
    data.get() = 42;
  }
  EXPECT_EQ(Tracked::live.load(), 0);
  {
    Local<Tracked> a;
    a->value = 5;
    EXPECT_EQ(Tracked::live.load(), 1);
  }
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST_F(LocalTest, ResetDestroysOnlyThisThreadsValue) {
  Local<Tracked> data;
  data->value = 3;
  std::latch made(1);
  std::latch done(1);
  std::jthread other([&] {
    data->value = 4;
    made.count_down();
    done.wait();
    EXPECT_EQ(data->value, 4);
  });
  made.wait();
  EXPECT_EQ(Tracked::live.load(), 2);
  data.reset();
  EXPECT_FALSE(data.has_value());
  EXPECT_EQ(Tracked::live.load(), 1);
  EXPECT_EQ(data->value, 0);  // A new one.
  data.reset();
  data.reset();  // Nothing to reset: harmless.
  done.count_down();
  other.join();
  EXPECT_EQ(Tracked::live.load(), 0);
}

// A value whose destructor uses another Local in the exiting thread.
Local<int>* g_other = nullptr;
struct TouchesOther {
  ~TouchesOther() { g_other->get() += 1; }
};

TEST_F(LocalTest, DestructorMayUseAnotherLocalAtThreadExit) {
  Local<Tracked> other_tracked;
  Local<int> other;
  g_other = &other;
  Local<TouchesOther> data;
  std::jthread([&] {
    (void)data.get();
    other_tracked->value = 1;
  }).join();
  EXPECT_EQ(Tracked::live.load(), 0);
  g_other = nullptr;
}

TEST_F(LocalTest, FactoryWithArguments) {
  // Python: class MyLocal(local): def __init__(self, v): self.v = v
  Local<std::unique_ptr<Tracked>> data([] { return std::make_unique<Tracked>(9); });
  EXPECT_EQ((*data)->value, 9);
  std::jthread([&] { EXPECT_EQ(data.get()->value, 9); }).join();
  EXPECT_EQ(Tracked::live.load(), 1);
}

}  // namespace
}  // namespace conc

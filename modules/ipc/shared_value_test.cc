// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Value, RawValue, Array and RawArray: ctypes' conversions
// (Value("b", 129) is -127; a float into an int is refused at compile time),
// Python's docs example across a spawned and a forked child, bounds, Attach
// checks, "no lost update under the lock" between two processes, and the
// fault: a process killed holding a Value's lock.

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/status.h"
#include "modules/ipc/mp_queue.h"
#include "modules/ipc/shared_array.h"
#include "modules/ipc/shared_value.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

using ::conc::mp::Array;
using ::conc::mp::ArrayHandle;
using ::conc::mp::Queue;
using ::conc::mp::QueueHandle;
using ::conc::mp::RawArray;
using ::conc::mp::RawValue;
using ::conc::mp::Value;
using ::conc::mp::ValueHandle;

constexpr absl::Duration kLong = absl::Seconds(60);
using ::conc::mp::testing::Make;

// ---- Process targets ----

// Python's docs example: def f(n, a): n.value = 3.1415927; a[i] = -a[i].
void negate(ValueHandle n_h, ArrayHandle a_h) {
  auto n = Value<double>::Attach(n_h);
  auto a = Array<int>::Attach(a_h);
  if (!n.ok() || !a.ok()) std::exit(2);
  n->set_value(3.1415927);
  for (size_t i = 0; i < a->size(); ++i) {
    if (!a->set(i, -*a->get(i)).ok()) std::exit(3);
  }
  // One past the end is refused, not written.
  if (!absl::IsOutOfRange(a->set(a->size(), 1))) std::exit(4);
}

// `n` locked increments of the Value and of element 1 of the Array.
void increment(ValueHandle v_h, ArrayHandle a_h, int n) {
  auto v = Value<int>::Attach(v_h);
  auto a = Array<int64_t>::Attach(a_h);
  if (!v.ok() || !a.ok()) std::exit(2);
  for (int i = 0; i < n; ++i) {
    if (!v->with_lock([](int& x) { ++x; }).ok()) std::exit(3);
    conc::mp::ScopedAcquire g(a->get_lock());  // with a.get_lock(): a[1] += 1
    if (!a->set(1, *a->get(1) + 1).ok()) std::exit(4);
  }
}

// Takes the Value's lock, says so, and waits to be killed.
void hold_value_lock(ValueHandle v_h, QueueHandle ready_h) {
  auto v = Value<int>::Attach(v_h);
  auto ready = Queue<int>::Attach(ready_h);
  if (!v.ok() || !ready.ok()) std::exit(2);
  absl::StatusOr<bool> got = v->get_lock().acquire();
  if (!got.ok() || !*got) std::exit(3);
  v->set_value(41);  // under the lock (re-entrant)
  if (!ready->put(1).ok()) std::exit(4);
  for (;;) ::pause();
}
// lock=: a Value and an Array that share one RLock, changed together under
// it; under the lock the two are always equal.
void increment_both(ValueHandle v_h, ArrayHandle a_h, int n) {
  auto v = Value<int>::Attach(v_h);
  auto a = Array<int>::Attach(a_h);
  if (!v.ok() || !a.ok()) std::exit(2);
  for (int i = 0; i < n; ++i) {
    conc::mp::ScopedAcquire g(v->get_lock());
    if (!a->get_lock().is_owned()) std::exit(3);  // The same lock.
    if (v->value() != *a->get(0)) std::exit(4);
    v->set_value(v->value() + 1);
    if (!a->set(0, *a->get(0) + 1).ok()) std::exit(5);
  }
}
CONC_PROCESS_FUNCTION(increment_both);
CONC_PROCESS_FUNCTION(negate);
CONC_PROCESS_FUNCTION(increment);
CONC_PROCESS_FUNCTION(hold_value_lock);

// ---- What compiles (ctypes' TypeErrors become compile errors) ----

template <class V, class U>
concept CanSetValue = requires(V& v, U u) { v.set_value(u); };
template <class A, class U>
concept CanSetElement = requires(A& a, U u) { a.set(0, u); };
template <class V>
concept HasGetLock = requires(V& v) { v.get_lock(); };

static_assert(CanSetValue<Value<int>, long>);
static_assert(CanSetValue<Value<double>, int>);              // Value("d", 1) is fine
static_assert(!CanSetValue<Value<int>, double>);             // Value("i", 4.5): TypeError
static_assert(!CanSetValue<RawValue<int8_t>, float>);
static_assert(CanSetElement<Array<int>, int>);
static_assert(!CanSetElement<Array<int>, double>);           // array('i').append(4.5): TypeError
static_assert(!CanSetElement<RawArray<int>, double>);
static_assert(HasGetLock<Value<int>> && HasGetLock<Array<int>>);
static_assert(!HasGetLock<RawValue<int>> && !HasGetLock<RawArray<int>>);
// lock= takes an RLock; a plain Lock does not compile (see shared_value.h).
template <class L>
concept ValueTakesLock = requires(const L& l) { Value<int>::Create(0, l); };
template <class L>
concept ArrayTakesLock = requires(const L& l) { Array<int>::Create(size_t{3}, l); };
static_assert(ValueTakesLock<conc::mp::RLock> && ArrayTakesLock<conc::mp::RLock>);
static_assert(!ValueTakesLock<conc::mp::Lock> && !ArrayTakesLock<conc::mp::Lock>);
// lock=False gives the raw types.
static_assert(std::is_same_v<decltype(Value<int>::Create(0, conc::mp::no_lock)),
                             absl::StatusOr<RawValue<int>>>);
static_assert(std::is_same_v<decltype(Array<int>::Create(3, conc::mp::no_lock)),
                             absl::StatusOr<RawArray<int>>>);

namespace {

std::vector<int> Concat(std::vector<std::vector<int>> parts) {
  std::vector<int> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

struct Point {
  int32_t x, y;
};

TEST(ValueTest, ConversionsAreCtypes) {
  EXPECT_EQ(Make(Value<int8_t>::Create(129)).value(), -127);  // Value("b", 129).value
  EXPECT_EQ(Make(Value<uint8_t>::Create(300)).value(), 44);
  EXPECT_EQ(Make(Value<double>::Create()).value(), 0.0);
  EXPECT_EQ(Make(Value<float>::Create(0.5)).value(), 0.5f);
  Value<int16_t> v = Make(Value<int16_t>::Create(1));
  v.set_value(70000);  // 70000 - 65536
  EXPECT_EQ(v.value(), 4464);
  RawValue<Point> p = Make(RawValue<Point>::Create(Point{3, 4}));
  EXPECT_EQ(p.value().y, 4);
}

TEST(ValueTest, GetLockIsReentrantAndWithLockUpdates) {
  Value<int> v = Make(Value<int>::Create(5));
  {
    conc::mp::ScopedAcquire g(v.get_lock());
    ASSERT_TRUE(g.held());
    v.set_value(v.value() + 1);  // re-enters the RLock twice
    EXPECT_EQ(v.get_lock().recursion_level(), 1u);
  }
  EXPECT_FALSE(v.get_lock().locked());
  EXPECT_TRUE(v.with_lock([](int& x) { x *= 10; }).ok());
  EXPECT_EQ(v.value(), 60);
}

TEST(ValueTest, ThreadsLoseNoUpdateUnderTheLock) {
  Value<int> v = Make(Value<int>::Create(0));
  RawValue<int64_t> raw = Make(RawValue<int64_t>::Create(0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(v.with_lock([](int& x) { ++x; }).ok());
        raw.set_value(raw.value() + 1);  // racy by design, but never UB: atomics
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(v.value(), 8000);
  EXPECT_LE(raw.value(), 8000);
  EXPECT_GE(raw.value(), 2000);
}

TEST(ArrayTest, CreateGetSetBounds) {
  Array<int> a = Make(Array<int>::Create({3, 2, 6, 8, 3, 1, 8, 5, 9, 4}));
  EXPECT_EQ(a.size(), 10u);
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(3, 2, 6, 8, 3, 1, 8, 5, 9, 4));
  EXPECT_EQ(*a.get(3), 8);
  EXPECT_EQ(*a.at(9), 4);
  // Python's IndexError: OutOfRange, as ShareableList and ListProxy.
  EXPECT_TRUE(absl::IsOutOfRange(a.get(10).status())) << a.get(10).status();
  EXPECT_THAT(std::string(a.get(10).status().message()),
              ::testing::HasSubstr("array index 10 out of range (size 10)"));
  EXPECT_TRUE(absl::IsOutOfRange(a.at(static_cast<size_t>(-1)).status()));
  EXPECT_TRUE(absl::IsOutOfRange(a.set(10, 7)));
  EXPECT_TRUE(a.set(0, 7).ok());
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(7, 2, 6, 8, 3, 1, 8, 5, 9, 4));
  EXPECT_TRUE(a.with_lock([](std::span<int> s) { for (int& x : s) x *= 2; }).ok());
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(14, 4, 12, 16, 6, 2, 16, 10, 18, 8));

  EXPECT_THAT(Make(Array<double>::Create(3)).to_vector(), ::testing::ElementsAre(0, 0, 0));
  const std::vector<int8_t> src = {1, -2, 3};
  EXPECT_THAT(Make(Array<int8_t>::Create(std::span<const int8_t>(src))).to_vector(),
              ::testing::ElementsAre(1, -2, 3));
  Array<int> empty = Make(Array<int>::Create(0));
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(absl::IsOutOfRange(empty.get(0).status()));
  // Too big for the 1 GiB limit: refused before anything is mapped.
  EXPECT_TRUE(absl::IsInvalidArgument(Array<int64_t>::Create(size_t{1} << 40).status()));

  RawArray<uint8_t> raw = Make(Array<uint8_t>::Create({1, 2}, conc::mp::no_lock));
  EXPECT_TRUE(raw.set(1, 258).ok());  // wraps, as ctypes
  EXPECT_EQ(*raw.get(1), 2);
  EXPECT_TRUE(absl::IsOutOfRange(raw.set(2, 0)));
  EXPECT_TRUE(absl::IsOutOfRange(raw.get(2).status()));
  EXPECT_EQ(raw.span().size(), 2u);
}

// Python's Array("c", n): .value stops at the first NUL, .raw is every byte;
// a longer byte string is ValueError and writes nothing (CPython's
// test_sharedctypes / ctypes' c_char array behaviour).
template <class A>
concept HasCharViews = requires(A& a) { a.value(); a.raw(); };
static_assert(HasCharViews<Array<char>> && HasCharViews<RawArray<char>>);
static_assert(!HasCharViews<Array<int>> && !HasCharViews<RawArray<uint8_t>>);

TEST(ArrayTest, CharArrayValueAndRaw) {
  Array<char> s = Make(Array<char>::Create(8));
  EXPECT_EQ(s.value(), "");
  EXPECT_EQ(s.raw(), std::string(8, '\0'));
  ASSERT_TRUE(s.set_value("hello").ok());
  EXPECT_EQ(s.value(), "hello");
  EXPECT_EQ(s.raw(), std::string("hello\0\0\0", 8));
  // A shorter value: one NUL after it, the old tail stays (as ctypes).
  ASSERT_TRUE(s.set_value("hi").ok());
  EXPECT_EQ(s.value(), "hi");
  EXPECT_EQ(s.raw(), std::string("hi\0lo\0\0\0", 8));
  // raw writes only its bytes: no NUL, so value runs on into the old bytes.
  ASSERT_TRUE(s.set_raw("HEY").ok());
  EXPECT_EQ(s.value(), "HEYlo");
  // Exactly the size: no room for a NUL, none written; value is all 8.
  ASSERT_TRUE(s.set_value("12345678").ok());
  EXPECT_EQ(s.value(), "12345678");
  EXPECT_EQ(s.raw(), "12345678");
  // Too long: ValueError, nothing written.
  absl::Status too_long = s.set_value("123456789");
  EXPECT_TRUE(absl::IsInvalidArgument(too_long)) << too_long;
  EXPECT_THAT(std::string(too_long.message()), ::testing::HasSubstr("byte string too long"));
  EXPECT_TRUE(absl::IsInvalidArgument(s.set_raw("123456789")));
  EXPECT_EQ(s.raw(), "12345678");
  // Embedded NULs: raw keeps them, value stops at the first.
  ASSERT_TRUE(s.set_raw(std::string("a\0b", 3)).ok());
  EXPECT_EQ(s.value(), "a");
  EXPECT_EQ(s.raw().substr(0, 3), std::string("a\0b", 3));
  // Under get_lock() (already held: no re-entry needed), and the same bytes
  // through with_lock's span.
  ASSERT_TRUE(s.get_lock().acquire().ok());
  ASSERT_TRUE(s.set_value("locked").ok());
  EXPECT_EQ(s.value(), "locked");
  ASSERT_TRUE(s.get_lock().release().ok());
  std::string seen;
  ASSERT_TRUE(s.with_lock([&](std::span<char> bytes) { seen.assign(bytes.data(), 6); }).ok());
  EXPECT_EQ(seen, "locked");
  // A zero-size char array: value and raw are empty, only "" fits.
  Array<char> none = Make(Array<char>::Create(0));
  EXPECT_EQ(none.value(), "");
  EXPECT_TRUE(none.set_value("").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(none.set_value("x")));
  // RawArray<char>: the same views, unlocked.
  RawArray<char> r = Make(Array<char>::Create(4, conc::mp::no_lock));
  ASSERT_TRUE(r.set_value("ab").ok());
  EXPECT_EQ(r.value(), "ab");
  EXPECT_EQ(r.raw(), std::string("ab\0\0", 4));
  EXPECT_TRUE(absl::IsInvalidArgument(r.set_raw("abcde")));
}

TEST(AttachTest, RefusesAnotherKindOrType) {
  Value<int> v = Make(Value<int>::Create(1));
  Array<int> a = Make(Array<int>::Create(4));
  EXPECT_TRUE(absl::IsInvalidArgument(Value<float>::Attach(v.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(RawValue<int>::Attach(v.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Array<int>::Attach({v.handle().fd}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Value<int>::Attach({a.handle().fd}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Array<uint32_t>::Attach(a.handle()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Value<int>::Attach({-1}).status()));
  Array<int> again = Make(Array<int>::Attach(a.handle()));
  EXPECT_EQ(again.size(), 4u);
  ASSERT_TRUE(again.set(2, 9).ok());
  EXPECT_EQ(*a.get(2), 9);
}

// ---- Across processes ----

TEST(SharedValueProcessTest, PythonDocsExampleInASpawnedChild) {
  Value<double> n = Make(Value<double>::Create(0.0));
  Array<int> a = Make(Array<int>::Create({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  conc::Process p({.pass_fds = Concat({n.fds_to_pass(), a.fds_to_pass()})},
                  conc::process_function<negate>, n.handle(), a.handle());
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(n.value(), 3.1415927);
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(0, -1, -2, -3, -4, -5, -6, -7, -8, -9));
}

TEST(SharedValueProcessTest, ForkedChildWritesTheSameMemory) {
  Value<int> v = Make(Value<int>::Create(1));
  RawArray<double> r = Make(RawArray<double>::Create(2));
  conc::Process p(conc::kForkMethod, [v, r]() mutable {
    v.set_value(2);
    if (!r.set(1, 0.25).ok()) std::_Exit(3);
  });
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(v.value(), 2);
  EXPECT_THAT(r.to_vector(), ::testing::ElementsAre(0.0, 0.25));
}

TEST(SharedValueProcessTest, TwoProcessesLoseNoUpdateUnderTheLock) {
  constexpr int kEach = 20000;
  Value<int> v = Make(Value<int>::Create(0));
  Array<int64_t> a = Make(Array<int64_t>::Create(3));
  std::vector<conc::Process> ps;
  for (int i = 0; i < 2; ++i) {
    ps.emplace_back(conc::ProcessOptions{.pass_fds = Concat({v.fds_to_pass(), a.fds_to_pass()})},
                    conc::process_function<increment>, v.handle(), a.handle(), kEach);
  }
  for (auto& p : ps) ASSERT_TRUE(p.start().ok());
  for (auto& p : ps) {
    ASSERT_TRUE(p.join(kLong).ok());
    EXPECT_EQ(p.exitcode(), 0);
  }
  EXPECT_EQ(v.value(), 2 * kEach);
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(0, 2 * kEach, 0));
}

// Python's Value(..., lock=l) and Array(..., lock=l): one RLock for both, in
// two processes; the handles carry the lock.
TEST(SharedValueProcessTest, ValueAndArraySharingAnExistingLock) {
  constexpr int kEach = 5000;
  conc::mp::RLock lock = Make(conc::mp::RLock::Create());
  Value<int> v = Make(Value<int>::Create(0, lock));
  Array<int> a = Make(Array<int>::Create({0, 7}, lock));
  {
    conc::mp::ScopedAcquire g(lock);
    EXPECT_TRUE(v.get_lock().is_owned());
    EXPECT_TRUE(a.get_lock().is_owned());
    v.set_value(0);  // Re-entrant: the accessors run under the caller's hold.
  }
  EXPECT_FALSE(v.get_lock().is_owned());
  conc::Process p({.pass_fds = Concat({v.fds_to_pass(), a.fds_to_pass()})},
                  conc::process_function<increment_both>, v.handle(), a.handle(), kEach);
  ASSERT_TRUE(p.start().ok());
  for (int i = 0; i < kEach; ++i) {
    conc::mp::ScopedAcquire g(lock);
    ASSERT_EQ(v.value(), *a.get(0));
    v.set_value(v.value() + 1);
    ASSERT_TRUE(a.set(0, *a.get(0) + 1).ok());
  }
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(v.value(), 2 * kEach);
  EXPECT_THAT(a.to_vector(), ::testing::ElementsAre(2 * kEach, 7));
}

// A handle is checked: without its lock, or naming a plain Lock, Attach says
// InvalidArgument.
TEST(SharedValueTest, SharedLockHandlesAreChecked) {
  conc::mp::RLock lock = Make(conc::mp::RLock::Create());
  Value<int> v = Make(Value<int>::Create(1, lock));
  Array<int> a = Make(Array<int>::Create(2, lock));
  ValueHandle vh = v.handle();
  ArrayHandle ah = a.handle();
  EXPECT_EQ(vh.lock_fd, lock.handle().fd);
  EXPECT_EQ(Make(Value<int>::Attach(vh)).value(), 1);
  EXPECT_EQ(Make(Array<int>::Attach(ah)).size(), 2u);
  ValueHandle no_lock = vh;
  no_lock.lock_fd = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(Value<int>::Attach(no_lock).status()));
  ArrayHandle array_no_lock = ah;
  array_no_lock.lock_fd = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(Array<int>::Attach(array_no_lock).status()));
  conc::mp::Lock plain = Make(conc::mp::Lock::Create());
  vh.lock_fd = plain.handle().fd;
  vh.lock_offset = plain.handle().offset;
  EXPECT_TRUE(absl::IsInvalidArgument(Value<int>::Attach(vh).status()));
  // A Value with its own lock has none in its handle.
  EXPECT_EQ(Make(Value<int>::Create(0)).handle().lock_fd, -1);
}

// The fault: a process killed holding a Value's lock.
TEST(SharedValueProcessTest, HolderOfTheValueLockKilled) {
  Value<int> v = Make(Value<int>::Create(0));
  Queue<int> ready = Make(Queue<int>::Create());
  for (int round = 0; round < 2; ++round) {
    conc::Process holder({.pass_fds = Concat({v.fds_to_pass(), ready.fds_to_pass()})},
                         conc::process_function<hold_value_lock>, v.handle(), ready.handle());
    ASSERT_TRUE(holder.start().ok());
    ASSERT_TRUE(ready.get(kLong).ok());
    EXPECT_TRUE(v.get_lock().locked());
    EXPECT_FALSE(*v.get_lock().acquire(false));
    ASSERT_TRUE(holder.kill().ok());
    ASSERT_TRUE(holder.join(kLong).ok());
    if (round == 0) {
      // Told through the lock...
      absl::StatusOr<bool> got = v.get_lock().acquire(true, kLong);
      ASSERT_TRUE(conc::IsOwnerDied(got.status())) << got.status();
      EXPECT_EQ(v.value(), 41);  // the last value it stored
      v.set_value(0);
      EXPECT_TRUE(v.get_lock().release().ok());
    } else {
      // ...or recovered silently by with_lock, which reports it.
      absl::Status s = v.with_lock([](int& x) { x += 1; });
      EXPECT_TRUE(conc::IsOwnerDied(s)) << s;
      EXPECT_EQ(v.value(), 42);
    }
    // The lock works afterwards.
    EXPECT_TRUE(v.with_lock([](int&) {}).ok());
    EXPECT_FALSE(v.get_lock().locked());
  }
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

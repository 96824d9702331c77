// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_value.h: conc::mp::Value<T> and conc::mp::RawValue<T>, Python's
// multiprocessing.Value and multiprocessing.sharedctypes.RawValue: one value of
// a plain C type in shared memory, seen and changed by several processes.
//
//   Python                                   C++
//   v = Value("i", 0)                        auto v = conc::mp::Value<int>::Create(0);    // StatusOr
//   v = Value("d")                           auto v = conc::mp::Value<double>::Create();  // 0.0
//   v = Value("b", 129); v.value  # -127     conc::mp::Value<int8_t>::Create(129)->value()  // -127
//   v.value; v.value = 5                     int x = v->value(); v->set_value(5);
//   with v.get_lock(): v.value += 1          { conc::mp::ScopedAcquire g(v->get_lock()); v->set_value(v->value() + 1); }
//                                            // or in one call: absl::Status s = v->with_lock([](int& x) { ++x; });
//   Value("i", 0, lock=False)                auto r = conc::mp::Value<int>::Create(0, conc::mp::no_lock);  // a RawValue<int>
//   l = RLock(); Value("i", 0, lock=l)       auto l = conc::mp::RLock::Create(); auto v = conc::mp::Value<int>::Create(0, *l);
//   RawValue("i", 0)                         auto r = conc::mp::RawValue<int>::Create(0);
//   Process(target=f, args=(v,))             conc::Process p({.pass_fds = v->fds_to_pass()}, conc::process_function<f>, v->handle());
//   def f(v): v.value += 1                   void f(conc::mp::ValueHandle h) { auto v = conc::mp::Value<int>::Attach(h); ... }
//
// The typecode is the template argument: "b" int8_t, "B" uint8_t, "h" short,
// "i" int, "l" long, "q" int64_t, "f" float, "d" double, "c" char; any
// trivially copyable struct works too (ctypes.Structure). A T that is not
// trivially copyable is a compile error (static_assert), as is a RawValue's or
// lock=False Value's get_lock() (a RawValue has no get_lock member).
//
// CONVERSIONS (ctypes' rules). Storing an arithmetic value converts it to T as
// C does: integers wrap modulo 2^N, so Value<int8_t>::Create(129) holds -127
// like Value("b", 129), and 300 in a uint8_t is 44. Storing a floating-point
// value into an integer T is a compile error (ctypes: TypeError "int expected
// instead of float"). Create and set_value take any such type U and convert
// with static_cast, so no narrowing warning interferes.
//
// LOCKING, as Python's synchronized wrapper:
//   * value() and set_value() each take the lock (an mp::RLock, Python's
//     default) for the one load or store. Like `v.value += 1` in Python,
//     `v.set_value(v.value() + 1)` is therefore NOT atomic: two processes doing
//     it lose updates. Hold get_lock() around the pair (it is re-entrant), or
//     use with_lock(f), which runs f on the value with the lock held.
//   * A holder of the lock that died: get_lock().acquire() and with_lock()
//     return OwnerDiedError (they hold the lock; the value is the last one
//     stored, never torn for a T of 1, 2, 4, 8 or 16 bytes); value() and
//     set_value() recover the lock silently, since one load or store cannot be
//     left half done by the dead holder (for larger T they may see a torn
//     value: use with_lock to be told).
//
// HOW IT REACHES ANOTHER PROCESS: as mp::Lock (mp_lock.h): forked children use
// the same object; spawned ones get fds_to_pass() and handle() and Attach
// with the same T (another T, or a RawValue for a Value, is InvalidArgument).
//
// Memory ordering: under the lock, as for any lock. RawValue's loads and stores
// are relaxed atomics (for lock-free T): no torn values, no ordering; use a
// lock, an mp::Event or a Queue to publish other data.
//
// Thread-safety: every method may be called from any thread of any process.
//
// Example:
//
//   auto counter = conc::mp::Value<int>::Create(0);
//   // in each of several processes:
//   for (int i = 0; i < 1000; ++i) (void)counter->with_lock([](int& c) { ++c; });
//   // afterwards, in the parent: counter->value() == 1000 * processes

#ifndef MODULES_IPC_SHARED_VALUE_H_
#define MODULES_IPC_SHARED_VALUE_H_

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/codec.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/mp_lock_core.h"
#include "modules/ipc/internal/mp_lock_data.h"
#include "modules/ipc/mp_lock.h"

namespace conc::mp {

// What a spawned child needs to attach a Value or RawValue: the memfd's
// number, passed with ProcessOptions::pass_fds. Encodable.
struct ValueHandle {
  int fd = -1;
  // A Value created with `lock=` an existing RLock: that lock's handle
  // (lock_fd -1: the Value's lock is in its own region).
  int lock_fd = -1;
  uint64_t lock_offset = 0;
  CONC_CODEC_FIELDS(fd, lock_fd, lock_offset);
};

template <class T>
class RawValue;

namespace internal {
template <class T>
conc::internal::MpLayout ValueLayout(bool locked) {
  return {conc::internal::MpKind::kValue,
          locked ? conc::internal::MpLockKind::kRLock : conc::internal::MpLockKind::kNone,
          sizeof(T), alignof(T), 1, conc::internal::TypeTag<T>()};
}
}  // namespace internal

// Python's multiprocessing.sharedctypes.RawValue: no lock.
template <class T>
class RawValue {
  static_assert(std::is_trivially_copyable_v<T>, CONC_MP_TRIVIALLY_COPYABLE_MESSAGE);

 public:
  // A new value, `init` converted to T (see CONVERSIONS). Errors: the errno's
  // status if the shared memory cannot be created.
  template <class U = T>
    requires internal::StorableAs<U, T>
  [[nodiscard]] static absl::StatusOr<RawValue> Create(U init = U{}) {
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::CreateMpRegion(internal::ValueLayout<T>(false), "conc-mp-rawvalue");
    if (!r.ok()) return r.status();
    RawValue v(std::move(r->region), reinterpret_cast<T*>(r->data));
    v.set_value(init);
    return v;
  }

  // The RawValue<T> a parent passed. InvalidArgument if the descriptor holds
  // something else (a Value with a lock, another T, not a value at all).
  [[nodiscard]] static absl::StatusOr<RawValue> Attach(ValueHandle handle) {
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::AttachMpRegion(handle.fd, internal::ValueLayout<T>(false));
    if (!r.ok()) return r.status();
    return RawValue(std::move(r->region), reinterpret_cast<T*>(r->data));
  }

  // Python's `v.value`: the value now (a relaxed atomic load for lock-free T).
  [[nodiscard]] T value() const { return internal::LoadElement(ptr_); }

  // Python's `v.value = x`, `x` converted to T.
  template <class U>
    requires internal::StorableAs<U, T>
  void set_value(const U& x) {
    internal::StoreElement(ptr_, static_cast<T>(x));
  }

  [[nodiscard]] ValueHandle handle() const { return {.fd = region_->handle().fd}; }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return region_->fds_to_pass(); }

 private:
  RawValue(std::shared_ptr<conc::internal::SharedRegion> region, T* ptr)
      : region_(std::move(region)), ptr_(ptr) {}

  std::shared_ptr<conc::internal::SharedRegion> region_;
  T* ptr_;
};

// Python's multiprocessing.Value: a value guarded by an mp::RLock.
template <class T>
class Value {
  static_assert(std::is_trivially_copyable_v<T>, CONC_MP_TRIVIALLY_COPYABLE_MESSAGE);

 public:
  // Python's `Value(typecode, init)`: `init` converted to T (see CONVERSIONS),
  // with its own RLock. Errors: the errno's status.
  template <class U = T>
    requires internal::StorableAs<U, T>
  [[nodiscard]] static absl::StatusOr<Value> Create(U init = U{}) {
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::CreateMpRegion(internal::ValueLayout<T>(true), "conc-mp-value");
    if (!r.ok()) return r.status();
    T* ptr = reinterpret_cast<T*>(r->data);
    internal::StoreElement(ptr, static_cast<T>(init));
    return Value(RLock(r->region, r->lock), std::move(r->region), ptr);
  }

  // Python's `Value(typecode, init, lock=lock)`: guarded by an existing
  // RLock instead of one of its own, so that several Values and Arrays (and
  // code that takes the lock itself) share one critical section. The lock
  // travels with the Value: handle() and fds_to_pass() include it. Where it
  // differs from Python: the lock must be an mp::RLock (Python also takes a
  // Lock, with which `with v.get_lock(): v.value += 1` deadlocks: the accessor
  // takes the lock again); an mp::Lock does not compile.
  template <class U>
    requires internal::StorableAs<U, T>
  [[nodiscard]] static absl::StatusOr<Value> Create(U init, const RLock& lock) {
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::CreateMpRegion(internal::ValueLayout<T>(false), "conc-mp-value");
    if (!r.ok()) return r.status();
    T* ptr = reinterpret_cast<T*>(r->data);
    internal::StoreElement(ptr, static_cast<T>(init));
    return Value(lock, std::move(r->region), ptr, /*shared_lock=*/true);
  }

  // Python's `Value(typecode, init, lock=False)`: a RawValue<T>.
  template <class U>
    requires internal::StorableAs<U, T>
  [[nodiscard]] static absl::StatusOr<RawValue<T>> Create(U init, NoLock) {
    return RawValue<T>::Create(init);
  }

  // The Value<T> a parent passed. InvalidArgument if the descriptor holds
  // something else.
  [[nodiscard]] static absl::StatusOr<Value> Attach(ValueHandle handle) {
    const bool shared_lock = handle.lock_fd >= 0;
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::AttachMpRegion(handle.fd, internal::ValueLayout<T>(!shared_lock));
    if (!r.ok()) return r.status();
    T* ptr = reinterpret_cast<T*>(r->data);
    if (!shared_lock) return Value(RLock(r->region, r->lock), std::move(r->region), ptr);
    absl::StatusOr<RLock> lock = RLock::Attach({handle.lock_fd, handle.lock_offset});
    if (!lock.ok()) return lock.status();
    return Value(*std::move(lock), std::move(r->region), ptr, /*shared_lock=*/true);
  }

  // Python's `v.value`: takes the lock, loads, releases.
  [[nodiscard]] T value() const {
    const bool held = Lock();
    T v = internal::LoadElement(ptr_);
    if (held) (void)lock_.release();
    return v;
  }

  // Python's `v.value = x`: takes the lock, stores `x` converted to T.
  template <class U>
    requires internal::StorableAs<U, T>
  void set_value(const U& x) {
    const bool held = Lock();
    internal::StoreElement(ptr_, static_cast<T>(x));
    if (held) (void)lock_.release();
  }

  // Python's `get_lock()`: the RLock guarding the value (re-entrant, so
  // value()/set_value() work while it is held).
  [[nodiscard]] RLock& get_lock() const { return lock_; }

  // Runs `f(T&)` on the value with the lock held (a locked read-modify-write:
  // `v.with_lock([](int& x) { ++x; })`). OK; OwnerDiedError if the previous
  // holder died (f ran anyway, on the value it left); another error (lock not
  // taken, f not run) only on a broken system.
  template <class F>
    requires std::is_invocable_v<F&, T&>
  [[nodiscard]] absl::Status with_lock(F&& f) {
    absl::StatusOr<bool> got = lock_.acquire();
    if (!got.ok() && !IsOwnerDied(got.status())) return got.status();
    T v = internal::LoadElement(ptr_);
    std::invoke(f, v);
    internal::StoreElement(ptr_, v);
    (void)lock_.release();
    return got.ok() ? absl::OkStatus() : got.status();
  }

  [[nodiscard]] ValueHandle handle() const {
    return internal::WithLockHandle(ValueHandle{.fd = region_->handle().fd}, lock_, shared_lock_);
  }
  [[nodiscard]] std::vector<int> fds_to_pass() const {
    return internal::FdsWithLock(region_->fds_to_pass(), lock_, shared_lock_);
  }

 private:
  Value(RLock lock, std::shared_ptr<conc::internal::SharedRegion> region, T* ptr, bool shared_lock = false)
      : lock_(std::move(lock)), region_(std::move(region)), ptr_(ptr), shared_lock_(shared_lock) {}

  // Takes the lock for one access unless the caller already holds it; a dead
  // holder's lock is taken over (see LOCKING). True if the access must
  // release it afterwards.
  bool Lock() const {
    if (lock_.is_owned()) return false;  // already ours (get_lock() held): no re-entry needed
    absl::StatusOr<bool> got = lock_.acquire();
    return got.ok() || IsOwnerDied(got.status());
  }

  mutable RLock lock_;
  std::shared_ptr<conc::internal::SharedRegion> region_;
  T* ptr_;
  bool shared_lock_;  // lock_ is another object's (lock=), not in region_.
};

}  // namespace conc::mp

#endif  // MODULES_IPC_SHARED_VALUE_H_

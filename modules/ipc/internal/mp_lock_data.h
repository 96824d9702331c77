// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/mp_lock_data.h: what Value, Array, RawValue and RawArray share: the
// rule for which values may be stored (ctypes' rule), the element access that
// is safe when other processes write at the same time, and the no_lock tag.
//
// Element access: for a T that the hardware loads and stores in one
// instruction (std::atomic_ref<T>::is_always_lock_free, a power-of-two size:
// int, double, a pair of ints ...) every load and store goes through
// std::atomic_ref with relaxed order. A racing reader then sees an old or a
// new value, never a torn one, and there is no undefined behaviour even for
// the Raw types shared without a lock ("lost updates" are the only effect of
// a race, as in Python). Larger T is copied with memcpy: under the lock (Value,
// Array) that is fine; the Raw types may then show a torn value to a reader
// racing a writer, as a C program would.

#ifndef MODULES_IPC_INTERNAL_MP_LOCK_DATA_H_
#define MODULES_IPC_INTERNAL_MP_LOCK_DATA_H_

#include <atomic>
#include <cstring>
#include <type_traits>

namespace conc::mp {

// Python's `lock=False`: `Value<T>::Create(init, conc::mp::no_lock)` gives a
// RawValue<T>, as `Value(typecode, init, lock=False)` gives a raw ctypes object.
struct NoLock {
  explicit NoLock() = default;
};
inline constexpr NoLock no_lock{};

namespace internal {

// The message of every static_assert on T.
#define CONC_MP_TRIVIALLY_COPYABLE_MESSAGE                                                      \
  "T must be trivially copyable: Value/Array copy it byte for byte into shared memory (as "    \
  "ctypes does), so it cannot own heap memory or have a custom copy. Use mp::Queue or a "      \
  "Manager for std::string, std::vector and the like."

// A value of type U may be stored into a T the way ctypes stores a Python
// object into a C type: any arithmetic value into an arithmetic T with C's
// conversion (integers wrap modulo 2^N: C++20 defines it; `Value("b", 129)`
// gives -127) EXCEPT a floating-point value into an integer T, which ctypes
// refuses with TypeError ("int expected instead of float") and which is a
// compile error here. Any other T takes only a T.
template <class U, class T>
concept StorableAs =
    (std::is_arithmetic_v<T> && std::is_arithmetic_v<std::remove_cvref_t<U>> &&
     !(std::is_floating_point_v<std::remove_cvref_t<U>> && std::is_integral_v<T>)) ||
    std::is_same_v<std::remove_cvref_t<U>, T>;

template <class T>
inline constexpr bool kAtomicElement =
    std::atomic_ref<T>::is_always_lock_free && (sizeof(T) & (sizeof(T) - 1)) == 0 &&
    sizeof(T) <= 16;

// Elements start 64-byte aligned and follow each other, so a power-of-two
// sized element is aligned to its size, as atomic_ref requires.
template <class T>
T LoadElement(const T* p) {
  if constexpr (kAtomicElement<T>) {
    return std::atomic_ref<T>(*const_cast<T*>(p)).load(std::memory_order_relaxed);
  } else {
    T v;
    std::memcpy(static_cast<void*>(&v), p, sizeof(T));
    return v;
  }
}

template <class T>
void StoreElement(T* p, const T& v) {
  if constexpr (kAtomicElement<T>) {
    std::atomic_ref<T>(*p).store(v, std::memory_order_relaxed);
  } else {
    std::memcpy(static_cast<void*>(p), &v, sizeof(T));
  }
}

}  // namespace internal
}  // namespace conc::mp

#endif  // MODULES_IPC_INTERNAL_MP_LOCK_DATA_H_

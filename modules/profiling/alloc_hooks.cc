// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// alloc_hooks.cc: the replaceable global operator new and operator delete, every
// form the standard lists ([new.delete]), each forwarding to malloc/free and
// telling alloc_tracker.cc what it did. Linked only into programs that depend on
// //modules/profiling:alloc_hooks (alwayslink: nothing names these symbols).
//
// The allocating forms behave as the standard's defaults do: a size of 0 gets a
// unique pointer, failure calls the new_handler until it gives up, then the
// throwing forms throw std::bad_alloc and the nothrow forms return nullptr.

#include <atomic>
#include <cstdlib>
#include <new>

#include "modules/profiling/alloc_tracker.h"

namespace conc::internal {
extern std::atomic<bool> g_hooks_linked;
}  // namespace conc::internal

namespace {

// Says "linked" before main(); constant-initialised state in alloc_tracker.cc
// makes allocations before this runs safe too (they are simply not counted).
[[maybe_unused]] const bool kLinked = (conc::internal::g_hooks_linked.store(true), true);

// malloc, or aligned_alloc when `align` exceeds what malloc guarantees; retries
// through the new_handler. nullptr only when there is no handler left.
void* Allocate(std::size_t size, std::size_t align) {
  if (size == 0) size = 1;
  for (;;) {
    void* p;
    if (align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      p = std::malloc(size);
    } else {
      // aligned_alloc wants a size that is a multiple of the alignment; round
      // up, refusing the sizes where rounding would wrap.
      if (size > static_cast<std::size_t>(-1) - align) return nullptr;
      p = std::aligned_alloc(align, (size + align - 1) / align * align);
    }
    if (p != nullptr) {
      conc::internal::RecordAllocation(p, size);
      return p;
    }
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) return nullptr;
    handler();  // may throw bad_alloc itself
  }
}

void* AllocateOrThrow(std::size_t size, std::size_t align) {
  void* p = Allocate(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* AllocateNoThrow(std::size_t size, std::size_t align) noexcept {
  try {
    return Allocate(size, align);
  } catch (...) {  // a new_handler that threw
    return nullptr;
  }
}

void Free(void* p) noexcept {
  conc::internal::RecordDeallocation(p);
  std::free(p);
}

constexpr std::size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace

void* operator new(std::size_t n) { return AllocateOrThrow(n, kDefault); }
void* operator new[](std::size_t n) { return AllocateOrThrow(n, kDefault); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return AllocateNoThrow(n, kDefault); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return AllocateNoThrow(n, kDefault); }
void* operator new(std::size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, std::size_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t) noexcept { Free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }

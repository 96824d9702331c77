// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/block_pool.h: where the event loop's small, short-lived blocks come
// from: Task<T> coroutine frames (the promise's operator new) and the loop's
// scheduled callbacks (PoolAllocator, for std::allocate_shared). A per-thread
// cache of freed blocks by size class, in front of ::operator new, so that
// creating and finishing tasks in bulk (a loop that starts a thousand tasks and
// awaits them) reuses the same blocks instead of going through malloc's bins
// each time. Measured with BM_Task_CreateRunComplete
// (benchmarks/event_loop_benchmark.cc): malloc and free were a third of a
// task's cost before it.
//
// Contract:
//   * PoolAllocate(n) returns memory for n bytes, aligned as ::operator new
//     (16 bytes); PoolFree(p, n) gives it back with the same n. A block may be
//     freed on another thread than the one that allocated it (a task created
//     on one thread, finished on its loop's): it then goes to that thread's
//     cache.
//   * Blocks of up to kMaxPooledBlock bytes are cached, rounded up to
//     kGranule; a thread keeps at most kMaxCachedBytes bytes of them in all
//     and frees the rest at once (after a burst of a million tasks, the rest
//     goes back to malloc). Larger blocks go straight to ::operator new /
//     delete.
//   * When a thread ends, its cache is freed; blocks freed after that (by
//     other thread-local destructors) go straight to ::operator delete.
//   * Under AddressSanitizer the cache is off (every block is its own
//     allocation), so that a use after free is still reported.
//
// Thread-safety: each thread touches only its own cache; nothing is shared.

#ifndef MODULES_GENERATORS_INTERNAL_BLOCK_POOL_H_
#define MODULES_GENERATORS_INTERNAL_BLOCK_POOL_H_

#include <cstddef>

namespace conc {
namespace internal {

inline constexpr std::size_t kGranule = 16;
inline constexpr std::size_t kMaxPooledBlock = 1024;
inline constexpr std::size_t kMaxCachedBytes = std::size_t{16} << 20;

void* PoolAllocate(std::size_t n);
void PoolFree(void* p, std::size_t n) noexcept;

// A std allocator over PoolAllocate/PoolFree, for std::allocate_shared.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(PoolAllocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { PoolFree(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace internal
}  // namespace conc

#endif  // MODULES_GENERATORS_INTERNAL_BLOCK_POOL_H_

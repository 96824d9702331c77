// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/generators/internal/block_pool.h"

#include <cstddef>
#include <new>

namespace conc {
namespace internal {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPoolEnabled = false;
#else
constexpr bool kPoolEnabled = true;
#endif

constexpr std::size_t kClasses = kMaxPooledBlock / kGranule;

struct FreeBlock {
  FreeBlock* next;
};

// Plain data, so that it stays usable (as "dead") after the Drainer below ran.
enum class State : unsigned char { kUnused, kLive, kDead };
struct Cache {
  State state;
  std::size_t cached_bytes;
  FreeBlock* head[kClasses];
};
thread_local Cache t_cache{};

// Frees the thread's cached blocks when the thread ends.
struct Drainer {
  ~Drainer() {
    t_cache.state = State::kDead;
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = t_cache.head[c]) {
        t_cache.head[c] = b->next;
        ::operator delete(b);
      }
    }
    t_cache.cached_bytes = 0;
  }
};

// The size class of an n-byte block (0 for 1..16 bytes, ...).
std::size_t ClassOf(std::size_t n) { return (n - 1) / kGranule; }

}  // namespace

void* PoolAllocate(std::size_t n) {
  if (kPoolEnabled && n > 0 && n <= kMaxPooledBlock) {
    const std::size_t c = ClassOf(n);
    if (FreeBlock* b = t_cache.head[c]) {
      t_cache.head[c] = b->next;
      t_cache.cached_bytes -= (c + 1) * kGranule;
      return b;
    }
    // Every block of a class has the class's full size, whoever frees it.
    return ::operator new((c + 1) * kGranule);
  }
  return ::operator new(n);
}

void PoolFree(void* p, std::size_t n) noexcept {
  if (kPoolEnabled && n > 0 && n <= kMaxPooledBlock) {
    if (t_cache.state == State::kUnused) {
      thread_local Drainer drainer;  // registers the cleanup at thread exit
      (void)drainer;
      t_cache.state = State::kLive;
    }
    const std::size_t c = ClassOf(n);
    const std::size_t size = (c + 1) * kGranule;
    if (t_cache.state == State::kLive && t_cache.cached_bytes + size <= kMaxCachedBytes) {
      auto* b = static_cast<FreeBlock*>(p);
      b->next = t_cache.head[c];
      t_cache.head[c] = b;
      t_cache.cached_bytes += size;
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace internal
}  // namespace conc

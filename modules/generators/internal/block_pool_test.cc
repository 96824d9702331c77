// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/generators/internal/block_pool.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace conc::internal {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooled = false;  // the cache is off under ASan (block_pool.h)
#else
constexpr bool kPooled = true;
#endif

TEST(BlockPoolTest, BlocksAreAlignedAndWritable) {
  for (std::size_t n : {1u, 15u, 16u, 17u, 72u, 288u, 1024u, 1025u, 5000u}) {
    void* p = PoolAllocate(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u) << n;
    std::memset(p, 0xab, n);
    PoolFree(p, n);
  }
}

TEST(BlockPoolTest, AFreedBlockIsReusedForTheSameSizeClass) {
  void* p = PoolAllocate(288);
  PoolFree(p, 288);
  void* q = PoolAllocate(280);  // same 16-byte class as 288 (273..288)
  if (kPooled) {
    EXPECT_EQ(q, p);
  }
  PoolFree(q, 280);
}

TEST(BlockPoolTest, LargeBlocksBypassTheCache) {
  void* p = PoolAllocate(kMaxPooledBlock + 1);
  std::memset(p, 0, kMaxPooledBlock + 1);
  PoolFree(p, kMaxPooledBlock + 1);
}

TEST(BlockPoolTest, ABlockMayBeFreedOnAnotherThreadWhoseCacheIsDrainedAtExit) {
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(PoolAllocate(64));
  std::thread other([&] {
    for (void* p : blocks) PoolFree(p, 64);
    // Reused on that thread, then the thread ends and frees its cache.
    void* again = PoolAllocate(64);
    std::memset(again, 0, 64);
    PoolFree(again, 64);
  });
  other.join();
}

TEST(BlockPoolTest, PoolAllocatorServesAllocateShared) {
  auto v = std::allocate_shared<std::vector<int>>(PoolAllocator<std::vector<int>>(), 3, 7);
  EXPECT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[2], 7);
}

}  // namespace
}  // namespace conc::internal

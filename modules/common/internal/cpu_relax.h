// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// cpu_relax.h: the instruction a spin-wait loop runs between two looks at the
// word it waits for.
//
// On x86 `pause` tells the core it is in a spin loop: the loop stops flooding
// the memory pipeline with speculative loads of the word (whose line the other
// CPU is about to write), the sibling hyper-thread gets the core, and the exit
// from the loop is not punished by a memory-order mis-speculation. On ARM,
// `yield` is the hint. Elsewhere, only a compiler barrier, so that the loop
// still re-reads the word.
//
// Example:
//
//   while (flag.load(std::memory_order_acquire) == 0) conc::internal::CpuRelax();

#ifndef MODULES_COMMON_INTERNAL_CPU_RELAX_H_
#define MODULES_COMMON_INTERNAL_CPU_RELAX_H_

#include <atomic>

namespace conc::internal {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_CPU_RELAX_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// prefetch.h: ask for a cache line that this CPU is about to write.
//
// A store to a line that another CPU's cache holds must first take the line
// away from it (a "read for ownership"), which costs a round trip between the
// CPUs. The store itself waits in the store buffer meanwhile, which is
// harmless until something must drain that buffer: a locked instruction, a
// `seq_cst` store, or a full buffer. A producer that writes a ring the
// consumer reads on another CPU pays that round trip per line, serially, at
// its next lock. PrefetchForWrite starts the round trip early and returns at
// once: by the time the store comes, the line is this CPU's.
//
// x86-64: PREFETCHW where the CPU has it (CPUID PRFCHW: every AMD64 CPU,
// Intel since Broadwell), else PREFETCHT0 (the line arrives, shared). gcc
// emits PREFETCHW for __builtin_prefetch(p, 1) only under -mprfchw, which
// would tie the binary to such CPUs, so the choice is made at run time.
// Elsewhere: __builtin_prefetch(p, 1), whatever the target makes of it.
// A prefetch is a hint: it never faults and never changes memory.
//
// Example (a producer, after publishing the record that ends at `tail`):
//
//   for (uint64_t line = tail & ~63; line < tail + 512; line += 64) {
//     conc::internal::PrefetchForWrite(ring + line % capacity);
//   }

#ifndef MODULES_COMMON_INTERNAL_PREFETCH_H_
#define MODULES_COMMON_INTERNAL_PREFETCH_H_

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace conc::internal {

#if defined(__x86_64__)
// CPUID 0x80000001, ECX bit 8: PRFCHW ("3DNowPrefetch").
inline bool CpuHasPrefetchw() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 8)) != 0;
}
// Read during static initialisation; false before that (then PREFETCHT0).
inline const bool kHasPrefetchw = CpuHasPrefetchw();
#endif

inline void PrefetchForWrite(const void* p) {
#if defined(__x86_64__)
  if (kHasPrefetchw) [[likely]] {
    asm volatile("prefetchw %0" : : "m"(*static_cast<const char*>(p)));
    return;
  }
#endif
  __builtin_prefetch(p, 1, 3);
}

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_PREFETCH_H_

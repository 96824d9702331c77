// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_queue_benchmark: conc::mp::Queue between two processes. This process
// puts batches of messages; a spawned consumer gets them and acknowledges each
// batch on a second queue, so a batch is timed from its first put to its last
// get (end to end, not just into the ring). Items processed = messages.
// Peer: tools/peers/ipc_queue_peer.py (multiprocessing.Queue, the same shape).
//
// main() is //modules/threads/benchmarks:process_benchmark_main (spawned children go
// through conc::ProcessMain first).

#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "modules/common/internal/prefetch.h"
#include "modules/ipc/mp_queue.h"
#include "modules/threads/process.h"

// The consumer: gets `batch` messages, acks, and again, until an empty message.
void bench_consumer(conc::mp::QueueHandle h, conc::mp::QueueHandle ack_h, int batch) {
  auto q = conc::mp::Queue<std::string>::Attach(h);
  auto ack = conc::mp::Queue<int>::Attach(ack_h);
  if (!q.ok() || !ack.ok()) std::exit(2);
  for (;;) {
    for (int i = 0; i < batch; ++i) {
      absl::StatusOr<std::string> m = q->get();
      if (!m.ok()) std::exit(3);
      if (m->empty()) return;
    }
    if (!ack->put(1).ok()) std::exit(4);
  }
}
CONC_PROCESS_FUNCTION(bench_consumer);

namespace {

void RunQueue(benchmark::State& state, size_t message_size, int batch) {
  auto q = conc::mp::Queue<std::string>::Create();
  auto ack = conc::mp::Queue<int>::Create();
  if (!q.ok() || !ack.ok()) {
    state.SkipWithError("Create failed");
    return;
  }
  std::vector<int> fds = q->fds_to_pass();
  fds.push_back(ack->handle().fd);
  conc::Process consumer({.pass_fds = fds}, conc::process_function<bench_consumer>, q->handle(),
                         ack->handle(), batch);
  if (!consumer.start().ok()) {
    state.SkipWithError("spawn failed");
    return;
  }
  // The payload is message_size bytes of the encoded item (an 8-byte length
  // and the characters).
  const std::string msg(message_size - 8, 'x');
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      if (!q->put(msg).ok()) std::abort();
    }
    if (!ack->get(absl::Seconds(60)).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * batch * static_cast<int64_t>(message_size));
  if (!q->put(std::string()).ok() || !consumer.join(absl::Seconds(60)).ok()) std::abort();
}

void BM_MpQueue_64B(benchmark::State& state) { RunQueue(state, 64, 10000); }
BENCHMARK(BM_MpQueue_64B)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_MpQueue_4KiB(benchmark::State& state) { RunQueue(state, 4096, 1000); }
BENCHMARK(BM_MpQueue_4KiB)->UseRealTime()->Unit(benchmark::kMillisecond);

// The cost of one put and one get with no other process involved: what the
// ring costs when no cache line moves between CPUs.
void RunSameThread(benchmark::State& state, size_t message_size) {
  auto q = conc::mp::Queue<std::string>::Create();
  if (!q.ok()) return state.SkipWithError("Create failed");
  const std::string msg(message_size - 8, 'x');
  for (auto _ : state) {
    if (!q->put(msg).ok()) std::abort();
    absl::StatusOr<std::string> m = q->get();
    if (!m.ok()) std::abort();
    benchmark::DoNotOptimize(m->data());
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_MpQueue_64B_SameThread(benchmark::State& state) { RunSameThread(state, 64); }
BENCHMARK(BM_MpQueue_64B_SameThread);
void BM_MpQueue_4KiB_SameThread(benchmark::State& state) { RunSameThread(state, 4096); }
BENCHMARK(BM_MpQueue_4KiB_SameThread);

// What bounds the rows above (limits, not mp::Queue):

// One trylock + unlock of a robust, process-shared pthread mutex, the lock
// each put and each get took until ring version 3 (now a PidLock: one
// compare-and-swap and one plain store): glibc's robust-list bookkeeping
// included. Kept to show what the change saved.
void BM_RobustSharedMutex_TrylockUnlock(benchmark::State& state) {
  pthread_mutex_t mu;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&mu, &attr);
  pthread_mutexattr_destroy(&attr);
  for (auto _ : state) {
    if (pthread_mutex_trylock(&mu) != 0) std::abort();
    pthread_mutex_unlock(&mu);
  }
  pthread_mutex_destroy(&mu);
}
BENCHMARK(BM_RobustSharedMutex_TrylockUnlock);

// The floor for moving messages between two processes through shared memory:
// a single-producer single-consumer ring of `kSize`-byte slots (1 MiB in all)
// in a MAP_SHARED mapping, a forked consumer that copies each message out, no
// lock, no codec, no allocation, no robustness, no wake-ups (the consumer
// spins). Same shape as BM_MpQueue_64B / _4KiB (batches of 10000,
// acknowledged). What is left is the cache lines crossing between the two
// CPUs: the slots, and the head/tail words when one side catches up with the
// other.
template <size_t kSize>
struct RawRing {
  static constexpr uint64_t kSlots = (size_t{1} << 20) / kSize;
  alignas(64) std::atomic<uint64_t> tail{0};   // Written by the producer.
  alignas(64) std::atomic<uint64_t> head{0};   // Written by the consumer.
  alignas(64) std::atomic<uint64_t> acked{0};  // Batches the consumer finished.
  alignas(64) char slots[kSlots][kSize];
};

template <size_t kSize>
void RawConsumer(RawRing<kSize>* r, int batch) {
  uint64_t head = 0;
  uint64_t tail = 0;
  uint64_t batches = 0;
  static char msg[kSize];
  for (;;) {
    for (int i = 0; i < batch; ++i) {
      while (head == tail) {
        __builtin_ia32_pause();  // Polling less often leaves the line to the producer.
        tail = r->tail.load(std::memory_order_acquire);
      }
      std::memcpy(msg, r->slots[head % RawRing<kSize>::kSlots], kSize);
      benchmark::DoNotOptimize(msg);
      r->head.store(++head, std::memory_order_release);
      if (msg[0] == 0) return;  // The stop message.
    }
    r->acked.store(++batches, std::memory_order_release);
  }
}

template <size_t kSize>
void BM_RawShmRing(benchmark::State& state) {
  using Ring = RawRing<kSize>;
  constexpr int kBatch = 10000;
  void* mem = ::mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
  if (mem == MAP_FAILED) return state.SkipWithError("mmap failed");
  Ring* r = new (mem) Ring();
  const pid_t child = ::fork();
  if (child < 0) return state.SkipWithError("fork failed");
  if (child == 0) {
    RawConsumer<kSize>(r, kBatch);
    ::_exit(0);
  }
  static char msg[kSize];
  std::memset(msg, 'x', sizeof msg);
  uint64_t tail = 0;
  uint64_t head = 0;
  uint64_t batches = 0;
  auto send = [&] {
    while (tail - head == Ring::kSlots) head = r->head.load(std::memory_order_acquire);
    std::memcpy(r->slots[tail % Ring::kSlots], msg, sizeof msg);
    r->tail.store(++tail, std::memory_order_release);
    // As mp::Queue does for small records (ShmRing::OwnAhead): ask for the
    // line 512 bytes ahead in the exclusive state, if that room is free.
    if constexpr (kSize < 512) {
      constexpr uint64_t kAhead = 512 / kSize;
      if (tail + kAhead - head < Ring::kSlots) {
        conc::internal::PrefetchForWrite(r->slots[(tail + kAhead) % Ring::kSlots]);
      }
    }
  };
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) send();
    ++batches;
    while (r->acked.load(std::memory_order_acquire) != batches) {
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * static_cast<int64_t>(kSize));
  msg[0] = 0;
  send();
  int status = 0;
  ::waitpid(child, &status, 0);
  ::munmap(mem, sizeof(Ring));
}
void BM_RawShmRing_64B(benchmark::State& state) { BM_RawShmRing<64>(state); }
void BM_RawShmRing_4KiB(benchmark::State& state) { BM_RawShmRing<4096>(state); }
BENCHMARK(BM_RawShmRing_64B)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawShmRing_4KiB)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Queue (tuned, and CPython's algorithm in reference::Queue) and SimpleQueue
// moving small items from one producer thread to one consumer thread. The
// CPython peers are queue.Queue and queue.SimpleQueue in
// tools/peers/queue_peer.py; run both with
//
//   bazel run //tools/bench:ratios -- --chapter=sync
//
// The clock runs from the first put to the consumer's last get (the last
// iteration waits for the consumer), so an unbounded queue cannot flatter the
// producer by leaving a backlog unconsumed.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "benchmark/benchmark.h"
#include "modules/sync/queue.h"
#include "modules/sync/reference/queue.h"
#include "modules/sync/simple_queue.h"

namespace {

constexpr int64_t kStop = -1;

template <typename Q>
void Consume(Q& q) {
  int64_t sum = 0;
  while (true) {
    auto item = q.get();
    if (!item.ok() || *item == kStop) break;
    sum += *item;
  }
  benchmark::DoNotOptimize(sum);
}

template <typename Q, typename Put>
void ProducerConsumer(benchmark::State& state, Q& q, Put put) {
  std::thread consumer([&q] { Consume(q); });
  int64_t i = 0;
  for (auto _ : state) {
    put(q, i);
    if (++i == state.max_iterations) {
      put(q, kStop);
      consumer.join();  // Inside the timed loop: the last item is consumed.
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// queue.Queue(): put + get of one int, producer (this thread) and consumer.
void BM_Queue_ProducerConsumer(benchmark::State& state) {
  conc::Queue<int64_t> q;
  ProducerConsumer(state, q, [](conc::Queue<int64_t>& q, int64_t v) {
    benchmark::DoNotOptimize(q.put(v));
  });
}
BENCHMARK(BM_Queue_ProducerConsumer)->UseRealTime();

// The same through conc::reference::Queue, CPython's algorithm line for line
// (one std::mutex, three std::condition_variables, a notify per put and get):
// what the tuning of conc::Queue buys (lesson queue_reference_vs_tuned).
void BM_ReferenceQueue_ProducerConsumer(benchmark::State& state) {
  conc::reference::Queue<int64_t> q;
  ProducerConsumer(state, q, [](conc::reference::Queue<int64_t>& q, int64_t v) {
    benchmark::DoNotOptimize(q.put(v));
  });
}
BENCHMARK(BM_ReferenceQueue_ProducerConsumer)->UseRealTime();

// queue.SimpleQueue(): the same with the unbounded, task-less queue.
void BM_SimpleQueue_ProducerConsumer(benchmark::State& state) {
  conc::SimpleQueue<int64_t> q;
  ProducerConsumer(state, q, [](conc::SimpleQueue<int64_t>& q, int64_t v) {
    q.put(v);
  });
}
BENCHMARK(BM_SimpleQueue_ProducerConsumer)->UseRealTime();

// The limit: the same shape (one producer thread, one consumer thread, int
// items, clock until the last item is consumed) through a bare
// single-producer single-consumer ring: no lock, no read-modify-write, no
// blocking, no task count, no shutdown, a fixed capacity. One plain store
// publishes each item; the consumer polls with `pause`. What it costs is the
// cache lines of items and indices crossing between the two CPUs, i.e. what
// any queue pays at least.
class SpscRing {
 public:
  static constexpr uint64_t kSlots = 1 << 16;
  void put(int64_t v) {
    while (tail_ - head_cache_ == kSlots) {
      head_cache_ = head_.load(std::memory_order_acquire);
    }
    slots_[tail_ % kSlots] = v;
    tail_.store(tail_ + 1, std::memory_order_release);
  }
  int64_t get() {
    const uint64_t h = head_.load(std::memory_order_relaxed);
    while (h == tail_cache_) {
      __builtin_ia32_pause();
      tail_cache_ = tail_.load(std::memory_order_acquire);
    }
    const int64_t v = slots_[h % kSlots];
    head_.store(h + 1, std::memory_order_release);
    return v;
  }

 private:
  alignas(64) std::atomic<uint64_t> tail_{0};  // The producer's.
  uint64_t head_cache_ = 0;
  alignas(64) std::atomic<uint64_t> head_{0};  // The consumer's.
  uint64_t tail_cache_ = 0;
  alignas(64) int64_t slots_[kSlots];
};

void BM_SpscRing_ProducerConsumer(benchmark::State& state) {
  auto ring = std::make_unique<SpscRing>();
  std::thread consumer([&ring] {
    int64_t sum = 0;
    for (int64_t v = ring->get(); v != kStop; v = ring->get()) sum += v;
    benchmark::DoNotOptimize(sum);
  });
  int64_t i = 0;
  for (auto _ : state) {
    ring->put(i);
    if (++i == state.max_iterations) {
      ring->put(kStop);
      consumer.join();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpscRing_ProducerConsumer)->UseRealTime();

}  // namespace

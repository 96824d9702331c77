// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Queue and SimpleQueue moving small items from one producer thread to one
// consumer thread. The CPython peers are queue.Queue and queue.SimpleQueue in
// tools/peers/queue_peer.py; run both with
//
//   bazel run //tools/bench:ratios -- --chapter=sync
//
// The clock runs from the first put to the consumer's last get (the last
// iteration waits for the consumer), so an unbounded queue cannot flatter the
// producer by leaving a backlog unconsumed.

#include <cstdint>
#include <thread>

#include "benchmark/benchmark.h"
#include "modules/sync/queue.h"
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

// queue.SimpleQueue(): the same with the unbounded, task-less queue.
void BM_SimpleQueue_ProducerConsumer(benchmark::State& state) {
  conc::SimpleQueue<int64_t> q;
  ProducerConsumer(state, q, [](conc::SimpleQueue<int64_t>& q, int64_t v) {
    q.put(v);
  });
}
BENCHMARK(BM_SimpleQueue_ProducerConsumer)->UseRealTime();

}  // namespace

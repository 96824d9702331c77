// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// queue_producer_consumer: multiprocessing.Queue between two processes (Module
// 5, "Streaming data using Pipe and Queue"): `Queue(maxsize)` limits how far
// the producer runs ahead, and a sentinel (Python's None, here an empty
// std::optional) tells the consumer to stop. Both children are spawned: they
// reach the queue through the memfd passed with pass_fds and q.handle().

#include <cstdio>
#include <optional>
#include <string>

#include "modules/common/lesson.h"
#include "modules/ipc/mp_queue.h"
#include "modules/threads/process.h"

using Item = std::optional<std::string>;  // nullopt is the sentinel (Python's None).

// def producer(q): for i in range(5): q.put(f"item {i}"); q.put(None)
void producer(conc::mp::QueueHandle h, int count) {
  auto q = conc::ValueOrDie(conc::mp::Queue<Item>::Attach(h), "Queue::Attach(q)");
  for (int i = 0; i < count; ++i) {
    conc::CheckOk(q.put("item " + std::to_string(i)), "q.put(f\"item {i}\")");
  }
  conc::CheckOk(q.put(std::nullopt), "q.put(None)");
}

// def consumer(q): while (item := q.get()) is not None: print("got", item)
void consumer(conc::mp::QueueHandle h) {
  auto q = conc::ValueOrDie(conc::mp::Queue<Item>::Attach(h), "Queue::Attach(q)");
  for (;;) {
    const Item item = conc::ValueOrDie(q.get(absl::Seconds(30)), "q.get(timeout=30)");
    if (!item.has_value()) break;
    std::printf("consumer got %s\n", item->c_str());
    std::fflush(stdout);
  }
  std::printf("consumer: sentinel received, done\n");
}
CONC_PROCESS_FUNCTION(producer);
CONC_PROCESS_FUNCTION(consumer);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "multiprocessing.Queue: a producer and a consumer process.");

  conc::Heading("q = Queue(maxsize=2)");
  auto q = conc::ValueOrDie(conc::mp::Queue<Item>::Create(/*maxsize=*/2), "Queue(maxsize=2)");
  std::printf("maxsize=%lld qsize=%lld empty=%s full=%s\n", static_cast<long long>(q.maxsize()),
              static_cast<long long>(q.qsize()), q.empty() ? "true" : "false",
              q.full() ? "true" : "false");

  conc::Heading("Process(target=producer, args=(q,)), Process(target=consumer, args=(q,))");
  // Python pickles q into each child; here each child maps the same memfd.
  conc::Process prod({.name = "producer", .pass_fds = q.fds_to_pass()},
                     conc::process_function<producer>, q.handle(), 5);
  conc::Process cons({.name = "consumer", .pass_fds = q.fds_to_pass()},
                     conc::process_function<consumer>, q.handle());
  std::fflush(stdout);
  conc::CheckOk(cons.start(), "consumer.start()");
  conc::CheckOk(prod.start(), "producer.start()");
  conc::CheckOk(prod.join(absl::Seconds(30)), "producer.join(timeout=30)");
  conc::CheckOk(cons.join(absl::Seconds(30)), "consumer.join(timeout=30)");
  std::printf("producer exitcode=%d, consumer exitcode=%d\n", *prod.exitcode(), *cons.exitcode());

  conc::Heading("after the children: the queue is empty, and non-blocking calls say so");
  std::printf("empty=%s, get_nowait: %s\n", q.empty() ? "true" : "false",
              q.get_nowait().status().ToString().c_str());
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// queue_join: a producer blocked in q.join() until the consumer acknowledges
// every item with q.task_done() (Module 3, "Producer/Consumer patterns using
// Queue"). As in the notebook, the producer puts 10, 11, 12 into a Queue(5)
// and waits; the main thread gets each item and calls task_done(); the third
// task_done() releases the producer.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "modules/common/lesson.h"
#include "modules/sync/queue.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "A producer blocked in Queue.join() until every task_done() (Module 3).");

  conc::Heading("q = Queue(5); a Producer thread puts three items, then q.join()");
  conc::Queue<int> q(5);
  std::jthread producer([&q, name = std::string("Producer")] {
    for (int i = 0; i < 3; ++i) {
      conc::Say(std::to_string(i) + ": " + name + " is waiting to put");
      conc::CheckOk(q.put(i + 10), "q.put(i + 10)");
      conc::Say(std::to_string(i) + ": " + name + " is done putting");
    }
    conc::Say(name + " is waiting for acknowledgement");
    q.join();  // Until every item put has been task_done()'d.
    conc::Say(name + " is done waiting for acknowledgement");
  });

  // The lesson's own bookkeeping: wait until the producer sits in join(), so
  // that the output comes in the notebook's order.
  while (q.joiners_waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  conc::Heading("The consumer: print(q.get()); q.task_done()");
  for (int i = 0; i < 3; ++i) {
    conc::Say(std::to_string(conc::ValueOrDie(q.get(), "q.get()")));
    conc::Say("unfinished tasks before task_done(): " + std::to_string(q.unfinished_tasks()));
    conc::CheckOk(q.task_done(), "q.task_done()");  // The last one releases the producer.
  }
  producer.join();

  conc::Heading("One task_done() too many");
  conc::Say("q.task_done() -> " + q.task_done().ToString());
  return 0;
}

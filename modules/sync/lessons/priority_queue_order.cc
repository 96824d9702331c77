// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// priority_queue: PriorityQueue hands out the lowest item first (Module 3,
// "Producer/Consumer patterns using Queue"). First plain numbers, as in the
// notebook; then (priority, item) pairs, where equal priorities are ordered
// by the item, as Python compares tuples.

#include <cstdio>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/sync/lifo_queue.h"
#include "modules/sync/priority_queue.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "PriorityQueue: lowest first, with (priority, item) pairs (Module 3).");

  conc::Heading("pq = PriorityQueue(); pq.put(20), 78, 12, 45");
  conc::PriorityQueue<int> pq;
  for (int n : {20, 78, 12, 45}) (void)pq.put(n);
  while (!pq.empty()) std::printf("pq.get() -> %d\n", *pq.get());

  conc::Heading("(priority, item) pairs: lowest priority number first");
  conc::PriorityQueue<std::pair<int, std::string>> jobs;
  (void)jobs.put({2, "write the report"});
  (void)jobs.put({1, "fix the bug"});
  (void)jobs.put({3, "lunch"});
  (void)jobs.put({1, "answer the email"});  // Ties with "fix the bug": ordered by the item.
  while (!jobs.empty()) {
    const auto [priority, item] = *jobs.get();
    std::printf("jobs.get() -> (%d, '%s')\n", priority, item.c_str());
  }

  conc::Heading("For contrast: LifoQueue, last in, first out");
  conc::LifoQueue<int> stack;
  for (int n : {20, 78, 12, 45}) (void)stack.put(n);
  while (!stack.empty()) std::printf("stack.get() -> %d\n", *stack.get());
  return 0;
}

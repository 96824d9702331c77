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
  for (int n : {20, 78, 12, 45}) conc::CheckOk(pq.put(n), "pq.put(n)");
  while (!pq.empty()) std::printf("pq.get() -> %d\n", conc::ValueOrDie(pq.get(), "pq.get()"));

  conc::Heading("(priority, item) pairs: lowest priority number first");
  conc::PriorityQueue<std::pair<int, std::string>> jobs;
  conc::CheckOk(jobs.put({2, "write the report"}), "jobs.put((2, 'write the report'))");
  conc::CheckOk(jobs.put({1, "fix the bug"}), "jobs.put((1, 'fix the bug'))");
  conc::CheckOk(jobs.put({3, "lunch"}), "jobs.put((3, 'lunch'))");
  // Ties with "fix the bug": ordered by the item.
  conc::CheckOk(jobs.put({1, "answer the email"}), "jobs.put((1, 'answer the email'))");
  while (!jobs.empty()) {
    const auto [priority, item] = conc::ValueOrDie(jobs.get(), "jobs.get()");
    std::printf("jobs.get() -> (%d, '%s')\n", priority, item.c_str());
  }

  conc::Heading("For contrast: LifoQueue, last in, first out");
  conc::LifoQueue<int> stack;
  for (int n : {20, 78, 12, 45}) conc::CheckOk(stack.put(n), "stack.put(n)");
  while (!stack.empty()) {
    std::printf("stack.get() -> %d\n", conc::ValueOrDie(stack.get(), "stack.get()"));
  }
  return 0;
}

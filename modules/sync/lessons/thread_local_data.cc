// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// thread_local_data: threading.local() as conc::Local<T> (Module 3, "Using
// threading.local() to manage thread-local data"). One `data` object; three
// threads each set data.name and data.count and read back their own values,
// never another thread's. Each thread's value is destroyed when it exits.

#include <atomic>
#include <cstdio>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/sync/local.h"

namespace {

std::atomic<int> alive{0};  // How many per-thread values exist.

// What Python would store as attributes: data.name, data.count.
struct Data {
  std::string name = "(unset)";
  int count = 0;
  Data() { ++alive; }
  ~Data() { --alive; }
};

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "threading.local(): each thread sees its own data (Module 3).");

  conc::Heading("data = threading.local(); the main thread sets data.name");
  conc::Local<Data> data;
  data->name = "MainThread";
  std::printf("MainThread: data.name = %s\n", data->name.c_str());

  conc::Heading("Three threads set and read their own data.name, data.count");
  std::latch all_set(3);   // Everyone has written before anyone reads.
  std::atomic<int> turn{0};  // Print in thread order, for a readable transcript.
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i, name = "Thread-" + std::to_string(i)] {
        data->name = name;    // data.name = current_thread().name
        data->count = 10 * (i + 1);
        all_set.arrive_and_wait();
        while (turn.load() != i) turn.wait(turn.load());
        std::printf("%s: data.name = %s, data.count = %d\n", name.c_str(), data->name.c_str(),
                    data->count);
        std::fflush(stdout);
        turn.store(i + 1);
        turn.notify_all();
      });
    }
  }  // The threads exit here; each one's Data is destroyed with it.

  conc::Heading("Back in the main thread");
  std::printf("MainThread: data.name = %s, data.count = %d\n", data->name.c_str(), data->count);
  std::printf("per-thread values still alive: %d (the main thread's)\n", alive.load());
  return 0;
}

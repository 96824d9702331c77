// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_batch_vs_per_call: every proxy call is a round trip to the manager's
// process. Reading 100 keys one by one costs 100 round trips; get_many sends
// them in one. Python's DictProxy has no batched get (d.copy() is the nearest),
// so there a loop of d[k] is the usual way, and the per-call cost dominates.
//
// The numbers depend on the machine and its load; the lesson prints them, and
// what is stable: the batch is many times cheaper per item.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

ABSL_FLAG(bool, quick, false, "fewer repetitions (for the tour and the test)");

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "Manager proxy calls: one round trip per call vs a batch.");
  const int rounds = absl::GetFlag(FLAGS_quick) ? 5 : 50;

  conc::Manager m;
  conc::CheckOk(m.start(), "Manager().start()");
  auto d = conc::ValueOrDie(m.dict<std::string, int>(), "m.dict()");
  std::vector<std::pair<std::string, int>> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    items.emplace_back("key" + std::to_string(i), i);
    keys.push_back("key" + std::to_string(i));
  }
  conc::CheckOk(d.update(items), "d.update(items)");  // One round trip for all 100.

  conc::Heading("per call: for k in keys: d[k]");
  long sum_per_call = 0;
  const absl::Time start_per_call = absl::Now();
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& key : keys) sum_per_call += conc::ValueOrDie(d.get(key), "d[k]");
  }
  const absl::Duration per_call = (absl::Now() - start_per_call) / (rounds * 100);
  std::printf("%d x 100 gets, sum %ld, %.1f us per item\n", rounds, sum_per_call,
              absl::ToDoubleMicroseconds(per_call));

  conc::Heading("batched: d.get_many(keys), 100 keys per round trip");
  long sum_batched = 0;
  const absl::Time start_batched = absl::Now();
  for (int r = 0; r < rounds; ++r) {
    for (const std::optional<int>& v : conc::ValueOrDie(d.get_many(keys), "d.get_many(keys)")) {
      sum_batched += v.value_or(0);
    }
  }
  const absl::Duration batched = (absl::Now() - start_batched) / (rounds * 100);
  std::printf("%d x get_many(100), sum %ld, %.2f us per item\n", rounds, sum_batched,
              absl::ToDoubleMicroseconds(batched));

  conc::Heading("side by side");
  std::printf("same answers: %s\n", sum_per_call == sum_batched ? "yes" : "no");
  const double ratio = absl::FDivDuration(per_call, batched);
  std::printf("the batch is %s per item (%.0fx)\n",
              ratio >= 5 ? "many times cheaper" : "NOT much cheaper", ratio);
  return 0;
}

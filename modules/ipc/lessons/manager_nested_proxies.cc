// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_nested_proxies: a Manager dict whose values are Manager lists.
// Python:
//
//   d = m.dict()
//   d["evens"], d["odds"] = m.list(), m.list()
//   def sorter(d, numbers):
//       for n in numbers: d["evens" if n % 2 == 0 else "odds"].append(n)
//
// A proxy stored in a dict travels as a reference to its object, so every
// process that reads d["evens"] gets a proxy of the same list, and appends
// from two workers land in one place.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

using Lists = conc::DictProxy<std::string, conc::ListProxy<int>>;

void sorter(int first, std::string address, std::string authkey, std::string dict_id) {
  conc::Manager m = conc::ValueOrDie(conc::Manager::connect(address, authkey), "Manager.connect()");
  Lists d = conc::ValueOrDie(m.dict<std::string, conc::ListProxy<int>>(dict_id), "m.dict(id)");
  conc::ListProxy<int> evens = conc::ValueOrDie(d.get("evens"), "d['evens']");
  conc::ListProxy<int> odds = conc::ValueOrDie(d.get("odds"), "d['odds']");
  for (int n = first; n < first + 5; ++n) {
    conc::CheckOk(n % 2 == 0 ? evens.append(n) : odds.append(n), "d[...].append(n)");
  }
}
CONC_PROCESS_FUNCTION(sorter);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "A Manager dict holding Manager lists.");

  conc::Heading("d = m.dict(); d['evens'], d['odds'] = m.list(), m.list()");
  conc::Manager m;
  conc::CheckOk(m.start(), "Manager().start()");
  Lists d = conc::ValueOrDie(m.dict<std::string, conc::ListProxy<int>>(), "m.dict()");
  conc::CheckOk(d.set("evens", conc::ValueOrDie(m.list<int>(), "m.list()")), "d['evens'] = m.list()");
  conc::CheckOk(d.set("odds", conc::ValueOrDie(m.list<int>(), "m.list()")), "d['odds'] = m.list()");

  conc::Heading("two worker processes sort 0..9 into them");
  std::vector<conc::Process> workers;
  for (int first : {0, 5}) {
    workers.emplace_back(conc::process_function<sorter>, first, m.address(), m.authkey(), d.id());
  }
  for (conc::Process& p : workers) conc::CheckOk(p.start(), p.name() + ".start()");
  for (conc::Process& p : workers) {
    conc::CheckOk(p.join(), p.name() + ".join()");
    if (p.exitcode() != 0) {
      std::fprintf(stderr, "manager_nested_proxies: %s exited with code %d\n", p.name().c_str(),
                   *p.exitcode());
      return 1;
    }
  }
  for (const char* key : {"evens", "odds"}) {
    conc::ListProxy<int> l = conc::ValueOrDie(d.get(key), "d[key]");
    std::vector<int> items = conc::ValueOrDie(l.to_vector(), "d[key][:]");
    std::sort(items.begin(), items.end());  // The workers ran in either order.
    std::printf("sorted(d['%s']) =", key);
    for (int n : items) std::printf(" %d", n);
    std::printf("\n");
  }

  conc::Heading("what goes wrong, as statuses");
  conc::Manager other;
  conc::CheckOk(other.start(), "another Manager().start()");
  absl::Status foreign = d.set("x", conc::ValueOrDie(other.list<int>(), "other.list()"));
  std::printf("storing another manager's list: %s\n", std::string(absl::StatusCodeToString(foreign.code())).c_str());
  auto plain = conc::ValueOrDie(m.dict<std::string, int>(d.id()), "m.dict(id) as ints");
  conc::CheckOk(plain.set("n", 7), "d['n'] = 7");
  std::printf("d['n'] read as a list proxy: %s\n",
              std::string(absl::StatusCodeToString(d.get("n").status().code())).c_str());
  conc::CheckOk(other.shutdown(), "other.shutdown()");
  conc::CheckOk(m.shutdown(), "m.shutdown()");
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_dict_list_workers: "Sharing lists and dictionaries using Manager"
// (the module outline). Python:
//
//   def worker(n, d, l):
//       results = [x * x for x in range(n * 5, n * 5 + 5)]
//       d[f"worker-{n}"] = results
//       l.extend(results)
//
//   with Manager() as m:
//       d, l = m.dict(), m.list()
//       ps = [Process(target=worker, args=(n, d, l)) for n in range(4)]
//       ...start, join...
//       print(sorted(d.items()), sorted(l))
//
// In C++ the proxies cannot be pickled into the child: the child gets the
// manager's address, its authkey and the objects' ids, connects, and asks for
// the same objects by id. The workers finish in any order, so the list's order
// varies from run to run; the parent prints everything sorted.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

void worker(int n, std::string address, std::string authkey, std::string dict_id,
            std::string list_id) {
  conc::Manager m = conc::ValueOrDie(conc::Manager::connect(address, authkey), "Manager.connect()");
  auto d = conc::ValueOrDie(m.dict<std::string, std::vector<int>>(dict_id), "m.dict(id)");
  auto l = conc::ValueOrDie(m.list<int>(list_id), "m.list(id)");
  std::vector<int> results;
  for (int x = n * 5; x < n * 5 + 5; ++x) results.push_back(x * x);
  // Two round trips.
  conc::CheckOk(d.set("worker-" + std::to_string(n), results), "d[f\"worker-{n}\"] = results");
  conc::CheckOk(l.extend(results), "l.extend(results)");
}
CONC_PROCESS_FUNCTION(worker);

std::string Join(const std::vector<int>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return "[" + out + "]";
}

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // The manager's server and the workers run here.
  conc::InitLesson(argc, argv, "A Manager dict and list shared by four worker processes.");

  conc::Heading("with Manager() as m: d, l = m.dict(), m.list()");
  conc::Manager m;  // Scoped: its destructor shuts the server down.
  conc::CheckOk(m.start(), "Manager().start()");
  auto d = conc::ValueOrDie(m.dict<std::string, std::vector<int>>(), "m.dict()");
  auto l = conc::ValueOrDie(m.list<int>(), "m.list()");
  // What a child needs to reach them: the address, the authkey and the ids.
  std::printf("manager started; d.id() = %s, l.id() = %s\n", d.id().c_str(), l.id().c_str());

  conc::Heading("four workers, each appending its results");
  std::vector<conc::Process> workers;
  for (int n = 0; n < 4; ++n) {
    workers.emplace_back(conc::process_function<worker>, n, m.address(), m.authkey(), d.id(),
                         l.id());
  }
  for (conc::Process& p : workers) conc::CheckOk(p.start(), p.name() + ".start()");
  for (conc::Process& p : workers) {
    conc::CheckOk(p.join(), p.name() + ".join()");
    if (p.exitcode() != 0) {  // The worker printed why on stderr.
      std::fprintf(stderr, "manager_dict_list_workers: %s exited with code %d\n", p.name().c_str(),
                   *p.exitcode());
      return 1;
    }
  }
  std::printf("all 4 workers exited with code 0\n");

  conc::Heading("the merged results, sorted");
  std::vector<std::pair<std::string, std::vector<int>>> items =
      conc::ValueOrDie(d.items(), "d.items()");
  std::vector<int> all = conc::ValueOrDie(l.to_vector(), "list(l)");
  std::sort(items.begin(), items.end());
  for (const auto& [key, values] : items) {
    std::printf("d[%s] = %s\n", key.c_str(), Join(values).c_str());
  }
  std::sort(all.begin(), all.end());
  std::printf("sorted(l) has %zu results, sum %d\n", all.size(),
              std::accumulate(all.begin(), all.end(), 0));
  std::printf("sorted(l) = %s\n", Join(all).c_str());
  return 0;
}

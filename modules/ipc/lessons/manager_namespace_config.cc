// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_namespace_config: a Manager's Namespace as shared configuration.
// Python:
//
//   ns = m.Namespace()
//   ns.mode, ns.retries = "fast", 3
//   def worker(ns, n): ns.__setattr__(f"seen_by_{n}", f"{ns.mode}/{ns.retries}")
//
// The parent writes the configuration once; each worker process reads it and
// reports what it saw by setting an attribute of its own. Attributes hold any
// encodable type, each read asks for the type it expects; a missing attribute
// is NotFound (Python's AttributeError), reading with the wrong type DataLoss.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "modules/common/lesson.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

void config_reader(int n, std::string address, std::string authkey, std::string ns_id) {
  conc::Manager m = conc::ValueOrDie(conc::Manager::connect(address, authkey), "Manager.connect()");
  conc::NamespaceProxy ns = conc::ValueOrDie(m.Namespace(ns_id), "m.Namespace(id)");
  const std::string mode = conc::ValueOrDie(ns.get<std::string>("mode"), "ns.mode");
  const int retries = conc::ValueOrDie(ns.get<int>("retries"), "ns.retries");
  const std::string seen = mode + "/" + std::to_string(retries);
  conc::CheckOk(ns.set("seen_by_" + std::to_string(n), seen),
                "ns.__setattr__(f\"seen_by_{n}\", ...)");
}
CONC_PROCESS_FUNCTION(config_reader);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "A Manager Namespace as shared configuration.");

  conc::Heading("ns = m.Namespace(); ns.mode = 'fast'; ns.retries = 3");
  conc::Manager m;
  conc::CheckOk(m.start(), "Manager().start()");
  conc::NamespaceProxy ns = conc::ValueOrDie(m.Namespace(), "m.Namespace()");
  conc::CheckOk(ns.set("mode", std::string("fast")), "ns.mode = 'fast'");
  conc::CheckOk(ns.set("retries", 3), "ns.retries = 3");
  std::printf("ns.mode = %s, ns.retries = %d\n",
              conc::ValueOrDie(ns.get<std::string>("mode"), "ns.mode").c_str(),
              conc::ValueOrDie(ns.get<int>("retries"), "ns.retries"));

  conc::Heading("three worker processes read it and report back");
  std::vector<conc::Process> readers;
  for (int n = 0; n < 3; ++n) {
    readers.emplace_back(conc::process_function<config_reader>, n, m.address(), m.authkey(),
                         ns.id());
  }
  for (conc::Process& p : readers) conc::CheckOk(p.start(), p.name() + ".start()");
  for (conc::Process& p : readers) {
    conc::CheckOk(p.join(), p.name() + ".join()");
    if (p.exitcode() != 0) {  // The reader printed why on stderr.
      std::fprintf(stderr, "manager_namespace_config: %s exited with code %d\n", p.name().c_str(),
                   *p.exitcode());
      return 1;
    }
  }
  for (int n = 0; n < 3; ++n) {
    const std::string name = "seen_by_" + std::to_string(n);
    const std::string seen = conc::ValueOrDie(ns.get<std::string>(name), "ns." + name);
    std::printf("ns.%s = %s\n", name.c_str(), seen.c_str());
  }
  std::vector<std::string> names = conc::ValueOrDie(ns.names(), "dir(ns)");
  // The workers set theirs in whatever order they ran: sort, as Namespace's
  // repr does in Python.
  std::sort(names.begin(), names.end());
  std::printf("attributes, sorted as Namespace's repr:");
  for (const std::string& name : names) std::printf(" %s", name.c_str());
  std::printf("\n");

  conc::Heading("what goes wrong, as statuses");
  std::printf("ns.timeout: %s\n", ns.get<int>("timeout").status().ToString().c_str());
  absl::StatusOr<std::string> wrong = ns.get<std::string>("retries");
  std::printf("ns.retries read as a string: %s\n",
              absl::StatusCodeToString(wrong.status().code()).c_str());
  return 0;
}

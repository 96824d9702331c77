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
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(address, authkey);
  if (!m.ok()) std::exit(2);
  absl::StatusOr<conc::NamespaceProxy> ns = m->Namespace(ns_id);
  if (!ns.ok()) std::exit(3);
  absl::StatusOr<std::string> mode = ns->get<std::string>("mode");
  absl::StatusOr<int> retries = ns->get<int>("retries");
  if (!mode.ok() || !retries.ok()) std::exit(4);
  const std::string seen = *mode + "/" + std::to_string(*retries);
  if (!ns->set("seen_by_" + std::to_string(n), seen).ok()) std::exit(5);
}
CONC_PROCESS_FUNCTION(config_reader);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "A Manager Namespace as shared configuration.");

  conc::Heading("ns = m.Namespace(); ns.mode = 'fast'; ns.retries = 3");
  conc::Manager m;
  if (!m.start().ok()) return 1;
  absl::StatusOr<conc::NamespaceProxy> ns = m.Namespace();
  if (!ns.ok()) return 1;
  if (!ns->set("mode", std::string("fast")).ok() || !ns->set("retries", 3).ok()) return 1;
  std::printf("ns.mode = %s, ns.retries = %d\n", ns->get<std::string>("mode")->c_str(),
              *ns->get<int>("retries"));

  conc::Heading("three worker processes read it and report back");
  std::vector<conc::Process> readers;
  for (int n = 0; n < 3; ++n) {
    readers.emplace_back(conc::process_function<config_reader>, n, m.address(), m.authkey(),
                         ns->id());
  }
  for (conc::Process& p : readers) {
    if (!p.start().ok()) return 1;
  }
  for (conc::Process& p : readers) {
    if (!p.join().ok() || p.exitcode() != 0) return 1;
  }
  for (int n = 0; n < 3; ++n) {
    const std::string name = "seen_by_" + std::to_string(n);
    absl::StatusOr<std::string> seen = ns->get<std::string>(name);
    if (!seen.ok()) return 1;
    std::printf("ns.%s = %s\n", name.c_str(), seen->c_str());
  }
  absl::StatusOr<std::vector<std::string>> names = ns->names();
  if (!names.ok()) return 1;
  // The workers set theirs in whatever order they ran: sort, as Namespace's
  // repr does in Python.
  std::sort(names->begin(), names->end());
  std::printf("attributes, sorted as Namespace's repr:");
  for (const std::string& name : *names) std::printf(" %s", name.c_str());
  std::printf("\n");

  conc::Heading("what goes wrong, as statuses");
  std::printf("ns.timeout: %s\n", ns->get<int>("timeout").status().ToString().c_str());
  absl::StatusOr<std::string> wrong = ns->get<std::string>("retries");
  std::printf("ns.retries read as a string: %s\n",
              absl::StatusCodeToString(wrong.status().code()).c_str());
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// yaml_config: a service's configuration in YAML, read as yaml.safe_load does.
//
//   import yaml
//   with open("service.yaml") as f:
//       config = yaml.safe_load(f)
//   config["server"]["port"], [w["name"] for w in config["workers"]]
//
// conc::YamlLoadFile gives the same dict (yaml-cpp parses; the chapter resolves
// plain scalars with PyYAML's rules, so `debug: no` is False, as in Python). A
// tag that would build a Python object is refused, as safe_load refuses it.

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "modules/common/lesson.h"
#include "modules/marshalling/yaml.h"

namespace {

constexpr char kConfig[] = "modules/marshalling/lessons/data/service.yaml";

// config[key] for a dict, or None.
const conc::PyValue& Get(const conc::PyValue& dict, std::string_view key) {
  static const conc::PyValue none;
  for (const auto& [k, v] : dict.pairs()) {
    if (k.s() == key) return v;
  }
  return none;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "yaml.safe_load of a service configuration (Module 4).");
  std::optional<std::string> path = conc::RunfilePath(kConfig);
  if (!path) conc::CheckOk(absl::NotFoundError(kConfig), "finding service.yaml");

  conc::Heading("config = yaml.safe_load(open('service.yaml'))");
  conc::PyValue config = conc::ValueOrDie(conc::YamlLoadFile(*path), "YamlLoadFile");
  std::printf("service  %s\n", Get(config, "service").Repr().c_str());
  std::printf("debug    %s  (the file says `no`)\n", Get(config, "debug").Repr().c_str());
  const conc::PyValue& server = Get(config, "server");
  std::printf("server   %s:%s, timeout %s s\n", Get(server, "host").s().c_str(),
              Get(server, "port").Repr().c_str(), Get(server, "timeout_s").Repr().c_str());
  for (const conc::PyValue& worker : Get(config, "workers").items()) {
    std::printf("worker   %s with %s threads\n", Get(worker, "name").s().c_str(),
                Get(worker, "threads").Repr().c_str());
  }

  conc::Heading("yaml.safe_dump(config) and back");
  std::string text = conc::ValueOrDie(conc::YamlDumps(config), "YamlDumps");
  std::printf("%s", text.c_str());
  conc::PyValue again = conc::ValueOrDie(conc::YamlLoads(text), "YamlLoads");
  std::printf("read back the same: %s\n", again == config ? "True" : "False");

  conc::Heading("what safe_load refuses, and a broken file");
  absl::StatusOr<conc::PyValue> evil =
      conc::YamlLoads("!!python/object/apply:os.system ['echo pwned']");
  std::printf("%s\n", std::string(evil.status().message()).c_str());
  absl::StatusOr<conc::PyValue> broken =
      conc::YamlLoads("server:\n  host: 0.0.0.0\n  port: [8080\n");
  std::printf("%s\n", std::string(broken.status().message()).c_str());
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// toml_config: the same service configuration in TOML, read as tomllib does.
//
//   import tomllib
//   with open("service.toml", "rb") as f:
//       config = tomllib.load(f)
//   config == yaml.safe_load(open("service.yaml"))    # True
//
// conc::TomlLoadFile (toml++) gives the dict in the file's order, as tomllib does;
// the YAML file of the yaml_config lesson holds the same settings, and the two
// dicts are equal here as in Python. A mistake is reported with its line and
// column, as tomllib's TOMLDecodeError does.

#include <cstdio>
#include <optional>
#include <string>

#include "modules/common/lesson.h"
#include "modules/marshalling/toml.h"
#include "modules/marshalling/yaml.h"

namespace {

constexpr char kToml[] = "modules/marshalling/lessons/data/service.toml";
constexpr char kYaml[] = "modules/marshalling/lessons/data/service.yaml";

std::string Find(const char* path) {
  std::optional<std::string> found = conc::RunfilePath(path);
  if (!found) conc::CheckOk(absl::NotFoundError(path), "finding the lesson's data");
  return *found;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(
      argc, argv,
      "tomllib.load of a service configuration, compared with its YAML twin (Module 4).");

  conc::Heading("config = tomllib.load(open('service.toml', 'rb'))");
  conc::PyValue config = conc::ValueOrDie(conc::TomlLoadFile(Find(kToml)), "TomlLoadFile");
  for (const auto& [key, value] : config.pairs())
    std::printf("  %-16s %s\n", key.s().c_str(), value.Repr().c_str());

  conc::Heading("the YAML file says the same");
  conc::PyValue from_yaml = conc::ValueOrDie(conc::YamlLoadFile(Find(kYaml)), "YamlLoadFile");
  std::printf("config == yaml.safe_load(open('service.yaml')): %s\n",
              config == from_yaml ? "True" : "False");

  conc::Heading("a mistake in TOML");
  absl::StatusOr<conc::PyValue> bad = conc::TomlLoads("[server]\nport = 8080\nport = 8081\n");
  std::printf("%s\n", std::string(bad.status().message()).c_str());
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// yaml.h: PyYAML's yaml.safe_load and yaml.safe_dump, on Debian's yaml-cpp, into
// and out of the PyValue tree that pickle.h defines.
//
//   import yaml
//   config = yaml.safe_load(open("service.yaml"))
//   config["server"]["port"]                        # 8080
//
//   absl::StatusOr<conc::PyValue> config = conc::YamlLoadFile("service.yaml");
//   absl::StatusOr<std::string> text = conc::YamlDumps(*config);   // block style
//
// Plain scalars are resolved as PyYAML's safe_load resolves them (YAML 1.1):
// null, ~ and the empty scalar -> None; true/false/yes/no/on/off in their three
// spellings -> bool; decimal, 0x, 0b and leading-0 octal ints (underscores
// allowed; beyond int64 a decimal is a BigInt) -> int; numbers with a dot, .inf,
// .nan -> float; everything else, and every quoted scalar -> str. The tags
// !!str, !!int, !!float, !!bool, !!null, !!binary, !!seq and !!map are honoured;
// any other tag is refused (safe_load's "could not determine a constructor"), so
// nothing names a Python object. A repeated key keeps its first place and its
// last value, as Python's dict. Aliases are expanded: YamlLimits::max_values and
// max_depth bound what an "alias bomb" can build.
//
// Errors: malformed YAML is InvalidArgument with yaml-cpp's message and
// "line L column C"; more than one document is InvalidArgument (as safe_load);
// more than YamlLimits::max_values values built is ResourceExhausted; nesting
// deeper than max_depth (or yaml-cpp's own 2000 while parsing) is InvalidArgument.
// yaml-cpp throws; every exception is caught here and none escapes.
//
// Where it differs from Python: timestamps (2024-05-01) stay str (PyYAML gives
// datetime.date); sexagesimal numbers (1:30) stay str; YamlDumps keeps the keys
// in dict order (safe_dump sorts them unless sort_keys=False) and writes null as ~.

#ifndef MODULES_MARSHALLING_YAML_H_
#define MODULES_MARSHALLING_YAML_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/marshalling/pickle.h"

namespace conc {

struct YamlLimits {
  size_t max_depth = 1000;              // sequences and maps inside each other
  size_t max_values = size_t{1} << 24;  // values built, aliases expanded
  size_t max_input = size_t{1} << 30;   // bytes of a file
};

// yaml.safe_load(text): one document (an empty text is None).
absl::StatusOr<PyValue> YamlLoads(std::string_view text, const YamlLimits& limits = {});
absl::StatusOr<PyValue> YamlLoadFile(const std::string& path, const YamlLimits& limits = {});

// yaml.safe_dump(value, sort_keys=False), block style. InvalidArgument for a set
// (safe_dump writes !!set, which this loader refuses).
absl::StatusOr<std::string> YamlDumps(const PyValue& value);
absl::Status YamlDumpFile(const PyValue& value, const std::string& path);

}  // namespace conc

#endif  // MODULES_MARSHALLING_YAML_H_

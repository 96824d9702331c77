// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// toml.h: Python's tomllib (and tomli_w for writing), on Debian's toml++, into and
// out of the PyValue tree that pickle.h defines.
//
//   import tomllib
//   with open("service.toml", "rb") as f:
//       config = tomllib.load(f)
//   config["server"]["port"]                              # 8080
//
//   absl::StatusOr<conc::PyValue> config = conc::TomlLoadFile("service.toml");
//   absl::StatusOr<std::string> text = conc::TomlDumps(*config);
//
// A document is a dict; tables -> dict (in the file's order, as tomllib), arrays
// -> list, strings -> str, integers -> int, floats -> float (inf, nan), booleans
// -> bool. Dates, times and date-times stay str in TOML's own spelling
// ("1979-05-27T07:32:00Z"): tomllib gives datetime objects, which PyValue has not.
//
// Errors: a malformed document is InvalidArgument with toml++'s description and
// "line L column C" (tomllib's TOMLDecodeError). toml++ refuses nesting deeper than
// 256 and integers beyond int64 itself. toml++ throws toml::parse_error; it is
// caught here and nothing escapes.
//
// Writing (tomllib has none; tomli_w.dumps): the value must be a dict; None, a
// BigInt, bytes, a set, and a dict key that is not a str are InvalidArgument (TOML
// has no such thing). Tables are written in key order (toml++ keeps them sorted),
// not in dict order.

#ifndef MODULES_MARSHALLING_TOML_H_
#define MODULES_MARSHALLING_TOML_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/marshalling/pickle.h"

namespace conc {

// tomllib.loads(text).
absl::StatusOr<PyValue> TomlLoads(std::string_view text);
// tomllib.load(open(path, "rb")); files past `max_input` bytes are ResourceExhausted.
absl::StatusOr<PyValue> TomlLoadFile(const std::string& path, size_t max_input = size_t{1} << 30);

// tomli_w.dumps(value).
absl::StatusOr<std::string> TomlDumps(const PyValue& value);
absl::Status TomlDumpFile(const PyValue& value, const std::string& path);

}  // namespace conc

#endif  // MODULES_MARSHALLING_TOML_H_

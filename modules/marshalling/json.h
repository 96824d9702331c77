// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// json.h: Python's json module, on Debian's simdjson (parsing) and RapidJSON
// (writing), into and out of the PyValue tree that pickle.h defines.
//
//   import json
//   json.dumps({"name": "Alice", "age": 30})        # '{"name": "Alice", "age": 30}'
//   json.loads('{"name": "Alice", "age": 30}')      # {'name': 'Alice', 'age': 30}
//
//   absl::StatusOr<std::string> text = conc::JsonDumps(v);            // the same text
//   absl::StatusOr<conc::PyValue> back = conc::JsonLoads(*text);      // v.Repr() == back->Repr()
//   conc::JsonLinesReader lines = *conc::JsonLinesReader::Open(path); // one value per line,
//   while (absl::StatusOr<conc::PyValue> v = lines.next(); v.ok()) {} // in bounded memory
//
// Loading maps JSON onto Python's types as json.loads does: object -> dict (in
// file order; a repeated key keeps its first place and its last value, as
// Python's dict does), array -> list, string -> str, integer -> int (beyond int64 a
// BigInt, up to Python's 4300 digits), other numbers -> float (1e400 -> inf, as
// Python), true/false/null -> bool/None.
//
// Dumping writes what json.dumps writes by default: separators ", " and ": "
// (or Python's indent=N layout), ensure_ascii (non-ASCII as \uXXXX escapes,
// surrogate pairs beyond the BMP; the hex digits are upper case here, lower case in
// Python), floats as Python's repr (NaN and Infinity spelled as Python's
// allow_nan=True does), a tuple as a list (so a tuple comes back as a list, as in
// Python: JSON has one sequence type), dict keys that are int, float, bool or None
// turned into strings as Python does.
//
// Errors: a malformed document is InvalidArgument (Python's JSONDecodeError, a
// ValueError) naming what is wrong and where: "line L column C (byte N)". Nesting
// deeper than JsonLimits::max_depth (1000, Python's recursion limit) is
// InvalidArgument too; nothing recurses past it. (A number beyond 64 bits more
// than 256 levels deep is refused: the path that reads those recurses more.)
// What json.dumps would refuse with TypeError (bytes, set, a dict key of another
// type) or ValueError (a str that is not UTF-8) is InvalidArgument. Nothing here
// throws or aborts.
//
// Where it differs from Python: strict RFC 8259 on input (NaN, Infinity and
// -Infinity, which json.loads accepts, are refused); offsets count bytes, not
// characters; the parser is simdjson's, kept per thread and reused (it keeps the
// capacity of the largest document the thread parsed).

#ifndef MODULES_MARSHALLING_JSON_H_
#define MODULES_MARSHALLING_JSON_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/marshalling/internal/text_io.h"
#include "modules/marshalling/pickle.h"

namespace conc {

struct JsonLimits {
  size_t max_depth = 1000;             // arrays and objects inside each other
  size_t max_input = size_t{4} << 30;  // bytes of one document (simdjson's own limit is 4 GiB)
};

// json.loads(text).
absl::StatusOr<PyValue> JsonLoads(std::string_view text, const JsonLimits& limits = {});

struct JsonDumpOptions {
  std::optional<int> indent;  // Python's indent=None (one line) or N spaces
  bool ensure_ascii = true;   // Python's default
};

// json.dumps(value).
absl::StatusOr<std::string> JsonDumps(const PyValue& value, const JsonDumpOptions& options = {});

// json.load(open(path)) and json.dump(value, open(path, "w")).
absl::StatusOr<PyValue> JsonLoadFile(const std::string& path, const JsonLimits& limits = {});
absl::Status JsonDumpFile(const PyValue& value, const std::string& path,
                          const JsonDumpOptions& options = {});

// JSON lines (one document per line), read in bounded memory: the reader keeps one
// chunk of the file and the current line, whatever the file's size.
//
//   for line in open(path): v = json.loads(line)
//
// next(): the next value (blank lines skipped); OutOfRange (EOFError) at the end;
// InvalidArgument for a malformed line ("line L column C"), a line longer than
// max_line is ResourceExhausted. After an error the reader goes on at the next line.
class JsonLinesReader {
 public:
  static absl::StatusOr<JsonLinesReader> Open(const std::string& path,
                                              size_t max_line = size_t{64} << 20,
                                              const JsonLimits& limits = {});

  [[nodiscard]] absl::StatusOr<PyValue> next();
  // The 1-based number of the line next() returned last.
  size_t line_number() const { return line_number_; }

 private:
  JsonLinesReader(internal::ChunkedFile file, size_t max_line, const JsonLimits& limits)
      : file_(std::move(file)), max_line_(max_line), limits_(limits) {}

  internal::ChunkedFile file_;
  size_t max_line_;
  JsonLimits limits_;
  std::string buffer_;  // bytes read, not yet consumed, from buffer_start_ on
  size_t buffer_start_ = 0;
  bool eof_ = false;
  size_t line_number_ = 0;
};

}  // namespace conc

#endif  // MODULES_MARSHALLING_JSON_H_

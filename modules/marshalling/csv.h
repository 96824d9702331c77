// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// csv.h: Python's csv.reader, csv.DictReader and csv.writer over RFC 4180 files,
// on Debian's libcsv, streaming: a file of any size is read in 64 KiB chunks and
// one row at a time, so memory is one chunk and one row.
//
//   import csv
//   with open("measurements.csv", newline="") as f:
//       for row in csv.DictReader(f):
//           print(row["sensor"], float(row["celsius"]))
//
//   absl::StatusOr<conc::CsvDictReader> r = conc::CsvDictReader::Open("measurements.csv");
//   while (absl::StatusOr<conc::CsvRow> row = r->next(); row.ok()) {
//     std::string_view sensor = *row->get("sensor");
//   }
//
// Quoting is RFC 4180's (Python's default dialect, "excel"): a field in double
// quotes may hold the delimiter, newlines and doubled quotes; rows end with LF or
// CR LF; spaces are kept. Blank lines are skipped (csv.reader gives [] for them).
//
// Errors: malformed quoting (a quote inside an unquoted field, text after a closing
// quote, a quote never closed) is InvalidArgument with "line L column C (byte N)";
// Python's default dialect (strict=False) would guess. A field or a row beyond
// CsvOptions::max_field bytes is ResourceExhausted. In a DictReader, a row with
// more or fewer fields than the header is InvalidArgument naming its line (Python
// fills restval/restkey). After an error the reader is done: every later next()
// returns it again. Values are always str (as in Python; convert with
// absl::SimpleAtod and friends).

#ifndef MODULES_MARSHALLING_CSV_H_
#define MODULES_MARSHALLING_CSV_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc {

struct CsvOptions {
  char delimiter = ',';
  char quotechar = '"';
  size_t max_field = size_t{16} << 20;  // bytes of one field, and of one row
};

// csv.reader(open(path, newline="")).
class CsvReader {
 public:
  static absl::StatusOr<CsvReader> Open(const std::string& path, const CsvOptions& options = {});
  // The same over text in memory.
  static CsvReader FromString(std::string text, const CsvOptions& options = {});

  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  // The next row's fields; OutOfRange (StopIteration) at the end.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> next();
  // Python's reader.line_num: the number of lines read so far (the line the last
  // row ended on).
  size_t line_num() const;

 private:
  struct State;
  explicit CsvReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// One row of a DictReader: values by field name.
struct CsvRow {
  std::shared_ptr<const std::vector<std::string>> fieldnames;
  std::vector<std::string> values;  // in the header's order
  size_t line = 0;                  // the line it ended on

  // row["name"]; nullopt for a name not in the header.
  std::optional<std::string_view> get(std::string_view name) const;
};

// csv.DictReader(open(path, newline="")): the first row names the fields.
class CsvDictReader {
 public:
  // The header is read at once: an empty file gives a reader with no fieldnames
  // whose next() is OutOfRange.
  static absl::StatusOr<CsvDictReader> Open(const std::string& path,
                                            const CsvOptions& options = {});
  static absl::StatusOr<CsvDictReader> FromString(std::string text, const CsvOptions& options = {});

  const std::vector<std::string>& fieldnames() const { return *fieldnames_; }
  [[nodiscard]] absl::StatusOr<CsvRow> next();

 private:
  static absl::StatusOr<CsvDictReader> Start(CsvReader reader);
  explicit CsvDictReader(CsvReader reader) : reader_(std::move(reader)) {}
  CsvReader reader_;
  std::shared_ptr<const std::vector<std::string>> fieldnames_;
};

// One row as csv.writer writes it (QUOTE_MINIMAL, "\r\n" at the end): a field is
// quoted if it holds the delimiter, the quote, CR or LF, or is a row's only field
// and empty; quotes inside are doubled.
std::string CsvFormatRow(const std::vector<std::string>& fields, const CsvOptions& options = {});

// csv.writer(open(path, "w", newline="")): rows appended to a file, buffered.
class CsvWriter {
 public:
  static absl::StatusOr<CsvWriter> Open(const std::string& path, const CsvOptions& options = {});
  CsvWriter(CsvWriter&&) noexcept;
  CsvWriter& operator=(CsvWriter&&) noexcept;
  ~CsvWriter();  // closes, ignoring errors: call close() to see them

  [[nodiscard]] absl::Status writerow(const std::vector<std::string>& fields);
  // Flushes and closes; further writes are FailedPrecondition.
  [[nodiscard]] absl::Status close();

 private:
  CsvWriter(int fd, const CsvOptions& options) : fd_(fd), options_(options) {}
  absl::Status Flush();
  int fd_ = -1;
  CsvOptions options_;
  std::string buffer_;
};

}  // namespace conc

#endif  // MODULES_MARSHALLING_CSV_H_

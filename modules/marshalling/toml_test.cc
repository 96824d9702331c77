// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/toml.h"

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"(
title = "demo"
[server]
port = 8080
host = "0.0.0.0"
ratio = 0.5
[[workers]]
name = "a"
[[workers]]
name = "b"
[owner]
dob = 1979-05-27T07:32:00Z
z = 1
a = [1, 2]
)";

TEST(TomlTest, LoadsAsTomllibInTheFilesOrder) {
  // /usr/bin/python3 -c "import tomllib; print(tomllib.loads(...))" prints the same,
  // but for the date-time (datetime.datetime(1979, 5, 27, 7, 32, tzinfo=...) there).
  absl::StatusOr<PyValue> v = TomlLoads(kConfig);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Repr(),
            "{'title': 'demo', 'server': {'port': 8080, 'host': '0.0.0.0', 'ratio': 0.5}, "
            "'workers': [{'name': 'a'}, "
            "{'name': 'b'}], 'owner': {'dob': '1979-05-27T07:32:00Z', 'z': 1, 'a': [1, 2]}}");
  EXPECT_EQ(TomlLoads("")->Repr(), "{}");
  EXPECT_EQ(TomlLoads("a = inf\nb = -0.0\nc = 0x1F\nd = 1_000")->Repr(),
            "{'a': inf, 'b': -0.0, 'c': 31, 'd': 1000}");
}

TEST(TomlTest, MalformedDocumentsSayWhere) {
  absl::StatusOr<PyValue> v = TomlLoads("[server]\nport = 80\nport = 81\n");
  ASSERT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("line 3 column"));
  for (const char* bad :
       {"a = ", "a = [1, 2", "= 1", "a = \"unclosed", "[t\n", "a = 99999999999999999999",
        "a = 1\na = 2", "a = 1979-13-01", "a.b = 1\na = 2", "\xff = 1"}) {
    absl::StatusOr<PyValue> r = TomlLoads(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("line ")) << bad;
  }
}

TEST(TomlTest, DeepNestingIsRefused) {
  for (size_t depth : {300, 100000}) {
    std::string doc = "a = " + std::string(depth, '[') + std::string(depth, ']');
    EXPECT_EQ(TomlLoads(doc).status().code(), absl::StatusCode::kInvalidArgument) << depth;
    std::string inline_tables = "a = ";
    for (size_t k = 0; k < depth; ++k) inline_tables += "{b = ";
    EXPECT_EQ(TomlLoads(inline_tables).status().code(), absl::StatusCode::kInvalidArgument)
        << depth;
  }
}

TEST(TomlTest, MutatedDocumentsNeverCrash) {
  std::string base = kConfig;
  std::mt19937 rng(3);
  const char alphabet[] = "[]{}=\".,'#\n 0a1eT:-";
  for (int k = 0; k < 5000; ++k) {
    std::string doc = base;
    for (int m = 0; m < 1 + k % 3; ++m)
      doc[rng() % doc.size()] = alphabet[rng() % (sizeof(alphabet) - 1)];
    absl::StatusOr<PyValue> v = TomlLoads(doc);
    if (v.ok()) {
      absl::StatusOr<std::string> text = TomlDumps(*v);
      ASSERT_TRUE(text.ok()) << doc;
      EXPECT_TRUE(TomlLoads(*text).ok()) << *text;
    }
  }
}

TEST(TomlTest, DumpsReadBack) {
  absl::StatusOr<PyValue> v = TomlLoads(kConfig);
  ASSERT_TRUE(v.ok());
  absl::StatusOr<std::string> text = TomlDumps(*v);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("[[workers]]"));
  absl::StatusOr<PyValue> back = TomlLoads(*text);
  ASSERT_TRUE(back.ok()) << back.status() << *text;
  EXPECT_EQ(back->pairs().size(), v->pairs().size());
  for (const PyValue& bad :
       {PyValue::List({}), PyValue::Dict({{PyValue::Str("a"), PyValue::None()}}),
        PyValue::Dict({{PyValue::Int(1), PyValue::Int(1)}}),
        PyValue::Dict({{PyValue::Str("b"), PyValue::Bytes("x")}})}) {
    EXPECT_EQ(TomlDumps(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad.Repr();
  }
}

}  // namespace
}  // namespace conc

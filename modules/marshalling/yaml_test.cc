// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/yaml.h"

#include <cmath>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

TEST(YamlTest, ResolvesPlainScalarsAsSafeLoad) {
  // /usr/bin/python3 -c "import yaml; print(yaml.safe_load(...))" gives the same,
  // except the date (datetime.date(2024, 5, 1) in Python).
  absl::StatusOr<PyValue> v = YamlLoads(R"(
a: 1
b: [yes, No, ~, 0x1F, 010, 1_000, 1.5, 1e3, .inf, -.5, '1', "x", 2024-05-01, .5, 0b101, -7]
c: {d: null}
)");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Repr(),
            "{'a': 1, 'b': [True, False, None, 31, 8, 1000, 1.5, '1e3', inf, '-.5', '1', 'x', "
            "'2024-05-01', 0.5, 5, -7], "
            "'c': {'d': None}}");
  EXPECT_EQ(YamlLoads("")->kind, PyValue::Kind::kNone);
  EXPECT_EQ(YamlLoads("just text")->Repr(), "'just text'");
  EXPECT_TRUE(std::isnan(YamlLoads(".nan")->f));
}

TEST(YamlTest, TagsAreHonouredOrRefused) {
  EXPECT_EQ(YamlLoads("[!!str 12, !!int '7', !!float 3, !!binary aGVsbG8=]")->Repr(),
            "['12', 7, 3.0, b'hello']");
  absl::StatusOr<PyValue> evil = YamlLoads("!!python/object/apply:os.system [echo hi]");
  EXPECT_EQ(evil.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(evil.status().message()), HasSubstr("could not determine a constructor"));
  EXPECT_EQ(YamlLoads("!!int nope").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlTest, BigIntsAndRepeatedKeys) {
  absl::StatusOr<PyValue> v = YamlLoads("n: 123456789012345678901234567890\nn: 2\nm: 3\n");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Repr(), "{'n': 2, 'm': 3}");
  EXPECT_EQ(YamlLoads("123456789012345678901234567890")->kind, PyValue::Kind::kBigInt);
  EXPECT_EQ(YamlLoads(std::string(5000, '9')).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(YamlLoads("0x1ffffffffffffffffffff").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(YamlTest, MalformedYamlSaysWhere) {
  absl::StatusOr<PyValue> v = YamlLoads("server:\n  host: a\n  port: [1, 2\n");
  ASSERT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("line "));
  for (const char* bad : {"a: b: c", "[1, 2", "{a: 1", "- a\nb: 1", "key: \"unclosed",
                          "a:\n\t- tab", "*undefined", "--- 1\n--- 2\n"}) {
    absl::StatusOr<PyValue> r = YamlLoads(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("line ")) << bad << ": " << r.status();
  }
}

// yaml-cpp 0.7's LoadAll never returns on these (upstream issue 1040).
TEST(YamlTest, ACommaWhereANodeShouldStartIsAnErrorNotAHang) {
  for (const char* bad : {",", "\n,\n", ", a", "[1],", "- a\n,", "{a: 1},", ",]", ",}"}) {
    absl::StatusOr<PyValue> v = YamlLoads(bad);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(v.status().message()), HasSubstr("line ")) << bad;
  }
}

TEST(YamlTest, DeepNestingAndAliasBombsAreBounded) {
  for (size_t depth : {1500, 100000}) {
    absl::StatusOr<PyValue> v = YamlLoads(std::string(depth, '['));
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << depth;
  }
  EXPECT_EQ(YamlLoads(std::string(1200, '[') + std::string(1200, ']')).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The "billion laughs": ten aliases a level, nine levels.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    char p = static_cast<char>(c - 1);
    absl::StrAppend(&bomb, std::string(1, c), ": &", std::string(1, c), " [*", std::string(1, p),
                    ", *", std::string(1, p), ", *", std::string(1, p), ", *", std::string(1, p),
                    ", *", std::string(1, p), ", *", std::string(1, p), ", *", std::string(1, p),
                    ", *", std::string(1, p), ", *", std::string(1, p), ", *", std::string(1, p),
                    "]\n");
  }
  YamlLimits limits;
  limits.max_values = 100000;
  absl::StatusOr<PyValue> v = YamlLoads(bomb, limits);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(YamlTest, MutatedDocumentsNeverCrash) {
  std::string base = "server:\n  host: \"a\"\n  ports: [80, 443]\nlist:\n  - &x {k: v}\n  - *x\n";
  std::mt19937 rng(5);
  const char alphabet[] = "{}[]:,-&*!|>'\"#\n  ab01";
  for (int k = 0; k < 3000; ++k) {
    std::string doc = base;
    for (int m = 0; m < 1 + k % 3; ++m)
      doc[rng() % doc.size()] = alphabet[rng() % (sizeof(alphabet) - 1)];
    absl::StatusOr<PyValue> v = YamlLoads(doc);
    if (v.ok()) {
      absl::StatusOr<std::string> text = YamlDumps(*v);
      ASSERT_TRUE(text.ok()) << doc;
    }
  }
}

TEST(YamlTest, DumpsReadBackTheSame) {
  PyValue v = PyValue::Dict(
      {{PyValue::Str("s"), PyValue::Str("yes")},
       {PyValue::Str("n"), PyValue::None()},
       {PyValue::Str("f"), PyValue::Float(1e16)},
       {PyValue::Str("g"), PyValue::Float(0.5)},
       {PyValue::Str("i"), PyValue::Int(-3)},
       {PyValue::Str("l"), PyValue::List({})},
       {PyValue::Str("d"), PyValue::Dict({})},
       {PyValue::Str("t"), PyValue::List({PyValue::Str("010"), PyValue::Str("a: b")})},
       {PyValue::Str("b"), PyValue::Bytes("ab")}});
  absl::StatusOr<std::string> text = YamlDumps(v);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("s: \"yes\"\n"));
  EXPECT_THAT(*text, HasSubstr("f: 1.0e+16\n"));
  absl::StatusOr<PyValue> back = YamlLoads(*text);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << *text;
  EXPECT_EQ(back->Repr(), v.Repr()) << *text;
  EXPECT_EQ(YamlDumps(PyValue::Set({})).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace conc

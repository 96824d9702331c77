// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Python's pickle both ways, against Debian's /usr/bin/python3: every case of
// testing/pickle_cases.py, every protocol 2-5, read here from Python's bytes and
// written here for Python to load. Then the hostile inputs.

#include "modules/marshalling/pickle.h"

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/profiling/run_command.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kCases[] = "modules/marshalling/testing/pickle_cases.py";

PyValue I(int64_t v) { return PyValue::Int(v); }
PyValue S(std::string v) { return PyValue::Str(std::move(v)); }
PyValue Big(std::string hex) { return PyValue::BigInt(absl::HexStringToBytes(hex)); }

// The same values as pickle_cases.py's CASES.
std::map<std::string, PyValue> Cases() {
  PyList ints = {I(0), I(1), I(255), I(256), I(65535), I(65536), I(-1), I(-2147483648LL), I(2147483647),
                 I(1LL << 40), I(-(1LL << 40))};
  PyList long_list;
  for (int k = 0; k < 2500; ++k) long_list.push_back(I(k));
  return {
      {"none", PyValue::None()},
      {"bools", PyValue::Tuple({PyValue::Bool(true), PyValue::Bool(false)})},
      {"ints", PyValue::List(ints)},
      {"int64_edges", PyValue::List({I(INT64_MAX), I(INT64_MIN)})},
      // 2**64 and -(2**100), two's complement little-endian, as pickle.encode_long.
      {"big_ints", PyValue::List({Big("000000000000000001"), Big("000000000000000000000000f0")})},
      {"floats", PyValue::List({PyValue::Float(0.0), PyValue::Float(-1.5), PyValue::Float(1e300),
                                PyValue::Float(HUGE_VAL)})},
      {"strs", PyValue::List({S(""), S("hello"), S("h\xc3\xa9llo \xe2\x9c\x93"), S(std::string(300, 'x'))})},
      {"bytes", PyValue::List({PyValue::Bytes(""), PyValue::Bytes(std::string("\x00\xff abc", 6)),
                               PyValue::Bytes(std::string(300, 'y'))})},
      {"bytearray", PyValue::ByteArray("\x01\x02\xff")},
      {"nested", PyValue::Dict({{S("name"), S("sensor-7")},
                                {S("readings"), PyValue::List({PyValue::Float(1.5), PyValue::Float(2.25)})},
                                {S("ok"), PyValue::Bool(true)},
                                {S("tags"), PyValue::Tuple({S("a"), S("b"), S("c"), S("d")})},
                                {S("empty"), PyValue::Dict({})}})},
      {"set", PyValue::Set({I(1), I(2), I(3)})},
      {"frozenset", PyValue::FrozenSet({S("x")})},
      {"shared", PyValue::List({PyValue::List({I(1)}), PyValue::List({I(1)})})},
      {"long_list", PyValue::List(long_list)},
      {"tuples", PyValue::Tuple({PyValue::Tuple({}), PyValue::Tuple({I(1)}), PyValue::Tuple({I(1), I(2)}),
                                 PyValue::Tuple({I(1), I(2), I(3)}), PyValue::Tuple({I(1), I(2), I(3), I(4)})})},
  };
}

bool HavePython() { return ::access(kPython, X_OK) == 0; }

TEST(PickleInteropTest, ReadsWhatPythonWroteInEveryProtocol) {
  if (!HavePython()) GTEST_SKIP() << kPython << " is missing (tools/setup.sh installs it)";
  auto r = RunCommand({kPython, kCases, "dump"}, absl::Minutes(2));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->exit_code, 0) << r->output;
  const std::map<std::string, PyValue> cases = Cases();
  int checked = 0;
  for (absl::string_view line : absl::StrSplit(r->output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    ASSERT_EQ(f.size(), 3u) << line;
    absl::StatusOr<PyValue> v = PickleLoads(absl::HexStringToBytes(f[2]));
    ASSERT_TRUE(v.ok()) << "protocol " << f[0] << " " << f[1] << ": " << v.status();
    EXPECT_EQ(*v, cases.at(f[1])) << "protocol " << f[0] << " " << f[1] << ": got " << v->Repr();
    ++checked;
  }
  EXPECT_EQ(checked, 4 * static_cast<int>(cases.size()));
}

TEST(PickleInteropTest, PythonReadsWhatWeWroteInEveryProtocol) {
  if (!HavePython()) GTEST_SKIP() << kPython << " is missing (tools/setup.sh installs it)";
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/cpp_pickles.txt";
  const std::map<std::string, PyValue> cases = Cases();
  {
    std::ofstream out(path);
    for (int proto = 2; proto <= 5; ++proto) {
      for (const auto& [name, value] : cases) {
        absl::StatusOr<std::string> data = PickleDumps(value, proto);
        ASSERT_TRUE(data.ok()) << name << ": " << data.status();
        out << proto << " " << name << " " << absl::BytesToHexString(*data) << "\n";
        // And it reads back here to the same value.
        absl::StatusOr<PyValue> back = PickleLoads(*data);
        ASSERT_TRUE(back.ok()) << name << " protocol " << proto << ": " << back.status();
        EXPECT_EQ(*back, value) << name << " protocol " << proto;
      }
    }
  }
  auto r = RunCommand({kPython, kCases, "load", path}, absl::Minutes(2));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->exit_code, 0) << r->output;
  int ok = 0;
  for (absl::string_view line : absl::StrSplit(r->output, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "OK ")) << line;
    ok += absl::StartsWith(line, "OK ") ? 1 : 0;
  }
  EXPECT_EQ(ok, 4 * static_cast<int>(cases.size()));
}

// ---- hostile input ----------------------------------------------------------

std::string P(std::string body) { return std::string("\x80\x04", 2) + body; }

TEST(PickleHostileTest, CodeLoadingOpcodesAreRefusedByName) {
  // pickle.dumps of os.system-style payloads: GLOBAL + REDUCE.
  absl::StatusOr<PyValue> v = PickleLoads(P("cos\nsystem\nX\x02\x00\x00\x00id\x85R."));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("os.system"));
  EXPECT_THAT(v.status().message(), HasSubstr("offset 2"));
  v = PickleLoads(P("\x8c\x02os\x8c\x06system\x93."));  // STACK_GLOBAL
  EXPECT_THAT(v.status().message(), HasSubstr("os.system"));
  for (const char* op : {"b", "i", "o", "\x81", "\x92", "\x82", "P", "Q"}) {
    v = PickleLoads(P(std::string("N") + op + "."));
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << op;
    EXPECT_THAT(v.status().message(), HasSubstr("refused")) << op;
  }
  // REDUCE of a value that is not a recognised builtin.
  v = PickleLoads(P("N)R."));
  EXPECT_THAT(v.status().message(), HasSubstr("refused"));
}

TEST(PickleHostileTest, EveryTruncationIsAClearErrorNeverACrash) {
  absl::StatusOr<std::string> data = PickleDumps(Cases().at("nested"), 4);
  ASSERT_TRUE(data.ok());
  for (size_t n = 0; n < data->size(); ++n) {
    absl::StatusOr<PyValue> v = PickleLoads(std::string_view(*data).substr(0, n));
    EXPECT_FALSE(v.ok()) << "a prefix of " << n << " bytes was accepted";
  }
  EXPECT_EQ(PickleLoads(std::string_view(*data).substr(0, data->size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(PickleHostileTest, HugeLengthsAreRefusedBeforeAllocating) {
  // BINUNICODE8 claiming 2^62 bytes; BINBYTES claiming 4 GiB; LONG4 of 2^31.
  EXPECT_EQ(PickleLoads(P("\x8d" + std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8))).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(PickleLoads(P(std::string("B\xff\xff\xff\xff", 5))).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(PickleLoads(P(std::string("\x8b\x00\x00\x00\x80", 5))).ok());
  // A FRAME longer than what follows.
  EXPECT_EQ(PickleLoads(P(std::string("\x95\xff\xff\x00\x00\x00\x00\x00\x00N.", 11))).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(PickleHostileTest, DeepNestingAndManyValuesHitTheLimits) {
  std::string deep;
  for (int k = 0; k < 5000; ++k) deep += "]";
  for (int k = 0; k < 4999; ++k) deep += "a";
  deep += ".";
  EXPECT_EQ(PickleLoads(P(deep)).status().code(), absl::StatusCode::kResourceExhausted);
  PickleLimits small;
  small.max_values = 10;
  std::string many = "]\x28";
  for (int k = 0; k < 20; ++k) many += "N";
  many += "e.";
  EXPECT_EQ(PickleLoads(P(many), small).status().code(), absl::StatusCode::kResourceExhausted);
  PickleLimits tiny_input;
  tiny_input.max_input = 4;
  EXPECT_EQ(PickleLoads(P("N."), tiny_input).status().code(), absl::StatusCode::kOk);
  EXPECT_EQ(PickleLoads(P("NN0."), tiny_input).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(PickleHostileTest, ARecursiveListIsRefused) {
  // l = []; l.append(l): EMPTY_LIST MEMOIZE BINGET 0 APPEND STOP
  absl::StatusOr<PyValue> v = PickleLoads(P(std::string("]\x94h\x00" "a.", 6)));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("recursive"));
}

TEST(PickleHostileTest, MalformedStructuresAreInvalid) {
  EXPECT_THAT(PickleLoads(P("0.")).status().message(), HasSubstr("underflow"));          // POP of nothing
  EXPECT_THAT(PickleLoads(P("h\x05.")).status().message(), HasSubstr("never stored"));   // BINGET 5
  EXPECT_THAT(PickleLoads(P("e.")).status().message(), HasSubstr("MARK"));               // APPENDS, no mark
  EXPECT_THAT(PickleLoads(P("NNs.")).status().message(), HasSubstr("underflow"));
  EXPECT_THAT(PickleLoads(P("K")).status().message(), HasSubstr("truncated"));            // BININT1, no byte
  EXPECT_THAT(PickleLoads(P("NN.")).status().message(), HasSubstr("one value"));
  EXPECT_THAT(PickleLoads(P("\xff.")).status().message(), HasSubstr("0xff"));
  EXPECT_THAT(PickleLoads("N.").status().message(), HasSubstr("protocol 0 or 1"));
  EXPECT_THAT(PickleLoads(std::string("\x80\x06N.", 4)).status().message(), HasSubstr("protocol 6"));
  EXPECT_EQ(PickleLoads("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(PickleWriteTest, RefusesWhatPythonCannotHold) {
  EXPECT_EQ(PickleDumps(PyValue::None(), 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PickleDumps(PyValue::None(), 6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(PickleDumps(PyValue::Set({PyValue::List({})})).status().message(), HasSubstr("unhashable"));
  EXPECT_THAT(PickleDumps(PyValue::Dict({{PyValue::Dict({}), I(1)}})).status().message(), HasSubstr("unhashable"));
  PyValue deep = PyValue::List({});
  for (int k = 0; k < 1100; ++k) deep = PyValue::List({deep});
  EXPECT_EQ(PickleDumps(deep).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PyValueTest, ReprIsPythons) {
  EXPECT_EQ(Cases().at("nested").Repr(),
            "{'name': 'sensor-7', 'readings': [1.5, 2.25], 'ok': True, 'tags': ('a', 'b', 'c', 'd'), 'empty': {}}");
  EXPECT_EQ(PyValue::Tuple({I(1)}).Repr(), "(1,)");
  EXPECT_EQ(PyValue::Bytes(std::string("\x00\xff", 2)).Repr(), "b'\\x00\\xff'");
  EXPECT_EQ(PyValue::Set({}).Repr(), "set()");
  EXPECT_EQ(PyValue::Float(22.0).Repr(), "22.0");
  EXPECT_EQ(PyValue::Float(0.1).Repr(), "0.1");
  EXPECT_EQ(PyValue::Float(1e300).Repr(), "1e+300");
  EXPECT_EQ(PyValue::Float(-HUGE_VAL).Repr(), "-inf");
}

// A list of a million ints is a million of these: what a scalar costs is pinned.
static_assert(sizeof(PyValue) <= 48, "a PyValue is its kind, its scalar and one slot");

TEST(PyValueTest, CopiesAreDeepAndAScalarReadsEmptyPayloads) {
  PyValue list = PyValue::List({S("a"), PyValue::Dict({{S("k"), I(1)}})});
  PyValue copy = list;
  copy.items()[0].s() = "changed";
  copy.items()[1].pairs()[0].second.i = 2;
  EXPECT_EQ(list.Repr(), "['a', {'k': 1}]");
  EXPECT_EQ(copy.Repr(), "['changed', {'k': 2}]");
  copy = list;  // assignment copies too
  EXPECT_EQ(copy, list);
  copy.items().clear();
  EXPECT_EQ(list.items().size(), 2u);

  const PyValue scalar = I(7);  // const: reading s/items/pairs allocates nothing, and they are empty
  EXPECT_TRUE(scalar.s().empty());
  EXPECT_TRUE(scalar.items().empty());
  EXPECT_TRUE(scalar.pairs().empty());
  PyValue moved = std::move(list);
  EXPECT_EQ(moved.items().size(), 2u);
}

}  // namespace
}  // namespace conc

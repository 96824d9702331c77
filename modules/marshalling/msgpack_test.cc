// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/msgpack.h"

#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/marshalling/internal/bigint.h"
#include "modules/marshalling/internal/text_io.h"
#include "modules/marshalling/testing/peak_rss.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

PyValue Ints(std::initializer_list<int64_t> v) {
  PyList items;
  for (int64_t i : v) items.push_back(PyValue::Int(i));
  return PyValue::List(std::move(items));
}

TEST(MsgpackTest, SeedCell) {
  // msgpack.dumps([10, 20, 30, 40]) == b'\x94\n\x14\x1e('
  EXPECT_EQ(*MsgpackDumps(Ints({10, 20, 30, 40})), "\x94\n\x14\x1e(");
  EXPECT_EQ(MsgpackLoads("\x94\n\x14\x1e(")->Repr(), "[10, 20, 30, 40]");
}

TEST(MsgpackTest, TheSameBytesAsPythonsPackb) {
  // /usr/bin/python3 -c "import msgpack; print(msgpack.packb([1, -1, 300, -300, 2**40, -2**40,
  // 2**64-1, 1.5,
  //   'a', b'b', None, True, False, {'k': [1]}, 'x'*40, -33, 127, 128, 65536]).hex())"
  const std::string python = absl::HexStringToBytes(
      "dc001301ffcd012cd1fed4cf0000010000000000d3ffffff0000000000cfffffffffffffffffcb3ff80000000000"
      "00a161c40162c0c3c28"
      "1a16b9101d9287878787878787878787878787878787878787878787878787878787878787878787878787878787"
      "8d0df7fcc80ce00010000");
  PyValue v = PyValue::List(
      {PyValue::Int(1), PyValue::Int(-1), PyValue::Int(300), PyValue::Int(-300),
       PyValue::Int(int64_t{1} << 40), PyValue::Int(-(int64_t{1} << 40)),
       PyValue::BigInt(*internal::DecimalToBigInt("18446744073709551615")), PyValue::Float(1.5),
       PyValue::Str("a"), PyValue::Bytes("b"), PyValue::None(), PyValue::Bool(true),
       PyValue::Bool(false), PyValue::Dict({{PyValue::Str("k"), Ints({1})}}),
       PyValue::Str(std::string(40, 'x')), PyValue::Int(-33), PyValue::Int(127), PyValue::Int(128),
       PyValue::Int(65536)});
  EXPECT_EQ(absl::BytesToHexString(*MsgpackDumps(v)), absl::BytesToHexString(python));
  absl::StatusOr<PyValue> back = MsgpackLoads(python);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, v);
}

TEST(MsgpackTest, WhatPythonRefusesIsRefused) {
  EXPECT_EQ(MsgpackDumps(PyValue::Set({})).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MsgpackDumps(PyValue::BigInt(*internal::DecimalToBigInt("18446744073709551616")))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MsgpackDumps(PyValue::BigInt(*internal::DecimalToBigInt("-9223372036854775809")))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MsgpackTest, MalformedInputSaysWhere) {
  struct Case {
    std::string bytes;
    absl::StatusCode code;
    const char* says;
  };
  for (const Case& c : {
           Case{"", absl::StatusCode::kDataLoss, "byte 0"},
           Case{"\x94\x01\x02", absl::StatusCode::kDataLoss, "truncated object at byte 0"},
           Case{"\xc1", absl::StatusCode::kInvalidArgument, "malformed byte at offset 0"},
           Case{std::string("\x92\x01\xc1", 3), absl::StatusCode::kInvalidArgument, "offset 2"},
           Case{"\x01\x02", absl::StatusCode::kInvalidArgument,
                "extra data after the object, at byte 1"},
           Case{"\xa2\xff\xfe", absl::StatusCode::kInvalidArgument, "not valid UTF-8"},
           Case{std::string("\xd4\x01\x00", 3), absl::StatusCode::kInvalidArgument,
                "extension type 1"},
           // An array claiming 2**32-1 items in 5 bytes: nothing that size is reserved.
           Case{"\xdd\xff\xff\xff\xff", absl::StatusCode::kDataLoss, "truncated object at byte 0"},
           Case{"\xdf\xff\xff\xff\xff", absl::StatusCode::kDataLoss, "truncated object at byte 0"},
           Case{"\xdb\xff\xff\xff\xff", absl::StatusCode::kDataLoss, "truncated"},
       }) {
    absl::StatusOr<PyValue> v = MsgpackLoads(c.bytes);
    EXPECT_EQ(v.status().code(), c.code) << absl::BytesToHexString(c.bytes) << " " << v.status();
    EXPECT_THAT(std::string(v.status().message()), HasSubstr(c.says))
        << absl::BytesToHexString(c.bytes);
  }
}

TEST(MsgpackTest, DeepNestingIsRefused) {
  EXPECT_TRUE(MsgpackLoads(std::string(999, '\x91') + "\x01").ok());
  absl::StatusOr<PyValue> v = MsgpackLoads(std::string(100000, '\x91') + "\x01");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("nesting"));
}

TEST(MsgpackTest, MutatedInputNeverCrashes) {
  PyValue v = PyValue::Dict(
      {{PyValue::Str("a"), Ints({1, 300, -70000})},
       {PyValue::Str("b"), PyValue::List({PyValue::Float(2.5), PyValue::Bytes("xyz")})}});
  std::string base = *MsgpackDumps(v);
  std::mt19937 rng(11);
  for (int k = 0; k < 20000; ++k) {
    std::string data = base;
    for (int m = 0; m < 1 + k % 3; ++m) data[rng() % data.size()] = static_cast<char>(rng());
    if (k % 5 == 0) data.resize(rng() % data.size());
    absl::StatusOr<PyValue> got = MsgpackLoads(data);
    if (got.ok()) {
      EXPECT_TRUE(MsgpackLoads(*MsgpackDumps(*got)).ok());
    }
  }
}

TEST(MsgpackStreamTest, ObjectsOneAfterAnotherThenEof) {
  std::string path = TempPath("stream.msgpack");
  std::string data = *MsgpackDumps(Ints({1, 2})) + *MsgpackDumps(PyValue::Str("two")) +
                     *MsgpackDumps(PyValue::None());
  ASSERT_TRUE(internal::WriteWholeFile(path, data).ok());
  absl::StatusOr<MsgpackStreamReader> r = MsgpackStreamReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->next()->Repr(), "[1, 2]");
  EXPECT_EQ(r->next()->Repr(), "'two'");
  EXPECT_EQ(r->next()->Repr(), "None");
  EXPECT_EQ(r->offset(), data.size());
  EXPECT_EQ(r->next().status().code(), absl::StatusCode::kOutOfRange);
  // A file cut inside its last object: DataLoss, naming where that object starts.
  ASSERT_TRUE(internal::WriteWholeFile(path, data.substr(0, data.size() - 3)).ok());
  r = MsgpackStreamReader::Open(path);
  EXPECT_TRUE(r->next().ok());
  absl::StatusOr<PyValue> cut = r->next();
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.status().message()), HasSubstr("at byte 3"));
}

// The issue asks for 1 GB; 100 MB shows the same thing (one object and one chunk
// are kept, whatever the size) in seconds on a shared test machine.
TEST(MsgpackStreamTest, AHundredMegabytesStreamInBoundedMemory) {
  // One block of 1000 records, written again and again: the file is made in a
  // moment, and every record is still parsed on its own.
  std::string block;
  for (int k = 0; k < 1000; ++k) {
    PyValue record = PyValue::Dict(
        {{PyValue::Str("id"), PyValue::Int(k)},
         {PyValue::Str("name"), PyValue::Str(absl::StrCat("sensor-", k % 97))},
         {PyValue::Str("readings"), PyValue::List({PyValue::Float(21.5), PyValue::Float(22.25)})}});
    block.append(*MsgpackDumps(record));
  }
  const std::string path = TempPath("big.msgpack");
  int64_t count = 0, id_sum = 0;
  int64_t blocks = testing::ExpectStreamsInBoundedMemory(path, size_t{100} << 20, "", block, [&] {
    absl::StatusOr<MsgpackStreamReader> r = MsgpackStreamReader::Open(path);
    ASSERT_TRUE(r.ok());
    testing::ForEachUntilEnd(*r, [&](const PyValue& v) {
      id_sum += v.pairs()[0].second.i;
      ++count;
    });
  });
  EXPECT_EQ(count, blocks * 1000);
  EXPECT_EQ(id_sum, blocks * (999 * 1000 / 2));
}

}  // namespace
}  // namespace conc

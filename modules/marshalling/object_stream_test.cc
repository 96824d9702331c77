// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Object streams: the notebook's six objects written and read back until the
// end of the stream; every truncation and every corrupted byte of a stream
// refused with a status (never a crash, never a clean end with wrong values);
// foreign files, other versions, hostile lengths and the wrong type.

#include "modules/marshalling/object_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/codec.h"
#include "modules/common/fd.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

struct Person {
  std::string name;
  int age = 0;
  CONC_CODEC_FIELDS(name, age);
  bool operator==(const Person&) const = default;
};

// a, b, c, d, e, f of the notebook: a list, a dict, a tuple, a set, an int, None.
using Item = std::variant<std::vector<int>, Person, std::tuple<int, int, int, int>, std::set<int>,
                          int, std::monostate>;

std::vector<Item> SixObjects() {
  return {std::vector<int>{10, 20, 30, 40}, Person{"Alice", 30}, std::tuple(44, 55, 6, 77),
          std::set<int>{14, 55, 66, 33},    100,                 std::monostate{}};
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
}

// The bytes of a closed stream holding the six objects.
std::string SixObjectsStream() {
  const std::string path = TempPath("six.bin");
  absl::StatusOr<ObjectWriter> writer = ObjectWriter::Create(path);
  EXPECT_TRUE(writer.ok()) << writer.status();
  for (const Item& item : SixObjects()) EXPECT_TRUE(writer->dump(item).ok());
  EXPECT_TRUE(writer->close().ok());
  return ReadFile(path);
}

// Reads `path` to the end: the items, and the status that stopped it.
std::pair<std::vector<Item>, absl::Status> ReadAll(const std::string& path) {
  std::vector<Item> items;
  absl::StatusOr<ObjectReader> reader = ObjectReader::Open(path);
  if (!reader.ok()) return {items, reader.status()};
  while (true) {
    absl::StatusOr<Item> item = reader->load<Item>();
    if (!item.ok()) return {items, item.status()};
    items.push_back(*std::move(item));
  }
}

TEST(ObjectStreamTest, SixObjectsReadBackUntilEndOfStream) {
  const std::string path = TempPath("data.bin");
  {
    absl::StatusOr<ObjectWriter> outs = ObjectWriter::Create(path);
    ASSERT_TRUE(outs.ok()) << outs.status();
    for (const Item& item : SixObjects()) ASSERT_TRUE(outs->dump(item).ok());
    EXPECT_EQ(outs->count(), 6u);
    ASSERT_TRUE(outs->close().ok());
    EXPECT_TRUE(outs->close().ok());  // Again: nothing to do.
    EXPECT_EQ(outs->dump(1).code(), absl::StatusCode::kFailedPrecondition);
  }
  absl::StatusOr<ObjectReader> ins = ObjectReader::Open(path);
  ASSERT_TRUE(ins.ok()) << ins.status();
  EXPECT_EQ(ins->version(), kObjectStreamVersion);
  std::vector<Item> got;
  absl::Status end;
  while (true) {
    absl::StatusOr<Item> item = ins->load<Item>();
    if (!item.ok()) {
      end = item.status();
      break;
    }
    got.push_back(*item);
  }
  EXPECT_TRUE(IsEndOfStream(end)) << end;
  EXPECT_EQ(end, absl::OutOfRangeError("end of stream"));
  EXPECT_EQ(got, SixObjects());
  EXPECT_EQ(ins->count(), 6u);
  // Python raises EOFError again on the next load; so do we.
  EXPECT_TRUE(IsEndOfStream(ins->load<Item>().status()));
}

TEST(ObjectStreamTest, ValuesOfDifferentTypesInTurn) {
  const std::string path = TempPath("typed.bin");
  {
    absl::StatusOr<ObjectWriter> w = ObjectWriter::Create(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->dump(std::string("header")).ok());
    ASSERT_TRUE(w->dump(std::map<std::string, double>{{"x", 1.5}}).ok());
    ASSERT_TRUE(w->dump(Person{"Bob", 41}).ok());
    ASSERT_TRUE(w->dump(std::monostate{}).ok());  // Encodes to no bytes at all.
  }  // The destructor closes.
  absl::StatusOr<ObjectReader> r = ObjectReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->load<std::string>(), "header");
  EXPECT_EQ((*r->load<std::map<std::string, double>>()), (std::map<std::string, double>{{"x", 1.5}}));
  EXPECT_EQ(*r->load<Person>(), (Person{"Bob", 41}));
  EXPECT_TRUE(r->load<std::monostate>().ok());
  EXPECT_TRUE(IsEndOfStream(r->load<int>().status()));
}

TEST(ObjectStreamTest, TruncationAtEveryOffsetIsDataLoss) {
  const std::string full = SixObjectsStream();
  const std::string path = TempPath("cut.bin");
  for (size_t n = 0; n < full.size(); ++n) {
    WriteFile(path, std::string_view(full).substr(0, n));
    auto [items, status] = ReadAll(path);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << "cut at " << n << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr("truncated")) << "cut at " << n;
    EXPECT_THAT(status.message(), HasSubstr("offset")) << "cut at " << n;
    // What was read before the cut is what was written.
    ASSERT_LE(items.size(), 6u);
    for (size_t k = 0; k < items.size(); ++k) EXPECT_EQ(items[k], SixObjects()[k]);
  }
  WriteFile(path, full);
  EXPECT_TRUE(IsEndOfStream(ReadAll(path).second));
}

TEST(ObjectStreamTest, TruncationQuotesTheRecordsOffset) {
  const std::string full = SixObjectsStream();
  const std::string path = TempPath("cut1.bin");
  // Cut inside the second record's frame header: the first record is 16..16+8+len.
  uint64_t first_len = 0;
  std::memcpy(&first_len, full.data() + kObjectStreamHeaderSize, sizeof first_len);
  const size_t second = kObjectStreamHeaderSize + kFrameHeaderSize + first_len;
  WriteFile(path, std::string_view(full).substr(0, second + 3));
  auto [items, status] = ReadAll(path);
  EXPECT_EQ(items.size(), 1u);
  EXPECT_THAT(status.message(), HasSubstr("offset " + std::to_string(second))) << status;
}

TEST(ObjectStreamTest, EveryCorruptedByteIsAnErrorNotAValue) {
  const std::string full = SixObjectsStream();
  const std::string path = TempPath("flip.bin");
  for (size_t at = 0; at < full.size(); ++at) {
    std::string bad = full;
    bad[at] = static_cast<char>(bad[at] ^ 0x5A);
    WriteFile(path, bad);
    auto [items, status] = ReadAll(path);
    EXPECT_FALSE(IsEndOfStream(status)) << "byte " << at << " flipped, read as a whole stream";
    EXPECT_FALSE(status.ok());
    for (size_t k = 0; k < items.size(); ++k) EXPECT_EQ(items[k], SixObjects()[k]) << "byte " << at;
  }
}

TEST(ObjectStreamTest, ForeignFilesAreRefusedClearly) {
  const std::string path = TempPath("foreign.bin");
  WriteFile(path, "name,age\nAlice,30\n");
  absl::StatusOr<ObjectReader> r = ObjectReader::Open(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not a conc object stream"));
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  // Python's pickle of [10, 20, 30, 40], the notebook's s1.
  WriteFile(path, std::string("\x80\x05\x95\r\0\0\0\0\0\0\0]\x94(K\nK\x14K\x1eK(e.", 24));
  EXPECT_EQ(ObjectReader::Open(path).status().code(), absl::StatusCode::kInvalidArgument);
  // A stream of another format version.
  std::string other = SixObjectsStream();
  other[8] = 9;
  WriteFile(path, other);
  r = ObjectReader::Open(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("format version 9, this code reads version 1"));
  EXPECT_EQ(ObjectReader::Open(TempPath("no-such-file")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ObjectStreamTest, HostileLengthIsRefusedBeforeAllocating) {
  const std::string path = TempPath("huge.bin");
  std::string bytes = SixObjectsStream().substr(0, kObjectStreamHeaderSize);
  const uint64_t huge = uint64_t{1} << 62;
  bytes.append(reinterpret_cast<const char*>(&huge), sizeof huge);
  bytes += "tiny";
  WriteFile(path, bytes);
  auto [items, status] = ReadAll(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("corrupt record at offset 16"));
  // A length under the limit but beyond the end: truncated, memory grows only
  // with what arrives.
  bytes.resize(kObjectStreamHeaderSize);
  const uint64_t big = uint64_t{1} << 29;
  bytes.append(reinterpret_cast<const char*>(&big), sizeof big);
  bytes += "tiny";
  WriteFile(path, bytes);
  EXPECT_THAT(ReadAll(path).second.message(), HasSubstr("truncated record at offset 16"));
}

TEST(ObjectStreamTest, TheWrongTypeIsDataLossWithTheOffset) {
  const std::string path = TempPath("wrong.bin");
  {
    absl::StatusOr<ObjectWriter> w = ObjectWriter::Create(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->dump(int32_t{7}).ok());
  }
  absl::StatusOr<ObjectReader> r = ObjectReader::Open(path);
  ASSERT_TRUE(r.ok());
  absl::StatusOr<std::string> s = r->load<std::string>();
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.status().message(), HasSubstr("record at offset 16: codec:"));
  // The reader is broken: the same error again.
  EXPECT_EQ(r->load<int32_t>().status(), s.status());
}

TEST(ObjectStreamTest, OverAPipe) {
  absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  auto& [read_end, write_end] = *pipe;
  {
    absl::StatusOr<ObjectWriter> w = ObjectWriter::Attach(write_end.get());
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->dump(std::vector<int>(i, i)).ok());
    ASSERT_TRUE(w->close().ok());
  }
  write_end.reset();
  absl::StatusOr<ObjectReader> r = ObjectReader::Attach(read_end.get());
  ASSERT_TRUE(r.ok()) << r.status();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(*r->load<std::vector<int>>(), std::vector<int>(i, i));
  EXPECT_TRUE(IsEndOfStream(r->load<std::vector<int>>().status()));
}

TEST(ObjectStreamTest, Crc32cKnownValue) {
  // The check value of CRC-32C (RFC 3720, appendix B.4).
  EXPECT_EQ(internal::Crc32c("123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace conc

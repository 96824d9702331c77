// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// libFuzzer target: conc::ObjectReader over arbitrary bytes (through a memfd,
// as a file would be), loading values of several types until the stream ends
// or fails. It must never crash, hang or allocate more than arrives. Each
// input is read twice: as it is, and with the CRC of every whole record
// recomputed, so that mutations reach the codec behind the checksum.
//
//   tools/fuzz.sh object_stream 60
//   bazel test //modules/marshalling:object_stream_fuzz_replay_test

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "modules/common/codec.h"
#include "modules/common/fd.h"
#include "modules/marshalling/object_stream.h"

namespace {

struct Record {
  std::string name;
  int32_t age = 0;
  std::optional<double> score;
  CONC_CODEC_FIELDS(name, age, score);
};

using Item = std::variant<std::vector<int>, Record, std::map<std::string, double>, std::set<int>, int64_t,
                          std::monostate, std::string>;

// The input with each record's CRC-32C made right (the record layout of object_stream.h).
std::string WithRepairedChecksums(std::string bytes) {
  size_t at = conc::kObjectStreamHeaderSize;
  while (at + 8 <= bytes.size()) {
    uint64_t length = 0;
    std::memcpy(&length, bytes.data() + at, sizeof length);
    if (length < 5 || length > bytes.size() - at - 8) break;
    const std::string_view record(bytes.data() + at + 8, length);
    const uint32_t crc = conc::internal::Crc32c(record.substr(5), conc::internal::Crc32c(record.substr(0, 1)));
    std::memcpy(bytes.data() + at + 8 + 1, &crc, sizeof crc);
    at += 8 + length;
  }
  return bytes;
}

void ReadAll(std::string_view bytes) {
  conc::FileDescriptor fd(::memfd_create("object_stream_fuzz", MFD_CLOEXEC));
  if (fd.get() < 0) std::abort();
  if (!bytes.empty() && ::write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    std::abort();
  }
  ::lseek(fd.get(), 0, SEEK_SET);
  conc::ObjectReaderOptions options;
  options.max_record_size = 1 << 20;
  absl::StatusOr<conc::ObjectReader> reader = conc::ObjectReader::Attach(fd.get(), options);
  if (!reader.ok()) return;
  for (int k = 0; k < 1000; ++k) {
    absl::StatusOr<Item> item = reader->load<Item>();
    if (!item.ok()) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  ReadAll(input);
  ReadAll(WithRepairedChecksums(input));
  return 0;
}

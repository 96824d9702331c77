// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// msgpack.h: Python's msgpack (python3-msgpack), on Debian's msgpack-cxx, into and
// out of the PyValue tree that pickle.h defines.
//
//   import msgpack
//   msgpack.dumps([10, 20, 30, 40])    # b'\x94\n\x14\x1e('
//   msgpack.loads(b'\x94\n\x14\x1e(')  # [10, 20, 30, 40]
//   for v in msgpack.Unpacker(open(path, "rb")): ...
//
//   absl::StatusOr<std::string> bytes = conc::MsgpackDumps(v);      // the same bytes
//   absl::StatusOr<conc::PyValue> back = conc::MsgpackLoads(*bytes);
//   conc::MsgpackStreamReader r = *conc::MsgpackStreamReader::Open(path);
//   while (absl::StatusOr<conc::PyValue> v = r.next(); v.ok()) {}   // bounded memory
//
// Writing is what msgpack.packb writes by default (use_bin_type=True): None ->
// nil, bool, int in its shortest form (up to 2**64 - 1; beyond is InvalidArgument,
// Python's OverflowError), float -> float 64, str -> str, bytes and bytearray ->
// bin, list and tuple -> array, dict -> map. A set is refused (Python's TypeError).
// Reading is msgpack.unpackb's default (raw=False): str must be UTF-8, array ->
// list, map -> dict, bin -> bytes, uint64 above int64 -> a BigInt.
//
// Errors: malformed or truncated input is InvalidArgument or DataLoss naming the
// byte offset; extension types (ExtType and Timestamp in Python) are refused
// (InvalidArgument, with the type code and offset); every length is checked
// against the bytes left before anything is allocated, and nesting deeper than
// MsgpackLimits::max_depth is refused. Nothing here throws or aborts.
//
// Where it differs from Python: map keys may be of any type (Python's unpackb has
// strict_map_key=True, str or bytes only); a repeated map key is kept twice (Python
// keeps the last value); no ExtType or Timestamp.

#ifndef MODULES_MARSHALLING_MSGPACK_H_
#define MODULES_MARSHALLING_MSGPACK_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/marshalling/internal/text_io.h"
#include "modules/marshalling/pickle.h"

namespace conc {

struct MsgpackLimits {
  size_t max_depth = 1000;              // arrays and maps inside each other
  size_t max_object = size_t{1} << 30;  // bytes of one object (the stream reader's buffer)
};

// msgpack.packb(value).
absl::StatusOr<std::string> MsgpackDumps(const PyValue& value);

// msgpack.unpackb(data): exactly one object; trailing bytes are InvalidArgument
// (Python's ExtraData), a short input DataLoss.
absl::StatusOr<PyValue> MsgpackLoads(std::string_view data, const MsgpackLimits& limits = {});

// msgpack.Unpacker over a file: objects one after another, read in chunks, so
// memory is one object and one chunk whatever the file's size.
// next(): the next object; OutOfRange (EOFError) at a clean end; DataLoss if the
// file ends inside an object; InvalidArgument for malformed bytes (the stream
// cannot go on after it: every later call returns the same error).
class MsgpackStreamReader {
 public:
  static absl::StatusOr<MsgpackStreamReader> Open(const std::string& path,
                                                  const MsgpackLimits& limits = {});

  [[nodiscard]] absl::StatusOr<PyValue> next();
  // Bytes of the file consumed so far (the offset of the next object).
  size_t offset() const { return consumed_; }

 private:
  MsgpackStreamReader(internal::ChunkedFile file, const MsgpackLimits& limits)
      : file_(std::move(file)), limits_(limits) {}

  internal::ChunkedFile file_;
  MsgpackLimits limits_;
  std::string buffer_;
  size_t start_ = 0;     // of the next object in buffer_
  size_t consumed_ = 0;  // file offset of buffer_[start_]
  bool eof_ = false;
  absl::Status broken_;
};

}  // namespace conc

#endif  // MODULES_MARSHALLING_MSGPACK_H_

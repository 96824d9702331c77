// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// text_io.h (internal): what the format units share: reading and writing a whole
// file, reading one in bounded chunks (the streaming readers), and turning a byte
// offset into Python's "line L column C" (1-based, as json.JSONDecodeError does).
//
//   absl::StatusOr<std::string> text = internal::ReadWholeFile(path, limit);
//   internal::ChunkedFile f = ...; f.Read(&buffer, 1 << 16)  // appends at most n bytes
//   internal::Where(text, offset)  // "line 3 column 7 (byte 41)"

#ifndef MODULES_MARSHALLING_INTERNAL_TEXT_IO_H_
#define MODULES_MARSHALLING_INTERNAL_TEXT_IO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc::internal {

// The whole file; ResourceExhausted past `limit` bytes, NotFound/PermissionDenied/...
// (from errno) naming the path.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t limit);

// Writes `data` to `path` (created or truncated).
absl::Status WriteWholeFile(const std::string& path, std::string_view data);

// What every format's LoadFile does: the whole file through `parse`, an error
// prefixed with the path ("service.yaml: yaml: ... at line 3 column 1").
template <typename Parse>
auto LoadFile(const std::string& path, size_t limit, Parse&& parse)
    -> decltype(parse(std::string_view())) {
  absl::StatusOr<std::string> text = ReadWholeFile(path, limit);
  if (!text.ok()) return text.status();
  auto value = parse(std::string_view(*text));
  if (!value.ok())
    return absl::Status(value.status().code(), path + ": " + std::string(value.status().message()));
  return value;
}

// What every format's DumpFile does: the text, or its error, to `path`.
inline absl::Status DumpFile(const absl::StatusOr<std::string>& text, const std::string& path) {
  if (!text.ok()) return text.status();
  return WriteWholeFile(path, *text);
}

// A file read in chunks by the streaming readers: memory is what the caller keeps.
class ChunkedFile {
 public:
  static absl::StatusOr<ChunkedFile> Open(const std::string& path);
  ChunkedFile(ChunkedFile&& other) noexcept;
  ChunkedFile& operator=(ChunkedFile&& other) noexcept;
  ChunkedFile(const ChunkedFile&) = delete;
  ChunkedFile& operator=(const ChunkedFile&) = delete;
  ~ChunkedFile();

  // Appends up to `n` bytes to `out`; returns how many (0 at end of file).
  absl::StatusOr<size_t> Read(std::string* out, size_t n);

 private:
  explicit ChunkedFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Python's repr of a finite float into buf (at least 32 bytes): the shortest
// digits that read back the same, fixed notation for exponents -4..15 ("1.0",
// "0.0001"), else "1e+16", "1e-05". Returns the length.
size_t FloatRepr(double d, char* buf);

// 1-based line and column of byte `offset` in `text` (columns count bytes).
struct LineColumn {
  size_t line = 1;
  size_t column = 1;
};
LineColumn LineColumnOf(std::string_view text, size_t offset);

// "line L column C (byte N)", for error messages.
std::string Where(std::string_view text, size_t offset);

}  // namespace conc::internal

#endif  // MODULES_MARSHALLING_INTERNAL_TEXT_IO_H_

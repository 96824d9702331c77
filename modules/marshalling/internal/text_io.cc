// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/internal/text_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::internal {

namespace {

absl::string_view Av(std::string_view v) { return absl::string_view(v.data(), v.size()); }

absl::Status Errno(int err, std::string_view what, const std::string& path) {
  return ErrnoToStatus(err, absl::StrCat(Av(what), " ", path));
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t limit) {
  absl::StatusOr<ChunkedFile> file = ChunkedFile::Open(path);
  if (!file.ok()) return file.status();
  std::string out;
  while (true) {
    absl::StatusOr<size_t> n = file->Read(&out, size_t{1} << 20);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    if (out.size() > limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, " is larger than the limit of ", limit, " bytes"));
    }
  }
}

absl::Status WriteWholeFile(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(errno, "open", path);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Errno(err, "write", path);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Errno(errno, "close", path);
  return absl::OkStatus();
}

absl::StatusOr<ChunkedFile> ChunkedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open", path);
  return ChunkedFile(fd);
}

ChunkedFile::ChunkedFile(ChunkedFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ChunkedFile& ChunkedFile::operator=(ChunkedFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ChunkedFile::~ChunkedFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<size_t> ChunkedFile::Read(std::string* out, size_t n) {
  if (fd_ < 0) return absl::FailedPreconditionError("read from a closed file");
  size_t old = out->size();
  out->resize(old + n);
  while (true) {
    ssize_t got = ::read(fd_, out->data() + old, n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int err = errno;
      out->resize(old);
      return ErrnoToStatus(err, "read");
    }
    out->resize(old + static_cast<size_t>(got));
    return static_cast<size_t>(got);
  }
}

// Python's repr of a finite float: the shortest digits that read back the same,
// in fixed notation for exponents -4..15 (with ".0" if integral), else d.ddde+XX.
size_t FloatRepr(double d, char* buf) {
  // Python's rule (float_repr_style "short"); to_chars gives the shortest digits.
  char sci[40];
  std::to_chars_result r = std::to_chars(sci, sci + sizeof(sci), d, std::chars_format::scientific);
  std::string_view text(sci, static_cast<size_t>(r.ptr - sci));
  size_t e_at = text.find('e');
  int exponent = std::atoi(std::string(text.substr(e_at + 1)).c_str());
  std::string_view mantissa = text.substr(0, e_at);
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.remove_prefix(1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  char* out = buf;
  if (negative) *out++ = '-';
  if (exponent < -4 || exponent >= 16) {
    *out++ = digits[0];
    if (digits.size() > 1) {
      *out++ = '.';
      for (size_t k = 1; k < digits.size(); ++k) *out++ = digits[k];
    }
    *out++ = 'e';
    *out++ = exponent < 0 ? '-' : '+';
    int mag = exponent < 0 ? -exponent : exponent;
    if (mag < 10) *out++ = '0';
    out = std::to_chars(out, out + 4, mag).ptr;
  } else if (exponent < 0) {
    *out++ = '0';
    *out++ = '.';
    for (int k = -1; k > exponent; --k) *out++ = '0';
    for (char c : digits) *out++ = c;
  } else {
    size_t int_digits = static_cast<size_t>(exponent) + 1;
    for (size_t k = 0; k < int_digits; ++k) *out++ = k < digits.size() ? digits[k] : '0';
    *out++ = '.';
    if (digits.size() > int_digits) {
      for (size_t k = int_digits; k < digits.size(); ++k) *out++ = digits[k];
    } else {
      *out++ = '0';
    }
  }
  return static_cast<size_t>(out - buf);
}

LineColumn LineColumnOf(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  LineColumn lc;
  size_t line_start = 0;
  for (size_t k = 0; k < offset; ++k) {
    if (text[k] == '\n') {
      ++lc.line;
      line_start = k + 1;
    }
  }
  lc.column = offset - line_start + 1;
  return lc;
}

std::string Where(std::string_view text, size_t offset) {
  LineColumn lc = LineColumnOf(text, offset);
  return absl::StrCat("line ", lc.line, " column ", lc.column, " (byte ",
                      std::min(offset, text.size()), ")");
}

}  // namespace conc::internal

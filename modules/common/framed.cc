// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/framed.h"

#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/fd.h"
#include "modules/common/status.h"

namespace conc {
namespace {

// Payloads up to this size are read with one allocation; larger ones grow
// geometrically as their bytes arrive, so a lying header costs at most about
// twice the bytes actually sent.
constexpr uint64_t kReadChunk = uint64_t{1} << 20;

// A scratch buffer larger than this is released after use rather than kept.
constexpr size_t kKeptScratchCapacity = size_t{1} << 20;

std::array<std::byte, kFrameHeaderSize> EncodeHeader(uint64_t length) {
  std::array<std::byte, kFrameHeaderSize> header;
  std::memcpy(header.data(), &length, sizeof length);  // Little-endian host.
  return header;
}

// Writes all of `iov[0..count)`, retrying on EINTR and short writes.
absl::Status WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    const ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write frame");
    }
    // Skip the buffers written in full, then trim the first partial one.
    size_t written = static_cast<size_t>(n);
    while (count > 0 && written >= iov->iov_len) {
      written -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + written;
      iov->iov_len -= written;
    }
  }
  return absl::OkStatus();
}

}  // namespace

FrameWriter::FrameWriter(int fd) : fd_(fd) { IgnoreSigpipe(); }

absl::Status FrameWriter::Write(std::string_view payload) {
  if (!broken_.ok()) return broken_;
  std::array<std::byte, kFrameHeaderSize> header = EncodeHeader(payload.size());
  iovec iov[2] = {
      {header.data(), header.size()},
      {const_cast<char*>(payload.data()), payload.size()},
  };
  absl::Status status = WriteAll(fd_, iov, payload.empty() ? 1 : 2);
  if (!status.ok()) broken_ = status;
  return status;
}

absl::Status FrameWriter::WriteScratch() {
  const uint64_t length = scratch_.size() - kFrameHeaderSize;
  std::memcpy(scratch_.data(), &length, sizeof length);
  iovec iov[1] = {{scratch_.data(), scratch_.size()}};
  absl::Status status = WriteAll(fd_, iov, 1);
  if (scratch_.capacity() > kKeptScratchCapacity) std::string().swap(scratch_);
  if (!status.ok()) broken_ = status;
  return status;
}

FrameReader::FrameReader(int fd, uint64_t max_frame_size)
    : fd_(fd), max_frame_size_(max_frame_size) {}

absl::Status FrameReader::Break(absl::Status status) {
  broken_ = status;
  pending_payload_.reset();
  return status;
}

absl::Status FrameReader::TruncatedPayloadError(uint64_t got) const {
  return DataLossError(
      absl::StrCat("truncated frame: header says ", *pending_payload_, " bytes, got ", got));
}

absl::StatusOr<uint64_t> FrameReader::ReadHeader() {
  if (!broken_.ok()) return broken_;
  if (pending_payload_.has_value()) {
    return MisuseError(absl::StrCat("FrameReader::ReadHeader: the previous frame's payload (",
                                    *pending_payload_, " bytes) has not been read"));
  }
  std::array<std::byte, kFrameHeaderSize> header;
  absl::StatusOr<size_t> got = ReadFull(fd_, header);
  if (!got.ok()) return Break(got.status());
  if (*got == 0) return EofError("EOF");
  if (*got < header.size()) {
    return Break(DataLossError(
        absl::StrCat("truncated frame header: got ", *got, " of ", header.size(), " bytes")));
  }
  uint64_t length = 0;
  std::memcpy(&length, header.data(), sizeof length);
  if (length > max_frame_size_) {
    return Break(ValueError(absl::StrCat("frame of ", length, " bytes exceeds the limit of ",
                                         max_frame_size_, " bytes")));
  }
  pending_payload_ = length;
  return length;
}

absl::Status FrameReader::ReadPayload(std::span<std::byte> buffer) {
  if (!broken_.ok()) return broken_;
  if (!pending_payload_.has_value() || *pending_payload_ != buffer.size()) {
    return MisuseError(absl::StrCat(
        "FrameReader::ReadPayload: buffer of ", buffer.size(), " bytes for a pending payload of ",
        pending_payload_.has_value() ? absl::StrCat(*pending_payload_, " bytes")
                                     : std::string("none (no header read)")));
  }
  absl::StatusOr<size_t> got = ReadFull(fd_, buffer);
  if (!got.ok()) return Break(got.status());
  if (*got < buffer.size()) return Break(TruncatedPayloadError(*got));
  pending_payload_.reset();
  return absl::OkStatus();
}

absl::StatusOr<std::string> FrameReader::ReadPayload() {
  if (!broken_.ok()) return broken_;
  if (!pending_payload_.has_value()) {
    return MisuseError("FrameReader::ReadPayload: no header read");
  }
  const uint64_t length = *pending_payload_;
  std::string payload;
  uint64_t have = 0;
  while (have < length) {
    const uint64_t target = std::min(length, std::max(kReadChunk, 2 * have));
    payload.resize(target);
    absl::StatusOr<size_t> got =
        ReadFull(fd_, std::as_writable_bytes(std::span(payload)).subspan(have));
    if (!got.ok()) return Break(got.status());
    have += *got;
    if (have < target) return Break(TruncatedPayloadError(have));
  }
  pending_payload_.reset();
  return payload;
}

absl::StatusOr<std::string> FrameReader::Read() {
  absl::StatusOr<uint64_t> length = ReadHeader();
  if (!length.ok()) return length.status();
  return ReadPayload();
}

absl::StatusOr<size_t> FrameReader::ReadInto(std::span<std::byte> buffer) {
  absl::StatusOr<uint64_t> length = ReadHeader();
  if (!length.ok()) return length.status();
  if (*length > buffer.size()) {
    absl::StatusOr<std::string> payload = ReadPayload();
    if (!payload.ok()) return payload.status();
    return BufferTooShortError(
        absl::StrCat("frame of ", *length, " bytes does not fit the buffer of ", buffer.size(),
                     " bytes"),
        *std::move(payload));
  }
  if (absl::Status s = ReadPayload(buffer.first(*length)); !s.ok()) return s;
  return static_cast<size_t>(*length);
}

}  // namespace conc

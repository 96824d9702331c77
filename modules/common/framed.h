// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// framed.h: messages over a byte stream (a pipe, a socket), one frame each.
//
// A frame is an 8-byte little-endian payload length followed by the payload.
// This is how `multiprocessing.connection.Connection` delimits `send_bytes`
// messages (it uses a 4-byte big-endian length, switching to 8 bytes for large
// ones); `conc` always uses 8 bytes, little-endian, like codec.h. `Pipe`, the
// process queues and the process pools all speak it, usually carrying values
// encoded by codec.h (`WriteMessage`/`ReadMessage`).
//
//   conc::FrameWriter writer(write_end.get());
//   absl::Status sent = writer.WriteMessage(std::vector<int>{1, 2, 3});
//
//   conc::FrameReader reader(read_end.get());
//   absl::StatusOr<std::vector<int>> got = reader.ReadMessage<std::vector<int>>();
//   if (absl::IsOutOfRange(got.status())) { /* EOFError: writer closed */ }
//
// What the reader reports (the table of status.h applied to streams):
//
//   the stream ends cleanly between frames      OutOfRange "EOF" (EOFError)
//   the stream ends inside a header or payload  DataLoss "truncated frame ..."
//                                               (a writer died mid-message)
//   a header above `max_frame_size`             InvalidArgument naming the size,
//                                               before anything is allocated or
//                                               the payload read
//   a frame larger than ReadInto's buffer       ResourceExhausted carrying the
//                                               frame (BufferTooShort)
//   read(2) fails                               ErrnoToStatus
//
// After a DataLoss, an InvalidArgument for the size or a read(2) error, the
// reader is broken: the position in the stream is unknown, so every later call
// returns the same error. An EOF is not sticky (a later read asks the
// descriptor again), and a frame whose payload fails to decode leaves the
// stream intact.
//
// The writer ignores SIGPIPE for the whole process (`IgnoreSigpipe()`, as
// CPython does at start-up) so that a vanished reader is `Unavailable`
// (BrokenPipeError) rather than death by signal. After a failed write the
// writer is broken (part of a frame may have been sent) and every later call
// returns the same error.
//
// Requires: the descriptor is in blocking mode and outlives the reader or
// writer, which do not own it. Thread-safety: neither class is thread-safe;
// one frame at a time per descriptor. Frames from several writers sharing a
// pipe interleave unless the writers hold a lock (writes above PIPE_BUF bytes
// are not atomic).

#ifndef MODULES_COMMON_FRAMED_H_
#define MODULES_COMMON_FRAMED_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/codec.h"

namespace conc {

// Bytes in a frame header.
inline constexpr size_t kFrameHeaderSize = 8;

// The largest frame a reader accepts unless told otherwise: 1 GiB.
inline constexpr uint64_t kDefaultMaxFrameSize = uint64_t{1} << 30;

class FrameWriter {
 public:
  // Writes to `fd`, which it does not own. Ignores SIGPIPE process-wide.
  explicit FrameWriter(int fd);

  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  // Writes one frame holding `payload` (which may be empty). Blocks until the
  // whole frame is written. Errors: `Unavailable` if the reader has gone
  // (EPIPE), other write(2) errors via `ErrnoToStatus`; the writer is then
  // broken.
  [[nodiscard]] absl::Status Write(std::string_view payload);

  // Writes one frame holding `Encode(value)`, with a single write(2) for
  // frames that fit the pipe. Errors as for `Write`.
  template <Encodable T>
  [[nodiscard]] absl::Status WriteMessage(const T& value) {
    if (!broken_.ok()) return broken_;
    scratch_.assign(kFrameHeaderSize, '\0');
    EncodeTo(value, &scratch_);
    return WriteScratch();
  }

  // True after a failed write.
  bool broken() const { return !broken_.ok(); }

 private:
  // Fills in scratch_'s header and writes it out.
  absl::Status WriteScratch();

  int fd_;
  absl::Status broken_;  // OK until a write fails.
  std::string scratch_;  // Header + encoded message, reused between messages.
};

class FrameReader {
 public:
  // Reads from `fd`, which it does not own, refusing frames whose header
  // announces more than `max_frame_size` bytes.
  explicit FrameReader(int fd, uint64_t max_frame_size = kDefaultMaxFrameSize);

  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Reads the next frame and returns its payload (`conn.recv_bytes()`).
  // Blocks until a whole frame has arrived. Memory grows with the bytes that
  // actually arrive, not with what the header announces. Errors: see the
  // table above.
  [[nodiscard]] absl::StatusOr<std::string> Read();

  // Reads the next frame into the front of `buffer` and returns its length
  // (`conn.recv_bytes_into(buffer)`). If the frame is longer than `buffer`, it
  // is consumed anyway and returned as a BufferTooShort error
  // (`ResourceExhausted`, the payload readable with `BufferTooShortMessage`),
  // as Python does; `buffer` is then unspecified.
  [[nodiscard]] absl::StatusOr<size_t> ReadInto(std::span<std::byte> buffer);

  // Reads the next frame and decodes it as a T (codec.h). A payload that does
  // not decode is a DataLoss, but the stream stays usable.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<T> ReadMessage() {
    absl::StatusOr<std::string> payload = Read();
    if (!payload.ok()) return payload.status();
    return Decode<T>(*payload);
  }

  // The two halves of `Read`, for callers that place the payload themselves.
  //
  // Reads the next header and returns the payload length, which the caller
  // must then consume with one `ReadPayload` call before reading another
  // header. Errors: as for `Read`; calling it again with a payload pending is
  // `FailedPrecondition`.
  [[nodiscard]] absl::StatusOr<uint64_t> ReadHeader();

  // Reads the pending payload into `buffer`, whose size must equal the length
  // that `ReadHeader` returned (pass `buffer.first(length)`); otherwise
  // `FailedPrecondition` and nothing is read.
  [[nodiscard]] absl::Status ReadPayload(std::span<std::byte> buffer);

  // Reads the pending payload into a new string.
  [[nodiscard]] absl::StatusOr<std::string> ReadPayload();

  // True after an error that leaves the stream position unknown.
  bool broken() const { return !broken_.ok(); }

  uint64_t max_frame_size() const { return max_frame_size_; }

 private:
  // Records `status` as the reader's permanent error and returns it.
  absl::Status Break(absl::Status status);
  absl::Status TruncatedPayloadError(uint64_t got) const;

  int fd_;
  uint64_t max_frame_size_;
  std::optional<uint64_t> pending_payload_;  // Set between header and payload.
  absl::Status broken_;                      // OK until the stream is torn.
};

}  // namespace conc

#endif  // MODULES_COMMON_FRAMED_H_

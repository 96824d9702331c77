// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// fd.h: an owning file descriptor, and the read/write loops every chapter needs.
//
// `FileDescriptor` owns one POSIX descriptor and closes it when destroyed, like a
// Python file object used in a `with` block (or `os.close` in a `finally`). It
// is move-only: exactly one object closes a descriptor.
//
// `ReadFull` and `WriteFull` are the loops around read(2)/write(2) that Python's
// `BufferedReader.read(n)` and `BufferedWriter.write` hide: they retry on EINTR
// (as Python does since PEP 475) and on short transfers, and report errors as
// `absl::Status` through `ErrnoToStatus` (EPIPE is `Unavailable`, Python's
// BrokenPipeError).
//
// SIGPIPE: writing to a pipe or socket whose reader has gone raises SIGPIPE,
// which kills the process by default. CPython ignores SIGPIPE at start-up so
// that the write fails with EPIPE instead; C++ programs must choose. Call
// `IgnoreSigpipe()` once (the framed writer does it for you), or use
// `send(..., MSG_NOSIGNAL)` on sockets.
//
// Example:
//
//   absl::StatusOr<std::pair<conc::FileDescriptor, conc::FileDescriptor>> pipe =
//       conc::MakePipe();
//   if (!pipe.ok()) return pipe.status();
//   auto& [read_end, write_end] = *pipe;
//   absl::Status written = conc::WriteFull(write_end.get(), bytes);
//   write_end.reset();  // The reader now sees EOF after `bytes`.
//   std::array<std::byte, 4> buffer;
//   absl::StatusOr<size_t> n = conc::ReadFull(read_end.get(), buffer);
//
// Thread-safety: a `FileDescriptor` is as thread-compatible as an `int`;
// `ReadFull`/`WriteFull` on one descriptor from two threads at once interleave
// their bytes, so such callers hold a lock.

#ifndef MODULES_COMMON_FD_H_
#define MODULES_COMMON_FD_H_

#include <cstddef>
#include <span>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc {

class FileDescriptor {
 public:
  // An empty object that owns nothing (`get() == -1`).
  FileDescriptor() = default;

  // Takes ownership of `fd` (may be -1 for "nothing").
  explicit FileDescriptor(int fd) : fd_(fd) {}

  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  // Closes the descriptor, ignoring errors (use `Close()` to see them).
  ~FileDescriptor() { reset(); }

  // The descriptor, or -1. Ownership stays here.
  int get() const { return fd_; }

  // True if this object owns a descriptor.
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing; returns the descriptor (or -1).
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the current descriptor (ignoring errors), then owns `fd`.
  void reset(int fd = -1);

  // Closes the descriptor and reports close(2)'s error (EIO on some file
  // systems, where it is the only sign that written data was lost). The object
  // owns nothing afterwards, even on error: Linux releases the descriptor
  // whatever close(2) returns, so retrying would close someone else's. Closing
  // an empty object is OK.
  absl::Status Close();

 private:
  int fd_ = -1;
};

// Reads until `buffer` is full or the peer reaches end of file, retrying on
// EINTR and short reads. Blocks.
//
// Returns the number of bytes read: `buffer.size()` normally, fewer only at end
// of file, and 0 if the stream was already at end of file (so "EOF before
// anything" is `*n == 0`, and "EOF in the middle" is `0 < *n < size`). An empty
// buffer returns 0 without a system call.
//
// Requires: `fd` is in blocking mode. On a non-blocking descriptor, EAGAIN
// is returned as `DeadlineExceeded` and the bytes already read are lost.
// Errors: read(2)'s errno through `ErrnoToStatus`.
[[nodiscard]] absl::StatusOr<size_t> ReadFull(int fd, std::span<std::byte> buffer);

// Writes all of `data`, retrying on EINTR and short writes. Blocks.
//
// Errors: write(2)'s errno through `ErrnoToStatus`: the reader closed is
// `Unavailable` (EPIPE, Python's BrokenPipeError), provided SIGPIPE is ignored
// (`IgnoreSigpipe`), otherwise the process dies of SIGPIPE first. After an
// error, some prefix of `data` may have been written.
//
// Requires: `fd` is in blocking mode (as for ReadFull).
[[nodiscard]] absl::Status WriteFull(int fd, std::span<const std::byte> data);

// Sets SIGPIPE's disposition to SIG_IGN, once per process (later calls do
// nothing), so that writes to a closed pipe fail with EPIPE instead of killing
// the process. This is what CPython does at start-up. It affects the whole
// process, and is inherited by children across fork and exec (Python resets it
// in `subprocess` children; call `signal(SIGPIPE, SIG_DFL)` in the child if a
// program you exec expects the default). Thread-safe.
void IgnoreSigpipe();

// os.pipe(): creates a pipe with O_CLOEXEC on both ends. Returns
// {read end, write end}. Errors: pipe2(2)'s errno (EMFILE, ENFILE).
[[nodiscard]] absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> MakePipe();

}  // namespace conc

#endif  // MODULES_COMMON_FD_H_

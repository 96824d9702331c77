// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Why not framed.h's FrameReader: it blocks in ReadFull(2) until the frame is
// complete. When a writer is SIGKILLed half-way through a frame while another
// process still holds the sending end open (the parent always does), that
// read never returns. Connection reads the same format, but waits in poll(2)
// slices and, between slices, asks the writer lock whether its owner died.

#include "modules/ipc/connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/pipe_shared_page.h"

namespace conc {
namespace {

using internal::BrokenReason;
using internal::DirectionState;

// How long a blocked reader waits in poll(2) before it checks whether the
// writer died or the direction was condemned. Only idle readers wake up this
// often; it bounds how late a reader notices a dead writer.
constexpr int kWatchSliceMs = 50;

// Non-blocking reads that found nothing before a reader sleeps in poll(2).
constexpr int kSpinReads = 32;

// send_bytes copies payloads up to this size next to their header.
constexpr size_t kSmallFrame = 256;

// recv_bytes grows its string by at least this much as bytes arrive, so a
// header that lies (within the limit) costs about twice what was really sent.
constexpr uint64_t kReadChunk = uint64_t{1} << 20;

absl::Status ClosedError() { return MisuseError("handle is closed"); }

}  // namespace

Connection::Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection::Connection(FileDescriptor fd, std::shared_ptr<internal::PipeSharedPage> shared,
                       int end, bool readable, bool writable)
    : fd_(std::move(fd)),
      shared_(std::move(shared)),
      end_(end),
      readable_(readable),
      writable_(writable) {
  IgnoreSigpipe();
  struct stat st;
  is_socket_ = ::fstat(fd_.get(), &st) == 0 && S_ISSOCK(st.st_mode);
  if (is_socket_) {
    nonblocking_reads_ = true;  // recv(MSG_DONTWAIT), per call.
  } else if (readable_ && !writable_) {
    // A pipe's read end is only ever read: make its reads non-blocking (the
    // flag belongs to the open file, so every process sharing this end sees
    // it; all of them read through this class, which expects it).
    const int flags = ::fcntl(fd_.get(), F_GETFL);
    nonblocking_reads_ =
        flags >= 0 && ((flags & O_NONBLOCK) || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) == 0);
  }
}

absl::StatusOr<Connection> Connection::FromFd(int fd, bool readable, bool writable) {
  if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
    return ValueError(absl::StrCat("Connection::FromFd: bad descriptor ", fd));
  }
  if (!readable && !writable) return ValueError("at least one of readable and writable must be true");
  absl::StatusOr<std::shared_ptr<internal::PipeSharedPage>> page = internal::PipeSharedPage::Create();
  if (!page.ok()) return page.status();
  // With a page of its own, this end reads direction 1 and writes direction 0.
  return Connection(FileDescriptor(fd), *std::move(page), 0, readable, writable);
}

absl::StatusOr<Connection> Connection::FromHandle(const ConnectionHandle& h) {
  if (h.fd < 0 || ::fcntl(h.fd, F_GETFD) < 0) {
    return ValueError(absl::StrCat("Connection::FromHandle: bad descriptor ", h.fd,
                                   " (was it in pass_fds?)"));
  }
  if (h.end != 0 && h.end != 1) return ValueError("Connection::FromHandle: bad end");
  if (h.shared_fd < 0) return FromFd(h.fd, h.readable, h.writable);
  absl::StatusOr<std::shared_ptr<internal::PipeSharedPage>> page =
      internal::PipeSharedPage::Attach(h.shared_fd);
  if (!page.ok()) return page.status();
  Connection c(FileDescriptor(h.fd), *std::move(page), h.end, h.readable, h.writable);
  c.max_message_size_ = h.max_message_size;
  return c;
}

ConnectionHandle Connection::handle() const {
  return ConnectionHandle{.fd = fd_.get(),
                          .shared_fd = shared_ ? shared_->fd() : -1,
                          .end = end_,
                          .readable = readable_,
                          .writable = writable_,
                          .max_message_size = max_message_size_};
}

std::vector<int> Connection::fds_to_pass() const {
  std::vector<int> fds;
  if (fd_.valid()) fds.push_back(fd_.get());
  if (shared_) fds.push_back(shared_->fd());
  return fds;
}

absl::Status Connection::close() {
  shared_.reset();
  return fd_.Close();
}

absl::Status Connection::CheckReadable() const {
  if (closed()) return ClosedError();
  if (!readable_) return MisuseError("connection is write-only");
  return absl::OkStatus();
}

absl::Status Connection::CheckWritable() const {
  if (closed()) return ClosedError();
  if (!writable_) return MisuseError("connection is read-only");
  return absl::OkStatus();
}

// --- Sending ---

absl::Status Connection::send_bytes(std::span<const std::byte> buf, size_t offset,
                                    std::optional<size_t> size) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  if (offset > buf.size()) {
    return ValueError(absl::StrCat("buffer length ", buf.size(), " < offset ", offset));
  }
  const size_t n = size.value_or(buf.size() - offset);
  if (n > buf.size() - offset) {
    return ValueError(
        absl::StrCat("buffer length ", buf.size(), " < offset + size (", offset, " + ", n, ")"));
  }
  const uint64_t length = n;
  if (n <= kSmallFrame) {
    // Small frames go out as one contiguous buffer: one copy in user space is
    // cheaper than a two-segment writev/sendmsg.
    std::array<std::byte, kFrameHeaderSize + kSmallFrame> frame;
    std::memcpy(frame.data(), &length, sizeof length);  // Little-endian host.
    if (n > 0) std::memcpy(frame.data() + kFrameHeaderSize, buf.data() + offset, n);
    iovec iov[1] = {{frame.data(), kFrameHeaderSize + n}};
    return WriteLocked(iov, 1);
  }
  std::array<std::byte, kFrameHeaderSize> header;
  std::memcpy(header.data(), &length, sizeof length);  // Little-endian host.
  iovec iov[2] = {
      {header.data(), header.size()},
      {const_cast<std::byte*>(buf.data() + offset), n},
  };
  return WriteLocked(iov, n == 0 ? 1 : 2);
}

absl::Status Connection::SendFrame(std::string frame) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  const uint64_t length = frame.size() - kFrameHeaderSize;
  std::memcpy(frame.data(), &length, sizeof length);
  iovec iov[1] = {{frame.data(), frame.size()}};
  return WriteLocked(iov, 1);
}

absl::Status Connection::WriteLocked(iovec* iov, int count) {
  const int d = end_;  // This end writes direction `end_`.
  DirectionState& state = shared_->direction(d);
  absl::Status locked = state.write_lock.Lock();
  if (IsOwnerDied(locked)) {
    // The previous writer died with the lock: it may have sent part of a frame.
    shared_->MarkBroken(d, BrokenReason::kWriterDied);
    state.write_lock.MarkConsistent();
  } else if (!locked.ok()) {
    return locked;
  }
  if (absl::Status broken = shared_->BrokenStatus(d); !broken.ok()) {
    state.write_lock.Unlock();
    return broken;
  }
  size_t written = 0;
  absl::Status status;
  while (count > 0) {
    ssize_t n;
    if (is_socket_) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(count);
      n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    } else {
      n = ::writev(fd_.get(), iov, count);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoToStatus(errno, "send");
      break;
    }
    written += static_cast<size_t>(n);
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  // Part of a frame went out and the rest never will: condemn the direction.
  if (!status.ok() && written > 0) shared_->MarkBroken(d, BrokenReason::kTruncated);
  state.write_lock.Unlock();
  return status;
}

// --- Receiving ---

template <class Body>
auto Connection::WithReadLock(Body body) -> decltype(body()) {
  const int d = 1 - end_;  // This end reads what the other end writes.
  DirectionState& state = shared_->direction(d);
  absl::Status locked = state.read_lock.Lock();
  if (IsOwnerDied(locked)) {
    // A reader died inside a frame: nobody knows where the next one starts.
    shared_->MarkBroken(d, BrokenReason::kReaderDied);
    state.read_lock.MarkConsistent();
  } else if (!locked.ok()) {
    return locked;
  }
  if (absl::Status broken = shared_->BrokenStatus(d); !broken.ok()) {
    state.read_lock.Unlock();
    return broken;
  }
  auto result = body();
  state.read_lock.Unlock();
  return result;
}

absl::Status Connection::WaitReadable() {
  const int d = 1 - end_;
  DirectionState& state = shared_->direction(d);
  for (;;) {
    if (absl::Status broken = shared_->BrokenStatus(d); !broken.ok()) return broken;
    pollfd p{fd_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, kWatchSliceMs);
    if (r > 0) return absl::OkStatus();  // Data, EOF or an error: read(2) will tell.
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "poll");
    }
    // Idle: did a writer die holding the writer lock (maybe inside a frame)?
    absl::Status probe = state.write_lock.TryLock();
    if (IsOwnerDied(probe)) {
      shared_->MarkBroken(d, BrokenReason::kWriterDied);
      state.write_lock.MarkConsistent();
      state.write_lock.Unlock();
    } else if (probe.ok()) {
      state.write_lock.Unlock();
    }
  }
}

// Reads exactly buf.size() bytes of the stream, under the reader lock.
//
// Small reads go through the direction's shared read-ahead buffer: one read(2)
// takes up to 64 KiB, and the bytes beyond this frame part stay in the shared
// page for whichever reader (in whichever process) comes next. With a queue of
// small messages that is one system call per ~900 of them instead of two per
// message. Parts at least as large as the buffer are read straight into the
// caller's memory, never past their end.
absl::Status Connection::ReadExact(std::span<std::byte> buf, bool in_frame) {
  const int d = 1 - end_;
  DirectionState& state = shared_->direction(d);
  size_t got = 0;
  // What the read-ahead buffer already holds.
  uint32_t begin = state.read_ahead_begin.load(std::memory_order_relaxed);
  const uint32_t end = state.read_ahead_end.load(std::memory_order_relaxed);
  if (begin < end) {
    const size_t take = std::min<size_t>(end - begin, buf.size());
    std::memcpy(buf.data(), state.read_ahead + begin, take);
    got = take;
    begin += static_cast<uint32_t>(take);
    if (begin == end) {
      // Empty it end first, so that poll() never sees begin < end in between.
      state.read_ahead_end.store(0, std::memory_order_release);
      state.read_ahead_begin.store(0, std::memory_order_release);
    } else {
      state.read_ahead_begin.store(begin, std::memory_order_release);
    }
  }
  int empty_reads = 0;
  while (got < buf.size()) {
    // The read-ahead buffer is empty here.
    const size_t want = buf.size() - got;
    const bool direct = want >= internal::kReadAheadBytes;
    std::byte* dest = direct ? buf.data() + got : state.read_ahead;
    const size_t room = direct ? want : internal::kReadAheadBytes;
    if (!nonblocking_reads_) {
      // A descriptor we could not make non-blocking: wait first, then read.
      if (absl::Status s = WaitReadable(); !s.ok()) return s;
    }
    ssize_t n;
    if (is_socket_) {
      n = ::recv(fd_.get(), dest, room, MSG_DONTWAIT);
    } else {
      n = ::read(fd_.get(), dest, room);
    }
    if (n > 0) {
      if (direct) {
        got += static_cast<size_t>(n);
      } else {
        const size_t take = std::min(static_cast<size_t>(n), want);
        std::memcpy(buf.data() + got, state.read_ahead, take);
        got += take;
        if (take < static_cast<size_t>(n)) {
          state.read_ahead_begin.store(static_cast<uint32_t>(take), std::memory_order_release);
          state.read_ahead_end.store(static_cast<uint32_t>(n), std::memory_order_release);
        }
      }
      continue;
    }
    if (n == 0) {
      if (!in_frame && got == 0) return EofError("EOF");
      shared_->MarkBroken(d, BrokenReason::kTruncated);
      return DataLossError(absl::StrCat("truncated message: the stream ended after ", got,
                                        " of ", buf.size(), " bytes of a frame part"));
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // Retry a few times before sleeping in poll(2): a reader that sleeps
      // makes every later write(2) pay for a cross-CPU wake-up, which costs
      // the writer more than the message itself while a stream is flowing.
      if (++empty_reads <= kSpinReads) continue;
      empty_reads = 0;
      if (absl::Status s = WaitReadable(); !s.ok()) return s;
      continue;
    }
    const int err = errno;
    if (in_frame || got > 0) shared_->MarkBroken(d, BrokenReason::kReadError);
    return ErrnoToStatus(err, "recv");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Connection::ReadHeader(uint64_t limit) {
  std::array<std::byte, kFrameHeaderSize> header;
  if (absl::Status s = ReadExact(header, /*in_frame=*/false); !s.ok()) return s;
  uint64_t length = 0;
  std::memcpy(&length, header.data(), sizeof length);
  if (length > limit) {
    shared_->MarkBroken(1 - end_, BrokenReason::kBadLength, length);
    return ValueError(absl::StrCat("bad message length: ", length, " bytes exceeds the limit of ",
                                   limit, " bytes; the connection can no longer be read"));
  }
  return length;
}

absl::StatusOr<std::string> Connection::ReadPayload(uint64_t length) {
  std::string payload;
  uint64_t have = 0;
  while (have < length) {
    const uint64_t target = std::min(length, std::max(kReadChunk, 2 * have));
    payload.resize(target);
    absl::Status s =
        ReadExact(std::as_writable_bytes(std::span(payload)).subspan(have), /*in_frame=*/true);
    if (!s.ok()) return s;
    have = target;
  }
  return payload;
}

absl::StatusOr<std::string> Connection::recv_bytes(std::optional<size_t> maxlength) {
  if (absl::Status s = CheckReadable(); !s.ok()) return s;
  const uint64_t limit = std::min<uint64_t>(max_message_size_, maxlength.value_or(UINT64_MAX));
  return WithReadLock([&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<uint64_t> length = ReadHeader(limit);
    if (!length.ok()) return length.status();
    return ReadPayload(*length);
  });
}

absl::StatusOr<size_t> Connection::recv_bytes_into(std::span<std::byte> buf, size_t offset) {
  if (absl::Status s = CheckReadable(); !s.ok()) return s;
  if (offset > buf.size()) {
    return ValueError(absl::StrCat("offset ", offset, " out of bounds for a buffer of ",
                                   buf.size(), " bytes"));
  }
  return WithReadLock([&]() -> absl::StatusOr<size_t> {
    absl::StatusOr<uint64_t> length = ReadHeader(max_message_size_);
    if (!length.ok()) return length.status();
    const size_t room = buf.size() - offset;
    if (*length > room) {
      // BufferTooShort: consume the message and hand it back with the error.
      absl::StatusOr<std::string> payload = ReadPayload(*length);
      if (!payload.ok()) return payload.status();
      return BufferTooShortError(absl::StrCat("message of ", *length,
                                              " bytes does not fit the buffer (", room,
                                              " bytes after offset ", offset, ")"),
                                 *std::move(payload));
    }
    const size_t n = static_cast<size_t>(*length);
    if (absl::Status s = ReadExact(buf.subspan(offset, n), /*in_frame=*/true); !s.ok()) return s;
    return n;
  });
}

bool Connection::ReadyWithoutDescriptor() const {
  const int d = 1 - end_;
  // A broken direction: recv reports it at once.
  return shared_->broken(d) || shared_->has_read_ahead(d);
}

bool Connection::poll(std::optional<absl::Duration> timeout) {
  if (closed() || !readable_) return false;
  const Deadline deadline = Deadline::FromTimeout(timeout);
  for (;;) {
    if (ReadyWithoutDescriptor()) return true;
    int ms = deadline.remaining_poll_milliseconds();
    if (ms < 0 || ms > kWatchSliceMs) ms = kWatchSliceMs;
    pollfd p{fd_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // recv will report the error.
    if (deadline.expired()) return false;
  }
}

}  // namespace conc

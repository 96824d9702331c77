// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// connection.h: conc::Connection, one end of a `conc::Pipe` (pipe.h): Python's
// `multiprocessing.connection.Connection`.
//
//   Python                                   C++
//   a, b = Pipe()                            auto p = conc::Pipe(); auto& [a, b] = *p;
//   r, w = Pipe(False)                       auto p = conc::Pipe(false);  // first receives
//   w.send(obj); obj = r.recv()              auto s = w.send(obj); auto v = r.recv<T>();
//   w.send_bytes(buf, offset, size)          w.send_bytes(span, offset, size)
//   r.recv_bytes(maxlength)                  r.recv_bytes(maxlength) -> StatusOr<std::string>
//   r.recv_bytes_into(buf, offset)           r.recv_bytes_into(span, offset) -> StatusOr<size_t>
//   r.poll(timeout)                          r.poll(timeout) -> bool
//   c.close(); c.closed; c.fileno()          c.close(); c.closed(); c.fileno()
//   c.readable; c.writable                   c.readable(); c.writable()
//   Process(target=f, args=(conn,))          Process({.pass_fds = c.fds_to_pass()},
//                                                    process_function<f>, c.handle());
//                                            // in f: Connection::FromHandle(h)
//
// Values travel through the project's codec (modules/common/codec.h; Python
// pickles them), in frames with a 64-bit length (framed.h's format): there is
// no 32 MiB or 2 GiB wall, only `max_message_size()` (1 GiB by default), which
// a reader checks against each header BEFORE allocating anything.
//
// SEVERAL WRITERS AND SEVERAL READERS ON ONE END (what Python does not promise,
// and we do). The ends of one Pipe share a small page of shared memory (a
// memfd) holding, for each direction, a writer lock, a reader lock and a
// "broken" flag. The locks are robust process-shared pthread mutexes
// (internal/robust_mutex.h). A writer holds the writer lock for the whole
// frame; a reader holds the reader lock from the first header byte to the last
// payload byte. Small reads go through a 64 KiB read-ahead buffer in the same
// page, which the next reader (in any process) empties before it reads the
// descriptor again, so one read(2) serves many small messages and no byte is
// ever seen by two readers. So every message arrives whole, exactly once, to
// one reader. Forked children inherit the page;
// spawned children get it through `fds_to_pass()` + `handle()` + `FromHandle`.
// If a process dies holding a lock (EOWNERDEAD), or a frame is cut short, the
// direction is marked broken: every later send/recv in that direction, in
// every process, returns DataLoss. No reader ever gets bytes from two frames.
//
// Errors (Python's exception -> code):
//   the peer closed, all earlier messages read   OutOfRange "EOF" (EOFError)
//   the peer closed / vanished while sending     Unavailable (BrokenPipeError;
//                                                never SIGPIPE)
//   a writer or reader died mid-message, or the  DataLoss, for every process
//     stream ended inside a frame                using the direction, for ever
//   a header above maxlength/max_message_size    InvalidArgument naming the size;
//                                                the direction is then broken for
//                                                everyone (Python: OSError "bad
//                                                message length", and closes it)
//   recv_bytes_into's buffer too small           ResourceExhausted, the message
//                                                consumed and attached as payload
//                                                "conc/message" (BufferTooShort)
//   a payload that does not decode as T          DataLoss; the stream stays usable
//   recv on a send-only end / send on a          FailedPrecondition "connection is
//     receive-only end                           write-only" / "... read-only"
//                                                (Python: OSError)
//   any call on a closed connection              FailedPrecondition "handle is
//                                                closed" (Python: OSError)
//   bad offset/size in send_bytes/recv_bytes_into InvalidArgument (ValueError)
//
// To wait on several connections (and process sentinels) at once, use
// conc::wait (wait.h), Python's `multiprocessing.connection.wait`.
//
// Where it differs from Python: `poll` on a closed or send-only end returns
// false (Python raises OSError); a negative poll timeout polls once (as
// Python). The wire format is conc's own (8-byte little-endian lengths), so a
// Connection does not talk to a Python process.
//
// Thread-safety: send/recv*/poll may be called from several threads at once
// (the same locks serialise threads and processes). close(), moving,
// destroying and set_max_message_size must not race with other calls on the
// same object.
//
// Example:
//
//   absl::StatusOr<std::pair<conc::Connection, conc::Connection>> p = conc::Pipe();
//   if (!p.ok()) return p.status();
//   auto& [a, b] = *p;
//   if (absl::Status s = a.send(std::string("Hello, world")); !s.ok()) return s;
//   absl::StatusOr<std::string> got = b.recv<std::string>();  // "Hello, world"

#ifndef MODULES_IPC_CONNECTION_H_
#define MODULES_IPC_CONNECTION_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/fd.h"
#include "modules/common/framed.h"

namespace conc {

namespace internal {
class PipeSharedPage;
struct ConnectionWaitAccess;  // wait.cc
}  // namespace internal

// What a spawned child needs to rebuild a Connection: descriptor numbers (pass
// them with ProcessOptions::pass_fds, see Connection::fds_to_pass) and flags.
// Encodable, so it can be a spawned function's argument.
struct ConnectionHandle {
  int fd = -1;         // The pipe or socket.
  int shared_fd = -1;  // The memfd holding the locks (-1: none).
  int end = 0;         // 0 for Pipe's first end, 1 for its second.
  bool readable = false;
  bool writable = false;
  uint64_t max_message_size = kDefaultMaxFrameSize;
  CONC_CODEC_FIELDS(fd, shared_fd, end, readable, writable, max_message_size);
};

class Connection {
 public:
  // A closed connection (what a moved-from one becomes).
  Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Closes the descriptor (ignoring errors).
  ~Connection();

  // Wraps an inherited descriptor (a socket or a pipe end), taking ownership.
  // The Connection gets locks of its own, shared with its forked copies only:
  // use it when one process (or one process and its forks) uses this end. To
  // share an end of a Pipe with a spawned child, use handle()/FromHandle.
  // Errors: InvalidArgument for a bad descriptor or neither readable nor
  // writable; memfd/mmap errors.
  [[nodiscard]] static absl::StatusOr<Connection> FromFd(int fd, bool readable = true,
                                                         bool writable = true);

  // Rebuilds, in a spawned child, the Connection whose handle() the parent
  // passed (with fds_to_pass() in pass_fds). Takes ownership of both
  // descriptors. The child then shares the parent's locks and broken flags.
  [[nodiscard]] static absl::StatusOr<Connection> FromHandle(const ConnectionHandle& handle);

  // The handle describing this end, for FromHandle in a spawned child.
  [[nodiscard]] ConnectionHandle handle() const;

  // The descriptors a spawned child must inherit (ProcessOptions::pass_fds):
  // the pipe or socket and the memfd of the shared locks.
  [[nodiscard]] std::vector<int> fds_to_pass() const;

  // Python's send(obj): encodes `value` (codec.h) and sends it as one message.
  // Blocks while the OS buffer is full (until readers make room). Errors: see
  // the table above (Unavailable when the reader has gone).
  template <Encodable T>
  [[nodiscard]] absl::Status send(const T& value) {
    std::string frame(kFrameHeaderSize, '\0');
    EncodeTo(value, &frame);
    return SendFrame(std::move(frame));
  }

  // Python's recv(): blocks until a whole message has arrived and decodes it
  // as a T. Errors: OutOfRange at EOF, DataLoss for an undecodable payload or
  // a broken direction, others as in the table above.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<T> recv() {
    absl::StatusOr<std::string> payload = recv_bytes();
    if (!payload.ok()) return payload.status();
    return Decode<T>(*payload);
  }

  // Python's send_bytes(buf, offset, size): sends buf[offset, offset + size)
  // (to the end of buf when `size` is nullopt) as one message. InvalidArgument
  // if offset > buf.size() or offset + size > buf.size().
  [[nodiscard]] absl::Status send_bytes(std::span<const std::byte> buf, size_t offset = 0,
                                        std::optional<size_t> size = std::nullopt);
  [[nodiscard]] absl::Status send_bytes(std::string_view buf) {
    return send_bytes(std::as_bytes(std::span(buf.data(), buf.size())));
  }

  // Python's recv_bytes(maxlength): blocks until a whole message has arrived
  // and returns it. A message longer than `maxlength` (or max_message_size())
  // is InvalidArgument, refused from its header; as in Python (OSError "bad
  // message length"), the direction cannot be read any more (its payload is
  // still in the stream), by anyone.
  [[nodiscard]] absl::StatusOr<std::string> recv_bytes(
      std::optional<size_t> maxlength = std::nullopt);

  // Python's recv_bytes_into(buf, offset): reads the next message into
  // buf[offset, ...) and returns its length. If it does not fit, it is consumed
  // anyway and returned in a ResourceExhausted (BufferTooShort) status, payload
  // "conc/message"; `buf` is then unchanged. InvalidArgument if offset >
  // buf.size().
  [[nodiscard]] absl::StatusOr<size_t> recv_bytes_into(std::span<std::byte> buf,
                                                       size_t offset = 0);

  // Python's poll(timeout): true if a message (or EOF, or an error recv will
  // report) is waiting. nullopt waits forever; zero or negative polls once.
  // False on a closed or send-only connection. With several readers, another
  // may take the message between poll and recv (as in Python).
  [[nodiscard]] bool poll(std::optional<absl::Duration> timeout = absl::ZeroDuration());

  // Closes this process's descriptor. The peer sees EOF once every process
  // holding this end has closed it. Closing twice is OK.
  [[nodiscard]] absl::Status close();

  // The descriptor, or -1 once closed (Python raises OSError).
  [[nodiscard]] int fileno() const { return fd_.get(); }
  [[nodiscard]] bool closed() const { return !fd_.valid(); }
  [[nodiscard]] bool readable() const { return readable_; }
  [[nodiscard]] bool writable() const { return writable_; }

  // The largest message recv* accepts (default 1 GiB). Raise it to receive
  // larger ones; lower it to bound what a hostile peer can make us allocate.
  [[nodiscard]] uint64_t max_message_size() const { return max_message_size_; }
  void set_max_message_size(uint64_t bytes) { max_message_size_ = bytes; }

 private:
  friend absl::StatusOr<std::pair<Connection, Connection>> Pipe(bool duplex);
  friend struct internal::ConnectionWaitAccess;

  // True if a recv would not block for a reason poll(2) on the descriptor
  // cannot see: the direction is broken, or the shared read-ahead buffer
  // (which a reader in any process may have filled) holds bytes. Requires a
  // readable, open connection.
  bool ReadyWithoutDescriptor() const;

  Connection(FileDescriptor fd, std::shared_ptr<internal::PipeSharedPage> shared, int end,
             bool readable, bool writable);

  // Sends `frame`, whose first 8 bytes are reserved for the header.
  absl::Status SendFrame(std::string frame);
  // Writes iov[0..count) (one frame) under the writer lock.
  absl::Status WriteLocked(iovec* iov, int count);
  absl::Status CheckReadable() const;
  absl::Status CheckWritable() const;
  // Reads one header under the reader lock (held by the caller); checks the
  // length against `limit`.
  absl::StatusOr<uint64_t> ReadHeader(uint64_t limit);
  // Reads a payload of `length` bytes, growing the string as bytes arrive.
  absl::StatusOr<std::string> ReadPayload(uint64_t length);
  // Reads exactly buf.size() bytes; `in_frame` if a frame has been started.
  absl::Status ReadExact(std::span<std::byte> buf, bool in_frame);
  // Waits until the descriptor is readable, watching for a dead writer.
  absl::Status WaitReadable();
  // recv_bytes / recv_bytes_into under the reader lock.
  template <class Body>
  auto WithReadLock(Body body) -> decltype(body());

  FileDescriptor fd_;
  std::shared_ptr<internal::PipeSharedPage> shared_;  // Null only when closed.
  int end_ = 0;
  bool readable_ = false;
  bool writable_ = false;
  bool is_socket_ = false;
  bool nonblocking_reads_ = false;  // recv(MSG_DONTWAIT), or an O_NONBLOCK pipe.
  uint64_t max_message_size_ = kDefaultMaxFrameSize;
};

}  // namespace conc

#endif  // MODULES_IPC_CONNECTION_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// mp_connection.h: Python's `multiprocessing.connection` on the wire, so a C++
// process and a Python process talk: a C++ worker serves a Python `Client`,
// and a C++ client calls a Python `Listener`.
//
//   Python                                          C++
//   from multiprocessing.connection import ...      #include "modules/marshalling/mp_connection.h"
//   l = Listener(("127.0.0.1", 0), authkey=k)       auto l = conc::PyListener::Open(conc::PyAddress::Tcp("127.0.0.1", 0), k);
//   l.address                                       l->address()                     // the port chosen
//   c = l.accept()                                  absl::StatusOr<conc::PyConnection> c = l->accept();
//   c = Client(address, authkey=k)                  auto c = conc::PyClient(address, k);
//   c.send(obj); c.recv()                           c->send(conc::PyValue::Int(7)); c->recv();  // pickled
//   c.send_bytes(b); c.recv_bytes(maxlength)        c->send_bytes(b); c->recv_bytes(maxlength);
//   c.poll(timeout), c.close()                      c->poll(timeout), c->close()
//   Listener("\0name", family="AF_UNIX")            conc::PyAddress::Unix(std::string("\0name", 5))
//
// THE WIRE (Lib/multiprocessing/connection.py of Python 3.11, `_send_bytes`,
// `_recv_bytes`, `deliver_challenge`, `answer_challenge`):
//
//   a message    a 4-byte big-endian signed length, then the bytes; a message
//                longer than 0x7fffffff bytes is the length -1 (ff ff ff ff),
//                then an 8-byte big-endian unsigned length, then the bytes
//                (Python 3.8+; every version reads both forms)
//   send/recv    the message is a pickle: PickleDumps(value, 4) / PickleLoads
//                (pickle.h: values only, and nothing a pickle asks is run)
//   the authkey  the side that accepts sends "#CHALLENGE#" + 20 random bytes;
//   challenge    the other answers HMAC-MD5(authkey, those 20 bytes) (16 bytes,
//                OpenSSL's); the first replies "#WELCOME#" or "#FAILURE#".
//                Then the same the other way round. Every handshake message is
//                read with a limit of 256 bytes, as Python does. accept() runs
//                deliver then answer, PyClient answer then deliver, as
//                Listener.accept and Client do. Python 3.12 changed the digest
//                (a "{sha256}" prefix and HMAC-SHA256) and reads this one too.
//
// ERRORS (absl::Status; Python's exception in brackets):
//   the peer closed between messages              OutOfRange "EOF" (EOFError)
//   the peer closed inside a message              DataLoss "got end of file during
//                                                 message" (OSError)
//   a length above maxlength or max_message_size  InvalidArgument "bad message length"
//   (a hostile 2^31 prefix, say), or negative     (OSError), before any payload is
//                                                 read or allocated; the connection
//                                                 is closed, as Python does
//   a wrong authkey, either side                  PermissionDenied "digest received
//                                                 was wrong" / "digest sent was
//                                                 rejected" (AuthenticationError)
//   a handshake message that is not one           InvalidArgument naming what came
//   a pickle that does not load                   PickleLoads's status
//   the peer vanished on send                     Unavailable (BrokenPipeError)
//   accept/connect/handshake past its timeout     DeadlineExceeded
//   a call on a closed connection                 FailedPrecondition (OSError "handle
//                                                 is closed")
// After an error inside a message the stream position is lost and the
// connection is closed; an EOF between messages leaves it closed too.
//
// Where it differs from Python: `authkey` nullopt means no handshake on both
// sides (Python's Listener also skips it for an empty key, and so does this
// one); there is no default authkey from current_process(); accept() and
// PyClient take a timeout covering connect and the handshake (Python's block).
// Only AF_INET (IPv4 literals and "localhost") and AF_UNIX (paths, and
// Linux's abstract names starting with '\0').
//
// Thread-safety: a PyConnection or PyListener is used by one thread at a time
// (Python's are not thread-safe either).

#ifndef MODULES_MARSHALLING_MP_CONNECTION_H_
#define MODULES_MARSHALLING_MP_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/fd.h"
#include "modules/common/timeout.h"
#include "modules/marshalling/pickle.h"

namespace conc {

// The largest message a PyConnection reads unless told otherwise: 1 GiB.
inline constexpr uint64_t kDefaultMaxPyMessageSize = uint64_t{1} << 30;

// An address: ("127.0.0.1", port) for AF_INET, a path for AF_UNIX.
struct PyAddress {
  static PyAddress Tcp(std::string host, uint16_t port) { return {false, std::move(host), port, {}}; }
  // A path, or an abstract name when it starts with '\0'.
  static PyAddress Unix(std::string path) { return {true, {}, 0, std::move(path)}; }

  bool is_unix = false;
  std::string host;
  uint16_t port = 0;
  std::string path;

  // "127.0.0.1:5000", "/tmp/sock", or "@name" for an abstract name.
  std::string ToString() const;
};

class PyConnection {
 public:
  // A connected socket (or any bidirectional descriptor).
  explicit PyConnection(FileDescriptor fd, uint64_t max_message_size = kDefaultMaxPyMessageSize);
  // Two one-way descriptors: read from `read`, write to `write` (pipes).
  PyConnection(FileDescriptor read, FileDescriptor write,
               uint64_t max_message_size = kDefaultMaxPyMessageSize);

  PyConnection(PyConnection&&) noexcept = default;
  PyConnection& operator=(PyConnection&&) noexcept = default;

  // conn.send_bytes(buf): one message.
  [[nodiscard]] absl::Status send_bytes(std::string_view bytes);
  // conn.recv_bytes(maxlength): the next message; see ERRORS. Blocks.
  [[nodiscard]] absl::StatusOr<std::string> recv_bytes(
      std::optional<uint64_t> maxlength = std::nullopt);
  // conn.send(obj): PickleDumps(value, protocol), then send_bytes.
  [[nodiscard]] absl::Status send(const PyValue& value, int protocol = 4);
  // conn.recv(): recv_bytes, then PickleLoads.
  [[nodiscard]] absl::StatusOr<PyValue> recv(const PickleLimits& limits = {});
  // conn.poll(timeout): whether a message (or EOF) can be read without
  // blocking; zero polls once, nullopt waits forever.
  [[nodiscard]] absl::StatusOr<bool> poll(std::optional<absl::Duration> timeout = absl::ZeroDuration());
  // conn.close(). Idempotent.
  void close();
  bool closed() const { return read_fd_.get() < 0; }
  int fileno() const { return read_fd_.get(); }

  // recv_bytes bounded by a deadline (the handshake uses it).
  [[nodiscard]] absl::StatusOr<std::string> recv_bytes_until(std::optional<uint64_t> maxlength,
                                                             const Deadline& deadline);

 private:
  // Reads exactly `size` bytes into `out` (appending); `*got` counts what arrived.
  absl::Status ReadExact(size_t size, std::string* out, const Deadline& deadline, size_t* got);
  absl::Status Fail(absl::Status status);

  FileDescriptor read_fd_;
  FileDescriptor write_fd_;  // Empty when one descriptor does both.
  uint64_t max_message_size_;
};

// multiprocessing.connection.deliver_challenge and answer_challenge, for
// connections made some other way (a socketpair handed to a child, say).
[[nodiscard]] absl::Status deliver_challenge(PyConnection& conn, std::string_view authkey,
                                             const Deadline& deadline = Deadline::Infinite());
[[nodiscard]] absl::Status answer_challenge(PyConnection& conn, std::string_view authkey,
                                            const Deadline& deadline = Deadline::Infinite());

class PyListener {
 public:
  // Listener(address, backlog=backlog, authkey=authkey): binds and listens.
  // Port 0 picks a free port (address() tells which).
  static absl::StatusOr<PyListener> Open(const PyAddress& address,
                                         std::optional<std::string> authkey, int backlog = 1);

  PyListener(PyListener&&) noexcept = default;
  PyListener& operator=(PyListener&&) noexcept = default;
  ~PyListener();

  // listener.accept(): the next connection, authenticated when there is an
  // authkey. `timeout` covers the wait and the handshake.
  [[nodiscard]] absl::StatusOr<PyConnection> accept(
      std::optional<absl::Duration> timeout = std::nullopt);

  // listener.address, with the port actually bound.
  const PyAddress& address() const { return address_; }
  // listener.close(); a non-abstract Unix socket file is removed.
  void close();

 private:
  PyListener(FileDescriptor fd, PyAddress address, std::optional<std::string> authkey)
      : fd_(std::move(fd)), address_(std::move(address)), authkey_(std::move(authkey)) {}
  FileDescriptor fd_;
  PyAddress address_;
  std::optional<std::string> authkey_;
};

// Client(address, authkey=authkey): connects and, with an authkey, answers and
// then delivers the challenge. `timeout` covers connect and the handshake.
[[nodiscard]] absl::StatusOr<PyConnection> PyClient(
    const PyAddress& address, std::optional<std::string> authkey,
    std::optional<absl::Duration> timeout = std::nullopt);

namespace internal {
// The header of a message of `size` bytes: 4 bytes, or 12 in the long form.
std::string PyMessageHeader(uint64_t size);
// HMAC-MD5 of `message` under `key` (16 raw bytes), OpenSSL's.
std::string HmacMd5(std::string_view key, std::string_view message);
}  // namespace internal

}  // namespace conc

#endif  // MODULES_MARSHALLING_MP_CONNECTION_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// socket.h: `conc::Socket`, Python's `socket.socket` for TCP, UDP and Unix-domain
// sockets, and `SocketReader`, the counterpart of `sock.makefile("rb").readline()`.
//
// A `Socket` owns one descriptor (a `conc::FileDescriptor`) and is move-only. Its
// methods keep Python's names: bind, listen, accept, connect, send, sendall, recv,
// recv_into, sendto, recvfrom, settimeout, setblocking, shutdown, close, plus typed
// setters for the options a server needs (SO_REUSEADDR, SO_REUSEPORT,
// TCP_NODELAY, SO_KEEPALIVE). Free functions: `getaddrinfo`, `socketpair`,
// `create_connection`, `create_server` (Python's `socket.create_connection` and
// `socket.create_server`).
//
// Timeouts follow Python's three socket modes exactly:
//   * `settimeout(std::nullopt)` (the default): blocking; every call waits as long
//     as it takes (the descriptor is in blocking mode).
//   * `settimeout(d)` with d > 0: every call waits at most d (the descriptor is put
//     in O_NONBLOCK mode and the call polls, as CPython's sock_call does); a call
//     that runs out of time returns `DeadlineExceeded` ("timed out", Python's
//     `TimeoutError`/`socket.timeout`). The budget is per call, as in Python:
//     `sendall` measures one budget for the whole buffer (Python 3.5+).
//   * `settimeout(0)` or negative, or `setblocking(false)`: non-blocking; a call
//     that would block returns `DeadlineExceeded` at once (Python's
//     `BlockingIOError`; this project's "timed out at zero").
//   Where it differs from Python: a negative timeout is "poll once", as everywhere
//   in conc, where Python's settimeout raises ValueError.
//
// Errors are statuses (modules/common/README.md, the error table):
//   connection refused (ECONNREFUSED), reset (ECONNRESET), a closed peer on send
//   (EPIPE)                                    -> Unavailable
//   timed out, would block                     -> DeadlineExceeded
//   a name that does not resolve (EAI_NONAME)  -> NotFound (Python's gaierror)
//   a closed socket                            -> FailedPrecondition
// No SIGPIPE: every send uses MSG_NOSIGNAL, so writing to a peer that is gone is
// an `Unavailable` status, never a dead process (CPython ignores SIGPIPE at
// start-up for the same effect; conc does not touch the process's signals here).
//
// EINTR is retried inside every call (PEP 475), with the remaining budget.
// Every descriptor is created with SOCK_CLOEXEC (Python's sockets are
// non-inheritable since 3.4, PEP 446).
//
// Example: a TCP echo in one process.
//
//   conc::Socket server = conc::ValueOrDie(conc::create_server("127.0.0.1", 0), "listen");
//   int port = server.getsockname()->port();
//   conc::Socket client = *conc::create_connection("127.0.0.1", port, absl::Seconds(5));
//   auto [conn, peer] = *server.accept();
//   (void)client.sendall("hello\n");
//   conc::SocketReader reader(conn);
//   std::string line = *reader.readline();     // "hello\n"
//   (void)conn.sendall(line);
//   std::string echoed = *client.recv(1024);   // "hello\n" (a stream: may be split)
//
// Thread-safety: thread-compatible, as a `FileDescriptor`: one thread may send
// while another receives on the same socket (the kernel allows it), but
// `settimeout`, `close` and moves need external synchronization.

#ifndef MODULES_SOCKETS_SOCKET_H_
#define MODULES_SOCKETS_SOCKET_H_

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/fd.h"

namespace conc {

// An address of any family: IPv4, IPv6 or Unix-domain (Python uses a tuple
// (host, port), a 4-tuple for IPv6, or a path string).
class SocketAddress {
 public:
  SocketAddress() = default;

  // From a numeric host ("127.0.0.1", "::1") and a port. ValueError for a
  // host that is not numeric (resolve names with `getaddrinfo`) or a port
  // outside 0..65535.
  static absl::StatusOr<SocketAddress> Inet(std::string_view host, int port);

  // A Unix-domain address. A leading '\0' names the abstract namespace (Linux).
  // ValueError when longer than sun_path (108 bytes, the limit that Bazel's
  // TEST_TMPDIR hits).
  static absl::StatusOr<SocketAddress> Unix(std::string_view path);

  // From a raw sockaddr (as accept and recvfrom return it).
  static SocketAddress FromRaw(const sockaddr* addr, socklen_t len);

  int family() const { return storage_.ss_family; }
  // The numeric host ("127.0.0.1"), or the path of a Unix address.
  std::string host() const;
  // The port, or 0 for a Unix address.
  int port() const;
  // "127.0.0.1:8080", "[::1]:8080", or the path.
  std::string ToString() const;

  const sockaddr* raw() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t raw_size() const { return size_; }

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

// socket.getaddrinfo(host, port, family, type): the addresses `host` resolves
// to, in the resolver's order. `family` AF_UNSPEC, AF_INET or AF_INET6; `type`
// SOCK_STREAM or SOCK_DGRAM. Errors: NotFound for a name that does not
// resolve (EAI_NONAME), Unavailable for a temporary failure (EAI_AGAIN),
// InvalidArgument for the rest, each naming gai_strerror's text.
absl::StatusOr<std::vector<SocketAddress>> getaddrinfo(std::string_view host, int port,
                                                       int family = AF_UNSPEC, int type = SOCK_STREAM);

class Socket {
 public:
  // socket.socket(family, type): a new socket (SOCK_CLOEXEC), in blocking mode.
  // `family` AF_INET, AF_INET6 or AF_UNIX; `type` SOCK_STREAM or SOCK_DGRAM.
  static absl::StatusOr<Socket> Create(int family = AF_INET, int type = SOCK_STREAM);

  // Adopts a descriptor (a socket of `family` and `type`). Its blocking mode is
  // taken as is; `settimeout` changes it.
  Socket(FileDescriptor fd, int family, int type);

  // An empty socket (closed); every call fails with FailedPrecondition.
  Socket() = default;
  Socket(Socket&&) noexcept = default;
  Socket& operator=(Socket&&) noexcept = default;
  ~Socket() = default;  // Closes the descriptor.

  int fileno() const { return fd_.get(); }
  int family() const { return family_; }
  int type() const { return type_; }
  bool is_open() const { return fd_.valid(); }

  // --- Options (setsockopt) ---
  absl::Status set_reuse_address(bool on);  // SO_REUSEADDR
  absl::Status set_reuse_port(bool on);     // SO_REUSEPORT: several sockets share a port
  absl::Status set_nodelay(bool on);        // TCP_NODELAY: no Nagle delay on small writes
  absl::Status set_keepalive(bool on);      // SO_KEEPALIVE
  // Any integer option: sock.setsockopt(level, name, value).
  absl::Status setsockopt(int level, int name, int value);
  absl::StatusOr<int> getsockopt(int level, int name) const;

  // settimeout / gettimeout / setblocking: the three modes at the top of this file.
  absl::Status settimeout(std::optional<absl::Duration> timeout);
  std::optional<absl::Duration> gettimeout() const { return timeout_; }
  absl::Status setblocking(bool blocking);

  // --- Addresses ---
  absl::Status bind(const SocketAddress& address);
  absl::Status listen(int backlog = 128);
  absl::StatusOr<SocketAddress> getsockname() const;
  absl::StatusOr<SocketAddress> getpeername() const;

  // Waits for a connection (within the socket's timeout) and returns it with
  // the peer's address. The new socket is blocking (timeout None), as in
  // Python when no default timeout is set.
  absl::StatusOr<std::pair<Socket, SocketAddress>> accept();

  // Connects within the socket's timeout (a non-blocking connect, then a poll
  // for writability and SO_ERROR, as CPython's internal_connect). Errors:
  // Unavailable for refused (ECONNREFUSED), DeadlineExceeded when it timed out.
  absl::Status connect(const SocketAddress& address);

  // --- Data ---
  // Sends some of `data` (at least one byte unless `data` is empty); returns the
  // number sent. MSG_NOSIGNAL: a closed peer is Unavailable, never SIGPIPE.
  absl::StatusOr<size_t> send(std::string_view data);
  // Sends all of `data` within one timeout budget. On error some prefix may have
  // been sent (as in Python, which does not say how much).
  absl::Status sendall(std::string_view data);
  // Receives at most `bufsize` bytes; an empty string means the peer closed
  // (Python's b""). `bufsize` 0 returns "" at once.
  absl::StatusOr<std::string> recv(size_t bufsize);
  // Receives into `buffer`; returns the count, 0 at end of stream.
  absl::StatusOr<size_t> recv_into(std::span<std::byte> buffer);
  // UDP: sends one datagram to `address`; returns the bytes sent.
  absl::StatusOr<size_t> sendto(std::string_view data, const SocketAddress& address);
  // UDP: receives one datagram (truncated to `bufsize`, as in Python) and its sender.
  absl::StatusOr<std::pair<std::string, SocketAddress>> recvfrom(size_t bufsize);

  // shutdown(SHUT_RD / SHUT_WR / SHUT_RDWR): ends one or both directions; the
  // peer's recv then sees end of stream. Does not close the descriptor.
  absl::Status shutdown(int how);
  // Closes the descriptor, reporting close(2)'s error. Closing twice is OK.
  absl::Status close();

 private:
  // Runs `op` (a system call returning -1/errno), retrying EINTR and, in timeout
  // mode, waiting for `events` until the per-call deadline.
  template <class Op>
  absl::StatusOr<ssize_t> Call(const char* what, short events, Op op);
  absl::Status CheckOpen(const char* what) const;

  FileDescriptor fd_;
  int family_ = AF_UNSPEC;
  int type_ = 0;
  std::optional<absl::Duration> timeout_;  // nullopt: blocking; <= 0: non-blocking.
};

// socket.socketpair(family, type): two connected sockets (AF_UNIX by default).
absl::StatusOr<std::pair<Socket, Socket>> socketpair(int family = AF_UNIX, int type = SOCK_STREAM);

// socket.create_connection((host, port), timeout): resolves `host`, tries each
// address in turn, and returns the first socket that connects within
// `timeout` (the whole budget; nullopt waits forever). The socket keeps
// `timeout` for its later calls, as in Python. Errors: the last address's.
absl::StatusOr<Socket> create_connection(std::string_view host, int port,
                                         std::optional<absl::Duration> timeout = std::nullopt);

// socket.create_server((host, port), backlog=, reuse_port=): a listening TCP
// socket with SO_REUSEADDR (as Python sets it on POSIX); `reuse_port` adds
// SO_REUSEPORT. `host` must be numeric ("127.0.0.1"); port 0 picks a free port.
absl::StatusOr<Socket> create_server(std::string_view host, int port, int backlog = 1024,
                                     bool reuse_port = false);

// SocketReader: a buffered reader over a stream socket, the counterpart of
// `sock.makefile("rb")` (readline and read). It borrows the socket, which must
// outlive it, and uses the socket's timeout for each system call.
//
// Where it differs from Python: readline(limit) returns the error
// ResourceExhausted when no newline comes within `limit` bytes (Python returns
// the first `limit` bytes without the newline), because a server must refuse an
// over-long line, not cut it in two silently. The bytes stay buffered.
class SocketReader {
 public:
  explicit SocketReader(Socket& socket, size_t buffer_size = 64 * 1024);

  // A line up to and including '\n'. At end of stream: what is left without a
  // newline (possibly "", which is Python's "EOF"). Errors: ResourceExhausted
  // for a line longer than `limit` bytes (the newline counts), the socket's.
  absl::StatusOr<std::string> readline(size_t limit = 64 * 1024);
  // Exactly `n` bytes, fewer only at end of stream.
  absl::StatusOr<std::string> read(size_t n);
  // Bytes read from the socket but not yet returned.
  size_t buffered() const { return end_ - begin_; }

 private:
  absl::StatusOr<size_t> Fill();  // Reads more; 0 at end of stream.

  Socket* socket_;
  std::string buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_SOCKET_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// streams.h: asyncio's streams over non-blocking TCP and Unix sockets:
// conc::open_connection, conc::start_server, conc::StreamReader,
// conc::StreamWriter and conc::StreamServer.
//
// A connection is a non-blocking socket owned by the loop it was opened on,
// read and written by coroutines. The model is asyncio's selector transport:
//
//   * Reading is pushed: while the stream is open, the loop watches the socket
//     (add_reader) and each time it is readable appends what recv(2) gives
//     (at most 64 KiB a time) to the reader's buffer, waking the task waiting
//     for data. When the buffer holds more than 2 x `limit` bytes, reading
//     pauses (the socket is no longer watched) until a read brings it below
//     `limit`: a peer that sends faster than the task reads costs bounded
//     memory, and TCP's window pushes back on it.
//   * Writing is pulled: write() sends at once what the socket takes and keeps
//     the rest in a buffer that the loop flushes when the socket is writable.
//     write() never blocks; drain() is the back-pressure: it waits while more
//     than `write_high_water` bytes are buffered, until the buffer is down to
//     `write_low_water`.
//
// Python -> C++ (statuses, not exceptions, docs/DESIGN.md; CancelledError is
// the one exception, thrown at the co_await as everywhere in the loop):
//
//   r, w = await asyncio.open_connection(h, p)   auto c = co_await conc::open_connection(h, p);
//                                                 // absl::StatusOr<conc::Stream>; auto& [r, w] = *c;
//   await asyncio.open_unix_connection(path)     co_await conc::open_unix_connection(path);
//   srv = await asyncio.start_server(cb, h, p)   auto srv = co_await conc::start_server(cb, h, p);
//   await r.readline()                           absl::StatusOr<std::string> l = co_await r.readline();
//   await r.read(n)  / r.read()                  co_await r.read(n) / co_await r.read()
//   await r.readexactly(n)                       co_await r.readexactly(n)
//   await r.readuntil(b";")                      co_await r.readuntil(";")
//   r.at_eof()                                   r.at_eof()
//   w.write(data)                                absl::Status s = w.write(data);
//   await w.drain()                              absl::Status s = co_await w.drain();
//   w.write_eof(); w.close(); w.is_closing()     same
//   w.transport.abort()                          w.abort()
//   await w.wait_closed()                        co_await w.wait_closed();
//   w.get_extra_info("peername")                 w.peername()   // "127.0.0.1:54321"
//   w.transport.get_write_buffer_size()          w.buffered()
//
// Errors (the table in modules/common/README.md):
//
//   Python                                       conc
//   ConnectionRefusedError, ConnectionResetError Unavailable (ErrnoToStatus: "connect(127.0.0.1:9): ...")
//   BrokenPipeError (the peer went away)         Unavailable, from write() or drain()
//   IncompleteReadError (EOF inside readexactly) OutOfRange "readexactly: end of stream after K of N bytes"
//   LimitOverrunError (readuntil), ValueError    ResourceExhausted "...longer than the limit..."
//     (readline: line longer than limit)
//   RuntimeError "readuntil() called while       FailedPrecondition (two tasks reading one stream)
//     another coroutine is already waiting"
//   socket.gaierror                              NotFound / Unavailable / InvalidArgument
//
// A line longer than the limit (Python's `limit=`, 64 KiB by default): the
// separator may be at most `limit` bytes from the start of the buffered data.
// readline() then fails with ResourceExhausted and THE CONNECTION SURVIVES: the
// long line is skipped, up to and including its '\n' (the rest of it is
// discarded as it arrives, however long it is), and the next readline() gives
// the line after it. Memory stays bounded by ~2 x limit throughout. This is
// where it differs from Python, whose readline() drops only what is buffered
// and then returns the tail of the long line as if it were a line of its own.
// readuntil() leaves the data in the buffer, as Python's does (read(n) can
// take it).
//
// End of stream: the peer closed its side. readline() returns what is left
// (a last line without '\n') and then "" for ever; read(n) returns "" at EOF;
// readexactly() fails with OutOfRange. Closing our writer also ends reading
// (the socket is gone: reads see end of stream), as in Python.
//
// Where it differs from Python, besides the long lines:
//   * No Protocol/Transport classes to subclass: the reader and writer are the
//     API. `Stream` is the (reader, writer) pair; both are cheap handles to one
//     connection (copies share it) and the socket closes when the last handle
//     goes or at close().
//   * A host name that is not numeric is resolved with a blocking getaddrinfo
//     (asyncio uses a thread): use numeric addresses in a loop that must not
//     stall. A server binds the first address the host resolves to (asyncio
//     binds all of them).
//   * No SSL, no happy eyeballs, no
//     `sock=`. Unix paths starting with '@' name the abstract namespace.
//   * write() returns a status (the writer is closed, or the peer went away);
//     Python's returns None and logs.
//
// Lifetime and threads: streams belong to the loop that opened them and are
// used on its thread only; a stream may outlive the loop (its socket is then
// just closed). Timeouts: wrap any call in conc::timeout or conc::wait_for
// (a cancelled read loses no buffered data).
//
// Example: an echo server and a client (the lesson streams_echo does this).
//
//   conc::Task<void> echo(conc::StreamReader r, conc::StreamWriter w) {
//     for (;;) {
//       absl::StatusOr<std::string> line = co_await r.readline();
//       if (!line.ok() || line->empty()) break;           // error or EOF
//       if (!w.write(*line).ok()) break;
//       absl::Status drained = co_await w.drain();   // not inside ||: g++ 12 fails on it
//       if (!drained.ok()) break;
//     }
//     w.close();
//   }
//   conc::Task<void> main_task() {
//     auto server = co_await conc::start_server(echo, "127.0.0.1", 0);
//     auto conn = co_await conc::open_connection("127.0.0.1", server->port());
//     auto& [reader, writer] = *conn;
//     (void)writer.write("ping\n");
//     absl::StatusOr<std::string> pong = co_await reader.readline();   // "ping\n"
//   }

#ifndef MODULES_GENERATORS_STREAMS_H_
#define MODULES_GENERATORS_STREAMS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/generators/task.h"

namespace conc {

namespace internal {
class StreamTransport;
struct ServerState;
struct StreamAccess;  // makes readers, writers and servers (streams.cc)
}  // namespace internal

// The sizes a connection works with (Python's `limit=` and the transport's
// write-buffer limits).
struct StreamOptions {
  // The longest line readline()/readuntil() accept, and what the reader
  // buffers before it pauses reading (2 x limit). Python's default, 2**16.
  size_t limit = 64 * 1024;
  // drain() waits while more than this is buffered for writing...
  size_t write_high_water = 64 * 1024;
  // ...until the buffer is down to this. Must be <= write_high_water.
  size_t write_low_water = 16 * 1024;
  // The most read() with no size (read to end of stream) gathers before it
  // fails with ResourceExhausted (Python has no bound).
  size_t max_read_all = 64 * 1024 * 1024;
};

// The reading half of a connection: Python's asyncio.StreamReader. A handle:
// copies share the connection. Only one task may wait for data at a time.
class StreamReader {
 public:
  StreamReader() = default;

  // Up to n bytes: what is buffered, or, if nothing is, what the next recv
  // brings (at least one byte); "" at end of stream or for n == 0. With n < 0
  // (Python's read() / read(-1)): everything until end of stream, at most
  // StreamOptions::max_read_all bytes (ResourceExhausted beyond).
  Task<absl::StatusOr<std::string>> read(int64_t n = -1) const;

  // One line, with its '\n'; at end of stream the last, unterminated line,
  // then "". A line longer than the limit: ResourceExhausted, and the line is
  // skipped (see "A line longer than the limit" above).
  Task<absl::StatusOr<std::string>> readline() const;

  // Exactly n bytes; OutOfRange if the stream ends first (the partial data is
  // consumed, as Python's IncompleteReadError.partial is). InvalidArgument for
  // n < 0.
  Task<absl::StatusOr<std::string>> readexactly(int64_t n) const;

  // The data up to and including `separator`; ResourceExhausted if it is not
  // within `limit` bytes (the data stays buffered); OutOfRange if the stream
  // ends before it (the partial data is consumed). InvalidArgument for an
  // empty separator.
  Task<absl::StatusOr<std::string>> readuntil(std::string separator = "\n") const;

  // True once end of stream was seen and the buffer is empty.
  [[nodiscard]] bool at_eof() const;

  // Bytes received and not yet read: those buffered here plus those still in
  // the socket's receive queue (FIONREAD). For a server deciding whether a
  // connection is idle (nothing of a request has arrived) at shutdown.
  [[nodiscard]] size_t pending() const;

  explicit operator bool() const { return t_ != nullptr; }

 private:
  friend struct internal::StreamAccess;
  explicit StreamReader(std::shared_ptr<internal::StreamTransport> t) : t_(std::move(t)) {}
  std::shared_ptr<internal::StreamTransport> t_;
};

// The writing half: Python's asyncio.StreamWriter. A handle: copies share the
// connection.
class StreamWriter {
 public:
  StreamWriter() = default;

  // Sends what the socket takes now and buffers the rest (never blocks).
  // FailedPrecondition after close(); Unavailable once the peer has gone (the
  // data is dropped, as Python's transport drops it).
  absl::Status write(std::string_view data) const;

  // Waits while more than write_high_water bytes are buffered, until the
  // buffer is down to write_low_water. OK, or the write error (Unavailable:
  // the peer went away). After close() it returns at once: close() flushes on
  // its own, and wait_closed() tells when it is done.
  Task<absl::Status> drain() const;

  // Half-closes: shutdown(SHUT_WR) once the buffer is flushed; the peer reads
  // end of stream and we can still read its answer.
  absl::Status write_eof() const;

  // Closes the connection: the buffered data is still sent (even once every
  // handle is gone), then the socket is closed; reads see end of stream at
  // once. Idempotent.
  void close() const;

  // Python's transport.abort(): closes the socket now; buffered data is
  // dropped. For a peer that does not read what close() would send.
  void abort() const;

  // True once close() was called (or the connection failed).
  [[nodiscard]] bool is_closing() const;

  // Returns once the socket is closed (after close() has flushed the buffer,
  // or the peer went away).
  Task<void> wait_closed() const;

  // "host:port" of the peer ("[::1]:port" for IPv6; the path for Unix).
  [[nodiscard]] std::string peername() const;

  // Bytes written but not yet taken by the socket.
  [[nodiscard]] size_t buffered() const;

  explicit operator bool() const { return t_ != nullptr; }

 private:
  friend struct internal::StreamAccess;
  explicit StreamWriter(std::shared_ptr<internal::StreamTransport> t) : t_(std::move(t)) {}
  std::shared_ptr<internal::StreamTransport> t_;
};

// What open_connection returns: Python's (reader, writer) tuple.
struct Stream {
  StreamReader reader;
  StreamWriter writer;

  // Makes a stream of an already connected socket (Python's
  // open_connection(sock=...)): made non-blocking, owned from now on (closed
  // on error too). Runs on the current loop; FailedPrecondition without one.
  static absl::StatusOr<Stream> Adopt(int fd, StreamOptions options = {});
};

// Connects to host:port over TCP (a numeric address, or a name resolved with a
// blocking getaddrinfo; see above). Errors: Unavailable (refused, unreachable),
// the getaddrinfo statuses; wrap in conc::timeout for a connect timeout.
Task<absl::StatusOr<Stream>> open_connection(std::string host, int port,
                                             StreamOptions options = {});

// Connects to a Unix-domain stream socket ('@name': the abstract namespace).
// InvalidArgument for a path longer than sun_path allows.
Task<absl::StatusOr<Stream>> open_unix_connection(std::string path, StreamOptions options = {});

// What a server runs for each connection, as its own task.
using ClientConnected = std::function<Task<void>(StreamReader, StreamWriter)>;

struct StreamServerOptions {
  StreamOptions stream;
  int backlog = 100;        // listen(2)'s backlog (asyncio's default)
  bool reuse_port = false;  // SO_REUSEPORT: several loops may listen on one port
};

// A listening socket and the connections it accepted: Python's
// asyncio.Server. A handle: copies share it. As in Python, the server keeps
// serving until close() (or until its loop is destroyed), whether or not a
// handle is left. Loop thread only.
class StreamServer {
 public:
  StreamServer() = default;

  // The port it listens on (the one the kernel chose for port 0); 0 for Unix.
  [[nodiscard]] int port() const;
  // "127.0.0.1:8888", or the Unix path.
  [[nodiscard]] std::string address() const;
  // Connections whose callback has not returned yet.
  [[nodiscard]] int active_connections() const;
  // Connections accepted since the start.
  [[nodiscard]] uint64_t accepted() const;
  [[nodiscard]] bool is_serving() const;

  // Stops accepting (closes the listening socket); connections go on.
  // Idempotent.
  void close() const;

  // Waits until close() was called and every connection's callback has
  // returned (Python 3.12's semantics).
  Task<void> wait_closed() const;

  // Waits until close() is called. If the awaiting task is cancelled, the
  // server is closed and CancelledError goes on (as in Python).
  // FailedPrecondition if the server is closed or another task already waits
  // here.
  Task<absl::Status> serve_forever() const;

 private:
  friend struct internal::StreamAccess;
  explicit StreamServer(std::shared_ptr<internal::ServerState> s) : s_(std::move(s)) {}
  std::shared_ptr<internal::ServerState> s_;
};

// Listens on host:port (port 0: the kernel picks; "" or "0.0.0.0": every IPv4
// address) and runs `on_client(reader, writer)` as a new task for each
// connection. TCP_NODELAY is set on accepted sockets (as asyncio does).
// Errors: socket/bind/listen's errno through ErrnoToStatus (a port in use is
// EADDRINUSE's status), the getaddrinfo statuses.
Task<absl::StatusOr<StreamServer>> start_server(ClientConnected on_client, std::string host,
                                                int port, StreamServerOptions options = {});

// Python's start_server(cb, sock=sock): serves a socket that is already bound
// and listening (TCP or Unix), owned from now on (made non-blocking, closed on
// error too). For servers that bind their sockets themselves, e.g. one
// SO_REUSEPORT listener per loop.
Task<absl::StatusOr<StreamServer>> start_server_on(ClientConnected on_client, int listening_fd,
                                                   StreamServerOptions options = {});

// The same on a Unix-domain socket path ('@name': abstract; a file path is
// unlinked first if it is a socket, as asyncio does).
Task<absl::StatusOr<StreamServer>> start_unix_server(ClientConnected on_client, std::string path,
                                                     StreamServerOptions options = {});

}  // namespace conc

#endif  // MODULES_GENERATORS_STREAMS_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// server.h: one `conc::Server` interface, seven concurrency models behind it.
//
//   model       how connections are served                     the notes' cell
//   ----------  ---------------------------------------------  -----------------------------
//   iterative   one thread: accept, serve to the end, accept    socketserver.TCPServer
//   thread      a new thread per connection                     ThreadingMixIn
//   pool        a conc::ThreadPoolExecutor runs each connection concurrent.futures + sockets
//   reactor     one thread, non-blocking sockets, epoll         selectors.DefaultSelector
//                 (level-triggered, see below)
//   reuseport   one reactor per CPU, each with its own listener (none: asyncio, gevent and
//                 bound to the same port with SO_REUSEPORT; the  trio run one loop on one
//                 kernel spreads connections over them          core)
//   coroutine   one thread running an event loop; a coroutine   asyncio.start_server
//                 per connection on the loop's streams
//                 (modules/generators/streams.h)
//   coroutine_reuseport                                        (none, as for reuseport)
//               one event loop per CPU, each with its own
//                 SO_REUSEPORT listener
//
// Every model serves a `Protocol` (protocol.h) and enforces the same limits:
//   * the protocol's own (the line length, the header size);
//   * `idle_timeout`: a connection must complete a request within that time of
//     connecting or of its previous request, or it is closed and counted in
//     `timeouts`. The clock restarts on complete requests only, not on every
//     byte, so a stalled half-line and a slowloris client (a header byte every
//     few seconds) are closed as surely as a silent one. Writes are bounded by
//     the same timeout (a client that never reads);
//   * `max_connections`: a connection beyond it is accepted and closed at once
//     (`rejected`); the iterative model serves one at a time by construction.
// A client that breaks a limit, sends garbage or vanishes costs its own
// connection, never the server.
//
// Graceful shutdown (`shutdown()`, also the destructor): the listener closes, so
// new connections are refused; every connection that is idle between requests
// is closed; a connection with a request in flight (bytes received and not yet
// answered, or an answer not yet sent) gets up to `shutdown_grace` to finish.
// Then shutdown returns, with every thread joined.
//
// The reactor is level-triggered: a readable connection gets one read (up to
// 64 KiB) per turn of the loop, so one fast client cannot starve the others,
// and a connection whose answer is not yet sent stops being read (its EPOLLIN
// is dropped until EPOLLOUT drains it), which bounds memory per connection.
// Edge-triggered would save an epoll_ctl on those transitions but oblige every
// read to drain the socket to EAGAIN, which is exactly the unfairness above.
//
// Example:
//
//   auto server = conc::Server::Create(conc::ServerModel::kReactor,
//                                      std::make_shared<conc::LineProtocol>());
//   CHECK((*server)->start().ok());
//   int port = (*server)->port();           // 127.0.0.1:port serves now
//   ...
//   (*server)->shutdown();
//   conc::ServerCounters c = (*server)->counters();
//
// Thread-safety: start, shutdown and the destructor from one owning thread;
// port() and counters() from any thread.

#ifndef MODULES_SOCKETS_SERVER_H_
#define MODULES_SOCKETS_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/sockets/protocol.h"

namespace conc {

enum class ServerModel { kIterative, kThread, kPool, kReactor, kReusePort, kCoroutine, kCoroutineReusePort };

// "iterative", "thread", "pool", "reactor", "reuseport", "coroutine", "coroutine_reuseport".
std::string_view ServerModelName(ServerModel model);
// The inverse; InvalidArgument naming the choices for anything else.
absl::StatusOr<ServerModel> ParseServerModel(std::string_view name);

struct ServerOptions {
  std::string host = "127.0.0.1";  // Numeric; loopback by default.
  int port = 0;                    // 0 picks a free port; see port().
  int backlog = 4096;
  absl::Duration idle_timeout = absl::Seconds(30);
  absl::Duration shutdown_grace = absl::Seconds(5);
  int max_connections = 20000;
  // pool: worker threads; reuseport, coroutine_reuseport: loops. 0: the
  // default (pool 32, loops one per CPU, at least 2).
  int workers = 0;
};

struct ServerCounters {
  uint64_t connections = 0;  // Accepted and served (rejected ones not included).
  uint64_t active = 0;       // Open now.
  uint64_t requests = 0;     // Requests answered (error answers included).
  uint64_t errors = 0;       // Connections closed for a protocol error or an I/O error.
  uint64_t timeouts = 0;     // Connections closed by the idle timeout.
  uint64_t rejected = 0;     // Closed at once: over max_connections.
};

class Server {
 public:
  // A server of `model` serving `protocol`; nothing is bound until start().
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerModel model, std::shared_ptr<const Protocol> protocol,
                                                        ServerOptions options = {});

  virtual ~Server() = default;  // Each model's destructor calls shutdown().

  // Binds, listens and starts serving on background threads. Errors: bind's
  // (port in use), FailedPrecondition when called twice.
  virtual absl::Status start() = 0;
  // The port being served (the chosen one when options.port was 0); 0 before start.
  virtual int port() const = 0;
  // Graceful shutdown, as described above. Blocks until every thread is joined.
  // Idempotent.
  virtual void shutdown() = 0;
  // A snapshot of the counters (each read atomically; not one instant overall).
  virtual ServerCounters counters() const = 0;
  virtual ServerModel model() const = 0;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_SERVER_H_

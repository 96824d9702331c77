// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// load_generator.h: `conc::RunLoad`, the chapter's load generator (the library
// under `bazel run //modules/sockets:load`, load.cc).
//
// N connections, each a ping-pong: send one request, wait for the whole answer,
// record the latency, send the next. Closed-loop, so the rate measured is the
// server's (and the machine's) throughput at N requests in flight, and each
// latency is one round trip. Protocols:
//   line   a line of `message_size` bytes (newline included, letters only, so it
//          is never a command) that the server must echo byte for byte;
//   http   `GET / HTTP/1.1` with `Host`, keep-alive; the answer must be a 200
//          with a Content-Length body (message_size is not used).
//
// The measurement window starts once every connection is connected or has
// failed (at most `connect_timeout` after the start) and lasts `duration`; a
// request counts if it was sent and answered inside the window. After it, each
// connection closes once its answer in flight is in (waiting at most a second),
// so the server sees clean closes, not resets. Latencies go
// into a `LatencyHistogram` (fixed memory, 0.78% precision), one per thread,
// merged at the end.
//
// Machinery: `threads` threads (default 1), each with its own epoll instance
// (level-triggered) and its share of the connections, all non-blocking, with
// TCP_NODELAY. The calling thread only waits and reports progress.
//
// Bounds (InvalidArgument beyond them): the host must be loopback (127.0.0.0/8,
// ::1, or "localhost" meaning 127.0.0.1): this tool never loads another
// machine. 1 <= connections <= kMaxConnections (the caller must allow that many
// descriptors: FailedPrecondition if RLIMIT_NOFILE is lower), 0 < duration <=
// kMaxDuration, 2 <= message_size <= 64 KiB, 1 <= threads <= kMaxThreads.
//
// Errors of the server are counted, never fatal: a refused or failed connect,
// a reset, a server that closes, a wrong answer (the connection is closed).
// A connection that fails is not reopened; when no connection is left, the run
// ends early. RunLoad returns a status only for bad options or if the machine
// refuses an epoll instance or a thread.
//
// Example:
//
//   conc::LoadOptions o;
//   o.port = server->port();
//   o.connections = 50;
//   o.duration = absl::Seconds(5);
//   absl::StatusOr<conc::LoadReport> r = conc::RunLoad(o);
//   // r->requests_per_second(), r->latency.percentile(99), r->resets, ...
//
// Python: none in the standard library; the course's clients are one socket each.

#ifndef MODULES_SOCKETS_LOAD_GENERATOR_H_
#define MODULES_SOCKETS_LOAD_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/sockets/latency_histogram.h"

namespace conc {

enum class LoadProtocol { kLine, kHttp };

struct LoadProgress {
  absl::Duration elapsed;          // Since the measurement window opened.
  uint64_t requests = 0;           // Answered inside the window so far.
  double requests_per_second = 0;  // Over the last interval.
  uint64_t open = 0;               // Connections open now.
  uint64_t errors = 0;             // Connect errors, resets, closes and bad answers so far.
};

struct LoadOptions {
  static constexpr int kMaxConnections = 20000;
  static constexpr int kMaxThreads = 4;
  static constexpr absl::Duration kMaxDuration = absl::Seconds(600);

  std::string host = "127.0.0.1";
  int port = 0;
  LoadProtocol protocol = LoadProtocol::kLine;
  int connections = 50;
  absl::Duration duration = absl::Seconds(5);
  size_t message_size = 64;
  int threads = 1;
  absl::Duration connect_timeout = absl::Seconds(10);
  // Called from RunLoad's thread about once a second of the window (not called
  // when null).
  std::function<void(const LoadProgress&)> progress;
};

struct LoadReport {
  uint64_t requests = 0;            // Sent and answered inside the window.
  absl::Duration window;            // The window's length as measured.
  LatencyHistogram latency;         // Nanoseconds, one value per request counted.
  uint64_t connected = 0;           // Connections established.
  uint64_t connect_errors = 0;      // Refused, timed out or failed to connect.
  uint64_t resets = 0;              // ECONNRESET, EPIPE or another I/O error after connecting.
  uint64_t server_closes = 0;       // The server closed the connection (EOF).
  uint64_t bad_responses = 0;       // An answer that was not the expected one.
  uint64_t open_at_end = 0;         // Connections still open when the window closed.

  double requests_per_second() const;
  uint64_t errors() const { return connect_errors + resets + server_closes + bad_responses; }
};

// "line" or "http"; InvalidArgument naming the choices otherwise.
absl::StatusOr<LoadProtocol> ParseLoadProtocol(std::string_view name);
std::string_view LoadProtocolName(LoadProtocol protocol);

// True for a numeric loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z) and "localhost".
bool IsLoopbackHost(std::string_view host);

// "HOST:PORT" or "[V6]:PORT" into its parts; InvalidArgument for anything else.
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view server);

// Runs the load described above; blocks for about connect time + duration.
absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options);

}  // namespace conc

#endif  // MODULES_SOCKETS_LOAD_GENERATOR_H_

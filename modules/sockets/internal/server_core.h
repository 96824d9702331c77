// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// server_core.h: what the server models share (implementation only).
//
//   AtomicCounters  the counters, relaxed atomics (each a statistic on its own;
//                   nothing is ordered by them).
//   StopEvent       an eventfd written once by shutdown() and never read, so it
//                   stays readable: every thread that polls it beside its own
//                   socket wakes, and later polls see it at once.
//   ServeBlocking   one connection's loop in the blocking models.
//   MakeReactorServer  the epoll models (reactor.cc).
//   MakeCoroutineServer  the event-loop models (coroutine_server.cc).

#ifndef MODULES_SOCKETS_INTERNAL_SERVER_CORE_H_
#define MODULES_SOCKETS_INTERNAL_SERVER_CORE_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "modules/common/fd.h"
#include "modules/sockets/protocol.h"
#include "modules/sockets/server.h"
#include "modules/sockets/socket.h"

namespace conc::internal {

struct AtomicCounters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> active{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> rejected{0};
  ServerCounters Snapshot() const;
};

class StopEvent {
 public:
  static absl::StatusOr<StopEvent> Create();
  StopEvent() = default;
  void Set();
  bool is_set() const;
  int fd() const { return fd_.get(); }

 private:
  explicit StopEvent(FileDescriptor fd) : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

// Serves `conn` until the client closes, a limit or error ends it, or the stop
// event is set and no request is in flight (see server.h, graceful shutdown).
// Counts requests, errors and timeouts (not connections or active).
void ServeBlocking(Socket conn, const Protocol& protocol, const ServerOptions& options, const StopEvent& stop,
                   AtomicCounters& counters);

// kReactor (one loop) or kReusePort (several loops sharing the port).
absl::StatusOr<std::unique_ptr<Server>> MakeReactorServer(ServerModel model, std::shared_ptr<const Protocol> protocol,
                                                          ServerOptions options);

// kCoroutine (one event loop) or kCoroutineReusePort (one per CPU), on the
// event loop's streams (coroutine_server.cc).
absl::StatusOr<std::unique_ptr<Server>> MakeCoroutineServer(ServerModel model, std::shared_ptr<const Protocol> protocol,
                                                            ServerOptions options);

}  // namespace conc::internal

#endif  // MODULES_SOCKETS_INTERNAL_SERVER_CORE_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// work_queue_server.h: conc::WorkQueueServer, the gRPC work queue of
// work_queue.proto: tasks submitted, run by the server's workers, watched,
// cancelled and queried, over all four call kinds (unary, server streaming,
// client streaming, bidirectional).
//
// One server, two gRPC server APIs behind it, chosen by `api`:
//
//   * kSync, the synchronous API (grpc::Service): each call is a function on a
//     thread of gRPC's pool that blocks until it is done. Watch and Session
//     sleep on the queue between events and poll ServerContext::IsCancelled()
//     every few milliseconds. Easy to read; one thread per call in flight.
//   * kCallback, the callback ("reactor") API (grpc::CallbackService): each
//     streaming call is a reactor object whose methods gRPC calls when a read or
//     a write completes (OnReadDone, OnWriteDone) or the call is cancelled
//     (OnCancel); a worker's step starts the next write. No thread waits for
//     anything, so ten thousand idle watchers cost ten thousand small objects.
//   * The completion-queue ("async") API, the third, is not used: there the
//     application owns the completion queues and their threads, and drives each
//     call as a state machine of tags it polls for (Next). That is what the
//     callback API was built to hide: gRPC runs the polling itself and calls the
//     reactor, with the same thread-free scaling, without the tag bookkeeping.
//
// Both APIs run over one core (internal/work_queue_core.h), so they answer
// identically; work_queue_test runs every test against both.
//
// Also: the standard health service (grpc.health.v1, SERVING while the server
// takes work), keepalive matching the client's (grpc_call.h), and graceful
// shutdown: StartDraining() turns health to NOT_SERVING and refuses new tasks
// with UNAVAILABLE, so load balancers and clients move away while calls in
// flight go on; Shutdown(grace) then lets calls in flight finish for up to
// `grace`, cancels what is left, cancels unfinished tasks and joins the workers.
//
// Cancellation: a Watch with cancel_on_abandon, and every task of a Session,
// is cancelled when its call is (the client's ClientContext::TryCancel, its
// deadline, or its connection dropping), and the worker takes no further step.
//
//   absl::StatusOr<std::unique_ptr<conc::WorkQueueServer>> server =
//       conc::WorkQueueServer::Start({.address = "127.0.0.1:0"});
//   if (!server.ok()) return server.status();
//   conc::WorkQueueClient client((*server)->target());
//   ...
//   (*server)->Shutdown(absl::Seconds(5));
//
// Where it differs from Python: grpcio's server is the synchronous API over a
// concurrent.futures.ThreadPoolExecutor you pass in (grpc.server(executor)),
// and grpc.aio the coroutine one; its handlers stream by yielding, and learn of
// a cancel through context.is_active() or add_callback. Health and keepalive
// are the same protocol and the same options.

#ifndef MODULES_SOCKETS_WORK_QUEUE_SERVER_H_
#define MODULES_SOCKETS_WORK_QUEUE_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "modules/common/internal/mutex.h"
#include "modules/sockets/internal/work_queue_core.h"

namespace conc {

enum class ServerApi { kSync, kCallback };

struct WorkQueueServerOptions {
  std::string address = "127.0.0.1:0";  // port 0: the kernel picks one (port())
  ServerApi api = ServerApi::kSync;
  int workers = 2;                      // threads that run tasks
  size_t max_finished_tasks = 100'000;  // ended tasks remembered for Status/Watch
};

class WorkQueueServer {
 public:
  // Unavailable if the address cannot be bound (a port in use included: gRPC's
  // default SO_REUSEPORT is turned off).
  static absl::StatusOr<std::unique_ptr<WorkQueueServer>> Start(WorkQueueServerOptions options);
  ~WorkQueueServer();  // Shutdown(absl::ZeroDuration())
  WorkQueueServer(const WorkQueueServer&) = delete;
  WorkQueueServer& operator=(const WorkQueueServer&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT" (the host of the address, the port chosen): what clients dial.
  const std::string& target() const { return target_; }
  ServerApi api() const { return api_; }

  // Health NOT_SERVING; Submit, SubmitBatch and Session refuse new tasks with
  // UNAVAILABLE. Everything else keeps working. Idempotent.
  void StartDraining();
  // StartDraining, then stop: calls in flight get up to `grace` to finish, then
  // are cancelled; unfinished tasks are cancelled; the workers are joined.
  // Idempotent; the first call's grace counts.
  void Shutdown(absl::Duration grace);

  // Steps taken by the workers since Start (cancellation stops its growth).
  int64_t steps_executed() const { return core_->steps_executed(); }

 private:
  WorkQueueServer() = default;

  ServerApi api_ = ServerApi::kSync;
  int port_ = 0;
  std::string target_;
  std::unique_ptr<internal::WorkQueueCore> core_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  internal::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_WORK_QUEUE_SERVER_H_

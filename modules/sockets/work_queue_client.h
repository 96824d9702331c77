// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// work_queue_client.h: conc::WorkQueueClient, the client of the work queue
// (work_queue.proto), one method per RPC plus the health check.
//
// Every call has a deadline: the timeout passed to it, or the client's
// default_timeout (30 s), through SetCallTimeout (grpc_call.h); a call that
// runs past it fails with DeadlineExceeded. Statuses are gRPC's, mapped to
// absl::Status by FromGrpcStatus (grpc_status.h): NotFound for an unknown task,
// InvalidArgument for a bad task, Unavailable when no server answers or it is
// draining, Cancelled when the call was cancelled.
//
// Streams take a callback per message. Watch's on_progress returning false
// cancels the call (ClientContext::TryCancel): with cancel_on_abandon the
// server then cancels the task and its worker takes no further step.
//
//   conc::WorkQueueClient client(server->target());
//   absl::StatusOr<int64_t> id = client.Submit(conc::TaskSpecOf(conc::sockets::SUM_OF_SQUARES, 10));
//   absl::StatusOr<conc::sockets::TaskStatus> done =
//       client.Watch(*id, [](const conc::sockets::Progress& p) { return true; });
//   // done->result() == 385
//
// The channel is shared by every call and thread (gRPC multiplexes the calls on
// one HTTP/2 connection); the client is thread-safe. Keepalive as in grpc_call.h.
//
// Where it differs from Python: grpcio's stub methods raise grpc.RpcError, and
// a streaming call is an iterator you stop reading (call.cancel() cancels);
// here every result is a StatusOr and a stream is a callback.

#ifndef MODULES_SOCKETS_WORK_QUEUE_CLIENT_H_
#define MODULES_SOCKETS_WORK_QUEUE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "modules/sockets/health.grpc.pb.h"
#include "modules/sockets/work_queue.grpc.pb.h"

namespace conc {

// A task of `kind`: n steps, each followed by a pause of step_delay_ms.
sockets::TaskSpec TaskSpecOf(sockets::TaskKind kind, int64_t n, int32_t step_delay_ms = 0);

struct WorkQueueClientOptions {
  absl::Duration default_timeout = absl::Seconds(30);  // for calls given none
};

class WorkQueueClient {
 public:
  using Timeout = std::optional<absl::Duration>;  // nullopt: default_timeout

  // `target` is "HOST:PORT". Connecting is lazy: the first call connects.
  explicit WorkQueueClient(const std::string& target, WorkQueueClientOptions options = {});

  absl::StatusOr<int64_t> Submit(const sockets::TaskSpec& spec, Timeout timeout = std::nullopt);
  absl::StatusOr<sockets::TaskStatus> Status(int64_t task_id, Timeout timeout = std::nullopt);
  absl::StatusOr<sockets::TaskStatus> Cancel(int64_t task_id, Timeout timeout = std::nullopt);

  // Streams the task's progress to on_progress (false: stop, cancelling the call)
  // and returns its final status. Cancelled if on_progress stopped it.
  absl::StatusOr<sockets::TaskStatus> Watch(
      int64_t task_id, const std::function<bool(const sockets::Progress&)>& on_progress,
      bool cancel_on_abandon = false, Timeout timeout = std::nullopt);

  // Sends every spec on one client stream; the server's summary.
  absl::StatusOr<sockets::BatchSummary> SubmitBatch(const std::vector<sockets::TaskSpec>& specs,
                                                    Timeout timeout = std::nullopt);

  // Sends every spec (tagged "0", "1", ... by position) on a bidirectional
  // stream from a second thread while this one passes each event, as tasks
  // finish, to on_event (false: stop, cancelling the call and the session's
  // unfinished tasks).
  absl::Status Session(const std::vector<sockets::TaskSpec>& specs,
                       const std::function<bool(const sockets::SessionEvent&)>& on_event,
                       Timeout timeout = std::nullopt);

  // grpc.health.v1 Check for `service` ("" for the whole server).
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> CheckHealth(
      const std::string& service = "", Timeout timeout = std::nullopt);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  absl::Duration TimeoutOf(Timeout timeout) const { return timeout.value_or(options_.default_timeout); }
  // Status and Cancel: a TaskRef in, a TaskStatus out.
  using TaskMethod = grpc::Status (sockets::WorkQueue::Stub::*)(grpc::ClientContext*,
                                                                const sockets::TaskRef&,
                                                                sockets::TaskStatus*);
  absl::StatusOr<sockets::TaskStatus> CallOnTask(TaskMethod method, int64_t task_id, Timeout timeout);

  WorkQueueClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sockets::WorkQueue::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_WORK_QUEUE_CLIENT_H_

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/work_queue_client.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "modules/sockets/grpc_call.h"
#include "modules/sockets/grpc_status.h"

namespace conc {

sockets::TaskSpec TaskSpecOf(sockets::TaskKind kind, int64_t n, int32_t step_delay_ms) {
  sockets::TaskSpec spec;
  spec.set_kind(kind);
  spec.set_n(n);
  spec.set_step_delay_ms(step_delay_ms);
  return spec;
}

WorkQueueClient::WorkQueueClient(const std::string& target, WorkQueueClientOptions options)
    : options_(options),
      channel_(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                         ClientChannelArguments())),
      stub_(sockets::WorkQueue::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

absl::StatusOr<int64_t> WorkQueueClient::Submit(const sockets::TaskSpec& spec, Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  sockets::SubmitRequest request;
  *request.mutable_spec() = spec;
  sockets::SubmitReply reply;
  if (absl::Status s = FromGrpcStatus(stub_->Submit(&context, request, &reply)); !s.ok()) return s;
  return reply.task_id();
}

absl::StatusOr<sockets::TaskStatus> WorkQueueClient::CallOnTask(TaskMethod method, int64_t task_id,
                                                                Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  sockets::TaskRef request;
  request.set_task_id(task_id);
  sockets::TaskStatus reply;
  absl::Status status = FromGrpcStatus(((*stub_).*method)(&context, request, &reply));
  if (!status.ok()) return status;
  return reply;
}

absl::StatusOr<sockets::TaskStatus> WorkQueueClient::Status(int64_t task_id, Timeout timeout) {
  return CallOnTask(&sockets::WorkQueue::Stub::Status, task_id, timeout);
}

absl::StatusOr<sockets::TaskStatus> WorkQueueClient::Cancel(int64_t task_id, Timeout timeout) {
  return CallOnTask(&sockets::WorkQueue::Stub::Cancel, task_id, timeout);
}

absl::StatusOr<sockets::TaskStatus> WorkQueueClient::Watch(
    int64_t task_id, const std::function<bool(const sockets::Progress&)>& on_progress,
    bool cancel_on_abandon, Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  sockets::WatchRequest request;
  request.set_task_id(task_id);
  request.set_cancel_on_abandon(cancel_on_abandon);
  std::unique_ptr<grpc::ClientReader<sockets::WatchEvent>> reader =
      stub_->Watch(&context, request);
  sockets::WatchEvent event;
  std::optional<sockets::TaskStatus> final_status;
  while (reader->Read(&event)) {
    if (event.has_final()) {
      final_status = event.final();
    } else if (!on_progress(event.progress())) {
      // Cancel, then drain: Finish must see the end of the stream.
      context.TryCancel();
      while (reader->Read(&event)) {
      }
      reader->Finish().ok();
      return absl::CancelledError(absl::StrCat("stopped watching task ", task_id));
    }
  }
  if (absl::Status s = FromGrpcStatus(reader->Finish()); !s.ok()) return s;
  if (!final_status) return absl::InternalError("the stream ended without a final status");
  return *final_status;
}

absl::StatusOr<sockets::BatchSummary> WorkQueueClient::SubmitBatch(
    const std::vector<sockets::TaskSpec>& specs, Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  sockets::BatchSummary summary;
  std::unique_ptr<grpc::ClientWriter<sockets::SubmitRequest>> writer =
      stub_->SubmitBatch(&context, &summary);
  sockets::SubmitRequest request;
  for (const sockets::TaskSpec& spec : specs) {
    *request.mutable_spec() = spec;
    if (!writer->Write(request)) break;  // the call failed: Finish says why
  }
  writer->WritesDone();
  if (absl::Status s = FromGrpcStatus(writer->Finish()); !s.ok()) return s;
  return summary;
}

absl::Status WorkQueueClient::Session(
    const std::vector<sockets::TaskSpec>& specs,
    const std::function<bool(const sockets::SessionEvent&)>& on_event, Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  std::shared_ptr<grpc::ClientReaderWriter<sockets::SessionRequest, sockets::SessionEvent>> stream =
      stub_->Session(&context);
  // One thread writes, this one reads: gRPC allows one of each at a time.
  std::thread writer([&] {
    sockets::SessionRequest request;
    for (size_t i = 0; i < specs.size(); ++i) {
      *request.mutable_spec() = specs[i];
      request.set_tag(absl::StrCat(i));
      if (!stream->Write(request)) return;
    }
    stream->WritesDone();
  });
  sockets::SessionEvent event;
  bool stopped = false;
  while (stream->Read(&event)) {
    if (!stopped && !on_event(event)) {
      stopped = true;
      context.TryCancel();  // the writer's next Write fails; Read drains
    }
  }
  writer.join();
  absl::Status status = FromGrpcStatus(stream->Finish());
  if (stopped) return absl::CancelledError("stopped the session");
  return status;
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> WorkQueueClient::CheckHealth(
    const std::string& service, Timeout timeout) {
  grpc::ClientContext context;
  SetCallTimeout(context, TimeoutOf(timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse reply;
  if (absl::Status s = FromGrpcStatus(health_->Check(&context, request, &reply)); !s.ok()) return s;
  return reply.status();
}

}  // namespace conc

// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// WorkQueueServer: building, health, shutdown; and the synchronous service.

#include "modules/sockets/work_queue_server.h"

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "modules/common/internal/mutex.h"
#include "modules/sockets/grpc_call.h"
#include "modules/sockets/grpc_status.h"
#include "modules/sockets/internal/work_queue_services.h"
#include "modules/sockets/work_queue.grpc.pb.h"

namespace conc {
namespace internal {
namespace {

using sockets::WorkQueue;

// The synchronous API: each handler runs on a gRPC thread until its call is done.
class SyncWorkQueueService final : public WorkQueue::Service {
 public:
  explicit SyncWorkQueueService(WorkQueueCore* core) : core_(core) {}

  grpc::Status Submit(grpc::ServerContext*, const sockets::SubmitRequest* request,
                      sockets::SubmitReply* reply) override {
    absl::StatusOr<int64_t> id = core_->Submit(request->spec());
    if (!id.ok()) return ToGrpcStatus(id.status());
    reply->set_task_id(*id);
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext*, const sockets::TaskRef* request,
                      sockets::TaskStatus* reply) override {
    absl::StatusOr<sockets::TaskStatus> status = core_->Get(request->task_id());
    if (!status.ok()) return ToGrpcStatus(status.status());
    *reply = *std::move(status);
    return grpc::Status::OK;
  }

  grpc::Status Cancel(grpc::ServerContext*, const sockets::TaskRef* request,
                      sockets::TaskStatus* reply) override {
    absl::StatusOr<sockets::TaskStatus> status =
        core_->Cancel(request->task_id(), kCancelledByClient);
    if (!status.ok()) return ToGrpcStatus(status.status());
    *reply = *std::move(status);
    return grpc::Status::OK;
  }

  // One Progress per step, then the final status. Between events the thread
  // sleeps on the core in short slices, to notice a cancelled call.
  grpc::Status Watch(grpc::ServerContext* context, const sockets::WatchRequest* request,
                     grpc::ServerWriter<sockets::WatchEvent>* writer) override {
    const int64_t id = request->task_id();
    int64_t sent = 0;
    while (true) {
      const uint64_t seen = core_->version();
      absl::StatusOr<sockets::TaskStatus> status = core_->Get(id);
      if (!status.ok()) return ToGrpcStatus(status.status());
      // (WriteOptions::set_buffer_hint on all but the last known step was tried:
      // gRPC 1.51 then holds each write for milliseconds, 3x slower over all.)
      bool written = true;
      while (written && sent < status->steps_done()) {
        written = writer->Write(ProgressEvent(id, ++sent, status->total_steps()));
      }
      if (written && IsEnded(status->state())) {
        writer->Write(FinalEvent(*status));
        return grpc::Status::OK;
      }
      if (!written || context->IsCancelled()) {
        if (request->cancel_on_abandon()) core_->Cancel(id, kWatcherWentAway).IgnoreError();
        return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
      }
      core_->WaitForChange(seen, kCancelPollInterval);
    }
  }

  grpc::Status SubmitBatch(grpc::ServerContext*, grpc::ServerReader<sockets::SubmitRequest>* reader,
                           sockets::BatchSummary* summary) override {
    sockets::SubmitRequest request;
    while (reader->Read(&request)) Account(core_->Submit(request.spec()), summary);
    return grpc::Status::OK;
  }

  // Two threads: this one writes events as tasks finish; a reader thread submits
  // what arrives. The session's tasks are cancelled if the call is.
  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<sockets::SessionEvent, sockets::SessionRequest>* stream) override {
    struct Shared {
      Mutex mu;
      std::vector<std::pair<std::string, int64_t>> pending ABSL_GUARDED_BY(mu);  // tag, task id
      std::vector<sockets::SessionEvent> ready ABSL_GUARDED_BY(mu);  // rejections, to write
      bool reader_done ABSL_GUARDED_BY(mu) = false;
    } shared;
    std::thread reader([&] {
      sockets::SessionRequest request;
      while (stream->Read(&request)) {
        absl::StatusOr<int64_t> id = core_->Submit(request.spec());
        MutexLock lock(shared.mu);
        if (id.ok()) {
          shared.pending.emplace_back(request.tag(), *id);
        } else {
          shared.ready.push_back(Rejected(request.tag(), id.status()));
        }
      }
      {
        MutexLock lock(shared.mu);
        shared.reader_done = true;
      }
      core_->Poke();
    });
    grpc::Status result = grpc::Status::OK;
    while (true) {
      const uint64_t seen = core_->version();
      std::vector<sockets::SessionEvent> out;
      bool done;
      {
        MutexLock lock(shared.mu);
        out.swap(shared.ready);
        for (auto it = shared.pending.begin(); it != shared.pending.end();) {
          absl::StatusOr<sockets::TaskStatus> status = core_->Get(it->second);
          if (!status.ok() || IsEnded(status->state())) {
            out.push_back(status.ok() ? Finished(it->first, *status)
                                      : Rejected(it->first, status.status()));
            it = shared.pending.erase(it);
          } else {
            ++it;
          }
        }
        done = shared.reader_done && shared.pending.empty();
      }
      bool written = true;
      for (const sockets::SessionEvent& event : out) written = written && stream->Write(event);
      if (done && written) break;
      if (!written || context->IsCancelled()) {
        result = grpc::Status(grpc::StatusCode::CANCELLED, "the session was cancelled");
        MutexLock lock(shared.mu);
        for (const auto& [tag, id] : shared.pending) {
          core_->Cancel(id, kSessionWentAway).IgnoreError();
        }
        break;
      }
      core_->WaitForChange(seen, kCancelPollInterval);
    }
    // A cancelled call makes Read return false, so the reader ends; after a
    // normal end it has already seen the half-close.
    reader.join();
    return result;
  }

 private:
  WorkQueueCore* core_;
};

}  // namespace

void Account(const absl::StatusOr<int64_t>& id, sockets::BatchSummary* summary) {
  if (id.ok()) {
    summary->add_task_ids(*id);
    summary->set_accepted(summary->accepted() + 1);
    return;
  }
  if (summary->rejected() == 0) summary->set_first_error(std::string(id.status().message()));
  summary->set_rejected(summary->rejected() + 1);
}

sockets::SessionEvent Finished(const std::string& tag, const sockets::TaskStatus& status) {
  sockets::SessionEvent event;
  event.set_tag(tag);
  *event.mutable_finished() = status;
  return event;
}

sockets::SessionEvent Rejected(const std::string& tag, const absl::Status& why) {
  sockets::SessionEvent event;
  event.set_tag(tag);
  event.set_rejected(absl::StrCat(absl::StatusCodeToString(why.code()), ": ", why.message()));
  return event;
}

std::unique_ptr<grpc::Service> MakeSyncWorkQueueService(WorkQueueCore* core) {
  return std::make_unique<SyncWorkQueueService>(core);
}

}  // namespace internal

absl::StatusOr<std::unique_ptr<WorkQueueServer>> WorkQueueServer::Start(
    WorkQueueServerOptions options) {
  std::unique_ptr<WorkQueueServer> server(new WorkQueueServer());
  server->api_ = options.api;
  server->core_ =
      std::make_unique<internal::WorkQueueCore>(options.workers, options.max_finished_tasks);
  server->service_ = options.api == ServerApi::kSync
                         ? internal::MakeSyncWorkQueueService(server->core_.get())
                         : internal::MakeCallbackWorkQueueService(server->core_.get());
  // grpc.health.v1, answered by libgrpc++ itself; a process-wide switch, read
  // when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  ConfigureServerKeepalive(builder);
  // gRPC sets SO_REUSEPORT by default, so a second server on a port in use would
  // silently share its connections; refuse instead, as bind() does.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    if (server->server_ != nullptr) server->server_->Shutdown();
    {
      internal::MutexLock lock(server->shutdown_mu_);
      server->shut_down_ = true;  // the destructor has nothing left to do
    }
    server->core_->Stop();
    return absl::UnavailableError(absl::StrCat("cannot serve on ", options.address));
  }
  const size_t colon = options.address.rfind(':');
  server->target_ = absl::StrCat(options.address.substr(0, colon), ":", server->port_);
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(true);
    health->SetServingStatus(sockets::WorkQueue::service_full_name(), true);
  }
  return server;
}

WorkQueueServer::~WorkQueueServer() { Shutdown(absl::ZeroDuration()); }

void WorkQueueServer::StartDraining() {
  core_->StartDraining();
  if (server_ == nullptr) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(false);  // "" and every named service
  }
}

void WorkQueueServer::Shutdown(absl::Duration grace) {
  internal::MutexLock lock(shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  StartDraining();
  // Shutdown(deadline) stops accepting calls, waits for those in flight until the
  // deadline (system clock: gRPC's API for it), then cancels the rest and
  // returns once every handler and reactor is done.
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
  core_->Stop();
}

}  // namespace conc
